"""One rank of the multi-process tests, started by test_distributed.py with torchrun's
environment variables (RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT) and the gloo
backend. Usage: python dist_worker.py OUTPUT_DIR"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dist_cases import CASES, shards  # noqa: E402

from histlog.distributed import reduce_summary  # noqa: E402


def numpy_edges(lo, hi, bins=16):
    """numpy's default edges (an independent reference for the protocol alone)."""
    if lo is None:
        return np.linspace(0.0, 1.0, bins + 1)
    return np.histogram_bin_edges([lo, hi], bins=bins)


def protocol_cases(out: Path, rank: int, world: int) -> None:
    for case in CASES:
        shard = torch.from_numpy(shards(case, world)[rank])
        summary = reduce_summary(shard, numpy_edges, fine_bins=64)
        fields = {k: v for k, v in dataclasses.asdict(summary).items() if v is not None}
        np.savez(out / f"protocol.{case}.{rank}.npz", **fields)


def main() -> None:
    out = Path(sys.argv[1])
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    protocol_cases(out, rank, world)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
