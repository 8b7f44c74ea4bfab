"""The histlog engine (through the C ABI, ``hl_compute_f32``) next to numpy and scipy.

Two races on 1M float32 normal values, each contender on the same array in a round, a few
distinct arrays across rounds, interleaved round-robin with the order rotated every round, warm-up
rounds first, medians and minimums over the measured rounds (../../../../shared BENCHMARKING.md):

  1. histogram only, 30 bins over [min, max]: ``hl_compute_f32`` with ``stats=NULL`` (the engine
     then computes the histogram alone) against ``numpy.histogram(x, 30)``.
  2. all statistics: ``hl_compute_f32`` (histogram, min, max, mean, std, skewness, kurtosis, five
     exact quantiles, median, zero and outlier counts) against numpy's way: ``np.histogram``,
     ``np.percentile`` of the five quantiles and the median, min, max, mean and std (float64),
     ``scipy.stats.skew``/``kurtosis(bias=False)``, the zero count and the 3-sigma outlier count.

Every timed result is checked outside the timing: counts equal numpy.histogram's on the engine's
own edges, quantiles equal ``np.quantile`` exactly, moments agree to 1e-9. The floor is one plain
pass over the same array (``x.max()`` and ``x.sum()`` in numpy).

Run it with ``make bench``, or ``python bindings/python/benchmarks/bench_engine.py [--rounds N]``
with ``HISTLOG_LIBRARY`` pointing at a release ``libhistlog.so`` (default: ``.build/release``).
"""

from __future__ import annotations

import argparse
import os
import sys

_ENVIRONMENT = {
    "OPENBLAS_NUM_THREADS": "1",  # numpy's BLAS threads busy-wait and take the second core
    "MALLOC_MMAP_MAX_": "0",  # keep big buffers in the heap: no page faults on reuse
    "MALLOC_TRIM_THRESHOLD_": str(1 << 34),
}
_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
_ENVIRONMENT.setdefault("HISTLOG_LIBRARY", os.environ.get("HISTLOG_LIBRARY", os.path.join(_ROOT, ".build", "release", "libhistlog.so")))
if any(os.environ.get(key) != value for key, value in _ENVIRONMENT.items()):
    os.environ.update(_ENVIRONMENT)
    os.execv(sys.executable, [sys.executable, *sys.argv])

import ctypes  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Callable, Dict, List, Sequence, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402

sys.path.insert(0, os.path.join(_ROOT, "bindings", "python"))
from histlog import _ffi  # noqa: E402

COUNT = 1_000_000
BINS = 30
PROBABILITIES = [0.1, 0.25, 0.5, 0.75, 0.9]


class Engine:
    """``hl_compute_f32`` with buffers allocated once (no allocation inside the timed region)."""

    def __init__(self) -> None:
        self.config = _ffi.BinConfig()
        _ffi.lib.hl_bin_config_init(ctypes.byref(self.config))
        self.config.bins = BINS
        self.edges = np.empty(BINS + 1)
        self.counts = np.empty(BINS)
        self.n_bins = ctypes.c_size_t()
        self.stats = _ffi.Stats()

    def compute(self, x: np.ndarray, with_statistics: bool) -> None:
        _ffi.lib.hl_compute_f32(
            x.ctypes.data, x.size, ctypes.byref(self.config),
            self.edges.ctypes.data, self.edges.size, self.counts.ctypes.data, self.counts.size,
            ctypes.byref(self.n_bins), ctypes.byref(self.stats) if with_statistics else None,
        )


def numpy_statistics(x: np.ndarray) -> dict:
    """numpy's way to the same set: histogram, quantiles, moments, zeros, outliers."""
    counts, edges = np.histogram(x, BINS)
    quantiles = np.percentile(x, [10, 25, 50, 75, 90])
    wide = x.astype(np.float64)
    mean = wide.mean()
    std = wide.std(ddof=1)
    return {
        "counts": counts, "edges": edges, "quantiles": quantiles, "median": np.median(x),
        "min": x.min(), "max": x.max(), "mean": mean, "std": std,
        "skewness": scipy.stats.skew(wide, bias=False), "kurtosis": scipy.stats.kurtosis(wide, bias=False),
        "zeros": int(np.count_nonzero(x == 0)), "outliers": int(np.count_nonzero(np.abs(wide - mean) > 3 * std)),
    }


