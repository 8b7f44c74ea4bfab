"""The histlog command: histlog keys / show, python -m histlog."""

from __future__ import annotations

import subprocess
import sys

import histlog
from histlog import _cli


def make_run(path):
    with histlog.start_run(path):
        histlog.log_histogram([1.0, 2.0, 2.0, 3.0], key="w/a", step=0)
        histlog.log_histogram([1.0, 5.0], key="w/a", step=3)
        histlog.log_histogram(bins=[0.0, 1.0, 2.0], counts=[4, 6], key="b", step=1)


def test_keys_and_show(tmp_path, capsys):
    make_run(tmp_path / "run")
    assert _cli.main(["keys", str(tmp_path / "run")]) == 0
    assert capsys.readouterr().out.split() == ["b", "w/a"]
    assert _cli.main(["keys", "--steps", str(tmp_path / "run")]) == 0
    assert "w/a\t2 records\tsteps 0..3" in capsys.readouterr().out
    assert _cli.main(["show", str(tmp_path / "run"), "w/a"]) == 0
    out = capsys.readouterr().out
    assert "w/a  step 3" in out and "count 2" in out and "max 5" in out
    assert _cli.main(["show", str(tmp_path / "run"), "w/a", "--step", "0"]) == 0
    assert "count 4" in capsys.readouterr().out
    assert _cli.main(["show", str(tmp_path / "run"), "b"]) == 0
    assert "estimated from bins" in capsys.readouterr().out


def test_errors_exit_nonzero(tmp_path, capsys):
    make_run(tmp_path / "run")
    assert _cli.main(["show", str(tmp_path / "run"), "missing"]) == 1
    assert "missing" in capsys.readouterr().err
    assert _cli.main(["keys", str(tmp_path / "nothing-here")]) == 1


def test_module_and_console_script_help():
    result = subprocess.run([sys.executable, "-m", "histlog", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in _cli.COMMANDS:
        assert command.name in result.stdout


def test_console_script_is_installed():
    import os
    import shutil
    from pathlib import Path

    import pytest

    if os.environ.get("HISTLOG_LIBRARY"):
        pytest.skip("a development checkout: the console script comes with pip install")
    script = Path(sys.executable).parent / "histlog"
    assert script.exists() or shutil.which("histlog")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "keys" in result.stdout and "show" in result.stdout
