"""The implementation of ``histlog.distributed`` (see its docstring for the protocol): below the
run module, which calls it for ``log_histogram(..., reduce=True | group=... | device_reduce=...)``
and hands it the run to write into; it imports no run module."""


from __future__ import annotations

import hashlib
from typing import Any, Callable, Optional

import numpy as np
import torch
import torch.distributed as dist

from . import _adapt, _compute
from ._device import EdgesFor, ReducedSummary, summarize

# A histlog ``Run`` (``log_histogram``, ``log_reduced``): the run module imports this one and
# hands it the run, never the reverse, so the type is not imported here.
Run = Any

ProcessGroup = Optional[dist.ProcessGroup]  # None: the whole job

# ---------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------


def _comm_device(group: ProcessGroup) -> torch.device:
    """Where the backend wants its tensors: the current CUDA device for NCCL, else the CPU."""
    if dist.get_backend(group) == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def group_leader(group: ProcessGroup = None) -> int:
    """Global rank of the process that writes the record: rank 0 of ``group``."""
    return 0 if group is None else dist.get_global_rank(group, 0)


def reduce_summary(
    values: torch.Tensor,
    edges_for: EdgesFor,
    *,
    group: ProcessGroup = None,
    zero_tolerance: float = 0.0,
    fixed_edges: Optional[np.ndarray] = None,
    nearest_zero: bool = False,
    automatic_scale: bool = False,
    signature: int = 0,
    on_device: bool = False,
) -> ReducedSummary:
    """The summary of the concatenation of every rank's ``values`` (see the module docstring),
    returned on every rank.

    Collective: every rank of ``group`` must call it, in the same order as its other
    collectives, with the same ``edges_for``, ``zero_tolerance``, ``fixed_edges``,
    ``nearest_zero`` and ``automatic_scale``. A rank may hold an empty shard or only non-finite values.
    ``signature`` (an integer below 2**53) names the call; when ranks disagree on it, every
    rank raises ``ValueError`` after the first all-reduce instead of binning differently.
    ``on_device``: each rank's share computed with torch operations where its tensor lives
    (CUDA tensors), else by the engine over a CPU tensor's memory.
    """
    comm = _comm_device(group)

    def combine(vector: torch.Tensor, op: dist.ReduceOp.RedOpType) -> np.ndarray:
        vector = vector.to(comm)
        dist.all_reduce(vector, op=op, group=group)
        return vector.cpu().numpy()

    def combine_min(vector: torch.Tensor) -> np.ndarray:
        signed = torch.tensor([signature, -signature], dtype=torch.float64, device=vector.device)
        reduced = combine(torch.cat([vector, signed]), dist.ReduceOp.MIN)
        if reduced[-2] != -reduced[-1]:
            raise ValueError("the ranks called log_histogram(..., reduce=True) with different keys, steps, "
                             "binning options or dtypes; every rank of the group must pass the same")
        return reduced[:-2]

    return summarize(
        values, edges_for, zero_tolerance=zero_tolerance, fixed_edges=fixed_edges, nearest_zero=nearest_zero,
        automatic_scale=automatic_scale, on_device=on_device, combine_min=combine_min, combine_sum=lambda vector: combine(vector, dist.ReduceOp.SUM),
    )


def gather_values(values: torch.Tensor, *, group: ProcessGroup = None) -> Optional[torch.Tensor]:
    """Every rank's flattened ``values`` concatenated in rank order on the group's rank 0
    (``None`` on the others). Collective; moves all the data: for exact quantiles only."""
    comm = _comm_device(group)
    flat = values.detach().reshape(-1).to(comm)
    size = torch.tensor([flat.numel()], dtype=torch.int64, device=comm)
    size_tensors = [torch.empty_like(size) for _ in range(dist.get_world_size(group))]
    dist.all_gather(size_tensors, size, group=group)
    sizes = [int(s) for s in size_tensors]
    padded = torch.zeros(max(sizes), dtype=flat.dtype, device=comm)
    padded[: flat.numel()] = flat
    if dist.get_rank(group) != 0:
        dist.gather(padded, gather_list=None, dst=group_leader(group), group=group)
        return None
    gathered = [torch.empty_like(padded) for _ in sizes]
    dist.gather(padded, gather_list=gathered, dst=group_leader(group), group=group)
    return torch.cat([g[:s] for g, s in zip(gathered, sizes)])


# ---------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------


def as_tensor(values: Any) -> torch.Tensor:
    """``values`` (tensor, numpy array, sequence) as a tensor, on its device, without a copy
    where torch can share the memory."""
    if isinstance(values, torch.Tensor):
        return values
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"values must be numbers, got dtype {array.dtype}")
    return torch.from_numpy(np.ascontiguousarray(array))


def _checked_edges(bins: Any, num_bins: Any, log_scale: Any, range: Any) -> Optional[np.ndarray]:
    """Checks the binning options (on every rank alike, before any collective) and returns the
    explicit edges, if given, as float64."""
    if bins is None:
        _adapt.bin_config(num_bins, log_scale, range)
        return None
    _compute.check_no_binning_options(num_bins, log_scale, range, "bins (explicit edges)")
    edges = _adapt.float64_array(bins, "bins")
    _compute.compute(np.empty(0), bins=edges)  # the engine validates them
    return edges


