"""histlog.watch under FSDP2: every rank calls it, rank 0 writes one record per whole parameter.
Run with: torchrun --nproc-per-node 2 watch_fsdp2.py"""

import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard

import histlog

dist.init_process_group("gloo")  # "nccl" and init_device_mesh("cuda", ...) on GPUs
mesh = init_device_mesh("cpu", (dist.get_world_size(),))
model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
for layer in (model[0], model[2]):
    fully_shard(layer, mesh=mesh)
fully_shard(model, mesh=mesh)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

if dist.get_rank() == 0:
    histlog.start_run("runs/fsdp2")
histlog.watch(model, every=10, optimizer=optimizer)  # on every rank: each contributes its shards
for step in range(30):
    x = torch.randn(8, 20)
    torch.nn.functional.cross_entropy(model(x), (x.sum(1) > 0).long()).backward()
    optimizer.step()
    optimizer.zero_grad()
histlog.end_run()
if dist.get_rank() == 0:
    print(histlog.open_run("runs/fsdp2").steps("Gradients/0.weight"))  # [0, 10, 20]
dist.barrier()  # no rank tears the group down while another still uses it
dist.destroy_process_group()
