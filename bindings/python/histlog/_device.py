"""Summaries of torch tensors reduced to a fixed number of values, alone or combined over the
ranks of a ``torch.distributed`` group (``histlog.distributed``). A tensor's share of each round
is computed where it lives, with torch operations (``TorchShard``: CUDA tensors, or
``device_reduce=True``), or by the engine over a CPU tensor's memory (``EngineShard``:
``hl_shard_counts_*``/``hl_shard_sums_*``); both put every value in the same sub-bin.

Only a fixed number of values cross to the host (or the network), whatever the tensor's size,
in three rounds (``summarize``): the extremes, from which the engine gives the edges; counts of
a fine histogram with the special counts and the sum; the power sums about the mean with a
zoom into the fine bins that hold the quantiles. ``log_scale="auto"`` adds a round between the
first two: the counts the engine's choice of scale needs (``prefers_logarithmic``). The engine then records them as a reduced
histogram (``hl_log_reduced_histogram``): exact counts, under/overflow, extremes, moments and
special counts; quantiles and outliers estimated from the fine histogram.

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
- The fine histogram (``SubBins``, the engine's layout): each region — underflow
  ``[min, edges[0])``, every bin, overflow ``(edges[-1], max]`` — split into equal sub-bins,
  about 4096 in all; the bin counts are their sums, so they stay exact. The sub-bins that hold
  the quantiles are split again into ``zoom_parts`` (256) parts, so each quantile comes out
  within ``bin width / (subdivisions * zoom_parts)`` of a value next to it in the sorted data.
  The rules (scale choice, layout, quantile sub-bins, moments, fine-histogram assembly) are the
  engine's, through the C ABI; this module runs only the torch kernels and the collectives.

``TorchShard`` runs the same code on CPU tensors; a CUDA tensor only changes where the kernels
run.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np
import torch

from ._adapt import address
from ._ffi import HL_NUM_QUANTILES, HL_SCALE_LOG, Moments, lib

# Edges for (min, max, nearest_zero) of the finite values (see `edge_inputs`), all None for
# data without a finite value, and, with an automatic scale, whether bins are logarithmic.
# Always the engine's own computation, so that the device, the multi-process and the host paths
# bin over identical edges.
EdgesFor = Callable[..., np.ndarray]

# Combines a float64 vector over the group (element-wise MIN or SUM) and returns it on the host;
# for a single tensor, just the copy to the host.
Combine = Callable[[torch.Tensor], np.ndarray]



def small_magnitude(largest: float) -> float:
    """The magnitude below which a nonzero finite value is small to the engine's automatic scale,
    given the largest finite magnitude (``hl_auto_scale_threshold``)."""
    threshold = ctypes.c_double()
    lib.hl_auto_scale_threshold(largest, ctypes.byref(threshold))
    return threshold.value


def prefers_logarithmic(nonzero: int, small: int) -> bool:
    """The engine's automatic scale from the counts of nonzero and small finite values
    (``hl_auto_scale``)."""
    scale = ctypes.c_int32()
    lib.hl_auto_scale(nonzero, small, ctypes.byref(scale))
    return scale.value == HL_SCALE_LOG


def magnitude_counts(finite: torch.Tensor, threshold: float) -> torch.Tensor:
    """``[nonzero values, nonzero values with |x| < threshold]`` of finite values (float64)."""
    nonzero = finite != 0
    small = nonzero & (finite.abs().to(torch.float64) < threshold)
    return torch.stack([nonzero.sum(), small.sum()]).to(torch.float64)


@dataclass
class ReducedSummary:
    """Histogram counts and exact moments of a tensor (or of the union of several shards).

    ``counts`` and ``fine_counts`` are whole numbers stored as float64 (exact below 2**53).
    ``fine_edges``/``fine_counts``: the fine histogram over ``[min, max]`` (None without a
    finite value). ``mean`` and the extremes are NaN when ``count == 0``.
    """

    edges: np.ndarray
    counts: np.ndarray
    underflow: int
    overflow: int
    fine_edges: Optional[np.ndarray]
    fine_counts: Optional[np.ndarray]
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


def central_sums(finite: torch.Tensor, shift: torch.Tensor | float) -> torch.Tensor:
    """``[S1, S2, S3, S4]``, ``Sk = sum (x - shift)^k``, in float64 (``shift``: a mean estimate)."""
    if finite.numel() == 0:
        return torch.zeros(4, dtype=torch.float64, device=finite.device)
    d = finite - shift
    d2 = d * d
    return torch.stack([d.sum(), d2.sum(), (d2 * d).sum(), (d2 * d2).sum()])


def moments_about_mean(count: int, shift: float, sums: Sequence[float]) -> tuple[float, float, float, float]:
    """``(mean, m2, m3, m4)`` from the sums about ``shift`` (see ``central_sums``), by the
    engine (``hl_moments_from_sums``): ``shift`` (sum / count) carries the rounding of a long
    sum, ``S1`` measures what is left, and the binomial expansion moves the sums to the mean."""
    power_sums = (ctypes.c_double * 4)(*sums)
    moments = Moments()
    lib.hl_moments_from_sums(count, shift, power_sums, 4, ctypes.byref(moments))
    return moments.mean, moments.m2, moments.m3, moments.m4


def _scales(widths: np.ndarray, parts: int) -> np.ndarray:
    """Parts per unit length of each width; 0 (not split) for an empty width or one too wide
    for the division to stay finite, as the engine's ``SubBinLayout``."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scales = parts / widths
    return np.where((widths > 0) & np.isfinite(scales), scales, 0.0)


