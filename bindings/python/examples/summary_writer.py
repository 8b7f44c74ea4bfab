"""torch.utils.tensorboard.SummaryWriter with its histograms computed and recorded by histlog."""

import torch

import histlog
from histlog import SummaryWriter  # was: from torch.utils.tensorboard import SummaryWriter

model = torch.nn.Linear(100, 10)
writer = SummaryWriter("runs/drop-in")
writer.add_text("config", "lr=0.01", 0)
for step in range(5):
    loss = model(torch.randn(32, 100)).pow(2).mean()
    loss.backward()
    writer.add_scalar("train/loss", loss.item(), step)  # every add_* is torch's own...
    writer.add_histogram("fc/weight", model.weight, step)  # ...but histograms go through histlog
    writer.add_histogram("fc/weight.grad", model.weight.grad, step, bins="fd")
    model.zero_grad()
writer.add_hparams({"lr": 0.01}, {"hparam/loss": loss.item()})
writer.close()
# tensorboard --logdir runs shows the scalars, text and hparams, and each histogram once

print(histlog.open_run("runs/drop-in").get("fc/weight.grad", 4).std)  # exact statistics, from the run's JSON
