"""The integrations are optional modules: ``import histlog`` loads none of the frameworks and
trackers, and ``histlog.lightning`` / ``histlog.transformers`` without their package say what to
install. Each check runs in a fresh interpreter, where nothing is imported yet."""

from __future__ import annotations

import subprocess
import sys

import pytest

OPTIONAL = ("lightning", "pytorch_lightning", "transformers", "accelerate", "wandb", "mlflow", "tensorboard")


def python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_histlog_imports_no_framework_or_tracker():
    loaded = python(f"import sys, histlog; print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))")
    assert loaded == "[]"


@pytest.mark.parametrize("module, package, advice", [
    ("histlog.lightning", "lightning", "pip install lightning"),
    ("histlog.transformers", "transformers", "pip install transformers"),
])
def test_an_integration_without_its_package_says_what_to_install(module, package, advice):
    # A meta-path finder that refuses the package, as if it were not installed.
    message = python(f"""
import importlib.abc, sys

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {package!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, NotInstalled())
try:
    import {module}
except ImportError as error:
    print(type(error).__name__, error)
""")
    assert message.startswith("ImportError") and advice in message


def test_the_package_imports_point_one_way():
    """No import cycle among histlog's modules (module- or function-level): the run module calls
    the distributed path (``_distributed``) and hands it the run; ``histlog.distributed`` sits
    above both."""
    import ast
    from pathlib import Path

    import histlog

    package = Path(histlog.__file__).resolve().parent
    graph = {}
    for path in package.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                imported |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
        graph[path.stem] = imported

    def reaches(start, goal, seen):
        return any(d == goal or (d not in seen and reaches(d, goal, seen | {d})) for d in graph.get(start, ()))

    cycles = sorted(module for module in graph if reaches(module, module, {module}))
    assert cycles == [], cycles
    assert "_run" not in graph["_distributed"] and "distributed" not in graph["_run"]
