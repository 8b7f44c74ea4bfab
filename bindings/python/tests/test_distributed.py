"""Multi-process tests: 2 and 3 real processes with the gloo backend on loopback."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
from types import SimpleNamespace
from typing import List, Optional
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

torch = pytest.importorskip("torch")

import histlog  # noqa: E402
from histlog._device import SubBins  # noqa: E402


def subdivisions_for(n_bins: int) -> int:
    """The engine's sub-bins per region for ``n_bins`` bins (``hl_sub_bin_layout``)."""
    return SubBins(np.arange(n_bins + 1, dtype=np.float64), None, None).subdivisions


ZOOM_PARTS = SubBins(np.array([0.0, 1.0]), None, None).zoom_parts
from test_device_reduce import assert_quantiles_within_one_part, check_fine_histogram, exact_moments  # noqa: E402
from dist_cases import CASES, EDGES, WATCH_STEPS, concatenated, shards  # noqa: E402

WORKER = Path(__file__).resolve().parent / "dist_worker.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(world: int, out: Path, timeout: float = 180.0, worker: Path = WORKER, arguments: tuple = (),
           cwd: Optional[Path] = None) -> List[str]:
    """Starts `world` workers the way torchrun would (env://), waits for all of them and returns
    what each printed."""
    port = _free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                   LOCAL_WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                   GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS="1",
                   HISTLOG_DIR=str(out / f"default-{rank}"))
        procs.append(subprocess.Popen([sys.executable, str(worker), str(out), *arguments], env=env, cwd=cwd,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    failures, outputs = [], []
    for rank, p in enumerate(procs):
        try:
            output, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        outputs.append(output)
        if p.returncode != 0:
            failures.append(f"rank {rank} exited with {p.returncode}:\n{output}")
    assert not failures, "\n".join(failures)
    return outputs


@pytest.fixture(scope="module", params=[2, 3], ids=["world2", "world3"])
def job(request, tmp_path_factory):
    world = request.param
    out = tmp_path_factory.mktemp(f"world{world}")
    launch(world, out)
    return world, out


def _load(out: Path, name: str, rank: int) -> dict:
    with np.load(out / f"{name}.{rank}.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("kernels", ["engine", "torch"])
@pytest.mark.parametrize("case", CASES)
def test_protocol_equals_single_process_numpy(job, case, kernels):
    """Each rank's share computed by the engine (CPU tensors) or by torch operations (the code a
    CUDA tensor runs), all-reduced: the summary of the concatenated data, on every rank."""
    world, out = job
    data = concatenated(case, world).astype(np.float64)
    finite = data[np.isfinite(data)]
    results = [_load(out, f"protocol.{case}.{kernels}", r) for r in range(world)]
    for r in results[1:]:  # every rank receives the same summary
        for key in results[0]:
            np.testing.assert_array_equal(r[key], results[0][key], err_msg=key)
    s = results[0]
    assert int(s["count"]) == finite.size
    assert int(s["nan_count"]) == np.isnan(data).sum()
    assert int(s["inf_count"]) == np.isinf(data).sum()
    assert int(s["zero_count"]) == (finite == 0).sum()
    check_fine_histogram(SimpleNamespace(fine_edges=s["fine_edges"] if s["fine_edges"].size else None,
                                         fine_counts=s["fine_counts"] if s["fine_counts"].size else None), finite)
    if finite.size == 0:
        assert math.isnan(s["min"]) and math.isnan(s["max"]) and math.isnan(s["mean"])
        assert s["counts"].sum() == 0
        return
    assert s["min"] == finite.min() and s["max"] == finite.max()
    edges = np.histogram_bin_edges(finite, bins=16)
    np.testing.assert_array_equal(s["edges"], edges)
    np.testing.assert_array_equal(s["counts"], np.histogram(finite, bins=edges)[0])
    assert int(s["underflow"]) == 0 and int(s["overflow"]) == 0
    n = finite.size
    mean, m2, m3, m4 = exact_moments(finite)
    assert s["mean"] == pytest.approx(mean, rel=1e-15, abs=1e-15)
    assert s["m2"] == pytest.approx(m2, rel=1e-12, abs=1e-300)
    assert s["m3"] == pytest.approx(m3, rel=1e-9, abs=1e-12 * max(m2, 1e-300) ** 1.5)
    assert s["m4"] == pytest.approx(m4, rel=1e-12, abs=1e-300)
    if n > 3 and m2 > 0:
        m2, m3, m4 = s["m2"] / n, s["m3"] / n, s["m4"] / n
        g1 = m3 / m2 ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)
        g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2 ** 2 - 3) + 6)
        # scipy centres on numpy's mean, itself off by ~1e-8 for the data near 1e8
        assert g1 == pytest.approx(scipy.stats.skew(finite, bias=False), rel=1e-6, abs=1e-12)
        assert g2 == pytest.approx(scipy.stats.kurtosis(finite, bias=False), rel=1e-6, abs=1e-12)


