"""histlog.SummaryWriter as a drop-in for torch.utils.tensorboard.SummaryWriter's histograms,
checked with TensorBoard's own reader."""

from __future__ import annotations

import numpy as np
import pytest

import histlog

torch = pytest.importorskip("torch")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def tensorboard_histograms(log_dir):
    accumulator = event_accumulator.EventAccumulator(str(log_dir), size_guidance={event_accumulator.HISTOGRAMS: 0})
    accumulator.Reload()
    return {tag: accumulator.Histograms(tag) for tag in accumulator.Tags()["histograms"]}


def test_add_histogram_is_seen_by_tensorboard_and_by_histlog(tmp_path):
    values = torch.randn(1000)
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        for step in range(3):
            writer.add_histogram("weights/fc", values * (step + 1), global_step=step, bins=20)
        writer.add_histogram("no_step", values)
    seen = tensorboard_histograms(tmp_path / "tb")
    assert sorted(seen) == ["no_step", "weights/fc"]
    assert [event.step for event in seen["weights/fc"]] == [0, 1, 2]
    assert [event.step for event in seen["no_step"]] == [0]
    reader = histlog.open_run(tmp_path / "tb")
    for event in seen["weights/fc"]:
        proto = event.histogram_value
        ours = reader.get("weights/fc", event.step)
        scaled = (values * (event.step + 1)).numpy().astype(np.float64)
        assert proto.num == scaled.size and ours.counts.size == 20
        assert proto.min == pytest.approx(scaled.min()) and proto.max == pytest.approx(scaled.max())
        assert proto.sum == pytest.approx(scaled.sum(), abs=1e-6)
        assert proto.sum_squares == pytest.approx((scaled**2).sum(), rel=1e-9)
        # as torch writes them: a leading (empty) bucket up to the first edge, then bucket i + 1
        # is bin i with its right edge as limit
        np.testing.assert_allclose(proto.bucket_limit, ours.bin_edges)
        np.testing.assert_array_equal(proto.bucket, [0, *ours.counts])
        np.testing.assert_array_equal(ours.counts, np.histogram(scaled, bins=ours.bin_edges)[0])


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


def test_max_bins_merges_bins(tmp_path):
    values = np.random.default_rng(1).normal(size=500)
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram("int", values, 0, bins=100, max_bins=10)
        writer.add_histogram("named", values, 0, bins="sqrt", max_bins=5)
    reader = histlog.open_run(tmp_path / "tb")
    assert reader.get("int", 0).counts.size == 10
    named = reader.get("named", 0)
    assert named.counts.size <= 5 and named.counts.sum() == 500


def test_walltime_becomes_the_timestamp(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram("h", [1.0, 2.0], 3, walltime=1_600_000_000.25)
    assert histlog.open_run(tmp_path / "tb").get("h", 3).timestamp == 1_600_000_000.25
    assert tensorboard_histograms(tmp_path / "tb")["h"][0].wall_time == pytest.approx(1_600_000_000.25)


def test_add_histogram_raw_in_tensorboards_own_layout(tmp_path):
    # what torch.utils.tensorboard's make_histogram produces: a leading empty bucket whose
    # limit is the left edge of the first real bin
    values = np.random.default_rng(2).normal(size=300)
    counts, edges = np.histogram(values, bins=12)
    limits = edges.tolist()
    buckets = [0] + counts.tolist()
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        writer.add_histogram_raw(
            "raw",
            min=values.min(),
            max=values.max(),
            num=values.size,
            sum=values.sum(),
            sum_squares=(values**2).sum(),
            bucket_limits=limits,
            bucket_counts=buckets,
            global_step=4,
        )
        # a plain layout: min is the left edge of the first bucket
        writer.add_histogram_raw("plain", 0.0, 3.0, 6, 9.0, 17.0, [1.0, 2.0, 3.0], [1, 2, 3], global_step=0)
    reader = histlog.open_run(tmp_path / "tb")
    raw = reader.get("raw", 4)
    np.testing.assert_allclose(raw.bin_edges, edges)
    np.testing.assert_array_equal(raw.counts, counts)
    assert raw.estimated
    plain = reader.get("plain", 0)
    assert plain.bin_edges.tolist() == [0.0, 1.0, 2.0, 3.0] and plain.counts.tolist() == [1, 2, 3]
    assert sorted(tensorboard_histograms(tmp_path / "tb")) == ["plain", "raw"]


def test_other_methods_say_what_to_use(tmp_path):
    with histlog.SummaryWriter(tmp_path / "tb") as writer:
        with pytest.raises(NotImplementedError, match="add_scalar.*torch.utils.tensorboard"):
            writer.add_scalar("loss", 1.0, 0)
        with pytest.raises(AttributeError):
            writer.not_a_method  # noqa: B018
        assert writer.get_logdir() == str(tmp_path / "tb")


def test_same_calls_as_torch_summary_writer(tmp_path):
    """The same code, run against both writers, gives TensorBoard the same tags, steps and counts."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    values = torch.randn(2000)

    def log(writer):
        for step in range(2):
            writer.add_histogram("x", values + step, step, bins=30)
        writer.flush()
        writer.close()

    log(TorchWriter(str(tmp_path / "torch")))
    log(histlog.SummaryWriter(str(tmp_path / "histlog")))
    theirs, ours = tensorboard_histograms(tmp_path / "torch"), tensorboard_histograms(tmp_path / "histlog")
    assert sorted(theirs) == sorted(ours)
    for a, b in zip(theirs["x"], ours["x"]):
        assert a.step == b.step
        assert a.histogram_value.num == b.histogram_value.num
        assert a.histogram_value.min == pytest.approx(b.histogram_value.min)
        assert a.histogram_value.max == pytest.approx(b.histogram_value.max)
        # torch drops empty outer bins and prepends an empty one; compare the non-empty counts
        assert [c for c in a.histogram_value.bucket if c] == [c for c in b.histogram_value.bucket if c]
