"""histlog.start_run(wandb=True) with the real wandb package in offline mode, read back from the
run's offline ``run-<id>.wandb`` file."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest

import histlog

wandb = pytest.importorskip("wandb")
from wandb.proto import wandb_internal_pb2  # noqa: E402


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """W&B in offline mode under the test's directory; no run left active after the test."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    yield tmp_path
    histlog.end_run()
    if wandb.run is not None:
        wandb.finish()
    wandb.teardown()  # the next test's settings (WANDB_DIR) are read again


# --- reading what W&B recorded --------------------------------------------------------------
# The offline file is a LevelDB-style log: a 7-byte header (":W&B", magic 0xBEE1, version 0),
# then 32 KiB blocks of chunks, each with a 7-byte header (CRC32 of type byte + data, uint32 LE;
# length, uint16 LE; type: 1 full, 2 first, 3 middle, 4 last); a block's tail shorter than a
# chunk header is zero padding. Each reassembled record is a wandb_internal_pb2.Record.

BLOCK = 32 * 1024
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def wandb_records(path):
    data = open(path, "rb").read()
    assert data[:7] == struct.pack("<4sHB", b":W&B", 0xBEE1, 0)
    records, pending, position = [], b"", 7
    while position + 7 <= len(data):
        room = BLOCK - position % BLOCK
        if room < 7:
            position += room
            continue
        checksum, length, kind = struct.unpack("<IHB", data[position : position + 7])
        if (checksum, length, kind) == (0, 0, 0):
            position += room  # zero padding to the end of the block
            continue
        chunk = data[position + 7 : position + 7 + length]
        if len(chunk) < length:
            break  # written later (the file may still be growing)
        assert zlib.crc32(bytes([kind]) + chunk) == checksum, f"bad chunk checksum at {position}"
        position += 7 + length
        if kind == FULL:
            records.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            records.append(pending + chunk)
    parsed = []
    for raw in records:
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        parsed.append(record)
    return parsed


def run_file(run):
    """The offline file of a wandb run object."""
    return os.path.join(os.path.dirname(run.dir), f"run-{run.id}.wandb")


def wandb_history(path):
    """{step: {key: value}} of an offline run's file, waiting (wandb.finish() may return early)
    until it holds the exit record."""
    deadline = time.monotonic() + 60
    while True:
        records = wandb_records(path)
        if any(record.WhichOneof("record_type") == "exit" for record in records) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    history = {}
    for record in records:
        if record.WhichOneof("record_type") != "history":
            continue
        row = history.setdefault(record.history.step.num, {})
        for item in record.history.item:
            path_ = list(item.nested_key) if item.nested_key else [item.key]
            node = row
            for part in path_[:-1]:
                node = node.setdefault(part, {})
            node[path_[-1]] = json.loads(item.value_json)
    return history


def assert_histogram_equals(sent, counts, edges):
    assert sent["_type"] == "histogram"
    np.testing.assert_array_equal(sent["values"], counts)
    np.testing.assert_array_equal(sent["bins"], edges)


# --- tests ------------------------------------------------------------------------------------


