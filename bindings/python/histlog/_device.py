"""Summaries of torch tensors computed where the tensor lives (CPU or a CUDA device).

Only O(bins) numbers cross to the host: the extremes (to ask the engine for the edges), then
one packed float64 vector with the bin counts, the special counts and the moments. The engine
then records them as a reduced histogram (``hl_log_reduced``): exact counts, extremes, moments
and special counts; quantiles and outliers estimated from the bins.

Conventions are the engine's (``Include/histlog.h``):

- NaN and +/-Inf never enter bins or statistics; they are counted. ``count`` is the number of
  finite values.
- Bins are half-open ``[edges[i], edges[i+1])`` except the last, which is closed (numpy's rule);
  finite values outside ``[edges[0], edges[-1]]`` are under/overflow. Every comparison is made
  in float64 against the engine's float64 edges, so a value exactly on an edge lands where the
  engine puts it.
- Moments are two-pass and accumulated in float64: ``mean = sum(x) / n``, then the central
  sums ``m2 = sum((x - mean)^2)``, ``m3``, ``m4`` (the form that merges exactly, Pébay 2008).
- ``zero_count`` counts ``|x| <= zero_tolerance`` (exact zeros, +0 and -0, by default).

The same code runs on CPU tensors; a CUDA tensor only changes where the kernels run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np
import torch

# Edges for the finite extremes (lo, hi), or for data without a finite value (None, None).
# Always the engine's own computation, so device and host paths bin over identical edges.
EdgesFor = Callable[[Optional[float], Optional[float]], np.ndarray]


@dataclass
class ReducedSummary:
    """Histogram counts and exact moments of a tensor (or of the union of several shards).

    ``counts`` are whole numbers stored as float64 (exact below 2**53). ``mean`` and the
    extremes are NaN when ``count == 0``.
    """

    edges: np.ndarray
    counts: np.ndarray
    underflow: int
    overflow: int
    count: int
    mean: float
    m2: float
    m3: float
    m4: float
    min: float
    max: float
    zero_count: int
    nan_count: int
    inf_count: int
    # A finer histogram over the same range for quantile estimation (None unless asked for).
    fine_edges: Optional[np.ndarray] = field(default=None, repr=False)
    fine_counts: Optional[np.ndarray] = field(default=None, repr=False)


def flat_float64(values: torch.Tensor) -> torch.Tensor:
    """The tensor as a flat float64 tensor on its own device (exact for every float and for
    integers below 2**53), detached from autograd."""
    flat = values.detach().reshape(-1)
    return flat if flat.dtype == torch.float64 else flat.to(torch.float64)


@dataclass
class _SpecialCounts:
    finite: torch.Tensor  # flat float64, finite values only
    nan_count: torch.Tensor
    inf_count: torch.Tensor
    zero_count: torch.Tensor


def _split_special(flat: torch.Tensor, zero_tolerance: float) -> _SpecialCounts:
    nan_mask = torch.isnan(flat)
    inf_mask = torch.isinf(flat)
    finite = flat[~(nan_mask | inf_mask)]
    return _SpecialCounts(
        finite=finite,
        nan_count=nan_mask.sum(),
        inf_count=inf_mask.sum(),
        zero_count=(finite.abs() <= zero_tolerance).sum(),
    )


def extremes(finite: torch.Tensor) -> torch.Tensor:
    """``[min, -max]`` of the finite values as float64, ``[+inf, +inf]`` when there are none:
    the neutral element of an element-wise MIN, so one MIN all-reduce yields both extremes."""
    if finite.numel() == 0:
        return torch.full((2,), math.inf, dtype=torch.float64, device=finite.device)
    lo, hi = torch.aminmax(finite)
    return torch.stack([lo, -hi])


def bin_counts(finite: torch.Tensor, edges: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Counts of ``finite`` (float64) over ``edges`` (float64, strictly increasing, on the same
    device) with numpy's rule, plus the under- and overflow counts, all int64 tensors.

    ``bucketize(right=True)`` returns the number of edges ``<= x``, so bin ``i`` holds
    ``edges[i] <= x < edges[i+1]``; ``x == edges[-1]`` is folded into the last bin.
    """
    n_bins = edges.numel() - 1
    position = torch.bucketize(finite, edges, right=True) - 1
    underflow = position < 0
    overflow = finite > edges[-1]
    inside = ~(underflow | overflow)
    counts = torch.bincount(position[inside].clamp_(max=n_bins - 1), minlength=n_bins)
    return counts, underflow.sum(), overflow.sum()


