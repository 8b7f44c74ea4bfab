"""The examples (which the README mirrors) run and write what they say."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import histlog

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name, cwd):
    environment = {key: value for key, value in os.environ.items() if key != "HISTLOG_DIR"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], cwd=cwd, capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_log_histograms(tmp_path):
    out = run_example("log_histograms.py", tmp_path)
    assert "['activations/relu1', 'weights/layer1', 'weights/log']" in out and "True" in out
    assert histlog.open_run(tmp_path / "histlog-runs" / "quickstart").steps("weights/layer1") == [0, 1, 2]


def test_watch_training(tmp_path):
    pytest.importorskip("torch")
    out = run_example("watch_training.py", tmp_path)
    assert "[0, 10, 20, 30, 40]" in out


def test_watch_mixed_precision(tmp_path):
    pytest.importorskip("torch")
    out = run_example("watch_mixed_precision.py", tmp_path).splitlines()
    assert out == ["['Gradients/0.weight', 'Gradients/2.weight', 'Parameters/0.weight', 'Parameters/2.weight']",
                   "[0, 5, 10, 15]"]


def test_watch_fsdp2(tmp_path):
    pytest.importorskip("torch")
    from test_distributed import launch

    outputs = launch(2, tmp_path, worker=EXAMPLES / "watch_fsdp2.py", cwd=tmp_path)
    assert outputs[0].strip().splitlines()[-1] == "[0, 10, 20]"
    assert histlog.open_run(tmp_path / "runs" / "fsdp2").get("Gradients/0.weight", 20).total_count == 20 * 64


def test_summary_writer(tmp_path):
    pytest.importorskip("torch")
    from tbparse import SummaryReader

    out = run_example("summary_writer.py", tmp_path)
    run = histlog.open_run(tmp_path / "runs" / "drop-in")
    assert run.keys() == ["fc/weight", "fc/weight.grad"] and run.steps("fc/weight") == [0, 1, 2, 3, 4]
    assert float(out) == run.get("fc/weight.grad", 4).std
    seen = SummaryReader(str(tmp_path / "runs"))
    assert sorted(set(seen.scalars.tag)) == ["hparam/loss", "train/loss"]
    assert sorted(seen.histograms.groupby("tag").step.apply(list).items()) == [
        ("fc/weight", [0, 1, 2, 3, 4]), ("fc/weight.grad", [0, 1, 2, 3, 4])]


def test_wandb_histograms(tmp_path):
    pytest.importorskip("wandb")
    from test_wandb import wandb_history

    out = run_example("wandb_histograms.py", tmp_path)
    run_id, steps = out.split(" ", 1)
    assert steps.strip() == "[0, 1, 2]"
    (path,) = (tmp_path / "wandb").glob(f"offline-run-*-{run_id}/run-{run_id}.wandb")
    history = wandb_history(path)
    record = histlog.open_run(tmp_path / "runs" / "wandb-demo").get("weights/layer1", 2)
    assert history[2]["weights/layer1"]["values"] == record.counts.tolist() and history[2]["loss"] == 1 / 3


def run_example_here(name, cwd, monkeypatch, capsys):
    """Runs an example in the test's interpreter, which has imported Lightning or transformers
    already (each takes tens of seconds to import in a fresh one)."""
    monkeypatch.chdir(cwd)
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out


def test_lightning_callback(tmp_path, monkeypatch, capsys):
    pytest.importorskip("lightning")
    out = run_example_here("lightning_callback.py", tmp_path, monkeypatch, capsys).strip().splitlines()
    assert out[-2:] == ["[0, 5, 10, 15]", "[0, 5, 10, 15]"]
    assert histlog.active_run() is None
    assert (tmp_path / "lightning_logs" / "version_0" / "histlog" / "histograms").is_dir()


def test_transformers_callback(tmp_path, monkeypatch, capsys):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    out = run_example_here("transformers_callback.py", tmp_path, monkeypatch, capsys).strip().splitlines()
    assert out[-1] == "[0, 5, 10, 15]"
    assert histlog.active_run() is None


def test_mlflow_histograms(tmp_path):
    pytest.importorskip("mlflow")
    out = run_example("mlflow_histograms.py", tmp_path)
    assert "histograms/" in out and ".json" in out


def test_distributed(tmp_path):
    pytest.importorskip("torch")
    out = run_example("distributed.py", tmp_path)
    assert out.strip().splitlines()[-1] == "20000"
    assert os.listdir(tmp_path / "runs") == ["ddp"]


def python_snippets(readme):
    return [block.split("```", 1)[0].strip() for block in readme.read_text().split("```python\n")[1:]]


EXAMPLE_BODIES = {name: (EXAMPLES / name).read_text().split('"""', 2)[2].strip()
                  for name in ("log_histograms.py", "watch_training.py", "watch_mixed_precision.py",
                               "watch_fsdp2.py", "lightning_callback.py", "transformers_callback.py",
                               "summary_writer.py", "mlflow_histograms.py", "wandb_histograms.py", "distributed.py")}


def test_every_python_snippet_of_the_readme_is_a_tested_example():
    snippets = python_snippets(EXAMPLES.parents[2] / "README.md")
    assert len(snippets) >= len(EXAMPLE_BODIES)
    for snippet in snippets:
        assert snippet in EXAMPLE_BODIES.values(), f"README.md shows a Python snippet no test runs:\n{snippet[:300]}"
    for name, body in EXAMPLE_BODIES.items():
        assert body in snippets, f"README.md does not show examples/{name} as it is"


def test_every_python_snippet_of_the_package_readme_is_a_tested_example():
    snippets = python_snippets(EXAMPLES.parent / "README.md")  # the wheel's and sdist's long description
    assert snippets
    for snippet in snippets:
        assert snippet in EXAMPLE_BODIES.values(), f"the package README shows an untested snippet:\n{snippet[:300]}"
