"""The histlog engine through the paths Python users call, next to numpy, scipy and fast-histogram.

Races on 1M float32 normal values, each contender on the same array in a round, a few distinct
arrays across rounds, interleaved round-robin with the order rotated every round, warm-up rounds
first, medians and minimums over the measured rounds (../../../../shared BENCHMARKING.md):

  - ``histlog.compute(x)``: what ``log_histogram`` computes (histogram, min, max, mean, std,
    skewness, kurtosis, five exact quantiles, median, zero and outlier counts);
  - ``histlog.histogram(x)``: the histogram alone (edges, counts, min, max, totals);
  - ``fast_histogram.histogram1d`` + ``x.min()``/``x.max()`` (a C histogram, nothing else);
  - ``numpy.histogram(x, 30)``; numpy + scipy for the statistics set;
  - the floor: one streaming pass, ``x.max()``; "passes" is a median over the floor's median.

Each call is timed after ``gc.collect()``, which also evicts the array from the caches (the
first pass reads it from memory, as ``x.max()`` does); the same race runs again with the arrays
left in the caches (the collector off). Then the same on values crowded with ties (ReLU outputs,
a gradient-like tensor), on heavy tails (Student t), with bins of unequal widths (explicit edges,
log scale) next to numpy.histogram on the same edges, on small tensors (128 and 4,096 values, a
batch of calls a timing), and 10M values with ``histlog.set_max_threads(1)`` and ``(2)``.

Every result is checked outside the timing: counts equal numpy.histogram's on the engine's own
edges, quantiles equal ``np.quantile`` exactly, moments agree with scipy to 1e-9.

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

import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Callable, Dict, List, Sequence, Tuple  # noqa: E402

import fast_histogram  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402

sys.path.insert(0, os.path.join(_ROOT, "bindings", "python"))
import histlog  # noqa: E402
from histlog import _ffi  # noqa: E402

COUNT = 1_000_000
BINS = 30
SMALL_BATCH = 100
PROBABILITIES = [0.1, 0.25, 0.5, 0.75, 0.9]


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


def fast_histogram_and_extremes(x: np.ndarray) -> tuple:
    low, high = x.min(), x.max()
    return fast_histogram.histogram1d(x, BINS, (low, high)), low, high


def check(x: np.ndarray) -> None:
    """histlog's answers against numpy's and scipy's on the same array (raises on any difference)."""
    s = histlog.compute(x)
    h = histlog.histogram(x)
    reference_counts, _ = np.histogram(x, bins=s.bin_edges)
    assert np.array_equal(s.counts, reference_counts), "counts differ from numpy.histogram on the same edges"
    assert np.array_equal(h.counts, s.counts) and np.array_equal(h.bin_edges, s.bin_edges), "histogram() differs"
    assert s.bin_edges[0] == x.min() and s.bin_edges[-1] == x.max()
    assert (h.min_value, h.max_value, h.total_count) == (s.min_value, s.max_value, x.size)
    # Interior edges are the float32 thresholds of the engine's bin formula: linspace to a few ulps.
    ulp = float(np.spacing(np.abs(x).max()))
    assert np.allclose(s.bin_edges, np.linspace(x.min(), x.max(), BINS + 1), rtol=0, atol=4 * ulp)
    assert list(s.quantiles.values()) == list(np.quantile(x, PROBABILITIES)), "quantiles differ from np.quantile"
    assert s.median == np.quantile(x, [0.5])[0]
    reference = numpy_statistics(x)
    for name, value in [("mean", s.mean), ("std", s.std), ("skewness", s.skewness), ("kurtosis", s.kurtosis)]:
        assert abs(value - reference[name]) <= 1e-9 * max(1.0, abs(reference[name])), (name, value, reference[name])
    assert s.min_value == reference["min"] and s.max_value == reference["max"]
    assert s.zero_count == reference["zeros"] and s.outlier_count == reference["outliers"]
    assert not s.estimated
    # fast_histogram's range is half-open (the maximum is left out) and its bin arithmetic differs
    # slightly: a few values move to a neighbouring bin.
    fast, _, _ = fast_histogram_and_extremes(x)
    assert abs(fast - reference["counts"]).sum() <= 1 + 1e-4 * x.size, "fast_histogram is not computing the same histogram"


Contender = Tuple[str, Callable[[np.ndarray], object]]


