"""One rank of the multi-process tests, started by test_distributed.py with torchrun's
environment variables (RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT) and the gloo
backend. Usage: python dist_worker.py OUTPUT_DIR

Rank 0 starts the run OUTPUT_DIR/run; the other ranks start none, and their $HISTLOG_DIR
(OUTPUT_DIR/default-<rank>) must still be missing at the end: they wrote nothing."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dist_cases import CASES, EDGES, WATCH_STEPS, shards, watch_batch  # noqa: E402
from worker_exit import leave  # noqa: E402

import histlog  # noqa: E402
from histlog.distributed import reduce_summary  # noqa: E402


def numpy_edges(lo, hi, nearest, bins=16):
    """numpy's default edges: an independent reference for the protocol alone."""
    if lo is None:
        return np.linspace(0.0, 1.0, bins + 1)
    return np.histogram_bin_edges([lo, hi], bins=bins)


def protocol_cases(out: Path, rank: int, world: int) -> None:
    for case in CASES:
        for kernels, on_device in (("engine", False), ("torch", True)):
            summary = reduce_summary(torch.from_numpy(shards(case, world)[rank]), numpy_edges, on_device=on_device)
            fields = {k: (np.empty(0) if v is None else v) for k, v in dataclasses.asdict(summary).items()}
            np.savez(out / f"protocol.{case}.{kernels}.{rank}.npz", **fields)


def logged_cases(out: Path, rank: int, world: int) -> None:
    for case in CASES:
        shard = torch.from_numpy(shards(case, world)[rank])
        histlog.log_histogram(shard, key=f"reduce/{case}", step=1, reduce=True)
    mixed = shards("mixed", world)[rank]
    histlog.log_histogram(mixed, key="reduce_log/mixed", step=2, reduce=True, log_scale=True, num_bins=20)
    histlog.log_histogram(mixed, key="reduce_edges/mixed", step=3, reduce=True, bins=EDGES)
    histlog.log_histogram(mixed, key="reduce_range/mixed", step=7, reduce=True, range=(-2.0, 3.0), num_bins=10)
    histlog.log_histogram(torch.from_numpy(mixed), key="reduce_device/mixed", step=8, reduce=True, device_reduce=True)
    for case in ("mixed", "wide"):  # the automatic scale: linear for one, logarithmic for the other
        histlog.log_histogram(shards(case, world)[rank], key=f"reduce_auto/{case}", step=9, reduce=True,
                              log_scale="auto", num_bins=24)
    histlog.log_histogram(torch.from_numpy(mixed), key="exact/mixed", step=4, reduce=True, exact_quantiles=True)
    try:  # ranks that disagree all raise, and stay in step for the collectives after
        histlog.log_histogram(mixed, key="mismatch", step=6, reduce=True, num_bins=10 + rank)
    except ValueError as error:
        (out / f"mismatch.{rank}").write_text(str(error))


def subgroup_case(out: Path, rank: int, world: int) -> None:
    """A group of the ranks 1.. (world 3): its rank 0 (global rank 1) writes into its own run."""
    group = dist.new_group(list(range(1, world)))
    if rank == 1:
        histlog.start_run(out / "group_run")
    if rank >= 1:
        histlog.log_histogram(shards("mixed", world)[rank], key="group/mixed", step=5, group=group)
    if rank == 1:
        histlog.end_run()


def watch_case(out: Path, rank: int, world: int) -> None:
    """DDP training: rank 0 logs the synchronised gradients once per step, the others nothing."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    histlog.watch(ddp, every=1, log="all")
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    expected = {}
    for step in range(WATCH_STEPS):
        x, y = watch_batch(rank, step)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(ddp(x), y).backward()
        for name, p in model.named_parameters():
            expected[f"Gradients/{name}/{step}"] = p.grad.detach().numpy().copy()
            expected[f"Parameters/{name}/{step}"] = p.detach().numpy().copy()
        optimizer.step()
    if rank == 0:
        np.savez(out / "watch_expected.npz", **expected)


def main() -> None:
    out = Path(sys.argv[1])
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    if rank == 0:
        histlog.start_run(out / "run")
    protocol_cases(out, rank, world)
    logged_cases(out, rank, world)
    if world >= 3:  # each of these once is enough; DDP alone costs seconds of imports
        subgroup_case(out, rank, world)
    else:
        watch_case(out, rank, world)
    histlog.flush()
    dist.barrier()
    histlog.end_run()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
    leave()
