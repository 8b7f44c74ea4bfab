"""histlog.watch(optimizer=, scaler=): what each optimizer step applies, under mixed precision,
gradient accumulation and clipping."""

import torch

import histlog

model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
scaler = torch.amp.GradScaler("cpu")  # "cuda" on a GPU
accumulation = 4

with histlog.start_run(name="amp") as run:
    histlog.watch(model, every=5, optimizer=optimizer, scaler=scaler, exclude=r"bias$")
    for step in range(20):
        for _ in range(accumulation):
            x = torch.randn(8, 20)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = torch.nn.functional.cross_entropy(model(x), (x.sum(1) > 0).long()) / accumulation
            scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        scaler.step(optimizer)  # logs the accumulated, unscaled, clipped gradients it applies
        scaler.update()
        optimizer.zero_grad()

reader = histlog.open_run(run.path)
print(reader.keys())  # ['Gradients/0.weight', 'Gradients/2.weight', 'Parameters/0.weight', 'Parameters/2.weight']
print(reader.steps("Gradients/0.weight"))  # [0, 5, 10, 15]: optimizer steps, not micro-batches