def central_sums(finite: torch.Tensor, mean: torch.Tensor | float) -> torch.Tensor:
    """``[sum (x-mean)^2, sum (x-mean)^3, sum (x-mean)^4]`` in float64."""
    if finite.numel() == 0:
        return torch.zeros(3, dtype=torch.float64, device=finite.device)
    d = finite - mean
    d2 = d * d
    return torch.stack([d2.sum(), (d2 * d).sum(), (d2 * d2).sum()])


def fine_edges_for(edges: np.ndarray, fine_bins: int) -> np.ndarray:
    """Edges that split every bin of ``edges`` into ``ceil(fine_bins / n)`` equal parts.

    Each original edge stays an edge (the same double), so a value lands in a fine bin inside
    its own coarse bin and the fine counts sum back to the coarse ones exactly.
    """
    n = len(edges) - 1
    parts = max(1, -(-fine_bins // n))
    left = edges[:-1, None]
    width = (edges[1:] - edges[:-1])[:, None]
    inner = left + width * (np.arange(parts, dtype=np.float64) / parts)[None, :]
    inner[:, 0] = edges[:-1]
    fine = np.append(inner.reshape(-1), edges[-1])
    # Rounding can only tie two neighbours inside a very narrow bin; keep edges strictly increasing.
    return np.unique(fine)


def summarize(
    values: torch.Tensor,
    edges_for: EdgesFor,
    *,
    zero_tolerance: float = 0.0,
    fixed_edges: Optional[Sequence[float]] = None,
) -> ReducedSummary:
    """Summary of one tensor computed on its device (see the module docstring).

    ``edges_for`` maps the finite extremes to the engine's edges; ``fixed_edges`` (an explicit
    range or edges already known) skips that round trip.
    """
    flat = flat_float64(values)
    special = _split_special(flat, zero_tolerance)
    finite = special.finite
    n = int(finite.numel())
    lo = hi = None
    if n:
        lo_neg_hi = extremes(finite).cpu()
        lo, hi = float(lo_neg_hi[0]), -float(lo_neg_hi[1])
    edges = np.asarray(fixed_edges if fixed_edges is not None else edges_for(lo, hi), dtype=np.float64)
    edges_t = torch.as_tensor(edges, device=finite.device)
    counts, underflow, overflow = bin_counts(finite, edges_t)
    mean = finite.sum() / n if n else torch.tensor(math.nan, dtype=torch.float64, device=finite.device)
    packed = torch.cat([
        counts.to(torch.float64),
        torch.stack([underflow, overflow, special.zero_count, special.nan_count, special.inf_count]).to(torch.float64),
        mean.reshape(1),
        central_sums(finite, mean),
    ]).cpu().numpy()
    k = len(edges) - 1
    under, over, zeros, nans, infs = (int(v) for v in packed[k:k + 5])
    mean, m2, m3, m4 = (float(v) for v in packed[k + 5:k + 9])
    return ReducedSummary(
        edges=edges, counts=packed[:k].copy(), underflow=under, overflow=over, count=n,
        mean=mean, m2=m2, m3=m3, m4=m4,
        min=lo if lo is not None else math.nan, max=hi if hi is not None else math.nan,
        zero_count=zeros, nan_count=nans, inf_count=infs,
    )