# ---------------------------------------------------------------------------------------
# Records written through histlog.log_histogram(..., reduce=True), read back from rank 0's run
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_engine_and_torch_shares_give_the_same_histograms(job, case):
    world, out = job
    engine, torch_ops = _load(out, f"protocol.{case}.engine", 0), _load(out, f"protocol.{case}.torch", 0)
    for key in ("edges", "counts", "underflow", "overflow", "fine_edges", "fine_counts", "count", "zero_count",
                "nan_count", "inf_count", "min", "max"):
        np.testing.assert_array_equal(engine[key], torch_ops[key], err_msg=key)
    for key in ("mean", "m2", "m3", "m4"):
        assert _close(float(engine[key]), float(torch_ops[key]), rel=1e-9) or abs(engine[key] - torch_ops[key]) < 1e-9, key


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=rel, abs=1e-12)


def assert_reduced_equals(record, reference, data):
    """A reduced record against the engine's single-process result on the concatenated data."""
    np.testing.assert_array_equal(record.bin_edges, reference.bin_edges)
    np.testing.assert_array_equal(record.counts, reference.counts)
    assert record.total_count == reference.total_count
    for name in ("zero_count", "nan_count", "inf_count", "underflow_count", "overflow_count"):
        assert getattr(record, name) == getattr(reference, name), name
    assert _same(record.min_value, reference.min_value) and _same(record.max_value, reference.max_value)
    for name in ("mean", "std", "skewness", "kurtosis"):
        assert _close(getattr(record, name), getattr(reference, name)), (name, getattr(record, name), getattr(reference, name))
    assert set(record.estimated_statistics) == {"quantiles", "outliers"}
    assert_quantiles_within_one_part(record, data)


@pytest.mark.parametrize("case", CASES)
def test_reduced_record_equals_single_process_engine(job, case):
    world, out = job
    reader = histlog.open_run(out / "run")
    assert reader.steps(f"reduce/{case}") == [1]
    record = reader.get(f"reduce/{case}", 1)
    data = concatenated(case, world)
    assert_reduced_equals(record, histlog.compute(data), data)


def test_reduced_log_scale_and_explicit_edges(job):
    world, out = job
    reader = histlog.open_run(out / "run")
    data = concatenated("mixed", world)
    assert_reduced_equals(reader.get("reduce_log/mixed", 2), histlog.compute(data, log_scale=True, num_bins=20), data)
    assert_reduced_equals(reader.get("reduce_edges/mixed", 3), histlog.compute(data, bins=EDGES), data)
    assert_reduced_equals(reader.get("reduce_device/mixed", 8), histlog.compute(data), data)
    record = reader.get("reduce_range/mixed", 7)
    reference = histlog.compute(data, range=(-2.0, 3.0), num_bins=10)
    assert record.underflow_count > 0 and record.overflow_count > 0
    assert_reduced_equals(record, reference, data)


@pytest.mark.parametrize("case, logarithmic", [("mixed", False), ("wide", True)])
def test_reduced_automatic_scale_chooses_as_the_engine(job, case, logarithmic):
    world, out = job
    data = concatenated(case, world)
    reference = histlog.compute(data, log_scale="auto", num_bins=24)
    assert_reduced_equals(histlog.open_run(out / "run").get(f"reduce_auto/{case}", 9), reference, data)
    assert np.array_equal(reference.bin_edges, histlog.compute(data, num_bins=24).bin_edges) != logarithmic


def test_reduced_quantiles_see_the_bulk_past_an_outlier(job):
    """One far value stretches 30 equal bins over ~100 standard deviations; the fine histogram
    still places the quantiles of the bulk far closer than a bin."""
    world, out = job
    data = concatenated("outlier", world)
    record = histlog.open_run(out / "run").get("reduce/outlier", 1)
    reference = histlog.compute(data)
    bin_width = record.bin_edges[1] - record.bin_edges[0]
    for p, exact in reference.quantiles.items():
        assert abs(record.quantiles[p] - exact) < bin_width / 1000, (p, record.quantiles[p], exact)