def _parts_of(position: torch.Tensor, scales: torch.Tensor, parts: int) -> torch.Tensor:
    """``floor(position)`` clamped to ``0 .. parts - 1``, or the last part where not split."""
    part = position.floor_().clamp_(0, parts - 1)
    return torch.where(scales > 0, part, torch.full_like(part, parts - 1)).to(torch.int64)


class SubBins:
    """The regions of ``edges`` — underflow ``[lo, edges[0])``, bin ``i`` (numpy's rule), overflow
    ``(edges[-1], hi]`` — each split into ``subdivisions`` equal sub-bins, numbered region by
    region: the engine's layout (``hl_sub_bin_layout``, the one ``hl_shard_counts_*`` uses), of
    which this class only runs the kernel (``index``) where the tensor lives.
    ``lo``/``hi``: the extremes of the data (None without a finite value)."""

    def __init__(self, edges: np.ndarray, lo: Optional[float], hi: Optional[float]) -> None:
        self.bin_edges = np.ascontiguousarray(edges, dtype=np.float64)
        self.lo, self.hi = lo, hi
        self.n_bins = len(edges) - 1
        subdivisions, zoom_parts = ctypes.c_int32(), ctypes.c_int32()
        layout = (address(self.bin_edges), self.bin_edges.size,
                  math.nan if lo is None else lo, math.nan if hi is None else hi,
                  ctypes.byref(subdivisions), ctypes.byref(zoom_parts))
        lib.hl_sub_bin_layout(*layout, None, 0, None, 0, None, 0)  # the sizes
        self.subdivisions, self.zoom_parts = subdivisions.value, zoom_parts.value
        self.count = (self.n_bins + 2) * self.subdivisions
        self.bounds = np.empty(self.n_bins + 3)
        self.scales = np.empty(self.n_bins + 2)
        self._edges = np.empty(self.count + 1)
        lib.hl_sub_bin_layout(*layout, address(self.bounds), self.bounds.size, address(self.scales), self.scales.size,
                              address(self._edges), self._edges.size)

    def index(self, finite: torch.Tensor) -> torch.Tensor:
        """The sub-bin of each value (int64): region ``k`` from ``bucketize(right=True)``, the
        number of edges ``<= x`` (0 underflow, ``1..n`` bin ``k - 1``, ``n + 1`` for
        ``x >= edges[-1]``, of which ``x == edges[-1]`` is in the last, closed bin), then
        ``floor((x - left) * scale)`` within it."""
        n, s = self.n_bins, self.subdivisions
        bounds = torch.as_tensor(self.bounds, device=finite.device)
        scales = torch.as_tensor(self.scales, device=finite.device)
        edges = bounds[1:-1]
        region = torch.bucketize(finite, edges, right=True)
        region -= ((region == n + 1) & (finite <= edges[-1])).to(region.dtype)
        sub_bin: torch.Tensor = region * s + _parts_of((finite - bounds[:-1][region]) * scales[region], scales[region], s)
        return sub_bin

    def edges(self) -> np.ndarray:
        """The ``count + 1`` sub-bin edges, non-decreasing (the engine's)."""
        return self._edges


def quantile_sub_bins(sub_counts: np.ndarray, count: int) -> np.ndarray:
    """The distinct sub-bins where the cumulative count first reaches ``p * count`` for each
    quantile probability ``p``: where the engine's estimate of that quantile falls
    (``hl_quantile_sub_bins``)."""
    counts = np.ascontiguousarray(sub_counts, dtype=np.float64)
    chosen = np.empty(HL_NUM_QUANTILES, dtype=np.int64)
    n = ctypes.c_size_t()
    lib.hl_quantile_sub_bins(address(counts), counts.size, count, address(chosen), chosen.size, ctypes.byref(n))
    return chosen[: n.value]


