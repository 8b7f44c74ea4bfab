"""Summaries of torch tensors computed where the tensor lives (CPU or a CUDA device).

Only a fixed number of values cross to the host, whatever the tensor's size: the extremes (to
ask the engine for the edges), then one packed float64 vector with the sub-bin counts (about
``SUB_BINS``), the special counts and the moments. The engine then records them as a reduced
histogram (``hl_log_reduced_histogram``): exact counts, extremes, moments and special counts;
quantiles and outliers estimated from the sub-bins.

Conventions are the engine's (``Include/histlog.h``):

- NaN and +/-Inf never enter bins or statistics; they are counted. ``count`` is the number of
  finite values.
- Bins are half-open ``[edges[i], edges[i+1])`` except the last, which is closed (numpy's rule);
  finite values outside ``[edges[0], edges[-1]]`` are under/overflow. Every comparison is made
  in float64 against the engine's float64 edges, so a value exactly on an edge lands where the
  engine puts it.
- Moments are two-pass and accumulated in float64: ``sum(x) / n``, then the sums of powers of
  ``x`` minus it, moved to the exact mean (``moments_about_mean``): ``m2 = sum((x - mean)^2)``,
  ``m3``, ``m4``, the central sums that merge exactly (Pébay 2008).
- ``zero_count`` counts ``|x| <= zero_tolerance`` (exact zeros, +0 and -0, by default).
- Sub-bins: each region — underflow ``[min, edges[0])``, every bin, overflow
  ``(edges[-1], max]`` — split into ``subdivisions`` equal parts (``sub_bin_counts``); the bin
  counts are their sums, so they stay exact, and quantiles come out within one sub-bin width of
  the data.

The same code runs on CPU tensors; a CUDA tensor only changes where the kernels run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch

# Edges for (min, max, nearest_zero) of the finite values (see `edge_inputs`), all None for
# data without a finite value. Always the engine's own computation, so that the device, the
# multi-process and the host paths bin over identical edges.
EdgesFor = Callable[[Optional[float], Optional[float], Optional[float]], np.ndarray]

# About this many sub-bins in all, whatever the bin count: quantiles to about 1/4096 of the range
# (finer where log bins are narrow) for 32 KiB of float64 counts.
SUB_BINS = 4096


def subdivisions_for(n_bins: int) -> int:
    """Sub-bins per region for ``n_bins`` bins (``n_bins + 2`` regions), at least 1."""
    return max(1, -(-SUB_BINS // (n_bins + 2)))


@dataclass
class ReducedSummary:
    """Histogram counts and exact moments of a tensor (or of the union of several shards).

    ``counts`` and ``sub_counts`` are whole numbers stored as float64 (exact below 2**53);
    ``sub_counts`` has ``(len(counts) + 2) * subdivisions`` of them (see ``sub_bin_counts``).
    ``mean`` and the extremes are NaN when ``count == 0``.
    """

    edges: np.ndarray
    counts: np.ndarray
    underflow: int
    overflow: int
    sub_counts: np.ndarray
    subdivisions: int
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


def split_special(flat: torch.Tensor, zero_tolerance: float) -> _SpecialCounts:
    finite_mask = torch.isfinite(flat)
    finite_count = finite_mask.sum()
    nan_count = torch.isnan(flat).sum()
    # The usual tensor is all finite: no masked copy then (one host sync to know).
    finite = flat if int(finite_count) == flat.numel() else flat[finite_mask]
    return _SpecialCounts(
        finite=finite,
        nan_count=nan_count,
        inf_count=flat.numel() - finite_count - nan_count,
        zero_count=(finite.abs() <= zero_tolerance).sum(),
    )


def extremes(finite: torch.Tensor, nearest_zero: bool = False) -> torch.Tensor:
    """``[min, -max, p, q]`` of the finite values as float64, where ``p`` is the smallest
    positive value and ``q`` the smallest magnitude of a negative one (asked for log bins only).
    A missing value is ``+inf``: the neutral element of an element-wise MIN, so one MIN
    all-reduce combines the extremes of every rank."""
    inf = torch.full((), math.inf, dtype=torch.float64, device=finite.device)
    if finite.numel() == 0:
        return inf.expand(4).clone()
    lo, hi = torch.aminmax(finite)
    if nearest_zero:
        positive = torch.where(finite > 0, finite, inf).min()
        negative = torch.where(finite < 0, -finite, inf).min()
    else:
        positive = negative = inf
    return torch.stack([lo, -hi, positive, negative])


def edge_inputs(extremes: Sequence[float]) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """``(min, max, nearest_zero)`` from (reduced) ``extremes``: ``(None, None, None)`` without
    a finite value; ``nearest_zero`` is the nonzero value of smallest magnitude, with its sign
    (None if all are zero or it was not asked for). These three values, binned by the engine,
    give the same edges as the whole data: the engine's layouts depend on nothing else."""
    lo, neg_hi, positive, negative = (float(v) for v in extremes)
    if not math.isfinite(lo):
        return None, None, None
    nearest = None
    if math.isfinite(positive) or math.isfinite(negative):
        nearest = positive if positive <= negative else -negative
    return lo, -neg_hi, nearest