def check(engine: Engine, x: np.ndarray) -> None:
    """The engine's answers against numpy's on the same array (raises on any difference)."""
    engine.compute(x, with_statistics=False)
    histogram_only = engine.counts.copy()
    engine.compute(x, with_statistics=True)
    s = engine.stats
    reference_counts, _ = np.histogram(x, bins=engine.edges)
    assert np.array_equal(engine.counts, reference_counts), "counts differ from numpy.histogram on the same edges"
    assert np.array_equal(histogram_only, engine.counts), "histogram-only counts differ"
    assert engine.edges[0] == x.min() and engine.edges[-1] == x.max()
    # Interior edges are the float32 thresholds of the engine's bin formula: linspace to a few ulps.
    ulp = float(np.spacing(np.abs(x).max()))
    assert np.allclose(engine.edges, np.linspace(x.min(), x.max(), BINS + 1), rtol=0, atol=4 * ulp)
    assert list(s.quantiles) == list(np.quantile(x, PROBABILITIES)), "quantiles differ from np.quantile"
    assert s.median == np.quantile(x, [0.5])[0]
    reference = numpy_statistics(x)
    for name, value in [("mean", s.mean), ("std", s.std), ("skewness", s.skewness), ("kurtosis", s.kurtosis)]:
        assert abs(value - reference[name]) <= 1e-9 * max(1.0, abs(reference[name])), (name, value, reference[name])
    assert s.min == reference["min"] and s.max == reference["max"]
    assert s.zero_count == reference["zeros"] and s.outlier_count == reference["outliers"]
    assert s.total_count == x.size and s.estimated == 0


Contender = Tuple[str, Callable[[np.ndarray], object]]


def race(contenders: Sequence[Contender], arrays: Sequence[np.ndarray], rounds: int, warmup: int) -> Dict[str, List[float]]:
    """Seconds per call of every contender, interleaved and rotated, one array per round."""
    times: Dict[str, List[float]] = {label: [] for label, _ in contenders}
    for round_index in range(warmup + rounds):
        x = arrays[round_index % len(arrays)]
        shift = round_index % len(contenders)
        for label, run in list(contenders[shift:]) + list(contenders[:shift]):
            gc.collect()
            start = time.perf_counter()
            run(x)
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                times[label].append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--arrays", type=int, default=4)
    arguments = parser.parse_args()

    arrays = [np.random.default_rng(seed).standard_normal(COUNT).astype(np.float32) for seed in range(arguments.arrays)]
    engine = Engine()
    for x in arrays:
        check(engine, x)

    contenders: List[Contender] = [
        ("floor: numpy x.max() + x.sum()", lambda x: (x.max(), x.sum())),
        ("histlog histogram only", lambda x: engine.compute(x, with_statistics=False)),
        ("numpy.histogram(x, 30)", lambda x: np.histogram(x, BINS)),
        ("histlog all statistics", lambda x: engine.compute(x, with_statistics=True)),
        ("numpy + scipy all statistics", numpy_statistics),
    ]
    times = race(contenders, arrays, arguments.rounds, arguments.warmup)

    median = {label: statistics.median(values) for label, values in times.items()}
    floor = median[contenders[0][0]]
    print(f"histlog engine vs numpy {np.__version__} / scipy {scipy.__version__}: {COUNT:,} float32 normal values, "
          f"{arguments.rounds} interleaved rounds over {arguments.arrays} arrays (+{arguments.warmup} warm-up), "
          f"answers checked equal ({_ffi.LIBRARY_PATH})")
    print(f"{'contender':34} {'median ms':>10} {'min ms':>9} {'x floor':>8}")
    for label, values in times.items():
        print(f"{label:34} {median[label] * 1e3:10.3f} {min(values) * 1e3:9.3f} {median[label] / floor:8.1f}")
    print(f"histogram only: histlog {median['numpy.histogram(x, 30)'] / median['histlog histogram only']:.1f}x faster than numpy.histogram")
    print(f"all statistics: histlog {median['numpy + scipy all statistics'] / median['histlog all statistics']:.1f}x faster than numpy + scipy")


if __name__ == "__main__":
    main()