def test_importing_histlog_imports_no_integration():
    code = (
        "import sys, histlog; "
        "print(sorted(m for m in ('wandb', 'tensorboard', 'torch.utils.tensorboard', 'mlflow') if m in sys.modules)); "
        "histlog.SummaryWriter; "
        "print('tensorboard' in sys.modules, 'wandb' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "True False"]


def test_every_record_reaches_the_active_wandb_run_under_its_key_and_step(offline, tmp_path):
    rng = np.random.default_rng(0)
    run = wandb.init(project="histlog-test")
    torch = pytest.importorskip("torch")
    with histlog.start_run(tmp_path / "run", wandb=True):
        for step in range(3):
            histlog.log_histogram(rng.normal(size=1000) * (step + 1), key="weights/layer1", step=step)
            histlog.log_histogram(torch.randn(64, 8), key="Gradients/fc.weight", step=step, num_bins=12)
            run.log({"loss": 1.0 / (step + 1)}, step=step)  # the user's metrics land in the same rows
        histlog.log_histogram(bins=[0.0, 0.5, 2.0], counts=[3, 4], key="precomputed", step=3)
        histlog.log_histogram([1.0, 2.0, 50.0], key="ranged", step=3, range=(0.0, 10.0), num_bins=5)
    assert wandb.run is run  # histlog did not start it, so it does not finish it
    run.finish()

    history = wandb_history(run_file(run))
    reader = histlog.open_run(tmp_path / "run")
    assert sorted(history) == [0, 1, 2, 3]
    for step in range(3):
        assert history[step]["loss"] == pytest.approx(1.0 / (step + 1))
    for key in reader.keys():
        for record in reader.history(key):
            assert_histogram_equals(history[record.step][key], record.counts, record.bin_edges)
    # only the bins go to W&B: the value above the range is histlog's overflow count
    assert reader.get("ranged", 3).overflow_count == 1 and sum(history[3]["ranged"]["values"]) == 2


def test_without_an_active_wandb_run_one_is_started_and_finished(offline, tmp_path):
    assert wandb.run is None
    with histlog.start_run(tmp_path / "run", wandb=True):
        started = wandb.run
        assert started is not None
        histlog.log_histogram(np.arange(10.0), key="x", step=0, num_bins=5)
    assert wandb.run is None
    record = histlog.open_run(tmp_path / "run").get("x", 0)
    assert record.counts.tolist() == [2, 2, 2, 2, 2]
    assert_histogram_equals(wandb_history(run_file(started))[0]["x"], record.counts, record.bin_edges)


def test_more_than_512_bins_are_merged_for_wandb(offline, tmp_path):
    sizes = {512: 512, 513: 257, 1300: 434, 2000: 500}  # bins -> bins W&B gets
    values = np.random.default_rng(0).standard_cauchy(20_000)
    run = wandb.init(project="histlog-test")
    with histlog.start_run(tmp_path / "run", wandb=True):
        for bins in sizes:
            histlog.log_histogram(values, key=f"wide/{bins}", step=0, num_bins=bins)
    run.finish()
    reader, row = histlog.open_run(tmp_path / "run"), wandb_history(run_file(run))[0]
    for bins, sent_bins in sizes.items():
        record, sent = reader.get(f"wide/{bins}", 0), row[f"wide/{bins}"]
        group = math.ceil(bins / 512)
        expected_counts = [record.counts[start : start + group].sum() for start in range(0, bins, group)]
        expected_edges = [record.bin_edges[start] for start in range(0, bins, group)] + [record.bin_edges[-1]]
        assert len(sent["values"]) == sent_bins <= 512
        assert_histogram_equals(sent, expected_counts, expected_edges)
        assert sum(sent["values"]) == record.counts.sum() == values.size


def test_steps_behind_wandb_are_not_sent_and_warned_once(offline, tmp_path):
    run = wandb.init(project="histlog-test")
    run.log({"loss": 0.5}, step=10)
    with histlog.start_run(tmp_path / "run", wandb=True):
        with pytest.warns(RuntimeWarning, match=r"'early' at step 5 to W&B: the W&B run is at step 10") as caught:
            histlog.log_histogram([1.0, 2.0], key="early", step=5)
            histlog.log_histogram([1.0, 2.0], key="also early", step=6)
        assert len([w for w in caught if "W&B" in str(w.message)]) == 1
        histlog.log_histogram([1.0, 2.0, 3.0], key="on time", step=10)
        histlog.log_histogram([1.0, 2.0, 3.0], key="on time", step=11)
    run.finish()
    history = wandb_history(run_file(run))
    assert sorted(history) == [10, 11]
    assert "on time" in history[10] and "on time" in history[11] and "early" not in history[10]
    reader = histlog.open_run(tmp_path / "run")
    assert reader.steps("early") == [5] and reader.steps("also early") == [6]


def test_a_finished_wandb_run_does_not_stop_training(offline, tmp_path):
    run = wandb.init(project="histlog-test")
    with histlog.start_run(tmp_path / "run", wandb=True):
        histlog.log_histogram([1.0, 2.0], key="k", step=0)
        run.finish()
        with pytest.warns(RuntimeWarning, match="no W&B run is active"):
            histlog.log_histogram([1.0, 2.0], key="k", step=1)
    assert histlog.open_run(tmp_path / "run").steps("k") == [0, 1]
    assert list(wandb_history(run_file(run))) == [0]


def test_missing_wandb_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match="pip install wandb"):
        histlog.start_run(tmp_path / "run", wandb=True)
    assert histlog.active_run() is None
