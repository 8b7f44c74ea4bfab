"""histlog.watch: parameter, gradient and activation histograms with no call in the loop."""

import torch

import histlog

model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

with histlog.start_run(name="watched") as run:
    histlog.watch(model, every=10, optimizer=optimizer)  # Parameters/{name}, Gradients/{name}
    histlog.watch_activations(model, layers=[torch.nn.ReLU], every=10, optimizer=optimizer)  # Activations/{name}
    for _ in range(50):
        x = torch.randn(32, 20)
        loss = torch.nn.functional.cross_entropy(model(x), (x.sum(1) > 0).long())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    histlog.unwatch(model)

reader = histlog.open_run(run.path)
print(reader.steps("Gradients/0.weight"))  # [0, 10, 20, 30, 40]
print(reader.get("Activations/1", 40).zero_count, "dead ReLU outputs at step 40")
