"""Data sets sharded over the ranks of the multi-process tests (imported by the workers and by
the tests, so both sides see the same values)."""

from __future__ import annotations

import numpy as np


def _values_with_specials(rng, n, dtype):
    x = rng.normal(scale=3.0, size=n)
    # Whole numbers in [-8, 8] land exactly on edges of the integer-spaced bins the range gives.
    x[: n // 4] = rng.integers(-8, 9, size=n // 4)
    x[n // 4 : n // 4 + 7] = 0.0
    x[n // 4 + 7] = -0.0
    x[n // 4 + 8 : n // 4 + 11] = np.nan
    x[n // 4 + 11] = np.inf
    x[n // 4 + 12] = -np.inf
    return x.astype(dtype)


def shards(case: str, world: int) -> list[np.ndarray]:
    """The shard of every rank for `case`, in rank order."""
    rng = np.random.default_rng([world, len(case)])
    if case == "mixed":  # NaN/Inf/zeros on every rank, unequal sizes, values on edges
        return [_values_with_specials(rng, 900 + 131 * r, np.float64) for r in range(world)]
    if case == "float32":
        return [_values_with_specials(rng, 700 + 57 * r, np.float32) for r in range(world)]
    if case == "empty_shard":  # the last rank holds nothing
        return [rng.exponential(size=500).astype(np.float32) if r < world - 1 else np.empty(0, np.float32)
                for r in range(world)]
    if case == "leader_all_nan":  # rank 0, the writer, has no finite value
        return [np.full(40, np.nan) if r == 0 else rng.uniform(-1, 5, size=300) for r in range(world)]
    if case == "no_finite":  # no rank has a finite value
        return [np.array([np.nan, np.inf, -np.inf])[: r + 1] if r else np.empty(0) for r in range(world)]
    if case == "constant":
        return [np.full(10 + r, 2.5) for r in range(world)]
    if case == "shifted":  # large offset, small spread: the two-pass moments must stay accurate
        return [1e8 + rng.normal(size=400) for r in range(world)]
    if case == "outlier":  # one far value stretches the bins: quantiles need the sub-bins
        parts = [rng.normal(size=1500 + 100 * r) for r in range(world)]
        parts[0][0] = 100.0
        return parts
    if case == "wide":  # magnitudes over many decades, both signs: the automatic scale picks log bins
        return [rng.choice([-1.0, 1.0], size=600) * 10.0 ** rng.uniform(-7, 2, size=600) for r in range(world)]
    raise KeyError(case)


CASES = ["mixed", "float32", "empty_shard", "leader_all_nan", "no_finite", "constant", "shifted", "outlier"]


def concatenated(case: str, world: int) -> np.ndarray:
    return np.concatenate(shards(case, world))


# Explicit edges for the `bins=` case: whole numbers, so many values sit exactly on them.
EDGES = [-8.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 8.0]

WATCH_STEPS = 3


def watch_batch(rank: int, step: int):
    """A different mini-batch on every rank, so local and synchronised gradients differ."""
    import torch

    g = torch.Generator().manual_seed(100 * step + rank)
    x = torch.randn(16, 6, generator=g) * (rank + 1)
    return x, x.sum(dim=1, keepdim=True).sin()