def fine_histogram(sub_edges: np.ndarray, sub_counts: np.ndarray, chosen: np.ndarray,
                   zoomed: np.ndarray, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """The sub-bins with each ``chosen`` one replaced by its ``parts`` parts (``zoomed`` counts),
    as strictly increasing edges and counts, by the engine (``hl_fine_histogram``)."""
    arrays = [np.ascontiguousarray(a, dtype=dtype) for a, dtype in
              ((sub_edges, np.float64), (sub_counts, np.float64), (chosen, np.int64), (zoomed, np.float64))]
    arguments = [value for array in arrays for value in (address(array), array.size)] + [parts]
    n_bins = ctypes.c_size_t()
    lib.hl_fine_histogram(*arguments, None, 0, None, 0, ctypes.byref(n_bins))  # the size
    edges, counts = np.empty(n_bins.value + 1), np.empty(n_bins.value)
    lib.hl_fine_histogram(*arguments, address(edges), edges.size, address(counts), counts.size, ctypes.byref(n_bins))
    return edges, counts


class TorchShard:
    """A tensor's share of each round, computed with torch operations where it lives (how a CUDA
    tensor is summarised: only the round vectors reach the host)."""

    def __init__(self, values: torch.Tensor, zero_tolerance: float) -> None:
        self.special = split_special(flat_float64(values), zero_tolerance)
        self.finite = self.special.finite
        self.index: Optional[torch.Tensor] = None

    def extremes(self, nearest_zero: bool) -> torch.Tensor:
        return extremes(self.finite, nearest_zero)

    def magnitudes(self, threshold: float) -> torch.Tensor:
        return magnitude_counts(self.finite, threshold)

    def counts(self, sub_bins: SubBins) -> torch.Tensor:
        """``[count, zeros, NaNs, Infs, sum, sub-bin counts...]`` (float64)."""
        finite, special = self.finite, self.special
        self.index = sub_bins.index(finite)
        return torch.cat([
            torch.stack([torch.tensor(finite.numel(), device=finite.device), special.zero_count,
                         special.nan_count, special.inf_count]).to(torch.float64),
            finite.sum().reshape(1),
            torch.bincount(self.index, minlength=sub_bins.count).to(torch.float64),
        ])

    def sums(self, sub_bins: SubBins, shift: float, chosen: np.ndarray) -> torch.Tensor:
        """``[S1, S2, S3, S4, zoom counts...]`` (float64): each ``chosen`` sub-bin's values in
        ``sub_bins.zoom_parts`` equal parts, sub-bin by sub-bin."""
        finite = self.finite
        if chosen.size == 0:
            return central_sums(finite, shift)
        device = finite.device
        sub_edges = sub_bins.edges()
        slot = torch.full((sub_bins.count,), -1, dtype=torch.int64, device=device)
        slot[torch.as_tensor(chosen, device=device)] = torch.arange(chosen.size, device=device)
        which = slot[self.index]  # the position of each value's sub-bin in `chosen`, -1 if not chosen
        inside = which >= 0
        which = which[inside]
        lefts = torch.as_tensor(sub_edges[chosen], device=device)
        parts = sub_bins.zoom_parts
        scales = torch.as_tensor(_scales(sub_edges[chosen + 1] - sub_edges[chosen], parts), device=device)
        part = _parts_of((finite[inside] - lefts[which]) * scales[which], scales[which], parts)
        zoom = torch.bincount(which * parts + part, minlength=chosen.size * parts)
        return torch.cat([central_sums(finite, shift), zoom.to(torch.float64)])


class EngineShard:
    """A CPU tensor's share of each round, computed by the engine (``hl_shard_counts_*``,
    ``hl_shard_sums_*``) over the tensor's memory: float32 and float64 are read in place."""

    def __init__(self, values: torch.Tensor, zero_tolerance: float) -> None:
        flat = values.detach().reshape(-1).cpu()
        if flat.dtype not in (torch.float32, torch.float64):  # exact: halves in float32, integers in float64
            flat = flat.to(torch.float32 if flat.dtype.is_floating_point else torch.float64)
        self.flat = flat.contiguous()
        self.array = self.flat.numpy()
        self.zero_tolerance = zero_tolerance
        self.suffix = "f32" if self.array.dtype == np.float32 else "f64"

    def finite(self) -> torch.Tensor:
        flat = self.flat
        return flat if bool(torch.isfinite(flat).all()) else flat[torch.isfinite(flat)]

    def extremes(self, nearest_zero: bool) -> torch.Tensor:
        return extremes(self.finite().to(torch.float64), nearest_zero)

    def magnitudes(self, threshold: float) -> torch.Tensor:
        return magnitude_counts(self.finite(), threshold)

    def _layout(self, sub_bins: SubBins) -> Tuple[Any, ...]:
        edges = np.ascontiguousarray(sub_bins.bin_edges, dtype=np.float64)
        return (address(edges), edges.size,
                math.nan if sub_bins.lo is None else sub_bins.lo, math.nan if sub_bins.hi is None else sub_bins.hi,
                sub_bins.subdivisions, edges)

    def counts(self, sub_bins: SubBins) -> torch.Tensor:
        *layout, keep = self._layout(sub_bins)
        out = np.empty(5 + sub_bins.count)
        getattr(lib, f"hl_shard_counts_{self.suffix}")(
            address(self.array), self.array.size, *layout, float(self.zero_tolerance), out.ctypes.data, out.size)
        return torch.from_numpy(out)

    def sums(self, sub_bins: SubBins, shift: float, chosen: np.ndarray) -> torch.Tensor:
        *layout, keep = self._layout(sub_bins)
        zoomed = np.ascontiguousarray(chosen, dtype=np.int64)
        out = np.empty(4 + zoomed.size * sub_bins.zoom_parts)
        getattr(lib, f"hl_shard_sums_{self.suffix}")(
            address(self.array), self.array.size, *layout, float(shift),
            address(zoomed), zoomed.size, sub_bins.zoom_parts, out.ctypes.data, out.size)
        return torch.from_numpy(out)


def _on_host(vector: torch.Tensor) -> np.ndarray:
    return vector.cpu().numpy()


def summarize(
    values: torch.Tensor,
    edges_for: EdgesFor,
    *,
    zero_tolerance: float = 0.0,
    fixed_edges: Optional[np.ndarray] = None,
    nearest_zero: bool = False,
    automatic_scale: bool = False,
    on_device: bool = True,
    combine_min: Combine = _on_host,
    combine_sum: Combine = _on_host,
) -> ReducedSummary:
    """Summary of one tensor (see the module docstring), or of the union of every rank's
    ``values`` when ``combine_min``/``combine_sum`` all-reduce over a group (the same result on
    every rank). ``on_device``: torch operations where the tensor lives (``TorchShard``), else
    the engine over a CPU tensor's memory (``EngineShard``); both give the same counts.

    ``edges_for`` gives the engine's edges for the data's extremes (``nearest_zero``: also
    pass the nonzero value nearest zero, which log bins depend on); ``fixed_edges`` (explicit
    edges) are used as given. ``automatic_scale``: choose log or linear bins by the engine's
    rule (``prefers_logarithmic``) over all the values, in one more round, and pass the choice
    to ``edges_for`` (with ``nearest_zero``).
    """
    shard = (TorchShard if on_device else EngineShard)(values, zero_tolerance)

    lo, hi, nearest = edge_inputs(combine_min(shard.extremes(nearest_zero or automatic_scale)).tolist())
    if fixed_edges is not None:
        edges = fixed_edges
    elif automatic_scale:
        logarithmic = False
        if lo is not None and hi is not None:  # the same on every rank: the extremes are reduced
            nonzero, small = combine_sum(shard.magnitudes(small_magnitude(max(abs(lo), abs(hi)))))
            logarithmic = prefers_logarithmic(int(nonzero), int(small))
        edges = np.asarray(edges_for(lo, hi, nearest, logarithmic), dtype=np.float64)
    else:
        edges = np.asarray(edges_for(lo, hi, nearest), dtype=np.float64)

    sub_bins = SubBins(edges, lo, hi)
    totals = combine_sum(shard.counts(sub_bins))
    count, zeros, nans, infs = (int(v) for v in totals[:4])
    shift = float(totals[4]) / count if count else 0.0
    sub_counts = totals[5:]

    chosen = quantile_sub_bins(sub_counts, count)
    third = combine_sum(shard.sums(sub_bins, shift, chosen))
    mean, m2, m3, m4 = moments_about_mean(count, shift, third[:4].tolist())

    regions = sub_counts.reshape(-1, sub_bins.subdivisions).sum(axis=1)
    fine = fine_histogram(sub_bins.edges(), sub_counts, chosen, third[4:], sub_bins.zoom_parts) if count else (None, None)
    return ReducedSummary(
        edges=edges, counts=regions[1:-1].copy(), underflow=int(regions[0]), overflow=int(regions[-1]),
        fine_edges=fine[0], fine_counts=fine[1],
        count=count, mean=mean, m2=m2, m3=m3, m4=m4,
        min=lo if lo is not None else math.nan, max=hi if hi is not None else math.nan,
        zero_count=zeros, nan_count=nans, inf_count=infs,
    )
