"""histlog.transformers.HistlogCallback in real Hugging Face Trainer runs on CPU (accelerate):
bf16 autocast with gradient accumulation and clipping, and accelerate's GradScaler path with a
step the scaler skips.

The oracle (``Applied``) is what the real torch optimizer applied at each step, captured by the
test's own step pre-hook on it (accelerate's ``AcceleratedOptimizer.step`` calls torch's
``step()`` without a closure, after the gradients were accumulated, unscaled and clipped)."""

from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")

import histlog  # noqa: E402
from conftest import assert_applied_steps_logged, assert_scaler_skip_logged  # noqa: E402
from histlog.transformers import HistlogCallback  # noqa: E402

NAMES = ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]


class Regression(torch.nn.Module):
    """A 2-layer MLP fitting sin of two inputs; ``blow_up`` multiplies the loss by 1e38, so that
    the loss-scaled gradients overflow and a GradScaler skips the step."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
        self.blow_up = False

    def forward(self, x, labels=None):
        output = self.net(x)
        loss = torch.nn.functional.mse_loss(output.float(), labels)
        return {"loss": loss * 1e38 if self.blow_up else loss, "logits": output}


def dataset(samples: int):
    x = torch.randn(samples, 6, generator=torch.Generator().manual_seed(0))
    return [{"x": row, "labels": (row[:2] * 3).sin()} for row in x]


class Applied(transformers.TrainerCallback):
    """The oracle, by global step: parameters and gradients when torch's optimizer is about to
    step; a step the scaler skipped never reaches ``step()`` and is captured in
    ``on_optimizer_step``, as the scaler left it. ``blow_up_at``: the step whose loss overflows."""

    def __init__(self, blow_up_at: Optional[int] = None) -> None:
        self.steps: Dict[int, Dict[str, tuple]] = {}
        self.blow_up_at = blow_up_at

    def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
        self._state, self._model = state, model
        optimizer.optimizer.register_step_pre_hook(lambda *hook_args: self._capture())

    def on_step_begin(self, args, state, control, model=None, **kwargs):
        model.blow_up = state.global_step == self.blow_up_at

    def _capture(self) -> None:
        if self._state.global_step not in self.steps:
            self.steps[self._state.global_step] = {
                name: (p.detach().numpy().copy(), p.grad.detach().numpy().copy())
                for name, p in self._model.named_parameters()
            }

    def on_optimizer_step(self, args, state, control, **kwargs):
        self._capture()  # nothing new unless the scaler skipped the step


def arguments(output_dir, **options):
    return transformers.TrainingArguments(
        output_dir=str(output_dir), per_device_train_batch_size=4, learning_rate=0.1, optim="sgd",
        lr_scheduler_type="constant", use_cpu=True, report_to="none", save_strategy="no", disable_tqdm=True,
        **options,
    )


def test_bf16_accumulation_and_clipping_log_what_each_step_applies(tmp_path):
    clip = 0.005
    applied = Applied()
    args = arguments(tmp_path / "out", bf16=True, gradient_accumulation_steps=2, max_grad_norm=clip, max_steps=4,
                     logging_steps=1)
    trainer = transformers.Trainer(model=Regression(), args=args, train_dataset=dataset(32), callbacks=[applied])
    trainer.add_callback(HistlogCallback())
    trainer.train()
    assert histlog.active_run() is None  # the run the callback started has ended with training
    assert_applied_steps_logged(tmp_path / "out" / "histlog", applied.steps, range(4), NAMES)
    # The records are the clipped gradients: the Trainer's pre-clipping norm is larger.
    norms = [entry["grad_norm"] for entry in trainer.state.log_history if "grad_norm" in entry]
    for step, named in applied.steps.items():
        norm = float(np.sqrt(sum((gradient.astype(np.float64) ** 2).sum() for _, gradient in named.values())))
        assert norm == pytest.approx(clip, rel=1e-3) and norms[step] > 2 * clip


def test_gradscaler_steps_are_unscaled_and_a_skipped_step_shows_its_non_finite_gradients(tmp_path):
    # accelerate keeps fp16 and its GradScaler to GPUs; its scaler path runs here with a CPU one.
    applied = Applied(blow_up_at=2)
    args = arguments(tmp_path / "out", max_steps=6)
    trainer = transformers.Trainer(model=Regression(), args=args, train_dataset=dataset(24), callbacks=[applied])
    trainer.accelerator.scaler = scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    trainer.add_callback(HistlogCallback(every=2, include=r"^net\.0\.", exclude=r"bias$"))
    with histlog.start_run(tmp_path / "mine") as run:
        trainer.train()
        assert histlog.active_run() is run  # logged into the active run and left it open
    assert scaler.get_scale() == 2.0**15  # the scaler skipped one step (step 2) and halved its scale
    assert_scaler_skip_logged(run.path, applied.steps, "net.0.weight")
    assert not (tmp_path / "out" / "histlog").exists()  # no run of its own


def test_bad_options_name_the_argument():
    with pytest.raises(ValueError, match="log must be"):
        HistlogCallback(log="weights")
    with pytest.raises(TypeError, match="every must be an int"):
        HistlogCallback(every="10")
    with pytest.raises(ValueError, match="exclude"):
        HistlogCallback(exclude=["("])
