"""One rank of the multi-process Lightning tests, started by test_lightning.py with torchrun's
environment variables (Lightning sees processes launched for it) and the gloo backend.
Usage: python lightning_worker.py OUTPUT_DIR

Two fits in one process group, each with ``HistlogCallback`` and its default run
``OUTPUT_DIR/<case>/histlog``, accumulating 2 micro-batches per step: "ddp" (DDPStrategy) and
"fsdp2" (ModelParallelStrategy, ``fully_shard`` per Linear and on the root: DTensor parameters).
Each rank saves what its optimizer applied at each step (whole tensors: the FSDP2 oracle gathers
them) in OUTPUT_DIR/<case>.<rank>.npz."""

from __future__ import annotations

import sys
from pathlib import Path

import lightning as L
import numpy as np
import torch
from lightning.pytorch.strategies import DDPStrategy, ModelParallelStrategy

import histlog
from histlog.lightning import HistlogCallback
from lightning_cases import Applied, Regression, data
from worker_exit import leave

STEPS = 3


class Sharded(Regression):
    def configure_model(self):
        from torch.distributed.fsdp import fully_shard

        mesh = self.device_mesh["data_parallel"]
        for layer in (self.model[0], self.model[2]):
            fully_shard(layer, mesh=mesh)
        fully_shard(self.model, mesh=mesh)


def fit(out: Path, case: str, strategy, module) -> None:
    applied = Applied()
    trainer = L.Trainer(
        strategy=strategy, accelerator="cpu", devices=2, max_steps=STEPS, accumulate_grad_batches=2,
        callbacks=[HistlogCallback(every=1), applied], logger=False, default_root_dir=out / case,
        enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
    )
    trainer.fit(module, data(batches=2 * STEPS * 2, batch_size=4))  # each rank gets half the batches
    np.savez(out / f"{case}.{trainer.global_rank}.npz", **applied.npz())


def main() -> None:
    out = Path(sys.argv[1])
    fit(out, "ddp", DDPStrategy(process_group_backend="gloo"), Regression())
    fit(out, "fsdp2", ModelParallelStrategy(data_parallel_size=2, tensor_parallel_size=1), Sharded())
    histlog.end_run()
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
    leave()