def sub_bin_counts(
    finite: torch.Tensor, edges: torch.Tensor, lo: Optional[float], hi: Optional[float], subdivisions: int
) -> torch.Tensor:
    """Counts (int64) of ``finite`` (float64) in each sub-bin: ``(n + 2) * subdivisions`` of them
    for ``n = edges.numel() - 1`` bins, region by region — underflow ``[lo, edges[0])``, bin
    ``i`` (numpy's rule: ``[edges[i], edges[i+1])``, the last closed), overflow
    ``(edges[-1], hi]`` — each split into equal parts, ``floor((x - left) / width * subdivisions)``.
    ``lo``/``hi``: the extremes of the data (None without a finite value).

    ``bucketize(right=True)`` returns ``k``, the number of edges ``<= x``: 0 is underflow,
    ``k`` in ``1..n`` is bin ``k - 1``, ``n + 1`` is ``x >= edges[-1]``, of which
    ``x == edges[-1]`` belongs to the last bin (closed). So the region is ``k``, but ``n`` there.
    """
    n = edges.numel() - 1
    first, last = float(edges[0]), float(edges[-1])
    bounds = torch.cat([
        torch.tensor([min(lo, first) if lo is not None else first], dtype=torch.float64, device=edges.device),
        edges,
        torch.tensor([max(hi, last) if hi is not None else last], dtype=torch.float64, device=edges.device),
    ])
    lefts, widths = bounds[:-1], bounds[1:] - bounds[:-1]
    # Sub-bins per unit length; 0 for an empty or unbounded (overflowing) region: all in part 0.
    scales = torch.where((widths > 0) & torch.isfinite(widths), subdivisions / widths, torch.zeros_like(widths))
    region = torch.bucketize(finite, edges, right=True)
    region -= ((region == n + 1) & (finite <= edges[-1])).to(region.dtype)
    part = ((finite - lefts[region]) * scales[region]).floor_().clamp_(0, subdivisions - 1).to(torch.int64)
    return torch.bincount(region * subdivisions + part, minlength=(n + 2) * subdivisions)


def regions_of(sub_counts: np.ndarray, subdivisions: int) -> tuple[np.ndarray, int, int]:
    """``(counts, underflow, overflow)`` from sub-bin counts (float64, see ``sub_bin_counts``)."""
    regions = sub_counts.reshape(-1, subdivisions).sum(axis=1)
    return regions[1:-1].copy(), int(regions[0]), int(regions[-1])


def central_sums(finite: torch.Tensor, shift: torch.Tensor | float) -> torch.Tensor:
    """``[S1, S2, S3, S4]``, ``Sk = sum (x - shift)^k``, in float64 (``shift``: a mean estimate)."""
    if finite.numel() == 0:
        return torch.zeros(4, dtype=torch.float64, device=finite.device)
    d = finite - shift
    d2 = d * d
    return torch.stack([d.sum(), d2.sum(), (d2 * d).sum(), (d2 * d2).sum()])


def moments_about_mean(count: int, shift: float, sums: Sequence[float]) -> tuple[float, float, float, float]:
    """``(mean, m2, m3, m4)`` from the sums about ``shift`` (see ``central_sums``).

    ``shift`` (sum / count) carries the rounding of a long sum; ``S1`` measures what is left
    (``mean = shift + S1 / n``), and the binomial expansion moves the sums to the exact mean:
    ``m2 = S2 - n d^2``, ``m3 = S3 - 3 d S2 + 2 n d^3``, ``m4 = S4 - 4 d S3 + 6 d^2 S2 - 3 n d^4``
    with ``d = S1 / n``.
    """
    if count == 0:
        return math.nan, 0.0, 0.0, 0.0
    s1, s2, s3, s4 = sums
    d = s1 / count
    return (shift + d, max(s2 - count * d * d, 0.0), s3 - 3 * d * s2 + 2 * count * d ** 3,
            s4 - 4 * d * s3 + 6 * d * d * s2 - 3 * count * d ** 4)


def summarize(
    values: torch.Tensor,
    edges_for: EdgesFor,
    *,
    zero_tolerance: float = 0.0,
    fixed_edges: Optional[np.ndarray] = None,
    nearest_zero: bool = False,
) -> ReducedSummary:
    """Summary of one tensor computed on its device (see the module docstring).

    ``edges_for`` gives the engine's edges for the data's extremes (``nearest_zero``: also
    pass the nonzero value nearest zero, which log bins depend on); ``fixed_edges`` (explicit
    edges) skips that round trip.
    """
    special = split_special(flat_float64(values), zero_tolerance)
    finite = special.finite
    n = int(finite.numel())
    lo, hi, nearest = edge_inputs(extremes(finite, nearest_zero).cpu().tolist())
    edges = fixed_edges if fixed_edges is not None else np.asarray(edges_for(lo, hi, nearest), dtype=np.float64)
    subdivisions = subdivisions_for(len(edges) - 1)
    sub = sub_bin_counts(finite, torch.as_tensor(edges, device=finite.device), lo, hi, subdivisions)
    shift = finite.sum() / n if n else torch.zeros((), dtype=torch.float64, device=finite.device)
    packed = torch.cat([
        torch.stack([special.zero_count, special.nan_count, special.inf_count]).to(torch.float64),
        shift.reshape(1),
        central_sums(finite, shift),
        sub.to(torch.float64),
    ]).cpu().numpy()
    zeros, nans, infs = (int(v) for v in packed[:3])
    mean, m2, m3, m4 = moments_about_mean(n, float(packed[3]), packed[4:8].tolist())
    sub_counts = packed[8:].copy()
    counts, under, over = regions_of(sub_counts, subdivisions)
    return ReducedSummary(
        edges=edges, counts=counts, underflow=under, overflow=over, sub_counts=sub_counts, subdivisions=subdivisions,
        count=n, mean=mean, m2=m2, m3=m3, m4=m4,
        min=lo if lo is not None else math.nan, max=hi if hi is not None else math.nan,
        zero_count=zeros, nan_count=nans, inf_count=infs,
    )
