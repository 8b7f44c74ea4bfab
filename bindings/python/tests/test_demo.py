"""`make demo`'s script, shortened: it trains, logs every kind of key, and TensorBoard reads the run."""

import os
import sys

import pytest

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import histlog

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.syspath_prepend(EXAMPLES)
    sys.modules.pop("demo", None)
    import demo as module
    return module


def test_demo_trains_and_logs_a_readable_run(demo, tmp_path, capsys):
    assert demo.main(["--epochs", "2", "--every", "5", "--runs", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    (run_name,) = [name for name in os.listdir(tmp_path)]
    run_path = tmp_path / run_name
    assert str(run_path) in printed
    assert "tensorboard --logdir" in printed and "Doctor:" in printed

    reader = histlog.open_run(str(run_path))
    keys = reader.keys()
    for group in ("Parameters/", "Gradients/", "Activations/"):
        assert any(key.startswith(group) for key in keys), (group, keys)
    assert "Parameters/hidden1.weight" in keys and "Activations/relu1" in keys
    # 2 epochs of 23 steps, logged every 5 steps: steps 0, 5, ..., 45.
    assert reader.steps("Gradients/output.bias") == list(range(0, 46, 5))
    assert os.path.exists(run_path / "report.html")

    (event_file,) = [name for name in os.listdir(run_path) if name.startswith("events.out.tfevents")]
    accumulator = EventAccumulator(str(run_path / event_file), size_guidance={"histograms": 0})
    accumulator.Reload()
    assert sorted(accumulator.Tags()["histograms"]) == sorted(keys)
    events = accumulator.Histograms("Gradients/output.bias")
    assert [event.step for event in events] == list(range(0, 46, 5))


def test_a_second_demo_run_gets_its_own_directory(demo, tmp_path, capsys):
    assert demo.main(["--epochs", "1", "--every", "20", "--runs", str(tmp_path)]) == 0
    assert demo.main(["--epochs", "1", "--every", "20", "--runs", str(tmp_path)]) == 0
    assert len(os.listdir(tmp_path)) == 2
