"""Checks what `make wheel` wrote to dist/ (run by `make test-wheel`; not a pytest module).

The wheel: tagged with the manylinux policy `auditwheel show` computes for it, at most 5 MB,
holding the package and one stripped libhistlog.so and nothing else native, its metadata with
the header's version, the license, the extras and the package README. The sdist: the
package with Package.swift, Include/ and the folder of every library target, none of the
benchmark or test targets (the wheel was built from it, so it builds). Then the wheel installed
into a fresh venv, run with no `swift` on PATH and no HISTLOG_LIBRARY, from outside the
repository: import, log, read back against numpy, `watch` a small torch model, the `histlog`
command. torch is not installed again: the fresh venv sees only torch and the distributions
torch requires, linked from the venv running this script. Both READMEs name the two files.

Usage: check_wheel.py DIST_DIR
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Set

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "bindings" / "python"
MAX_WHEEL_BYTES = 5 * 1024 * 1024


def fail(message: str) -> None:
    sys.exit(f"check_wheel: {message}")


def run(command: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def header_version() -> str:
    header = (ROOT / "Include" / "histlog.h").read_text()
    parts = [re.search(rf"#define HL_VERSION_{part} (\d+)", header) for part in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(part.group(1) if part else "?" for part in parts)


def check_wheel(wheel: Path, version: str, work: Path) -> None:
    shown = " ".join(run([str(Path(sys.executable).parent / "auditwheel"), "show", str(wheel)]).split())
    computed = re.search(r'is consistent with the following platform tag: "([^"]+)"', shown)
    if computed is None:
        fail(f"no platform tag in `auditwheel show {wheel.name}`:\n{shown}")
    else:
        expected_name = f"histlog-{version}-py3-none-{computed.group(1)}.whl"
        if wheel.name != expected_name or not computed.group(1).startswith("manylinux_"):
            fail(f"{wheel.name} should be {expected_name} (the tag auditwheel computes, a manylinux one)")
    if wheel.stat().st_size > MAX_WHEEL_BYTES:
        fail(f"{wheel.name} is {wheel.stat().st_size} bytes, more than {MAX_WHEEL_BYTES}")

    modules = {f"histlog/{path.name}" for path in (PACKAGE / "histlog").glob("*.py")}
    info = f"histlog-{version}.dist-info"
    expected = modules | {"histlog/py.typed", "histlog/libhistlog.so"} | {
        f"{info}/{name}" for name in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "top_level.txt",
                                      "licenses/LICENSE")}
    with zipfile.ZipFile(wheel) as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
        if names != expected:
            fail(f"{wheel.name} holds {sorted(names - expected)} it should not and lacks {sorted(expected - names)}")
        native = sorted(name for name in names if archive.read(name)[:4] == b"\x7fELF")
        if native != ["histlog/libhistlog.so"]:
            fail(f"{wheel.name}'s native files are {native}, not libhistlog.so alone")
        library = Path(archive.extract("histlog/libhistlog.so", work / "wheel"))
        check_metadata(wheel, archive.read(f"{info}/METADATA").decode(), version)
    if ".symtab" in run(["readelf", "-S", "-W", str(library)]):
        fail(f"the libhistlog.so in {wheel.name} is not stripped")
    checks = ROOT / "Tests" / "c"
    print(run([str(checks / "check_symbols.sh"), str(ROOT / "Include" / "histlog.h"), str(library)]), end="")
    print(run([str(checks / "check_ldd.sh"), str(library)]), end="")
    print(f"check_wheel: {wheel.name}, {wheel.stat().st_size / 1e6:.2f} MB, tag as `auditwheel show` computes it")


def check_metadata(wheel: Path, metadata: str, version: str) -> None:
    headers, description = metadata.split("\n\n", 1)
    fields: Dict[str, List[str]] = {}
    for line in headers.splitlines():
        name, _, value = line.partition(": ")
        fields.setdefault(name, []).append(value)
    expected = {"Name": ["histlog"], "Version": [version], "License-Expression": ["MIT"],
                "Description-Content-Type": ["text/markdown"],
                "Provides-Extra": ["torch", "tensorboard", "mlflow", "lightning", "transformers", "wandb"]}
    for name, values in expected.items():
        if fields.get(name) != values:
            fail(f"{wheel.name}'s {name} is {fields.get(name)}, not {values}")
    for name in ("Summary", "Requires-Python", "Classifier", "Requires-Dist"):
        if not fields.get(name):
            fail(f"{wheel.name} has no {name}")
    if description.strip() != (PACKAGE / "README.md").read_text().strip():
        fail(f"{wheel.name}'s long description is not bindings/python/README.md")


def check_sdist(sdist: Path, version: str) -> None:
    package = json.loads(run(["swift", "package", "describe", "--type", "json"], cwd=ROOT))
    folders: Dict[str, Set[str]] = {"library": set(), "executable": set(), "test": set()}
    for target in package["targets"]:
        folders.setdefault(target["type"], set()).add(target["path"])
    top = f"histlog-{version}/"
    with tarfile.open(sdist) as archive:
        entries = [member for member in archive.getmembers() if member.name != top.rstrip("/")]
        if any(not member.name.startswith(top) or not (member.isfile() or member.isdir()) for member in entries):
            fail(f"{sdist.name} holds entries outside {top} or entries that are neither files nor folders")
        files = {member.name[len(top):]: member for member in entries if member.isfile()}
        for folder in sorted(folders["library"]) + ["Include"]:
            repository = {str(path.relative_to(ROOT)) for path in (ROOT / folder).rglob("*") if path.is_file()}
            carried = {name for name in files if name.startswith(folder + "/")}
            if carried != repository:
                fail(f"{sdist.name}'s {folder}/ differs from the repository's: {sorted(carried ^ repository)}")
            for name in carried:
                content = archive.extractfile(files[name])
                if content is None or content.read() != (ROOT / name).read_bytes():
                    fail(f"{sdist.name}'s {name} differs from the repository's")
    needed = {"Package.swift", "pyproject.toml", "setup.py", "README.md", "LICENSE", "PKG-INFO", "histlog/py.typed"}
    if not needed <= files.keys():
        fail(f"{sdist.name} lacks {sorted(needed - files.keys())}")
    unneeded = sorted(name for name in files if name.split("/")[0] in {"Tests", "tests", "bindings", ".build"}
                      or any(name.startswith(folder + "/") for folder in folders["executable"] | folders["test"])
                      or name.endswith((".so", ".pyc")))
    if unneeded:
        fail(f"{sdist.name} holds files the build does not need: {unneeded}")
    print(f"check_wheel: {sdist.name} holds {len(files)} files: the package, Package.swift, Include/ and "
          f"{', '.join(sorted(folders['library']))}")


def required_distributions(name: str) -> Set[str]:
    """`name` and every distribution it requires, recursively, as installed here."""
    found: Set[str] = set()
    pending = [name]
    while pending:
        distribution = importlib.metadata.distribution(pending.pop())
        if distribution.metadata["Name"] in found:
            continue
        found.add(distribution.metadata["Name"])
        for requirement in map(Requirement, distribution.requires or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return found


def link_torch(site: Path) -> None:
    """Links torch and what it requires into `site` (and nothing else of this venv)."""
    site.mkdir()
    for name in required_distributions("torch"):
        distribution = importlib.metadata.distribution(name)
        tops = {Path(str(file)).parts[0] for file in distribution.files or [] if not str(file).startswith("..")}
        for top in tops - {"__pycache__"}:
            if not (site / top).exists():
                (site / top).symlink_to(Path(str(distribution.locate_file(top))))


FRESH_VENV_CHECK = r'''
import sys
from pathlib import Path

import numpy as np
import torch

import histlog
from histlog import _ffi

venv, run_path = Path(sys.argv[1]), Path(sys.argv[2])
for module in (histlog.__file__, _ffi.LIBRARY_PATH):
    assert Path(module).resolve().is_relative_to(venv.resolve()), f"{module} is not the wheel's"

rng = np.random.default_rng(7)
values = {step: rng.normal(0.0, 1.0 + step, 5_000).astype(np.float32) for step in range(3)}
model = torch.nn.Linear(8, 4)
gradients = {}
with histlog.start_run(path=str(run_path)):
    for step, array in values.items():
        histlog.log_histogram(array, key="weights", step=step)
    histlog.watch(model, every=1)
    for step in range(3):
        model(torch.randn(16, 8)).square().mean().backward()
        gradients[step] = model.weight.grad.numpy().copy()
        model.zero_grad()
    histlog.unwatch(model)

reader = histlog.open_run(run_path)
for step, array in values.items():
    record = reader.get("weights", step)
    counts, _ = np.histogram(array, bins=30)
    assert np.array_equal(record.counts, counts), step
    assert (record.min_value, record.max_value) == (array.min(), array.max()), step
    assert np.isclose(record.mean, array.mean(dtype=np.float64)) and np.isclose(record.std, array.std(ddof=1)), step
    assert np.isclose(record.quantiles[0.9], np.quantile(array, 0.9), rtol=1e-6)
assert reader.steps("Gradients/weight") == [0, 1, 2], reader.keys()
for step, gradient in gradients.items():
    counts, _ = np.histogram(gradient, bins=30)
    assert np.array_equal(reader.get("Gradients/weight", step).counts, counts), step
print("ok", histlog.__version__)
'''


def check_fresh_install(wheel: Path, version: str, work: Path) -> None:
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])  # this venv's pip installs into it
    without_swift = [entry for entry in os.environ["PATH"].split(os.pathsep)
                     if entry and shutil.which("swift", path=entry) is None]
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"HISTLOG_LIBRARY", "HISTLOG_SOURCE_DIR", "HISTLOG_DIR", "SWIFT", "PYTHONPATH",
                                  "VIRTUAL_ENV"}}
    environment["PATH"] = os.pathsep.join([str(venv / "bin"), *without_swift])
    if shutil.which("swift", path=environment["PATH"]) is not None:
        fail("the fresh venv's PATH still finds swift")
    python = str(venv / "bin" / "python")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", str(wheel)], env=environment, cwd=work)

    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             env=environment).strip())
    link_torch(work / "torch-site")
    (site_packages / "torch-from-test-venv.pth").write_text(str(work / "torch-site") + "\n")

    outside = work / "elsewhere"
    outside.mkdir()
    run_path = outside / "run"
    result = run([python, "-c", FRESH_VENV_CHECK, str(venv), str(run_path)], env=environment, cwd=outside)
    if result.split() != ["ok", version]:
        fail(f"the fresh venv's check printed {result!r}")
    printed = run(["histlog", "--version"], env=environment, cwd=outside).strip()
    if printed != f"histlog {version}":
        fail(f"`histlog --version` printed {printed!r}, not 'histlog {version}'")
    keys = run(["histlog", "keys", str(run_path)], env=environment, cwd=outside).split()
    if "weights" not in keys or "Gradients/weight" not in keys:
        fail(f"`histlog keys` printed {keys}")
    print(f"check_wheel: {wheel.name} installed into a fresh venv without swift: import, log, read, watch, "
          f"`histlog --version` ({printed}) and `histlog keys`")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dist = Path(sys.argv[1]).resolve()
    version = header_version()
    wheels = sorted(dist.glob(f"histlog-{version}-*_{platform.machine()}.whl"))
    if len(wheels) != 1:
        fail(f"expected one histlog {version} wheel in {dist}, found {[wheel.name for wheel in wheels]}")
    sdist = dist / f"histlog-{version}.tar.gz"
    if not sdist.is_file():
        fail(f"{sdist} does not exist")
    for readme in (ROOT / "README.md", PACKAGE / "README.md"):
        for artefact in (wheels[0], sdist):
            if artefact.name not in readme.read_text():
                fail(f"{readme.relative_to(ROOT)} does not tell to install {artefact.name}")
    with tempfile.TemporaryDirectory(prefix="histlog-wheel-") as temporary:
        work = Path(temporary)
        check_wheel(wheels[0], version, work)
        check_sdist(sdist, version)
        check_fresh_install(wheels[0], version, work)


if __name__ == "__main__":
    main()
