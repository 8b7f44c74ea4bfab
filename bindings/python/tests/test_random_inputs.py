"""histlog.compute and histlog.histogram against numpy and scipy on seeded random inputs large
enough for every kernel: sizes around the engine's thresholds (2^15 values for the key-digit
table, 2^18 for a chunk), tensors of ties, ±0, heavy tails, spikes, subnormal and huge values,
NaN and ±Inf; float32, float64, bfloat16, float16, strided arrays and transposed tensors; default,
explicit-range, explicit-edge and log-scale bins; one and two threads."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats

import histlog

torch = pytest.importorskip("torch")

PROBABILITIES = [0.1, 0.25, 0.5, 0.75, 0.9]


def random_size(rng: np.random.Generator) -> int:
    if rng.random() < 0.4:
        return int(rng.choice([1 << 15, 1 << 16, 1 << 18, 3 << 17])) + int(rng.integers(-9, 10))
    return int(np.exp(rng.uniform(0, np.log(300_000))))


def random_values(rng: np.random.Generator, n: int) -> np.ndarray:
    kind = int(rng.integers(0, 16))
    if kind == 0:
        x = rng.normal(size=n)
    elif kind == 1:
        x = rng.standard_t(1.5, n)
    elif kind == 2:  # ReLU outputs
        x = np.maximum(rng.normal(size=n), 0)
    elif kind == 3:  # gradient-like
        x = rng.standard_t(3, n) * 1e-3
        x[rng.random(n) < 0.05] = 0
    elif kind == 4:
        x = rng.integers(-5, 6, n).astype(np.float64)
    elif kind == 5:
        x = np.full(n, rng.normal())
    elif kind == 6:  # one far spike
        x = rng.normal(size=n)
        x[rng.integers(0, n)] = 1e4
    elif kind == 7:
        x = 1e8 + rng.normal(size=n)
    elif kind == 8:  # underflowed: subnormal in float32
        x = rng.normal(size=n) * 1e-40
    elif kind == 9:
        x = rng.uniform(-1, 1, n) * 3.4e38
    elif kind == 10:
        x = rng.lognormal(0, 3, n) * rng.choice([-1, 1], n)
    elif kind == 11:  # mostly zeros
        x = np.where(rng.random(n) < 0.9, 0.0, rng.normal(size=n))
    elif kind == 12:  # sixty decades
        x = rng.uniform(-1, 1, n) * 10.0 ** rng.integers(-30, 30, n)
    elif kind == 13:  # ties on a grid
        x = np.round(rng.normal(size=n) * 8) / 8
    elif kind == 14:  # two clusters six decades apart
        x = np.where(rng.random(n) < 0.5, 1e-3, 1e3) * rng.normal(1, 0.01, n)
    else:
        x = np.abs(rng.normal(size=n)) * rng.choice([1, -1])
        x[rng.random(n) < 0.3] = 0.0
    if rng.random() < 0.3:
        x[rng.integers(0, n, max(1, n // 7))] = -0.0
    if rng.random() < 0.25:
        k = int(rng.integers(1, 2 + n // 1000))
        x[rng.integers(0, n, k)] = rng.choice([np.nan, np.inf, -np.inf], k)
    return x


def random_options(rng: np.random.Generator, finite: np.ndarray) -> dict:
    r = rng.random()
    if r < 0.4 or finite.size == 0:
        return {"num_bins": int(rng.choice([30, 1, 2, 7, 64, 255, 1000]))}
    if r < 0.6:
        lo, hi = np.quantile(finite, [rng.uniform(0, 0.3), rng.uniform(0.7, 1)])
        if lo < hi:
            return {"num_bins": int(rng.integers(1, 80)), "range": (float(lo), float(hi))}
    if r < 0.8:
        edges = np.quantile(finite, np.sort(rng.uniform(0, 1, int(rng.integers(2, 40)))))
        if rng.random() < 0.3:
            edges = np.concatenate([edges, [0.0]])
        edges = np.unique(edges)
        if edges.size >= 2:
            return {"bins": edges}
    return {"num_bins": int(rng.choice([10, 30, 60])), "log_scale": True}


def representable(low: float, high: float, dtype) -> int:
    """How many values of `dtype` lie in [low, high] (numpy refuses more bins than that; histlog widens the range)."""
    bits = np.int32 if dtype == np.float32 else np.int64
    width = np.dtype(bits).itemsize * 8

    def key(value: float) -> int:
        raw = int(np.array([value], dtype=dtype).view(bits)[0])
        return raw + (1 << (width - 1)) if raw >= 0 else -raw  # order-preserving, -0 beside +0
    return key(high) - key(low) + 1


def problems_against_numpy(data, x: np.ndarray, *, linspace: bool, dtype) -> list:
    """What differs from numpy / scipy (float64 references, tolerances scaled to the data)."""
    finite = x[np.isfinite(x)]
    found = []

    def expect(condition, what):
        if not condition:
            found.append(what)

    expect(data.total_count == finite.size, "total_count")
    expect(data.nan_count == int(np.isnan(x).sum()), "nan_count")
    expect(data.inf_count == int(np.isinf(x).sum()), "inf_count")
    edges = data.bin_edges
    expect(np.all(np.diff(edges) > 0), "edges increase")
    inside = finite[(finite >= edges[0]) & (finite <= edges[-1])]
    counts = np.histogram(inside, bins=edges)[0]
    expect(np.array_equal(data.counts, counts), f"counts {np.nonzero(data.counts != counts)[0][:5]}")
    expect(data.underflow_count == int((finite < edges[0]).sum()), "underflow_count")
    expect(data.overflow_count == int((finite > edges[-1]).sum()), "overflow_count")
    if linspace and finite.size and representable(finite.min(), finite.max(), dtype) > data.counts.size:
        lo, hi, bins = Fraction(float(finite.min())), Fraction(float(finite.max())), data.counts.size
        exact = np.array([float(lo + i * (hi - lo) / bins) for i in range(bins + 1)])
        # numpy's own float32 edges are off by several units where a step is subnormal
        unit = max(float(np.spacing(dtype(np.abs(exact).max()))), float(np.finfo(dtype).smallest_subnormal))
        expect(edges[0] == exact[0] and edges[-1] == exact[-1] and np.abs(edges - exact).max() <= 8 * unit, "linspace edges")
    if finite.size == 0:
        return found
    expect(data.min_value == finite.min() and data.max_value == finite.max(), "min/max")
    magnitude = float(np.abs(finite).mean())
    spread = float(finite.max()) - float(finite.min())  # the sums are centred near the middle of the range
    mean = math.fsum(finite) / finite.size
    expect(abs(data.mean - mean) <= 1e-12 * magnitude + 1e-14 * spread, f"mean {data.mean!r} vs {mean!r}")
    expect(data.zero_count == int((finite == 0).sum()), "zero_count")
    ordered = np.sort(finite)
    native = finite.astype(dtype)
    for p, q in zip(PROBABILITIES, data.quantiles.values()):
        h = (finite.size - 1) * p
        below, above = ordered[int(h)], ordered[min(int(h) + 1, finite.size - 1)]
        expected = float(np.quantile(native, p))  # numpy interpolates in the data's precision
        tolerance = 1e-12 * max(abs(below), abs(above)) if dtype == np.float64 else 4 * float(np.spacing(np.float32(min(max(abs(below), abs(above)), 3e38))))
        # where `above - below` overflows float32, numpy's interpolation gives NaN or inf
        near = abs(q - expected) <= tolerance if math.isfinite(expected) else True
        expect(below <= q <= above and near, f"quantile {p}: {q!r} vs {expected!r}")
    if finite.size >= 2:
        centred = finite - mean
        std = float(np.sqrt(math.fsum(centred * centred) / (finite.size - 1)))
        expect(abs(data.std - std) <= 1e-9 * std + 1e-12 * magnitude, f"std {data.std!r} vs {std!r}")
        if std > 1e-6 * magnitude:
            outliers = int((np.abs(centred) > 3 * std).sum())
            borderline = int((np.abs(np.abs(centred) - 3 * std) <= 1e-9 * std).sum())
            expect(abs(data.outlier_count - outliers) <= borderline, f"outlier_count {data.outlier_count} vs {outliers}")
            if finite.size >= 4:
                skewness = scipy.stats.skew(centred, bias=False)
                kurtosis = scipy.stats.kurtosis(centred, bias=False)
                expect(abs(data.skewness - skewness) <= 1e-8 * abs(skewness) + 1e-9, f"skewness {data.skewness!r} vs {skewness!r}")
                expect(abs(data.kurtosis - kurtosis) <= 1e-8 * abs(kurtosis) + 1e-9, f"kurtosis {data.kurtosis!r} vs {kurtosis!r}")
    return found


@pytest.mark.parametrize("seed", range(240))
def test_random_inputs_match_numpy_and_scipy(seed):
    rng = np.random.default_rng(seed + 20261204)
    n = random_size(rng)
    x = random_values(rng, n)
    form = ["float32", "float64", "bfloat16", "strided float32", "float16", "transposed float32 tensor"][seed % 6]
    if form == "float64":
        values, dtype = x, np.float64
    elif form == "bfloat16":
        values, dtype = torch.from_numpy(x.astype(np.float32)).to(torch.bfloat16), np.float32
    elif form == "strided float32":
        values, dtype = np.repeat(x.astype(np.float32), 2)[1::2], np.float32
    elif form == "float16":  # reaches the engine as float32
        with np.errstate(over="ignore"):
            values, dtype = x.astype(np.float16), np.float32
    elif form == "transposed float32 tensor":
        columns = max(1, n // 3)
        values, dtype = torch.from_numpy(np.resize(x, 3 * columns).astype(np.float32)).reshape(columns, 3).t(), np.float32
    else:
        values, dtype = x.astype(np.float32), np.float32
    if isinstance(values, torch.Tensor):
        reference = values.contiguous().to(torch.float64).numpy().ravel()
    else:
        reference = np.asarray(values, dtype=np.float64)
    options = random_options(rng, reference[np.isfinite(reference)])
    shown = {key: (f"{len(value)} edges" if key == "bins" else value) for key, value in options.items()}
    label = f"{form}, {n} values, {shown}"
    threads = 1 + seed % 2
    previous = histlog.set_max_threads(threads)
    try:
        try:
            data = histlog.compute(values, **options)
        except histlog.InvalidArgumentError as error:
            assert "too narrow" in str(error), label  # a subnormal range too narrow for its bins
            return
        problems = problems_against_numpy(data, reference, linspace=list(options) == ["num_bins"], dtype=dtype)
        assert not problems, f"{label}, {threads} threads: {problems}"
        alone = histlog.histogram(values, **options)
        np.testing.assert_array_equal(alone.bin_edges, data.bin_edges, err_msg=label)
        np.testing.assert_array_equal(alone.counts, data.counts, err_msg=label)
        for name in ("total_count", "nan_count", "inf_count", "underflow_count", "overflow_count", "min_value", "max_value"):
            a, b = getattr(alone, name), getattr(data, name)
            assert a == b or (math.isnan(a) and math.isnan(b)), f"{label}: histogram alone {name}"
    finally:
        histlog.set_max_threads(previous)
