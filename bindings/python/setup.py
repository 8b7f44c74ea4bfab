"""Builds libhistlog.so with the Swift toolchain and bundles it inside the package.

`pip install ./bindings/python` runs `swift build -c release --product histlog` in the Swift
package that holds this directory (found by walking up to Package.swift; $HISTLOG_SOURCE_DIR
overrides) and copies the library to histlog/libhistlog.so. The wheel is platform-specific but
not tied to a Python version: the library is loaded through ctypes.

The sdist also carries Package.swift, Include/ and the folders of the Swift targets
libhistlog.so is built from, at its top level next to this file, so that it builds on its own.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import List

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
LIBRARY_PRODUCT = "histlog"
LIBRARY = "libhistlog.so"


def swift_package_root() -> Path:
    override = os.environ.get("HISTLOG_SOURCE_DIR")
    if override:
        root = Path(override).resolve()
        if not (root / "Package.swift").is_file():
            raise RuntimeError(f"HISTLOG_SOURCE_DIR={override} has no Package.swift")
        return root
    for directory in (HERE, *HERE.parents):
        if (directory / "Package.swift").is_file():
            return directory
    raise RuntimeError(
        f"no Package.swift above {HERE}: build from a histlog checkout, or set HISTLOG_SOURCE_DIR to one"
    )


def version() -> str:
    header = (swift_package_root() / "Include" / "histlog.h").read_text()
    parts = [re.search(rf"#define HL_VERSION_{part} (\d+)", header).group(1) for part in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def swift(*arguments: str, root: Path, capture: bool = False) -> str:
    command = [os.environ.get("SWIFT", "swift"), *arguments]
    if not capture:
        print("histlog: " + " ".join(command) + f"  (in {root})", flush=True)
    try:
        result = subprocess.run(command, cwd=root, check=True, stdout=subprocess.PIPE if capture else None, text=True)
    except FileNotFoundError:
        raise RuntimeError("building libhistlog.so needs the Swift toolchain (`swift` on PATH, or $SWIFT)") from None
    return result.stdout or ""


def library_sources(root: Path) -> List[str]:
    """Package.swift, the header and the folders of the targets the `histlog` product is built from."""
    package = json.loads(swift("package", "describe", "--type", "json", root=root, capture=True))
    targets = package["targets"]
    folders = [target["path"] for target in targets if LIBRARY_PRODUCT in target.get("product_memberships", [])]
    return ["Package.swift", "Include", *sorted(folders)]


def build_library() -> Path:
    root = swift_package_root()
    swift("build", "-c", "release", "--product", LIBRARY_PRODUCT, root=root)
    library = Path(swift("build", "-c", "release", "--show-bin-path", root=root, capture=True).strip()) / LIBRARY
    if not library.is_file():
        raise RuntimeError(f"swift build finished but {library} does not exist")
    return library


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "histlog" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build_library(), target)


class SdistWithSwiftSources(sdist):
    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = swift_package_root()
        for relative in library_sources(root):
            source, target = root / relative, Path(base_dir) / relative
            if source.is_dir():  # symbolic links (the header in Sources/CHistLog) become copies
                shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))
            else:
                shutil.copy2(source, target)


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(
    version=version(),
    cmdclass={"build_py": BuildPyWithLibrary, "sdist": SdistWithSwiftSources, "bdist_wheel": PlatformWheel},
    distclass=BinaryDistribution,
)
