"""A drop-in for torch.utils.tensorboard.SummaryWriter's histogram methods."""

import torch

from histlog import SummaryWriter  # was: from torch.utils.tensorboard import SummaryWriter

writer = SummaryWriter("runs/drop-in")
layer = torch.nn.Linear(100, 100)
for step in range(5):
    writer.add_histogram("fc/weight", layer.weight, step)  # no .detach().cpu().numpy() needed
    writer.add_histogram("fc/bias", layer.bias, step, bins=10)
writer.close()
# tensorboard --logdir runs/drop-in shows them under HISTOGRAMS and DISTRIBUTIONS
