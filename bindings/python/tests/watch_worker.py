"""One rank of the multi-process watch tests, started by test_watch_distributed.py with torchrun's
environment variables and the gloo backend. Usage: python watch_worker.py OUTPUT_DIR CASE

CASE "ddp": DistributedDataParallel with gradient accumulation under ``no_sync``.
CASE "fsdp2": ``fully_shard`` on each Linear and on the root; parameters and gradients are DTensors.
Rank 0 saves what the optimizer received (gathered whole for FSDP2: the test's oracle may gather)
in OUTPUT_DIR/received.npz; rank 0 alone starts the run OUTPUT_DIR/run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

import histlog
from worker_exit import leave

STEPS = 3
ACCUMULATION = 2


def batch(rank: int, step: int):
    generator = torch.Generator().manual_seed(100 * rank + step)
    x = torch.randn(5, 6, generator=generator)
    return x, x[:, :2].sin() * 2


def make_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))


def whole(tensor: torch.Tensor) -> np.ndarray:
    full = tensor.full_tensor() if hasattr(tensor, "full_tensor") else tensor
    return full.detach().numpy().copy()


def capture_received(model, optimizer, received: dict, step_of) -> None:
    """The oracle: the optimizer's own step pre-hook, registered before watch's."""

    def capture(opt, args, kwargs):
        for name, p in model.named_parameters():  # full_tensor() is collective: every rank, same order
            received[f"Parameters/{name}/{step_of()}"] = whole(p)
            received[f"Gradients/{name}/{step_of()}"] = whole(p.grad)

    optimizer.register_step_pre_hook(capture)


def ddp_case(out: Path, rank: int) -> None:
    model = make_model()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    received: dict = {}
    step = 0
    capture_received(model, optimizer, received, lambda: step)
    histlog.watch(ddp, every=1, optimizer=optimizer)
    for step in range(STEPS):
        optimizer.zero_grad()
        for micro in range(ACCUMULATION):
            x, y = batch(rank, step * ACCUMULATION + micro)
            if micro < ACCUMULATION - 1:
                with ddp.no_sync():  # no all-reduce until the last micro-batch
                    torch.nn.functional.mse_loss(ddp(x), y).backward()
            else:
                torch.nn.functional.mse_loss(ddp(x), y).backward()
        optimizer.step()
    if rank == 0:
        np.savez(out / "received.npz", **received)


class Traffic:
    """Counts the bytes this rank sends through all-reduces, and any gather, while active."""

    def __init__(self) -> None:
        self.bytes = 0
        self.gathers = 0
        self._originals = {}

    def __enter__(self) -> "Traffic":
        def all_reduce(tensor, *args, **kwargs):
            self.bytes += tensor.numel() * tensor.element_size()
            return self._originals["all_reduce"](tensor, *args, **kwargs)

        def gather(name):
            def counted(*args, **kwargs):
                self.gathers += 1
                return self._originals[name](*args, **kwargs)

            return counted

        self._originals["all_reduce"] = dist.all_reduce
        dist.all_reduce = all_reduce
        for name in ("all_gather", "all_gather_into_tensor", "gather", "broadcast"):
            self._originals[name] = getattr(dist, name)
            setattr(dist, name, gather(name))
        return self

    def __exit__(self, *exc) -> None:
        for name, original in self._originals.items():
            setattr(dist, name, original)


def fsdp2_case(out: Path, rank: int) -> None:
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh("cpu", (dist.get_world_size(),))
    model = make_model()
    for layer in (model[0], model[2]):
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    received: dict = {}
    step = 0
    capture_received(model, optimizer, received, lambda: step)
    histlog.watch(model, every=1, optimizer=optimizer)
    for step in range(STEPS):
        optimizer.zero_grad()
        for micro in range(ACCUMULATION):
            x, y = batch(rank, step * ACCUMULATION + micro)
            torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    # Bytes one parameter's record costs, for a small and a large parameter, and no gathering.
    traffic = {}
    for offset, name in enumerate(("2.bias", "0.weight")):
        plain = torch.optim.SGD(model.parameters(), lr=0.0)  # no oracle hook: only watch talks
        watched = histlog.watch(model, every=1, log="parameters", optimizer=plain, include=f"^{name}$")
        watched.step = STEPS + offset  # a new optimizer counts from 0: continue the numbering
        with Traffic() as counted:
            plain.step()
        traffic[name] = {"bytes": counted.bytes, "gathers": counted.gathers,
                         "numel": dict(model.named_parameters())[name].numel()}
    if rank == 0:
        np.savez(out / "received.npz", **received)
        (out / "traffic.json").write_text(json.dumps(traffic))


def main() -> None:
    out, case = Path(sys.argv[1]), sys.argv[2]
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    if rank == 0:
        histlog.start_run(out / "run")
    {"ddp": ddp_case, "fsdp2": fsdp2_case}[case](out, rank)
    histlog.flush()
    dist.barrier()
    histlog.end_run()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
    leave()
