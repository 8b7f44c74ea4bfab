"""histlog.SummaryWriter as a drop-in for torch.utils.tensorboard.SummaryWriter, checked with
TensorBoard's own reader, tbparse and torch's writer side by side. The tests named after
pytorch's test/test_tensorboard.py are our versions of its histogram and writer tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import histlog
from conftest import assert_matches_numpy

torch = pytest.importorskip("torch")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
from tensorboard import data_compat  # noqa: E402
from tensorboard.compat.proto.histogram_pb2 import HistogramProto  # noqa: E402
from tensorboard.compat.proto.summary_pb2 import Summary  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402
from torch.utils.tensorboard import summary as torch_summary  # noqa: E402


def accumulate(log_dir):
    accumulator = event_accumulator.EventAccumulator(
        str(log_dir), size_guidance={event_accumulator.HISTOGRAMS: 0, event_accumulator.SCALARS: 0}
    )
    accumulator.Reload()
    return accumulator


def tensorboard_histograms(log_dir):
    accumulator = accumulate(log_dir)
    return {tag: accumulator.Histograms(tag) for tag in accumulator.Tags()["histograms"]}


def event_files(log_dir):
    return sorted(name for name in os.listdir(log_dir) if "tfevents" in name)


def rendered(tag, histogram_proto):
    """The k x 3 (left, right, count) rows TensorBoard's histogram dashboard draws from a legacy
    histogram (its own migration, tensorboard/data_compat.py)."""
    if not isinstance(histogram_proto, HistogramProto):  # EventAccumulator's HistogramValue
        histogram_proto = HistogramProto(**{field: getattr(histogram_proto, field) for field in (
            "min", "max", "num", "sum", "sum_squares", "bucket_limit", "bucket")})
    value = data_compat.migrate_value(Summary.Value(tag=tag, histo=histogram_proto))
    return tensor_util.make_ndarray(value.tensor)


def test_is_torchs_summary_writer(tmp_path):
    writer = histlog.SummaryWriter(tmp_path / "tb")
    assert isinstance(writer, TorchWriter)
    writer.add_scalar("loss", 1.0, 0)
    assert isinstance(writer.run, histlog.Run) and writer.run.path == str(tmp_path / "tb")
    writer.close()
    assert writer.get_logdir() == tmp_path / "tb"


# --- pytorch test/test_tensorboard.py, our versions ------------------------------------------


def test_pytorch_histogram(tmp_path):
    tensors = {
        "float histogram": torch.rand((50,)),
        "int histogram": torch.randint(0, 100, (50,)),
        "bfloat16 histogram": torch.rand(50, dtype=torch.bfloat16),
    }
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        for tag, tensor in tensors.items():
            writer.add_histogram(tag, tensor)
    seen = tensorboard_histograms(tmp_path / "tb")
    reader = histlog.open_run(tmp_path / "tb")
    assert sorted(seen) == sorted(tensors) == reader.keys()
    for tag, tensor in tensors.items():
        values = tensor.float().numpy().astype(np.float64)
        (event,) = seen[tag]  # once, at step 0
        proto = event.histogram_value
        assert event.step == 0 and proto.num == 50
        assert proto.min == values.min() and proto.max == values.max()
        assert proto.sum == pytest.approx(values.sum(), rel=1e-12)
        assert proto.sum_squares == pytest.approx(values.dot(values), rel=1e-12)
        record = reader.get(tag, 0)
        assert_matches_numpy(record, values, edges_from_data=False)
        np.testing.assert_array_equal(proto.bucket, [0, *record.counts])
        np.testing.assert_array_equal(proto.bucket_limit, record.bin_edges)


def test_pytorch_histogram_raw(tmp_path):
    calls = []
    num = 50
    floats = torch.rand((num,)).numpy()
    counts, limits = np.histogram(floats, [0.0, 0.25, 0.5, 0.75, 1.0])
    calls.append(("float histogram raw", floats.min().item(), floats.max().item(), num, floats.sum().item(),
                  floats.dot(floats).item(), limits[1:].tolist(), counts.tolist()))
    ints = torch.randint(0, 100, (num,)).numpy()
    counts, limits = np.histogram(ints, [0, 25, 50, 75, 100])
    calls.append(("int histogram raw", ints.min().item(), ints.max().item(), num, ints.sum().item(),
                  ints.dot(ints).item(), limits[1:].tolist(), counts.tolist()))
    # num (50) disagrees with the 100 values the buckets count: written as given, as torch does
    ints = torch.tensor(range(100)).float()
    counts = torch.histc(ints, bins=100, min=0, max=99)
    calls.append(("int histogram raw", ints.min().item(), ints.max().item(), num, ints.sum().item(),
                  ints.dot(ints).item(), torch.tensor(range(100)).tolist(), counts.tolist()))
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        for tag, minimum, maximum, n, total, squares, bucket_limits, bucket_counts in calls:
            writer.add_histogram_raw(tag, min=minimum, max=maximum, num=n, sum=total, sum_squares=squares,
                                     bucket_limits=bucket_limits, bucket_counts=bucket_counts)
    seen = tensorboard_histograms(tmp_path / "tb")
    events = seen["float histogram raw"] + seen["int histogram raw"]
    reader = histlog.open_run(tmp_path / "tb")
    records = reader.history("float histogram raw") + reader.history("int histogram raw")
    assert len(events) == len(records) == 3
    for (tag, minimum, maximum, n, total, squares, bucket_limits, bucket_counts), event, record in zip(
        calls, events, records
    ):
        proto = event.histogram_value
        assert (proto.min, proto.max, proto.num, proto.sum, proto.sum_squares) == (minimum, maximum, n, total, squares)
        assert list(proto.bucket_limit) == bucket_limits and list(proto.bucket) == bucket_counts
        # the JSON record holds what the buckets say: their total, their limits as edges
        assert record.estimated and record.total_count == sum(bucket_counts)
        start = next(i for i, count in enumerate(bucket_counts) if count)
        end = max(i for i, count in enumerate(bucket_counts) if count)
        np.testing.assert_array_equal(record.counts, bucket_counts[start : end + 1])
        np.testing.assert_array_equal(record.bin_edges[1:], bucket_limits[start : end + 1])
    assert records[2].total_count == 100 and events[2].histogram_value.num == 50
    assert records[2].bin_edges[0] == -0.5  # bucket 0 holds the value 0, up to limit 0: widened as numpy does


def test_add_histogram_raw_writes_no_leading_bucket(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram_raw("plain", 0.0, 3.0, 6, 9.0, 17.0, [1.0, 2.0, 3.0], [1, 2, 3], global_step=0)
        with pytest.raises(ValueError, match="bucket_limits and bucket_counts must have the same length"):
            writer.add_histogram_raw("bad", 0.0, 3.0, 6, 9.0, 17.0, [1.0, 2.0], [1, 2, 3])
        with pytest.raises(ValueError, match="bucket_limits must be strictly increasing"):
            writer.add_histogram_raw("bad", 0.0, 3.0, 6, 9.0, 17.0, [1.0, 3.0, 2.0], [1, 2, 3])
        with pytest.raises(TypeError, match="sum_squares must be a number"):
            writer.add_histogram_raw("bad", 0.0, 3.0, 6, 9.0, "17", [1.0, 2.0, 3.0], [1, 2, 3])
    (event,) = tensorboard_histograms(tmp_path / "tb")["plain"]
    assert list(event.histogram_value.bucket_limit) == [1.0, 2.0, 3.0]
    assert list(event.histogram_value.bucket) == [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(rendered("plain", event.histogram_value), [[0, 1, 1], [1, 2, 2], [2, 3, 3]])
    record = histlog.open_run(tmp_path / "tb").get("plain", 0)
    assert record.bin_edges.tolist() == [0.0, 1.0, 2.0, 3.0] and record.counts.tolist() == [1, 2, 3]
    assert histlog.open_run(tmp_path / "tb").keys() == ["plain"]


@pytest.mark.parametrize("bins", ["auto", "fd", "doane"])
@pytest.mark.parametrize("data", ["arange", "normal"])
def test_histogram_estimators_with_max_bins(tmp_path, bins, data):
    """pytorch's test_histogram_auto/fd/doane (1,024 values, max_bins=5): TensorBoard draws the
    same histogram from our event as from torch's, and our record has torch's merged bins."""
    values = np.arange(1024, dtype=float) if data == "arange" else np.random.default_rng(3).normal(size=1024)
    theirs = torch_summary.histogram("dummy", values, bins=bins, max_bins=5).value[0].histo
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram("dummy", values, bins=bins, max_bins=5)
    (event,) = tensorboard_histograms(tmp_path / "tb")["dummy"]
    np.testing.assert_array_equal(rendered("dummy", event.histogram_value), rendered("dummy", theirs))
    record = histlog.open_run(tmp_path / "tb").get("dummy", 0)
    torch_counts = np.trim_zeros(np.array(theirs.bucket), "f")
    np.testing.assert_array_equal(np.trim_zeros(record.counts, "fb"), np.trim_zeros(torch_counts, "b"))
    assert event.histogram_value.num == theirs.num == 1024
    assert event.histogram_value.sum == pytest.approx(theirs.sum, rel=1e-12)


def test_summary_writer_ctx(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_scalar("test", 1)
        run = writer.run
    assert writer.file_writer is None and run.closed
    assert accumulate(tmp_path / "tb").Scalars("test")[0].value == 1


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


def test_summary_writer_close(tmp_path):
    """Opening and closing many writers leaks no file descriptor (torch: "Too many open files")."""
    baseline = open_descriptors()
    for index in range(200):
        writer = histlog.SummaryWriter(tmp_path / f"run{index % 3}")
        writer.add_histogram("h", [1.0, 2.0, float(index)], index)
        writer.close()
        writer.close()  # twice is fine, as with torch
    assert open_descriptors() <= baseline
    assert len(histlog.open_run(tmp_path / "run0").steps("h")) == 67


def test_pathlib(tmp_path):
    with tempfile.TemporaryDirectory(prefix="test_tensorboard_pathlib", dir=tmp_path) as directory:
        path = Path(directory)
        with histlog.SummaryWriter(path) as writer:
            writer.add_scalar("test", 1)
            writer.add_histogram("h", [1.0, 2.0])
        assert accumulate(path).Tags()["scalars"] == ["test"]
        assert histlog.open_run(path).keys() == ["h"]


def test_writer_reopens_after_close_like_torch(tmp_path):
    writer = histlog.SummaryWriter(tmp_path / "tb")
    writer.add_histogram("h", [1.0, 2.0], 0)
    writer.close()
    writer.add_histogram("h", [1.0, 3.0], 1)  # torch reopens its file writer on use
    writer.add_scalar("s", 2.0, 1)
    writer.close()
    assert histlog.open_run(tmp_path / "tb").steps("h") == [0, 1]
    assert [event.step for event in tensorboard_histograms(tmp_path / "tb")["h"]] == [0, 1]


# --- one log_dir, one event file, every scalar and histogram once ------------------------------

REALISTIC_SCRIPT = """
import sys
import torch
{import_line}

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
writer = SummaryWriter(sys.argv[1])
writer.add_text("config", "lr=0.1, 8-16-2 MLP", 0)
for step in range(6):
    x = torch.randn(32, 8)
    loss = torch.nn.functional.cross_entropy(model(x), (x.sum(1) > 0).long())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    writer.add_scalar("train/loss", loss.item(), step)
    writer.add_scalars("lr", {{"group0": 0.1, "group1": 0.05 * step}}, step)
    for name, parameter in model.named_parameters():
        writer.add_histogram(f"weights/{{name}}", parameter, step)
        writer.add_histogram(f"grads/{{name}}", parameter.grad, step)
