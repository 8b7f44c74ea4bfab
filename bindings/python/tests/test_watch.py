"""histlog.watch / watch_activations / unwatch on a real PyTorch training loop."""

from __future__ import annotations

import pytest

import histlog
from conftest import assert_matches_numpy

torch = pytest.importorskip("torch")


def make_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))


def train(model, iterations, optimizer=None):
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for _ in range(iterations):
        optimizer.zero_grad()
        loss = model(torch.randn(8, 6)).pow(2).mean()
        loss.backward()
        optimizer.step()


def logged(run_path):
    reader = histlog.open_run(run_path)
    return {key: reader.steps(key) for key in reader.keys()}


@pytest.mark.parametrize("every, iterations", [(1, 5), (3, 10), (4, 4), (100, 7)])
def test_logs_parameters_and_gradients_every_n_steps(tmp_path, every, iterations):
    model = make_model()
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=every)
        train(model, iterations)
    steps = logged(run.path)
    expected = list(range(0, iterations, every))
    names = [name for name, _ in model.named_parameters()]
    assert sorted(steps) == sorted([f"Parameters/{n}" for n in names] + [f"Gradients/{n}" for n in names])
    assert all(value == expected for value in steps.values())


def test_logged_values_are_the_parameters_and_gradients_of_that_step(tmp_path):
    model = make_model()
    seen = {}
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(3):
            optimizer.zero_grad()
            model(torch.randn(8, 6)).pow(2).mean().backward()
            if step % 2 == 0:
                seen[step] = (model[0].weight.detach().clone(), model[0].weight.grad.clone())
            optimizer.step()
    reader = histlog.open_run(run.path)
    for step, (weight, gradient) in seen.items():
        assert_matches_numpy(reader.get("Parameters/0.weight", step), weight.numpy())
        assert_matches_numpy(reader.get("Gradients/0.weight", step), gradient.numpy())


@pytest.mark.parametrize("log, prefixes", [("parameters", {"Parameters"}), ("gradients", {"Gradients"})])
def test_log_choice(tmp_path, log, prefixes):
    model = make_model()
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, log=log)
        train(model, 2)
    assert {key.split("/")[0] for key in logged(run.path)} == prefixes


@pytest.mark.parametrize("every", [0, -1])
def test_every_zero_or_negative_logs_nothing(tmp_path, every):
    model = make_model()
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=every)
        histlog.watch_activations(model, every=every)
        train(model, 5)
    assert logged(run.path) == {}
    assert not model._forward_hooks


def test_unwatch_stops_logging_and_removes_hooks(tmp_path):
    model = make_model()
    with histlog.start_run(tmp_path / "run") as run:
        handle = histlog.watch(model, every=1)
        histlog.watch_activations(model, every=1)
        train(model, 2)
        assert handle.step == 2
        histlog.unwatch(model)
        train(model, 3)
    assert all(steps == [0, 1] for steps in logged(run.path).values())
    assert not model._forward_hooks and not model[0]._forward_hooks


def test_eval_and_no_grad_passes_do_not_count(tmp_path):
    model = make_model()
    with histlog.start_run(tmp_path / "run") as run:
        handle = histlog.watch(model, every=1, log="parameters")
        train(model, 2)
        with torch.no_grad():
            model(torch.randn(3, 6))
        model.eval()
        model(torch.randn(3, 6)).sum().backward()  # backward in eval mode: not a training step
        assert handle.step == 2
        handle.step = 10  # the user renumbers (a resumed run)
        train(model, 1)
    assert logged(run.path)["Parameters/0.weight"] == [0, 1, 10]


def test_gradient_accumulation_counts_each_backward(tmp_path):
    model = make_model()
    with histlog.start_run(tmp_path / "run"):
        handle = histlog.watch(model, every=1)
        out = model(torch.randn(4, 6)).sum() + model(torch.randn(4, 6)).sum()
        out.backward()  # two forwards, one backward: one step
        assert handle.step == 1


def test_watch_activations_layers(tmp_path):
    model = make_model()
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch_activations(model, every=2)  # every leaf module
        train(model, 3)
        histlog.watch_activations(model, layers=torch.nn.ReLU, every=1, run=None)  # replaces the first
        train(model, 2)
    steps = logged(run.path)
    assert steps["Activations/0"] == [0, 2] and steps["Activations/2"] == [0, 2]
    assert steps["Activations/1"] == [0, 2, 3, 4]  # once a step, never twice


def test_watch_activations_by_name_and_values(tmp_path):
    model = make_model()
    captured = {}
    model[1].register_forward_hook(lambda m, i, o: captured.setdefault("relu", o.detach().clone()))
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch_activations(model, layers=["1"], every=5)
        train(model, 1)
    data = histlog.open_run(run.path).get("Activations/1", 0)
    assert_matches_numpy(data, captured["relu"].numpy())
    assert data.zero_count == int((captured["relu"] == 0).sum())


def test_watch_bad_arguments():
    model = make_model()
    with pytest.raises(TypeError, match="torch.nn.Module"):
        histlog.watch("model")
    with pytest.raises(ValueError, match="log must be"):
        histlog.watch(model, log="weights")
    with pytest.raises(TypeError, match="every must be an int"):
        histlog.watch(model, every=1.5)
    with pytest.raises(ValueError, match="no module named"):
        histlog.watch_activations(model, layers=["nope"])
    with pytest.raises(ValueError, match="no module of type Conv2d"):
        histlog.watch_activations(model, layers=torch.nn.Conv2d)


def test_watch_logs_to_the_run_it_was_given(tmp_path):
    model = make_model()
    other = histlog.Run(tmp_path / "explicit")
    histlog.start_run(tmp_path / "active")
    histlog.watch(model, every=1, log="gradients", run=other)
    train(model, 1)
    other.close()
    histlog.end_run()
    assert len(logged(tmp_path / "explicit")) == 4
    assert logged(tmp_path / "active") == {}
