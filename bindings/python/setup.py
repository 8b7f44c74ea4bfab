"""Builds libhistlog.so with the Swift toolchain and bundles it inside the package.

`pip install ./bindings/python` runs `swift build -c release --product histlog` in the Swift
package that holds this directory (found by walking up to Package.swift; $HISTLOG_SOURCE_DIR
overrides) and copies the library to histlog/libhistlog.so. The wheel is platform-specific but
not tied to a Python version: the library is loaded through ctypes.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
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


def build_library() -> Path:
    root = swift_package_root()
    swift = os.environ.get("SWIFT", "swift")
    command = [swift, "build", "-c", "release", "--product", "histlog"]
    print("histlog: " + " ".join(command) + f"  (in {root})", flush=True)
    try:
        subprocess.run(command, cwd=root, check=True)
        bin_path = subprocess.run(
            [swift, "build", "-c", "release", "--show-bin-path"], cwd=root, check=True, capture_output=True, text=True
        ).stdout.strip()
    except FileNotFoundError:
        raise RuntimeError("building libhistlog.so needs the Swift toolchain (`swift` on PATH, or $SWIFT)") from None
    library = Path(bin_path) / LIBRARY
    if not library.is_file():
        raise RuntimeError(f"swift build finished but {library} does not exist")
    return library


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "histlog" / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build_library(), target)


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
    cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel},
    distclass=BinaryDistribution,
)