writer.add_hparams({{"lr": 0.1, "hidden": 16}}, {{"hparam/final_loss": loss.item()}})
writer.close()
"""


def run_script(tmp_path, import_line, log_dir):
    script = tmp_path / f"train_{abs(hash(import_line))}.py"
    script.write_text(REALISTIC_SCRIPT.format(import_line=import_line))
    environment = dict(os.environ, PYTHONWARNINGS="ignore")
    result = subprocess.run([sys.executable, str(script), str(log_dir)], capture_output=True, text=True, env=environment)
    assert result.returncode == 0, result.stderr


def tbparse_view(log_dir):
    from tbparse import SummaryReader

    reader = SummaryReader(str(log_dir), extra_columns={"dir_name"})
    hparams_run = re.compile(r"^\d+\.\d+$")  # add_hparams names its sub-run after the time

    def rows(frame, columns):
        frame = frame.assign(dir_name=frame["dir_name"].map(lambda name: "<hparams>" if hparams_run.match(name) else name))
        return sorted(tuple(row) for row in frame[columns].itertuples(index=False))

    return {
        "scalars": rows(reader.scalars, ["dir_name", "tag", "step", "value"]),
        "text": rows(reader.text, ["dir_name", "tag", "step", "value"]),
        "hparams": rows(reader.hparams, ["dir_name", "tag", "value"]),
        "histograms": rows(reader.histograms, ["dir_name", "tag", "step"]),
    }


def test_a_tensorboard_script_runs_unchanged_with_the_import_switched(tmp_path):
    run_script(tmp_path, "from torch.utils.tensorboard import SummaryWriter", tmp_path / "torch")
    run_script(tmp_path, "from histlog import SummaryWriter", tmp_path / "histlog")
    theirs, ours = tbparse_view(tmp_path / "torch"), tbparse_view(tmp_path / "histlog")
    assert ours["text"] == theirs["text"] and ours["hparams"] == theirs["hparams"]
    assert [row[:3] for row in ours["scalars"]] == [row[:3] for row in theirs["scalars"]]
    np.testing.assert_allclose([row[3] for row in ours["scalars"]], [row[3] for row in theirs["scalars"]], rtol=1e-6)
    # every histogram once: 4 parameters x 2 (weights, grads) x 6 steps, as torch writes them
    assert ours["histograms"] == theirs["histograms"] and len(ours["histograms"]) == 48
    assert len(set(ours["histograms"])) == 48
    assert len(event_files(tmp_path / "histlog")) == 1  # the run's own; sub-runs have torch's

    accumulator = accumulate(tmp_path / "histlog")
    assert [event.step for event in accumulator.Scalars("train/loss")] == list(range(6))
    assert len(accumulator.Tags()["histograms"]) == 8
    reader = histlog.open_run(tmp_path / "histlog")
    assert len(reader.keys()) == 8 and all(reader.steps(key) == list(range(6)) for key in reader.keys())
    for key in reader.keys():  # TensorBoard's histogram statistics are histlog's
        for event, record in zip(accumulator.Histograms(key), reader.history(key)):
            assert event.histogram_value.num == record.total_count
            assert event.histogram_value.min == record.min_value and event.histogram_value.max == record.max_value
            assert event.histogram_value.sum == pytest.approx(record.sum, rel=1e-12, abs=1e-12)


def test_tensorboard_sees_new_scalars_and_histograms_while_training(tmp_path):
    """TensorBoard follows only the newest event file of a directory for new data; with one file
    it sees scalars and histograms logged after it first loaded the run."""
    writer = histlog.SummaryWriter(tmp_path / "tb")
    accumulator = event_accumulator.EventAccumulator(str(tmp_path / "tb"), size_guidance={event_accumulator.HISTOGRAMS: 0})
    for step in range(4):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_histogram("w", np.arange(10.0) * step, step)
        writer.flush()
        accumulator.Reload()
        assert [event.step for event in accumulator.Scalars("loss")] == list(range(step + 1))
        assert [event.step for event in accumulator.Histograms("w")] == list(range(step + 1))
    writer.close()
    assert len(event_files(tmp_path / "tb")) == 1


def test_purge_step_drops_later_steps_as_torch_does(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        for step in range(6):
            writer.add_scalar("loss", float(step), step)
            writer.add_histogram("w", [float(step)], step)
    with histlog.SummaryWriter(tmp_path / "tb", purge_step=3) as writer:  # a resumed run, from step 3
        for step in range(3, 5):
            writer.add_scalar("loss", 10.0 + step, step)
            writer.add_histogram("w", [10.0 + step], step)
    accumulator = accumulate(tmp_path / "tb")
    assert [(event.step, event.value) for event in accumulator.Scalars("loss")] == [
        (0, 0.0), (1, 1.0), (2, 2.0), (3, 13.0), (4, 14.0)]
    assert [event.histogram_value.max for event in accumulator.Histograms("w")] == [0.0, 1.0, 2.0, 13.0, 14.0]


# --- bins ---------------------------------------------------------------------------------------


def test_add_histogram_is_seen_by_tensorboard_and_by_histlog(tmp_path):
    values = torch.randn(1000)
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        for step in range(3):
            writer.add_histogram("weights/fc", values * (step + 1), global_step=step, bins=20)
    seen = tensorboard_histograms(tmp_path / "tb")
    reader = histlog.open_run(tmp_path / "tb")
    assert [event.step for event in seen["weights/fc"]] == [0, 1, 2]
    for event in seen["weights/fc"]:
        proto = event.histogram_value
        ours = reader.get("weights/fc", event.step)
        scaled = (values * (event.step + 1)).numpy()
        assert_matches_numpy(ours, scaled)
        assert proto.num == scaled.size and ours.counts.size == 20
        assert proto.min == ours.min_value and proto.max == ours.max_value
        assert proto.sum == ours.sum and proto.sum_squares == pytest.approx(float(np.sum(scaled.astype(np.float64) ** 2)))
        # as torch writes them: a leading (empty) bucket up to the first edge, then bin i's right edge
        np.testing.assert_array_equal(proto.bucket_limit, ours.bin_edges)
        np.testing.assert_array_equal(proto.bucket, [0, *ours.counts])


@pytest.mark.parametrize("bins", ["tensorflow", "fd", "sturges", "auto", 7, [-3.0, -1.0, 0.0, 1.0, 3.0]])
def test_bins_arguments(tmp_path, bins):
    values = np.random.default_rng(0).normal(size=500)
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram("h", values, 0, bins=bins)
    data = histlog.open_run(tmp_path / "tb").get("h", 0)
    inside = values[(values >= data.bin_edges[0]) & (values <= data.bin_edges[-1])]
    np.testing.assert_array_equal(data.counts, np.histogram(inside, bins=data.bin_edges)[0])
    if isinstance(bins, int):
        assert data.counts.size == 7
    elif isinstance(bins, list):
        assert data.bin_edges.tolist() == bins
    elif bins != "tensorflow":
        np.testing.assert_allclose(data.bin_edges, np.histogram_bin_edges(values, bins=bins))


@pytest.mark.parametrize("bins, max_bins", [(100, 10), (30, 7), ("sqrt", 5), (12, 12), ("tensorflow", 8)])
def test_max_bins_merges_as_torch_does(tmp_path, bins, max_bins):
    values = np.random.default_rng(1).normal(size=500)
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram("h", values, 0, bins=bins, max_bins=max_bins)
    record = histlog.open_run(tmp_path / "tb").get("h", 0)
    assert record.counts.sum() == 500
    if bins == "tensorflow":
        assert record.counts.size == 8
        return
    counts, _ = np.histogram(values, bins=bins)
    group = counts.size // max_bins if counts.size > max_bins else 1
    expected = [counts[start : start + group].sum() for start in range(0, counts.size, group)]
    np.testing.assert_array_equal(record.counts, expected)  # torch's rule: e.g. 30 bins, max 7 -> 8 bins
    (event,) = tensorboard_histograms(tmp_path / "tb")["h"]
    theirs = torch_summary.histogram("h", values, bins=bins, max_bins=max_bins).value[0].histo
    np.testing.assert_allclose(rendered("h", event.histogram_value), rendered("h", theirs), rtol=1e-6)


def test_bad_bins_say_what_is_expected(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        with pytest.raises(ValueError, match="bins must be an int, a sequence of edges"):
            writer.add_histogram("h", [1.0, 2.0], 0, bins="nope")
        with pytest.raises(TypeError, match="max_bins must be an int"):
            writer.add_histogram("h", [1.0, 2.0], 0, max_bins=2.5)
        with pytest.raises(ValueError, match="max_bins must be >= 1"):
            writer.add_histogram("h", [1.0, 2.0], 0, max_bins=0)
        writer.add_histogram("nan only", [float("nan")] * 3, 0, bins="fd")  # torch raises; we count them
    assert histlog.open_run(tmp_path / "tb").get("nan only", 0).nan_count == 3


def test_walltime_becomes_the_timestamp(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram("h", [1.0, 2.0], 3, walltime=1_600_000_000.25)
    assert histlog.open_run(tmp_path / "tb").get("h", 3).timestamp == 1_600_000_000.25
    assert tensorboard_histograms(tmp_path / "tb")["h"][0].wall_time == pytest.approx(1_600_000_000.25)


def test_without_tensorboard_the_import_error_says_what_to_install():
    code = (
        "import sys; sys.modules['tensorboard'] = None; import histlog\n"
        "from histlog import *\n"
        "try:\n    histlog.SummaryWriter\nexcept ImportError as error:\n    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install torch tensorboard" in result.stdout