def test_exact_quantiles_gathers_to_rank_0(job):
    world, out = job
    record = histlog.open_run(out / "run").get("exact/mixed", 4)
    reference = histlog.compute(concatenated("mixed", world))
    assert not record.estimated
    np.testing.assert_array_equal(record.counts, reference.counts)
    assert record.quantiles == reference.quantiles and record.median == reference.median
    assert record.outlier_count == reference.outlier_count
    assert _same(record.std, reference.std) and _same(record.kurtosis, reference.kurtosis)


def test_ranks_that_disagree_all_raise(job):
    world, out = job
    for rank in range(world):
        assert "different keys, steps, binning options" in (out / f"mismatch.{rank}").read_text()
    assert "mismatch" not in histlog.open_run(out / "run").keys()


def test_subgroup_leader_writes_the_group_record(job):
    world, out = job
    if world < 3:
        pytest.skip("needs a group of 2 ranks out of 3")
    record = histlog.open_run(out / "group_run").get("group/mixed", 5)
    data = np.concatenate(shards("mixed", world)[1:])
    assert_reduced_equals(record, histlog.compute(data), data)


def test_only_rank_0_writes(job):
    world, out = job
    assert not any((out / f"default-{rank}").exists() for rank in range(world)), "a rank opened a default run"
    reader = histlog.open_run(out / "run")
    for key in reader.keys():
        steps = reader.steps(key)
        assert len(steps) == len(set(steps)), f"{key} was written more than once per step: {steps}"


def test_watch_under_ddp_logs_synchronised_gradients_once_per_step(job):
    world, out = job
    if world != 2:
        pytest.skip("DDP is exercised with 2 ranks")
    reader = histlog.open_run(out / "run")
    with np.load(out / "watch_expected.npz") as f:
        expected = {k: f[k] for k in f.files}
    names = {k.split("/")[1] for k in expected}
    assert names == {"0.weight", "0.bias", "2.weight", "2.bias"}  # no DDP "module." prefix
    for kind in ("Parameters", "Gradients"):
        for name in names:
            assert reader.steps(f"{kind}/{name}") == list(range(WATCH_STEPS))
            for step in range(WATCH_STEPS):
                record = reader.get(f"{kind}/{name}", step)
                reference = histlog.compute(expected[f"{kind}/{name}/{step}"])
                np.testing.assert_array_equal(record.counts, reference.counts)
                assert (record.min_value, record.max_value, record.mean) == (
                    reference.min_value, reference.max_value, reference.mean), f"{kind}/{name} step {step}"


def test_reduce_outside_a_distributed_job_logs_the_values(tmp_path):
    values = concatenated("mixed", 2)
    with histlog.start_run(tmp_path / "run"):
        histlog.log_histogram(values, key="k", step=0, reduce=True)
        with pytest.raises(ValueError, match="key"):
            histlog.log_histogram(values, key="", step=0, reduce=True)
    record = histlog.open_run(tmp_path / "run").get("k", 0)
    reference = histlog.compute(values)
    assert not record.estimated
    np.testing.assert_array_equal(record.counts, reference.counts)
    assert record.quantiles == reference.quantiles


@pytest.fixture
def single_process_group():
    import torch.distributed as dist

    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    yield dist
    dist.destroy_process_group()


@pytest.mark.parametrize("num_bins", [1, 30, 200])
def test_bytes_exchanged_do_not_depend_on_the_shard_size(single_process_group, monkeypatch, tmp_path, num_bins):
    dist = single_process_group
    sent = []
    all_reduce = dist.all_reduce

    def counting_all_reduce(tensor, *args, **kwargs):
        sent.append(tensor.numel() * tensor.element_size())
        return all_reduce(tensor, *args, **kwargs)

    monkeypatch.setattr(dist, "all_reduce", counting_all_reduce)
    with histlog.start_run(tmp_path / "run"):
        for size in (10, 1_000_000):
            sent.clear()
            histlog.log_histogram(torch.randn(size), key="x", step=size, reduce=True, num_bins=num_bins)
            # extremes + signature; counts, sum and sub-bins; power sums and 1..5 zoomed sub-bins
            assert len(sent) == 3 and sent[0] == 8 * 6 and sent[1] == 8 * (5 + (num_bins + 2) * subdivisions_for(num_bins))
            assert sent[2] in [8 * (4 + k * ZOOM_PARTS) for k in range(1, 6)], sent
    record = histlog.open_run(tmp_path / "run").get("x", 1_000_000)
    assert record.total_count == 1_000_000 and record.counts.size == num_bins
