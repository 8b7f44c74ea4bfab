"""Multi-process tests: 2 and 3 real processes with the gloo backend on loopback."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

torch = pytest.importorskip("torch")

from dist_cases import CASES, concatenated, shards  # noqa: E402

WORKER = Path(__file__).resolve().parent / "dist_worker.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(world: int, out: Path, timeout: float = 180.0) -> None:
    """Starts `world` workers the way torchrun would (env://) and waits for all of them."""
    port = _free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                   LOCAL_WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                   GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS="1")
        procs.append(subprocess.Popen([sys.executable, str(WORKER), str(out)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    failures = []
    for rank, p in enumerate(procs):
        try:
            output, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        if p.returncode != 0:
            failures.append(f"rank {rank} exited with {p.returncode}:\n{output}")
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module", params=[2, 3], ids=["world2", "world3"])
def job(request, tmp_path_factory):
    world = request.param
    out = tmp_path_factory.mktemp(f"world{world}")
    launch(world, out)
    return world, out


def _load(out: Path, name: str, rank: int) -> dict:
    with np.load(out / f"{name}.{rank}.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("case", CASES)
def test_protocol_equals_single_process_numpy(job, case):
    world, out = job
    data = concatenated(case, world).astype(np.float64)
    finite = data[np.isfinite(data)]
    results = [_load(out, f"protocol.{case}", r) for r in range(world)]
    for r in results[1:]:  # every rank receives the same summary
        for key in results[0]:
            np.testing.assert_array_equal(r[key], results[0][key], err_msg=key)
    s = results[0]
    assert int(s["count"]) == finite.size
    assert int(s["nan_count"]) == np.isnan(data).sum()
    assert int(s["inf_count"]) == np.isinf(data).sum()
    assert int(s["zero_count"]) == (finite == 0).sum()
    if finite.size == 0:
        assert math.isnan(s["min"]) and math.isnan(s["max"]) and math.isnan(s["mean"])
        assert s["counts"].sum() == 0
        return
    assert s["min"] == finite.min() and s["max"] == finite.max()
    edges = np.histogram_bin_edges(finite, bins=16)
    np.testing.assert_array_equal(s["edges"], edges)
    np.testing.assert_array_equal(s["counts"], np.histogram(finite, bins=edges)[0])
    assert int(s["underflow"]) == 0 and int(s["overflow"]) == 0
    np.testing.assert_array_equal(s["fine_counts"], np.histogram(finite, bins=s["fine_edges"])[0])
    n = finite.size
    mean = finite.mean()
    assert s["mean"] == pytest.approx(mean, rel=1e-14, abs=1e-12)
    d = finite - mean
    scale = max(np.sum(d ** 2), 1e-300)
    assert s["m2"] == pytest.approx(np.sum(d ** 2), rel=1e-12, abs=1e-12)
    assert s["m3"] == pytest.approx(np.sum(d ** 3), rel=1e-9, abs=1e-9 * scale ** 1.5)
    assert s["m4"] == pytest.approx(np.sum(d ** 4), rel=1e-12, abs=1e-12)
    if n > 3 and np.sum(d ** 2) > 0:
        m2, m3, m4 = s["m2"] / n, s["m3"] / n, s["m4"] / n
        g1 = m3 / m2 ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)
        g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2 ** 2 - 3) + 6)
        assert g1 == pytest.approx(scipy.stats.skew(finite, bias=False), rel=1e-9, abs=1e-12)
        assert g2 == pytest.approx(scipy.stats.kurtosis(finite, bias=False), rel=1e-9, abs=1e-12)
