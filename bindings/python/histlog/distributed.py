"""One histogram of a tensor sharded over the processes of a ``torch.distributed`` job.

Every rank calls ``histlog.log_histogram(shard, key=..., step=..., reduce=True)`` (or
``group=<process group>``); the group's rank 0 writes ONE record of the concatenated data and
the other ranks write nothing. The protocol (:func:`reduce_summary`) is three all-reduces of
small float64 vectors:

1. MIN of ``[min, -max, p, q, s, -s]`` of the finite values (``+inf`` from a rank with none;
   ``p``, ``q``: the positive and negative values nearest zero, which log bins depend on; ``s``
   a digest of the key, step, options and dtype, so that ranks that disagree all raise
   ``ValueError`` rather than hang or mix histograms): the global extremes, from which every
   rank asks the engine for the same edges.
2. SUM of ``[count, zeros, NaNs, Infs, sum, sub-bin counts...]``, each rank having binned its
   shard over those edges (numpy's rule, compared in float64) and split each region (every bin,
   the underflow and the overflow) into equal sub-bins, about 4096 in all (the engine's ``hl_sub_bin_layout``): exact
   counts (sums of sub-bins), the global mean, and the sub-bins that hold the quantiles.
3. SUM of ``[S1, S2, S3, S4, zoom counts...]``: the sums of powers of each shard's values minus
   that mean (two-pass), from which the exact central sums ``m2, m3, m4`` follow
   (``moments_about_mean``), and the counts of the (at most 5) quantile sub-bins split again into
   256 parts (``zoom_parts``).

With ``log_scale="auto"`` one more SUM, of ``[nonzero values, nonzero values below 1e-3 of the
largest magnitude]``, comes between rounds 1 and 2: the engine's rule for choosing log bins,
applied to all the shards.

The protocol is ``histlog._device.summarize`` with all-reduces between its rounds, so a single
tensor on a GPU and a sharded one give the same record. Each rank's share comes from the engine
for a CPU tensor and from torch operations on the device for a CUDA tensor (or with
``device_reduce=True``); both put every value in the same sub-bin. Bytes each rank contributes:
``8 * (15 + (bins + 2) * ceil(4096 / (bins + 2)) + 256 * k)`` with ``k <= 5`` quantile sub-bins,
at most 43,128 bytes for 30 bins, whatever the shard sizes. Counts, under/overflow, min, max and
the zero, NaN and Inf counts equal the single-process result exactly; mean, std, skewness and
kurtosis up to float64 rounding of the summation order. Quantiles and the outlier count are
estimated from the merged fine histogram (the record says so): each quantile within
``bin width / (128 * 256)`` (30 bins) of a value next to it in the sorted data.
``exact_quantiles=True`` gathers the raw shards on rank 0 instead (O(values) bytes).
"""

from __future__ import annotations

from typing import Any, Optional

from . import _adapt, _distributed, _run
from ._distributed import (  # noqa: F401 (this module's API)
    EngineEdges,
    ProcessGroup,
    as_tensor,
    gather_values,
    group_leader,
    log_on_device,
    log_summary,
    reduce_summary,
)


def log_histogram(
    values: Any,
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
    run: Optional[_run.Run] = None,
    device_reduce: Optional[bool] = None,
) -> None:
    """``histlog.log_histogram(values, ..., reduce=True | group=...)``: one record of the
    concatenation of every rank's ``values``, written by rank 0 of ``group`` (default: the
    whole job) into ``run`` (default: its active run, ``_run.current_run``); the other ranks
    write nothing and never open a run. Every rank of the group must call it with the same key,
    step and options.

    Without an initialised ``torch.distributed`` it logs ``values`` as a plain call would.
    """
    _distributed.log_histogram(
        values, (lambda: run) if run is not None else _run.current_run, key=key, step=step, group=group,
        exact_quantiles=exact_quantiles, bins=bins, num_bins=num_bins, log_scale=log_scale, range=range,
        timestamp=timestamp, device_reduce=device_reduce)
