"""The doctor on runs of real small PyTorch models, each built to have one problem, and on a
healthy one where it must stay silent. Models train on the CPU for a few dozen steps, logged with
``histlog.watch`` / ``histlog.watch_activations`` at every step."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
import histlog  # noqa: E402

nn = torch.nn
F = torch.nn.functional


def train(run_dir, model, steps, *, lr=0.05, optimizer="sgd", log="all", activations=None, batch=None,
          stop_when_not_finite=False, before_step=None):
    """Trains `model` on a fixed random regression batch, logging every step into `run_dir`."""
    generator = torch.Generator().manual_seed(1)
    inputs, targets = batch if batch is not None else (
        torch.randn(128, model_inputs(model), generator=generator), torch.randn(128, 1, generator=generator))
    parameters = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(parameters, lr=lr) if optimizer == "adam" else torch.optim.SGD(parameters, lr=lr)
    with histlog.start_run(run_dir) as run:
        histlog.watch(model, every=1, log=log, run=run)
        if activations is not None:
            histlog.watch_activations(model, layers=activations, every=1, run=run)
        for step in range(steps):
            if before_step is not None:
                before_step(step, model)
            opt.zero_grad()
            loss = F.mse_loss(model(inputs), targets)
            if stop_when_not_finite and not math.isfinite(loss.item()):
                break
            loss.backward()
            opt.step()
        histlog.unwatch(model)
    return run_dir


def model_inputs(model):
    first = next(m for m in model.modules() if isinstance(m, nn.Linear))
    return first.in_features


def rules(findings):
    return {finding.rule for finding in findings}


def test_healthy_model_has_no_findings(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    run = train(tmp_path / "healthy", model, 30, lr=1e-2, optimizer="adam", activations=nn.ReLU)
    assert "Activations/1" in histlog.open_run(run).keys()
    assert histlog.doctor(run) == []


def test_deep_sigmoid_stack_has_vanishing_gradients(tmp_path):
    torch.manual_seed(0)
    layers = []
    for _ in range(20):
        layers += [nn.Linear(16, 16), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(16, 1))
    run = train(tmp_path / "sigmoid", model, 6, lr=0.01)
    findings = histlog.doctor(run)
    assert rules(findings) == {"vanishing_gradients"}
    keys = {finding.key for finding in findings}
    assert all(key.startswith("Gradients/") for key in keys)
    # The layers farthest from the loss are flagged, the ones near it are not: a prefix of the stack.
    flagged = sorted({int(key.split("/")[1].split(".")[0]) for key in keys})
    assert flagged == list(range(0, flagged[-1] + 1, 2))
    assert 10 <= flagged[-1] <= 34
    assert not keys & {"Gradients/38.weight", "Gradients/40.weight", "Gradients/40.bias"}
    first = next(f for f in findings if f.key == "Gradients/0.weight")
    assert first.step == 0
    assert first.evidence["late_scale"] < 1e-8
    # Its weights cannot move either: said in the same finding, not as a second one.
    assert "did not change" in first.message


def test_huge_learning_rate_has_exploding_gradients(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    generator = torch.Generator().manual_seed(1)
    batch = (torch.randn(64, 8, generator=generator), 3 * torch.randn(64, 1, generator=generator))
    # Stops before the loss overflows, so the run shows the blow-up, not the NaNs after it.
    run = train(tmp_path / "explode", model, 20, lr=2.0, batch=batch, stop_when_not_finite=True)
    steps = histlog.open_run(run).steps("Gradients/0.weight")
    assert 3 <= len(steps) < 20
    findings = histlog.doctor(run)
    assert rules(findings) == {"exploding_gradients"}
    assert {f.key for f in findings} >= {"Gradients/0.weight", "Gradients/2.weight", "Gradients/4.weight"}
    assert all(f.key.startswith("Gradients/") and f.severity == "error" for f in findings)
    first = min(f.step for f in findings)
    assert 0 < first < steps[-1]


def test_relu_with_large_negative_bias_has_dead_units(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
    with torch.no_grad():
        model[0].bias.fill_(-1.2)  # about two standard deviations of the pre-activation below zero
    run = train(tmp_path / "dead", model, 20, lr=0.05, activations=nn.ReLU)
    findings = histlog.doctor(run)
    assert [(f.rule, f.key) for f in findings] == [("dead_units", "Activations/1")]
    assert findings[0].evidence["late_zero_fraction"] > 0.9
    assert findings[0].step == 0


def test_layer_with_requires_grad_off_is_frozen(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
    model[0].requires_grad_(False)
    run = train(tmp_path / "frozen", model, 8, lr=0.05)
    findings = histlog.doctor(run)
    assert rules(findings) == {"frozen_weights"}
    assert {f.key for f in findings} == {"Parameters/0.weight", "Parameters/0.bias"}
    for finding in findings:
        assert finding.step == 0
        assert finding.evidence["unchanged_steps"] == 8
        assert finding.evidence["gradient_logged"] == 0
        assert "no gradient was logged" in finding.message


def test_layer_outside_the_loss_is_frozen(tmp_path):
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(8, 16)
            self.used = nn.Linear(16, 1)
            self.unused = nn.Linear(16, 1)  # never called: no gradient, never updated

        def forward(self, x):
            return self.used(torch.tanh(self.body(x)))

    torch.manual_seed(0)
    run = train(tmp_path / "unused", TwoHeads(), 6, lr=0.05)
    findings = histlog.doctor(run)
    assert [(f.rule, f.key) for f in findings] == [
        ("frozen_weights", "Parameters/unused.bias"), ("frozen_weights", "Parameters/unused.weight")]


def test_nan_injected_at_a_step_is_found_at_that_step(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def poison(step, model):
        if step == 5:
            with torch.no_grad():
                model[2].weight[0, 3] = float("nan")

    run = train(tmp_path / "nan", model, 8, lr=0.05, before_step=poison)
    findings = histlog.doctor(run)
    assert rules(findings) == {"non_finite"}
    assert all(f.severity == "error" for f in findings)
    by_key = {f.key: f for f in findings}
    # Parameters are logged after backward, before the optimizer step: the poisoned weight shows
    # at step 5, its gradient and every upstream tensor then too; nothing before step 5.
    assert by_key["Parameters/2.weight"].step == 5
    assert by_key["Parameters/2.weight"].evidence["nan_count"] == 1
    assert by_key["Gradients/0.weight"].step == 5
    assert min(f.step for f in findings) == 5


def test_thresholds_change_the_verdict(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
    run = train(tmp_path / "relu", model, 6, lr=0.05, activations=nn.ReLU, log=None)
    assert histlog.doctor(run) == []                                   # about half zeros
    loose = histlog.doctor(run, dead_zero_fraction=0.3)
    assert [(f.rule, f.key) for f in loose] == [("dead_units", "Activations/1")]
    with pytest.raises(ValueError, match="dead_zero_fraction"):
        histlog.doctor(run, dead_zero_fraction=1.5)
    with pytest.raises(TypeError, match="unknown doctor threshold"):
        histlog.doctor(run, dead_fraction=0.3)
