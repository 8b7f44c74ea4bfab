"""One histogram of a tensor sharded over the processes of a ``torch.distributed`` job.

Every rank calls :func:`reduce_summary` with its own shard; all of them receive the summary of
the concatenated data, and (in ``log_histogram(..., reduce=True)``) the group's rank 0 writes
it as one record. The protocol is three all-reduces of small float64 vectors:

1. MIN of ``[min, -max]`` of the finite values (``+inf`` from a rank with none): the global
   extremes, from which every rank asks the engine for the same edges.
2. SUM of ``[count, sum, underflow, overflow, zeros, NaNs, Infs, counts...]``, each rank having
   binned its shard over those edges (numpy's rule, in float64): exact counts, and the mean.
3. SUM of the central sums ``[m2, m3, m4]`` of each shard about the global mean (two-pass).

Bytes each rank contributes: ``8 * (bins + 12)`` (``8 * (bins + fine_bins + 12)`` with a fine
histogram for quantiles), independent of the shard sizes. Counts, min, max and the zero, NaN
and Inf counts equal the single-process result exactly; mean and the central sums equal it up
to float64 rounding of the summation order. Quantiles and the outlier count are estimated from
bins; ``gather_values`` brings the raw shards to one rank when exact ones are wanted.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist

from ._device import (
    EdgesFor,
    ReducedSummary,
    _split_special,
    bin_counts,
    central_sums,
    extremes,
    fine_edges_for,
    flat_float64,
)


def _comm_device(group) -> torch.device:
    """Where the backend wants its tensors: the current CUDA device for NCCL, else the CPU."""
    if dist.get_backend(group) == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def group_leader(group=None) -> int:
    """Global rank of the process that writes the record: rank 0 of ``group``."""
    return 0 if group is None else dist.get_global_rank(group, 0)


def is_group_leader(group=None) -> bool:
    return dist.get_rank(group) == 0


def reduce_summary(
    values: torch.Tensor,
    edges_for: EdgesFor,
    *,
    group=None,
    zero_tolerance: float = 0.0,
    fixed_edges: Optional[Sequence[float]] = None,
    fine_bins: int = 0,
) -> ReducedSummary:
    """The summary of the concatenation of every rank's ``values`` (see the module docstring).

    Collective: every rank of ``group`` must call it, in the same order as its other
    collectives, with the same ``edges_for``, ``zero_tolerance``, ``fixed_edges`` and
    ``fine_bins``. A rank may hold an empty shard or only non-finite values.
    """
    comm = _comm_device(group)
    special = _split_special(flat_float64(values), zero_tolerance)
    finite = special.finite
    local_device = finite.device

    ext = extremes(finite).to(comm)
    dist.all_reduce(ext, op=dist.ReduceOp.MIN, group=group)
    lo, neg_hi = (float(v) for v in ext.cpu())
    have_finite = math.isfinite(lo)
    lo_or_none, hi_or_none = (lo, -neg_hi) if have_finite else (None, None)
    edges = np.asarray(fixed_edges if fixed_edges is not None else edges_for(lo_or_none, hi_or_none),
                       dtype=np.float64)
    fine = fine_edges_for(edges, fine_bins) if fine_bins > 0 else None

    counts, underflow, overflow = bin_counts(finite, torch.as_tensor(edges, device=local_device))
    parts = [
        torch.stack([
            torch.tensor(finite.numel(), device=local_device), underflow, overflow,
            special.zero_count, special.nan_count, special.inf_count,
        ]).to(torch.float64),
        finite.sum().reshape(1),
        counts.to(torch.float64),
    ]
    if fine is not None:
        parts.append(bin_counts(finite, torch.as_tensor(fine, device=local_device))[0].to(torch.float64))
    totals = torch.cat(parts).to(comm)
    dist.all_reduce(totals, op=dist.ReduceOp.SUM, group=group)
    totals = totals.cpu().numpy()
    count, under, over, zeros, nans, infs = (int(v) for v in totals[:6])
    total_sum = float(totals[6])
    k = len(edges) - 1

    mean = total_sum / count if count else math.nan
    sums = central_sums(finite, mean).to(comm)
    dist.all_reduce(sums, op=dist.ReduceOp.SUM, group=group)
    m2, m3, m4 = (float(v) for v in sums.cpu())

    return ReducedSummary(
        edges=edges, counts=totals[7:7 + k].copy(), underflow=under, overflow=over,
        count=count, mean=mean, m2=m2, m3=m3, m4=m4,
        min=lo if have_finite else math.nan, max=-neg_hi if have_finite else math.nan,
        zero_count=zeros, nan_count=nans, inf_count=infs,
        fine_edges=fine, fine_counts=totals[7 + k:].copy() if fine is not None else None,
    )


def gather_values(values: torch.Tensor, *, group=None) -> Optional[torch.Tensor]:
    """Every rank's flattened ``values`` concatenated in rank order on the group's rank 0
    (``None`` on the others). Collective; moves all the data: for exact quantiles only."""
    comm = _comm_device(group)
    flat = values.detach().reshape(-1).to(comm)
    size = torch.tensor([flat.numel()], dtype=torch.int64, device=comm)
    sizes = [torch.empty_like(size) for _ in range(dist.get_world_size(group))]
    dist.all_gather(sizes, size, group=group)
    sizes = [int(s) for s in sizes]
    padded = torch.zeros(max(sizes), dtype=flat.dtype, device=comm)
    padded[: flat.numel()] = flat
    leader = is_group_leader(group)
    gathered = [torch.empty_like(padded) for _ in sizes] if leader else None
    dist.gather(padded, gather_list=gathered, dst=group_leader(group), group=group)
    if not leader:
        return None
    return torch.cat([g[:s] for g, s in zip(gathered, sizes)])
