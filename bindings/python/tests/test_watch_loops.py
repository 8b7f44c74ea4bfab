"""histlog.watch(..., optimizer=) on the loops people really run: mixed precision with GradScaler,
gradient accumulation with clipping, closures (LBFGS), fused optimizers, torch.compile.

The oracle is what the optimizer received, captured by the test's own step pre-hook (or, for the
steps the scaler skips, read from .grad after ``scaler.step``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import histlog
from conftest import assert_matches_numpy

torch = pytest.importorskip("torch")


def make_model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))


class Received:
    """What ``optimizer.step()`` was about to apply at each of its calls: the parameters before
    the update and the gradients, by parameter name."""

    def __init__(self, model, optimizer, divide_by_scale=None):
        self.steps = []
        self._model = model
        self._scale = divide_by_scale
        optimizer.register_step_pre_hook(self._capture)

    def _capture(self, optimizer, args, kwargs):
        self.capture()

    def capture(self):
        scale = self._scale() if self._scale is not None else 1.0
        self.steps.append({
            name: (p.detach().clone(), None if p.grad is None else p.grad.detach().clone() / scale)
            for name, p in self._model.named_parameters()
        })


def batch(step, n=8):
    generator = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(n, 6, generator=generator)
    return x, (x[:, :2] * 3).sin()


def assert_logged(run_path, received, steps, *, names=None, every=1):
    """Every logged step's parameters and gradients are what the optimizer received then, and
    nothing else is logged."""
    reader = histlog.open_run(run_path)
    names = names if names is not None else list(received[0])
    expected_steps = list(range(0, steps, every))
    assert sorted(reader.keys()) == sorted([f"Parameters/{n}" for n in names] + [f"Gradients/{n}" for n in names])
    for name in names:
        for kind in ("Parameters", "Gradients"):
            history = reader.history(f"{kind}/{name}")
            assert [record.step for record in history] == expected_steps, f"{kind}/{name}"
        for step in expected_steps:
            parameter, gradient = received[step][name]
            assert_matches_numpy(reader.get(f"Parameters/{name}", step), parameter.numpy())
            assert_matches_numpy(reader.get(f"Gradients/{name}", step), gradient.numpy())


def test_mixed_precision_logs_unscaled_gradients(tmp_path):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    received = Received(model, optimizer)
    scaled_max = []
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer, scaler=scaler)
        for step in range(4):
            x, y = batch(step)
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = torch.nn.functional.mse_loss(model(x).float(), y)
            scaler.scale(loss).backward()
            scaled_max.append(model[0].weight.grad.abs().max().item())
            scaler.step(optimizer)
            scaler.update()
    assert len(received.steps) == 4
    assert_logged(run.path, received.steps, 4)
    logged = histlog.open_run(run.path).get("Gradients/0.weight", 0)
    assert logged.max_value * 1000 < scaled_max[0]  # the scaled gradient was 65536x larger
    assert not [f for f in histlog.doctor(run.path) if f.rule == "exploding_gradients"]


def test_bfloat16_model_logs_its_bfloat16_parameters_and_gradients(tmp_path):
    # A model trained in bfloat16 (Lightning's "bf16-true"): its tensors reach the engine as stored.
    model = make_model().to(torch.bfloat16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    received = Received(model, optimizer)
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer)
        for step in range(3):
            x, y = batch(step)
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x.to(torch.bfloat16)), y.to(torch.bfloat16)).backward()
            optimizer.step()
        histlog.unwatch()
    reader = histlog.open_run(run.path)
    for step in range(3):
        for name, (parameter, gradient) in received.steps[step].items():
            assert parameter.dtype == gradient.dtype == torch.bfloat16
            for kind, tensor in (("Parameters", parameter), ("Gradients", gradient)):
                assert_matches_numpy(
                    reader.get(f"{kind}/{name}", step), tensor.to(torch.float64).numpy(), edges_dtype=np.float32
                )


def test_steps_the_scaler_skips_are_logged_with_their_non_finite_gradients(tmp_path):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    applied = Received(model, optimizer)
    attempts = []
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer, scaler=scaler)
        for step in range(4):
            x, y = batch(step)
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = torch.nn.functional.mse_loss(model(x).float(), y)
            if step == 2:
                loss = loss * float("inf")  # an overflow: the scaler skips this step
            scaler.scale(loss).backward()
            before = len(applied.steps)
            scaler.step(optimizer)
            if len(applied.steps) == before:  # skipped: .grad holds what unscale_ left
                attempts.append({n: (p.detach().clone(), p.grad.detach().clone()) for n, p in model.named_parameters()})
            else:
                attempts.append(applied.steps[-1])
            scaler.update()
    assert len(applied.steps) == 3  # the optimizer stepped 3 times in 4 attempts
    reader = histlog.open_run(run.path)
    assert reader.steps("Gradients/0.weight") == [0, 1, 2, 3]
    skipped = reader.get("Gradients/0.weight", 2)
    gradient = attempts[2]["0.weight"][1].numpy()
    assert skipped.nan_count == int(np.isnan(gradient).sum())
    assert skipped.inf_count == int(np.isinf(gradient).sum())
    assert skipped.nan_count + skipped.inf_count > 0
    for step in (0, 1, 3):
        for name, (parameter, grad) in attempts[step].items():
            assert_matches_numpy(reader.get(f"Gradients/{name}", step), grad.numpy())
    # the skipped step left the parameters as they were
    for name, (parameter, _) in attempts[2].items():
        assert_matches_numpy(reader.get(f"Parameters/{name}", 2), parameter.numpy())
        np.testing.assert_array_equal(parameter.numpy(), attempts[3][name][0].numpy())


def test_accumulation_and_clipping_log_what_the_step_applies(tmp_path):
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    received = Received(model, optimizer)
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer)
        for step in range(3):
            optimizer.zero_grad()
            for micro in range(4):
                x, y = batch(10 * step + micro, n=4)
                (torch.nn.functional.mse_loss(model(x), y) / 4).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.05)
            optimizer.step()
    assert_logged(run.path, received.steps, 3)
    total = math.sqrt(sum(float(g.pow(2).sum()) for _, g in received.steps[0].values()))
    assert total == pytest.approx(0.05, rel=1e-5)  # the logged gradients are the clipped ones


@pytest.mark.parametrize("every, steps", [(2, 5), (3, 7)])
def test_every_counts_optimizer_steps(tmp_path, every, steps):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    received = Received(model, optimizer)
    with histlog.start_run(tmp_path / "run") as run:
        handle = histlog.watch(model, every=every, optimizer=optimizer)
        for step in range(steps):
            optimizer.zero_grad()
            for micro in range(2):  # two backward passes a step: still one step
                x, y = batch(step * 2 + micro)
                torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        assert handle.step == steps
    assert_logged(run.path, received.steps, steps, every=every)


def test_include_and_exclude_select_parameters(tmp_path):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    received = Received(model, optimizer)
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer, include=[r"^0\.", r"^2\."], exclude=r"bias$")
        for step in range(2):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(batch(step)[0]), batch(step)[1]).backward()
            optimizer.step()
    assert_logged(run.path, received.steps, 2, names=["0.weight", "2.weight"])


def test_watching_again_replaces_the_hooks(tmp_path):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    received = Received(model, optimizer)
    with histlog.start_run(tmp_path / "run") as run:
        for _ in range(3):  # a notebook cell run three times
            histlog.watch(model, every=1, optimizer=optimizer)
            histlog.watch_activations(model, layers=torch.nn.ReLU, every=1, optimizer=optimizer)
        for step in range(3):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(batch(step)[0]), batch(step)[1]).backward()
            optimizer.step()
        histlog.watch(model, every=2, optimizer=optimizer, log="gradients")  # replaces: gradients only
        for step in range(3, 5):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(batch(step)[0]), batch(step)[1]).backward()
            optimizer.step()
    reader = histlog.open_run(run.path)
    assert [r.step for r in reader.history("Parameters/0.weight")] == [0, 1, 2]
    assert [r.step for r in reader.history("Gradients/0.weight")] == [0, 1, 2, 4]
    assert [r.step for r in reader.history("Activations/1")] == [0, 1, 2, 3, 4]
    histlog.unwatch(model)
    assert not model._forward_hooks and not model[1]._forward_hooks
    assert len(optimizer._optimizer_step_pre_hooks) == 1  # the test's own
    assert not optimizer._optimizer_step_post_hooks


def test_activations_follow_optimizer_steps_once_per_step(tmp_path):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    first_forward = {}
    model[1].register_forward_hook(lambda m, i, o: first_forward.setdefault(len(seen), o.detach().clone()))
    seen = []
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch_activations(model, layers=["1"], every=2, optimizer=optimizer)
        for step in range(5):
            optimizer.zero_grad()
            for micro in range(3):
                x, y = batch(step * 3 + micro)
                torch.nn.functional.mse_loss(model(x), y).backward()
            seen.append(step)
            optimizer.step()
    reader = histlog.open_run(run.path)
    assert [r.step for r in reader.history("Activations/1")] == [0, 2, 4]  # the first micro-batch only
    for step in (0, 2, 4):
        assert_matches_numpy(reader.get("Activations/1", step), first_forward[step].numpy())


def test_closure_optimizer_logs_the_gradients_the_step_starts_from(tmp_path):
    model = make_model()
    optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=4)
    starts = []
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer)
        for step in range(3):
            x, y = batch(step)
            calls = []

            def closure():
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                if not calls:
                    starts.append({n: (p.detach().clone(), p.grad.detach().clone()) for n, p in model.named_parameters()})
                calls.append(1)
                return loss

            optimizer.step(closure)
            assert len(calls) > 1  # LBFGS evaluates several times a step
    assert_logged(run.path, starts, 3)


def test_fused_optimizer_under_grad_scaler(tmp_path):
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, fused=True)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    received = Received(model, optimizer, divide_by_scale=scaler.get_scale)  # fused: step() unscales
    with histlog.start_run(tmp_path / "run") as run:
        histlog.watch(model, every=1, optimizer=optimizer, scaler=scaler)
        for step in range(3):
            optimizer.zero_grad()
            x, y = batch(step)
            scaler.scale(torch.nn.functional.mse_loss(model(x), y)).backward()
            scaler.step(optimizer)
            scaler.update()
    assert_logged(run.path, received.steps, 3)


def test_without_optimizer_a_step_is_a_backward_pass(tmp_path):
    """The round-1 meaning stays: with accumulation each backward pass is a step."""
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with histlog.start_run(tmp_path / "run") as run:
        handle = histlog.watch(model, every=1)
        for step in range(2):
            optimizer.zero_grad()
            for micro in range(3):
                torch.nn.functional.mse_loss(model(batch(micro)[0]), batch(micro)[1]).backward()
            optimizer.step()
        assert handle.step == 6
    assert histlog.open_run(run.path).steps("Gradients/0.weight") == list(range(6))


def test_watch_optimizer_bad_arguments():
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        histlog.watch(model, optimizer="sgd")
    with pytest.raises(ValueError, match="scaler needs optimizer"):
        histlog.watch(model, scaler=torch.amp.GradScaler("cpu"))
    with pytest.raises(TypeError, match="scaler must be a torch.amp.GradScaler"):
        histlog.watch(model, optimizer=optimizer, scaler=object())
    with pytest.raises(ValueError, match="include: '\\(' is not a regular expression"):
        histlog.watch(model, optimizer=optimizer, include="(")
    with pytest.raises(TypeError, match="exclude must hold regular expressions"):
        histlog.watch(model, optimizer=optimizer, exclude=[3])


# ---------------------------------------------------------------------------------------
# torch.compile
# ---------------------------------------------------------------------------------------


def _compiled_loop(model, optimizer, steps, first=0):
    for step in range(first, first + steps):
        x, y = batch(step)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def _compile_counts():
    from torch._dynamo.utils import counters

    return sum(counters["graph_break"].values()), counters["stats"]["unique_graphs"], counters["frames"]["ok"]


@pytest.fixture
def fresh_dynamo():
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    yield
    torch._dynamo.reset()


@pytest.mark.parametrize("order", ["watch then compile", "compile then watch"])
def test_compiled_model_logs_right_names_and_values_without_graph_breaks(tmp_path, fresh_dynamo, order):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    received = Received(model, optimizer)
    with histlog.start_run(tmp_path / "run") as run:
        if order == "watch then compile":
            histlog.watch(model, every=2, optimizer=optimizer)
            compiled = torch.compile(model, backend="aot_eager")
        else:
            compiled = torch.compile(model, backend="aot_eager")
            histlog.watch(compiled, every=2, optimizer=optimizer)
        _compiled_loop(compiled, optimizer, 5)
        breaks, graphs, frames = _compile_counts()
    assert breaks == 0
    assert_logged(run.path, received.steps, 5, every=2)


def test_compiled_model_adds_no_break_or_recompile_on_steps_that_do_not_log(tmp_path, fresh_dynamo):
    """The same compiled loop with and without watch + watch_activations: after the steps that
    log, the steps that do not log compile nothing and break nothing."""

    def run_loop(watched):
        torch._dynamo.reset()
        torch._dynamo.utils.counters.clear()
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        compiled = torch.compile(model, backend="aot_eager")
        if watched:
            histlog.watch(compiled, every=4, optimizer=optimizer)
            histlog.watch_activations(compiled, layers=torch.nn.ReLU, every=4, optimizer=optimizer)
        _compiled_loop(compiled, optimizer, 6)  # logs at 0 and 4: both flag values compiled
        warm = _compile_counts()
        _compiled_loop(compiled, optimizer, 3, first=6)  # steps 6, 7: no log; 8 logs, as seen before
        return warm, _compile_counts()

    with histlog.start_run(tmp_path / "run") as run:
        (plain_warm, plain_after) = run_loop(watched=False)
        (watched_warm, watched_after) = run_loop(watched=True)
    assert plain_after == plain_warm
    assert watched_after == watched_warm  # no new break, graph or frame: each flag value was compiled once
    assert watched_warm[0] > plain_warm[0] == 0  # what a logged forward costs: a break where a hook logs
    assert histlog.open_run(run.path).steps("Activations/1") == [0, 4, 8]
