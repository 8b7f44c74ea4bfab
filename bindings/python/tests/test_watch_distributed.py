"""histlog.watch(..., optimizer=) under DDP (2 processes, accumulation with no_sync) and FSDP2
(2 and 3 processes, fully_shard per Linear and on the root): real gloo processes. The oracle is
what each optimizer step received, captured by the workers' own step pre-hook."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import histlog  # noqa: E402
from conftest import assert_matches_numpy  # noqa: E402
from test_device_reduce import assert_quantiles_within_one_part  # noqa: E402
from test_distributed import launch  # noqa: E402

WORKER = Path(__file__).resolve().parent / "watch_worker.py"
STEPS = 3


def _received(out: Path) -> dict:
    with np.load(out / "received.npz") as f:
        return {k: f[k] for k in f.files}


def _keys(received: dict) -> set:
    return {key.rsplit("/", 1)[0] for key in received}


def test_ddp_with_no_sync_logs_the_all_reduced_gradients_once_per_step(tmp_path):
    launch(2, tmp_path, worker=WORKER, arguments=("ddp",))
    received = _received(tmp_path)
    reader = histlog.open_run(tmp_path / "run")
    assert sorted(reader.keys()) == sorted(_keys(received))
    for key in reader.keys():
        assert reader.steps(key) == list(range(STEPS))  # one record per optimizer step
        for step in range(STEPS):
            assert_matches_numpy(reader.get(key, step), received[f"{key}/{step}"])
    for rank in (1,):  # the other rank wrote nothing and opened no default run
        assert not (tmp_path / f"default-{rank}").exists()


def assert_whole_tensor(record, values: np.ndarray) -> None:
    """A record reduced over the shards against the whole tensor: exact counts, extremes and
    special counts; moments to float64 rounding; quantiles estimated within one zoom part."""
    x = values.astype(np.float64).ravel()
    finite = x[np.isfinite(x)]
    assert record.total_count == finite.size == values.size
    assert record.nan_count == 0 and record.inf_count == 0
    assert record.min_value == finite.min() and record.max_value == finite.max()
    assert record.zero_count == int((finite == 0).sum())
    np.testing.assert_array_equal(record.counts, np.histogram(finite, bins=record.bin_edges)[0])
    assert record.underflow_count == 0 and record.overflow_count == 0
    assert record.mean == pytest.approx(finite.mean(), rel=1e-9, abs=1e-12)
    if finite.size > 1:
        assert record.std == pytest.approx(finite.std(ddof=1), rel=1e-9, abs=1e-12)
    assert set(record.estimated_statistics) >= {"quantiles"}
    assert_quantiles_within_one_part(record, finite)


@pytest.mark.parametrize("world", [2, 3])
def test_fsdp2_logs_each_whole_parameter_without_gathering(tmp_path, world):
    launch(world, tmp_path, worker=WORKER, arguments=("fsdp2",))
    received = _received(tmp_path)
    reader = histlog.open_run(tmp_path / "run")
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]  # the unwrapped names
    assert sorted(_keys(received)) == sorted(f"{k}/{n}" for k in ("Parameters", "Gradients") for n in names)
    for key in _keys(received):
        history = reader.history(key)
        assert [r.step for r in history[:STEPS]] == list(range(STEPS))
        for step in range(STEPS):
            assert_whole_tensor(history[step], received[f"{key}/{step}"])
    for rank in range(1, world):
        assert not (tmp_path / f"default-{rank}").exists()
    traffic = json.loads((tmp_path / "traffic.json").read_text())
    small, large = traffic["2.bias"], traffic["0.weight"]
    assert large["numel"] > 10 * small["numel"]
    # Each rank's share of a record: 15 numbers, ~4096 sub-bin counts (30 bins), 256 per quantile
    # sub-bin (at most 5): nothing that grows with the tensor.
    fixed = 15 + 32 * math.ceil(4096 / 32)
    for share in (small, large):
        zoomed, rest = divmod(share["bytes"] // 8 - fixed, 256)
        assert share["bytes"] % 8 == 0 and rest == 0 and 1 <= zoomed <= 5, share
    assert small["gathers"] == large["gathers"] == 0
    # the measured steps logged the parameter they were given, at the steps set on the watch
    assert reader.keys() and reader.steps("Parameters/2.bias")[-1] == STEPS
    assert reader.steps("Parameters/0.weight")[-1] == STEPS + 1
    assert math.isfinite(reader.get("Parameters/0.weight", STEPS + 1).mean)