def race(
    contenders: Sequence[Contender], arrays: Sequence[np.ndarray], rounds: int, warmup: int, collect: bool = True
) -> Dict[str, List[float]]:
    """Seconds per call of every contender, interleaved and rotated, one array per round. With
    ``collect``, ``gc.collect()`` runs before each call, which also evicts the array from the
    caches: the call reads it from memory. Without, the collector is off during the race, and the
    arrays stay in the caches between calls, as a gradient does that backward has just written."""
    times: Dict[str, List[float]] = {label: [] for label, _ in contenders}
    if not collect:
        gc.collect()
        gc.disable()
    try:
        for round_index in range(warmup + rounds):
            x = arrays[round_index % len(arrays)]
            shift = round_index % len(contenders)
            for label, run in list(contenders[shift:]) + list(contenders[:shift]):
                if collect:
                    gc.collect()
                start = time.perf_counter()
                run(x)
                elapsed = time.perf_counter() - start
                if round_index >= warmup:
                    times[label].append(elapsed)
    finally:
        if not collect:
            gc.enable()
    return times


def with_threads(threads: int, function: Callable[[np.ndarray], object]) -> Callable[[np.ndarray], object]:
    def run(x: np.ndarray) -> object:
        histlog.set_max_threads(threads)
        try:
            return function(x)
        finally:
            histlog.set_max_threads(1)

    return run


