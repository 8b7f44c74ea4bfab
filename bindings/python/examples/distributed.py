"""Two processes log one histogram of their shards together (torch.distributed, gloo, loopback)."""

import os

import numpy as np
import torch.distributed as dist
import torch.multiprocessing as mp

import histlog


def train(rank, world_size):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="29517")
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    if rank == 0:
        histlog.start_run(path="runs/ddp")  # only the writing rank needs a run
    shard = np.random.default_rng(rank).normal(size=10_000).astype(np.float32)
    histlog.log_histogram(shard, key="Activations/fc1", step=0, reduce=True)  # rank 0 writes both shards
    if rank == 0:
        histlog.end_run()
    dist.barrier()  # no rank tears the group down while another still uses it
    dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(train, args=(2,), nprocs=2)
    print(histlog.open_run("runs/ddp").get("Activations/fc1", 0).total_count)  # 20000