class EngineEdges:
    """The engine's edges for given options, asked through ``histlog.compute`` on the data's
    extremes (and nearest-to-zero value for log bins), in the dtype the engine would read the
    data in. Explicit ``bins`` are used as given."""

    def __init__(self, dtype: torch.dtype, bins: Any, num_bins: Any, log_scale: Any, range: Any, what: str) -> None:
        # float16/bfloat16 reach the engine as their exact float32 values (as in histlog.log_histogram),
        # integers as float64.
        self.float32 = dtype == torch.float32 or (dtype.is_floating_point and torch.finfo(dtype).bits < 32)
        self.fixed = _checked_edges(bins, num_bins, log_scale, range)
        self.num_bins, self.range = num_bins, range
        self.automatic = self.fixed is None and isinstance(log_scale, str)  # "auto", checked by _checked_edges
        self.log_scale = self.fixed is None and not self.automatic and bool(log_scale)

    @property
    def nearest_zero(self) -> bool:
        return self.fixed is None and (self.log_scale or self.automatic)

    def __call__(self, lo: Optional[float], hi: Optional[float], nearest: Optional[float],
                 logarithmic: Optional[bool] = None) -> np.ndarray:
        log_scale = self.log_scale if logarithmic is None else logarithmic
        sample = [] if lo is None else [lo, hi] + ([nearest] if nearest is not None and log_scale else [])
        array = np.array(sample, dtype=np.float32 if self.float32 else np.float64)
        return _compute.compute(array, num_bins=self.num_bins, log_scale=log_scale, range=self.range).bin_edges


def log_summary(run: Run, summary: ReducedSummary, *, key: str, step: int, timestamp: Any) -> None:
    """Records a reduced summary through ``hl_log_reduced_histogram``: exact counts, extremes,
    moments and special counts; quantiles and outliers estimated from the fine histogram."""
    run.log_reduced(
        key=key, step=step, bins=summary.edges, counts=summary.counts, count=summary.count,
        mean=summary.mean, m2=summary.m2, m3=summary.m3, m4=summary.m4,
        min=summary.min, max=summary.max, zero_count=summary.zero_count,
        nan_count=summary.nan_count, inf_count=summary.inf_count,
        underflow=summary.underflow, overflow=summary.overflow,
        fine_bins=summary.fine_edges, fine_counts=summary.fine_counts, timestamp=timestamp,
    )


def log_on_device(
    run: Run, values: Any, *, key: str, step: int, bins: Any = None, num_bins: Any = _adapt.DEFAULT_BINS,
    log_scale: Any = False, range: Any = None, timestamp: Any = None,
) -> None:
    """``log_histogram(..., device_reduce=True)``: the summary computed with torch operations
    where the tensor lives; only the round vectors (about 5,400 numbers) reach the host."""
    tensor = as_tensor(values)
    edges = EngineEdges(tensor.dtype, bins, num_bins, log_scale, range, "device_reduce=True")
    summary = summarize(tensor, edges, fixed_edges=edges.fixed, nearest_zero=edges.nearest_zero,
                        automatic_scale=edges.automatic)
    log_summary(run, summary, key=key, step=step, timestamp=timestamp)


def log_histogram(
    values: Any,
    target: Callable[[], Run],
    *,
    key: str,
    step: int,
    group: Any = None,
    exact_quantiles: bool = False,
    bins: Any = None,
    num_bins: Any = _adapt.DEFAULT_BINS,
    log_scale: Any = False,
    range: Any = None,
    timestamp: Any = None,
    device_reduce: Optional[bool] = None,
) -> None:
    """``histlog.log_histogram(values, ..., reduce=True | group=...)``: one record of the
    concatenation of every rank's ``values``, written by rank 0 of ``group`` (default: the
    whole job) into the run ``target()`` gives; the other ranks write nothing and never call
    ``target``. Every rank of the group must call it with the same key, step and options.

    Without an initialised ``torch.distributed`` it logs ``values`` as a plain call would.
    """
    _adapt.key_bytes(key)
    _adapt.step_int(step)
    if timestamp is not None:
        _adapt.timestamp_float(timestamp)
    if not (dist.is_available() and dist.is_initialized()):
        target().log_histogram(values, key=key, step=step, bins=bins, num_bins=num_bins,
                               log_scale=log_scale, range=range, timestamp=timestamp)
        return
    rank = dist.get_rank(group)
    if rank < 0:  # this process is not in the group: nothing to contribute
        return
    tensor = as_tensor(values)
    if exact_quantiles:
        _checked_edges(bins, num_bins, log_scale, range)
        gathered = gather_values(tensor, group=group)
        if gathered is not None:
            target().log_histogram(gathered.cpu(), key=key, step=step, bins=bins, num_bins=num_bins,
                                   log_scale=log_scale, range=range, timestamp=timestamp)
        return
    edges = EngineEdges(tensor.dtype, bins, num_bins, log_scale, range, "reduce=True")
    signature = _signature(key, _adapt.step_int(step), edges.float32,
                           edges.fixed.tolist() if edges.fixed is not None else None,
                           int(num_bins), log_scale if isinstance(log_scale, str) else bool(log_scale),
                           None if range is None else tuple(float(v) for v in range))
    on_device = tensor.device.type != "cpu" if device_reduce is None else bool(device_reduce)
    summary = reduce_summary(tensor, edges, group=group, fixed_edges=edges.fixed, nearest_zero=edges.nearest_zero,
                             automatic_scale=edges.automatic, signature=signature, on_device=on_device)
    if rank == 0:
        log_summary(target(), summary, key=key, step=step, timestamp=timestamp)


def _signature(*call: Any) -> int:
    """A 48-bit digest of a call's arguments: equal on every rank that logs the same thing."""
    return int.from_bytes(hashlib.blake2b(repr(call).encode(), digest_size=6).digest(), "little")