def table(title: str, times: Dict[str, List[float]], floor_label: str) -> Dict[str, float]:
    median = {label: statistics.median(values) for label, values in times.items()}
    floor = median[floor_label]
    print(f"\n{title}")
    print(f"{'contender':44} {'median ms':>10} {'min ms':>9} {'passes':>7}")
    for label, values in times.items():
        print(f"{label:44} {median[label] * 1e3:10.3f} {min(values) * 1e3:9.3f} {median[label] / floor:7.1f}")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--arrays", type=int, default=4)
    arguments = parser.parse_args()

    arrays = [np.random.default_rng(seed).standard_normal(COUNT).astype(np.float32) for seed in range(arguments.arrays)]
    for x in arrays:
        check(x)

    compute, alone = "histlog.compute (all statistics)", "histlog.histogram (histogram alone)"
    fast, numpy_histogram, numpy_scipy = "fast_histogram.histogram1d + min/max", "numpy.histogram(x, 30)", "numpy + scipy statistics"
    floor = "floor: x.max()"
    contenders: List[Contender] = [
        (floor, lambda x: x.max()),
        (compute, histlog.compute),
        (alone, histlog.histogram),
        (fast, fast_histogram_and_extremes),
        (numpy_histogram, lambda x: np.histogram(x, BINS)),
        (numpy_scipy, numpy_statistics),
    ]
    print(f"histlog {histlog.__version__} vs numpy {np.__version__} / scipy {scipy.__version__} / fast-histogram "
          f"{fast_histogram.__version__}: {COUNT:,} float32 normal values, {arguments.rounds} interleaved rounds over "
          f"{arguments.arrays} arrays (+{arguments.warmup} warm-up), one thread, answers checked "
          f"({_ffi.LIBRARY_PATH}); passes = median / the floor's median")
    median = table("1M values", race(contenders, arrays, arguments.rounds, arguments.warmup), floor)
    print(f"all statistics: histlog.compute {median[fast] / median[compute]:.2f}x the speed of fast_histogram + min/max "
          f"(which computes the histogram alone), {median[numpy_scipy] / median[compute]:.1f}x faster than numpy + scipy")
    print(f"histogram alone: histlog.histogram {median[numpy_histogram] / median[alone]:.1f}x faster than numpy.histogram, "
          f"{median[fast] / median[alone]:.2f}x faster than fast_histogram + min/max")
    median = table("1M values still in the caches (the collector off instead of gc.collect() before each call)",
                   race(contenders, arrays, arguments.rounds, arguments.warmup, collect=False), floor)
    print(f"cached: histlog.compute {median[fast] / median[compute]:.2f}x the speed of fast_histogram + min/max, "
          f"{median[numpy_scipy] / median[compute]:.1f}x faster than numpy + scipy; histlog.histogram "
          f"{median[numpy_histogram] / median[alone]:.1f}x faster than numpy.histogram, "
          f"{median[fast] / median[alone]:.2f}x faster than fast_histogram + min/max")

    def compute_against_peers(label: str, title: str, inputs: Sequence[np.ndarray]) -> None:
        """The 1M-value race on ``inputs``, answers checked first."""
        for x in inputs:
            check(x)
        median = table(title, race(contenders, inputs, arguments.rounds, arguments.warmup), floor)
        print(f"{label}: histlog.compute {median[fast] / median[compute]:.2f}x the speed of fast_histogram + min/max, "
              f"{median[numpy_scipy] / median[compute]:.1f}x faster than numpy + scipy; histlog.histogram "
              f"{median[numpy_histogram] / median[alone]:.1f}x faster than numpy.histogram, "
              f"{median[fast] / median[alone]:.2f}x faster than fast_histogram + min/max")

    # Training tensors are rarely normal: ReLU outputs are half exact zeros, and a gradient has heavy
    # tails and the zeros of dead units (the benchmark MLP's last hidden layer: 4.8% zeros, excess
    # kurtosis 7). Ties crowd the quantiles' cells.
    rng = np.random.default_rng(50)
    crowded = [
        np.maximum(rng.standard_normal(COUNT), 0).astype(np.float32),
        np.where(rng.random(COUNT) < 0.05, 0, rng.standard_normal(COUNT) * np.exp(0.5 * rng.standard_normal(COUNT))).astype(np.float32),
    ]
    compute_against_peers(
        "crowded ties", "1M values crowded with ties (ReLU outputs: 50% zeros; gradient-like: 5% zeros, excess kurtosis 6), one round each",
        crowded)

    # Heavy tails (Adam-trained transformers' gradients): the range reaches hundreds of standard
    # deviations, and the cells holding the quantiles hold most of the values.
    heavy = [np.random.default_rng(60 + seed).standard_t(df, COUNT).astype(np.float32) for seed, df in enumerate((2, 1.5))]
    compute_against_peers("heavy tails", "1M values with heavy tails (Student t, 2 and 1.5 degrees of freedom), one round each", heavy)

    # Bins of unequal widths: explicit edges, log scale (histlog.SummaryWriter's default bins pick
    # it for tensors spanning many decades).
    edges = np.concatenate([-np.geomspace(4, 1e-3, 15), np.geomspace(1e-3, 4, 15)])
    for x in arrays:
        assert np.array_equal(histlog.compute(x, bins=edges).counts, np.histogram(x, bins=edges)[0]), "edges: counts differ"
        assert np.array_equal(histlog.histogram(x, bins=edges).counts, np.histogram(x, bins=edges)[0]), "edges: counts differ"
        logged = histlog.compute(x, log_scale=True)
        assert np.array_equal(logged.counts, np.histogram(x, bins=logged.bin_edges)[0]), "log scale: counts differ"
    unequal: List[Contender] = [
        (floor, lambda x: x.max()),
        ("histlog.compute, 30 explicit edges", lambda x: histlog.compute(x, bins=edges)),
        ("histlog.compute, log_scale=True", lambda x: histlog.compute(x, log_scale=True)),
        ("histlog.histogram, 30 explicit edges", lambda x: histlog.histogram(x, bins=edges)),
        ("numpy.histogram, 30 explicit edges", lambda x: np.histogram(x, bins=edges)),
    ]
    median = table("1M values, bins of unequal widths (29 bins between +-geomspace(1e-3, 4) edges; symmetric log bins)",
                   race(unequal, arrays, arguments.rounds, arguments.warmup), floor)
    print(f"unequal widths: histlog.compute {median['numpy.histogram, 30 explicit edges'] / median['histlog.compute, 30 explicit edges']:.1f}x, "
          f"histlog.histogram {median['numpy.histogram, 30 explicit edges'] / median['histlog.histogram, 30 explicit edges']:.1f}x "
          "faster than numpy.histogram on the same edges")

    # Log scale on heavy tails or a far spike (an exploding gradient element): the range stretches the
    # equal-width cells until the log-spaced edges near zero crowd the few cells holding most values.
    # SummaryWriter.add_histogram's default bins pick the log scale for such tensors.
    spiked = np.random.default_rng(70).standard_normal(COUNT).astype(np.float32)
    spiked[COUNT // 3] = -26_000
    stretched = [heavy[1], spiked]
    log_edges = [histlog.compute(x, log_scale=True).bin_edges for x in stretched]
    for x, e in zip(stretched, log_edges):
        reference = np.histogram(x, bins=e)[0]
        assert np.array_equal(histlog.compute(x, log_scale=True).counts, reference), "log scale: counts differ"
        assert np.array_equal(histlog.histogram(x, log_scale=True).counts, reference), "log scale: counts differ"
    edges_of = {id(x): e for x, e in zip(stretched, log_edges)}
    logged: List[Contender] = [
        (floor, lambda x: x.max()),
        ("histlog.compute, log_scale=True", lambda x: histlog.compute(x, log_scale=True)),
        ("histlog.histogram, log_scale=True", lambda x: histlog.histogram(x, log_scale=True)),
        ("numpy.histogram, the same edges", lambda x: np.histogram(x, bins=edges_of[id(x)])),
    ]
    median = table("1M values, log scale on heavy tails (Student t, 1.5 degrees of freedom) and on normal values with one far spike",
                   race(logged, stretched, arguments.rounds, arguments.warmup), floor)
    print(f"log scale, stretched range: histlog.compute {median['numpy.histogram, the same edges'] / median['histlog.compute, log_scale=True']:.1f}x, "
          f"histlog.histogram {median['numpy.histogram, the same edges'] / median['histlog.histogram, log_scale=True']:.1f}x "
          "faster than numpy.histogram on the same edges")

    # Small tensors (biases, norms, small matrices: most of a model's tensors, each logged as often
    # as the large ones): the fixed cost of a call counts. A timing covers a batch of calls.
    for size in (128, 4096):
        smalls = [np.random.default_rng(80 + seed).standard_normal(size).astype(np.float32) for seed in range(4)]
        for x in smalls:
            check(x)

        def batch(function: Callable[[np.ndarray], object]) -> Callable[[np.ndarray], object]:
            return lambda x: [function(x) for _ in range(SMALL_BATCH)]

        small: List[Contender] = [
            (floor, batch(lambda x: x.max())), (compute, batch(histlog.compute)), (alone, batch(histlog.histogram)),
            (fast, batch(fast_histogram_and_extremes)), (numpy_histogram, batch(lambda x: np.histogram(x, BINS))),
            (numpy_scipy, batch(numpy_statistics)),
        ]
        median = table(f"{size:,} values, {SMALL_BATCH} calls a timing (ms per batch)", race(small, smalls, arguments.rounds, arguments.warmup), floor)
        print(f"{size:,} values, per call: histlog.compute {median[compute] / SMALL_BATCH * 1e6:.1f} us "
              f"({median[numpy_scipy] / median[compute]:.1f}x faster than numpy + scipy, {median[fast] / median[compute]:.2f}x the speed of "
              f"fast_histogram + min/max), histlog.histogram {median[alone] / SMALL_BATCH * 1e6:.1f} us "
              f"({median[numpy_histogram] / median[alone]:.1f}x faster than numpy.histogram)")

    large = [np.random.default_rng(100 + seed).standard_normal(10 * COUNT).astype(np.float32) for seed in range(2)]
    one, two = with_threads(1, histlog.compute)(large[0]), with_threads(2, histlog.compute)(large[0])
    assert one.to_dict() == two.to_dict(), "threads changed the summary"
    threaded: List[Contender] = [
        (floor, lambda x: x.max()),
        ("histlog.compute, 1 thread", with_threads(1, histlog.compute)),
        ("histlog.compute, 2 threads", with_threads(2, histlog.compute)),
        ("histlog.histogram, 1 thread", with_threads(1, histlog.histogram)),
        ("histlog.histogram, 2 threads", with_threads(2, histlog.histogram)),
        (fast, fast_histogram_and_extremes),
    ]
    rounds = max(5, arguments.rounds // 2)
    median = table(f"10M values ({rounds} rounds over 2 arrays; {os.cpu_count()} cores)", race(threaded, large, rounds, 2), floor)
    print(f"2 threads: compute {median['histlog.compute, 1 thread'] / median['histlog.compute, 2 threads']:.2f}x, "
          f"histogram {median['histlog.histogram, 1 thread'] / median['histlog.histogram, 2 threads']:.2f}x the speed of 1")


if __name__ == "__main__":
    main()
