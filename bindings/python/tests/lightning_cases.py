"""What the Lightning tests train, and their oracle: what the real torch optimizer applied."""

from __future__ import annotations

from typing import Dict, Optional

import lightning as L
import numpy as np
import torch


class Regression(L.LightningModule):
    """A 2-layer MLP fitting sin of two inputs with SGD. ``blow_up_at``: at that global step the
    loss is multiplied by 1e30, so fp16 gradients overflow and a GradScaler skips the step."""

    def __init__(self, blow_up_at: Optional[int] = None) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
        self.blow_up_at = blow_up_at

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.model(x).float(), y)
        self.log("loss", loss)
        return loss * 1e30 if self.trainer.global_step == self.blow_up_at else loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def data(batches: int, batch_size: int = 4) -> torch.utils.data.DataLoader:
    x = torch.randn(batches * batch_size, 6, generator=torch.Generator().manual_seed(0))
    dataset = torch.utils.data.TensorDataset(x, (x[:, :2] * 3).sin())
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size)


def _whole(tensor: torch.Tensor) -> np.ndarray:
    tensor = tensor.detach()
    if hasattr(tensor, "full_tensor"):  # a DTensor: collective, every rank captures in the same order
        tensor = tensor.full_tensor()
    return tensor.float().numpy().copy()


class Applied(L.Callback):
    """The oracle, by global step: the parameters and gradients the real torch optimizer applied.

    A step pre-hook on torch's optimizer captures them. When ``step()`` is handed a closure
    (Lightning's automatic optimization runs the last micro-batch's backward pass, unscaling and
    gradient clipping inside it), torch's SGD evaluates the closure first and then reads ``.grad``:
    the capture waits until the closure has returned. A step the GradScaler skipped never reaches
    ``step()``: it is captured at the end of its batch, as the scaler left it.
    ``before_clipping`` holds the gradients' total norm as ``on_before_optimizer_step`` sees them,
    ``activations`` the ReLU's output in the first training forward pass of each step."""

    def __init__(self) -> None:
        self.steps: Dict[int, Dict[str, tuple]] = {}
        self.before_clipping: Dict[int, float] = {}
        self.activations: Dict[int, np.ndarray] = {}
        self._announced: Optional[int] = None

    def on_fit_start(self, trainer, pl_module) -> None:
        self._trainer, self._module = trainer, pl_module
        trainer.optimizers[0].register_step_pre_hook(self._before_step)
        pl_module.model[1].register_forward_hook(self._after_relu)

    def _before_step(self, optimizer, args, kwargs):
        closure = kwargs.get("closure", args[1] if len(args) > 1 else None)
        if closure is None:
            self._capture()
            return None

        def capturing_closure():
            result = closure()
            self._capture()
            return result

        return args[:1], {**kwargs, "closure": capturing_closure}

    def _capture(self, step: Optional[int] = None) -> None:
        step = self._trainer.global_step if step is None else step
        if step not in self.steps:
            self.steps[step] = {name: (_whole(p), None if p.grad is None else _whole(p.grad))
                                for name, p in self._module.named_parameters()}

    def _after_relu(self, module, inputs, output) -> None:
        if module.training and torch.is_grad_enabled():
            self.activations.setdefault(self._trainer.global_step, output.detach().float().numpy().copy())

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self._announced = trainer.global_step
        gradients = [p.grad.detach().float().reshape(-1) for p in pl_module.parameters() if p.grad is not None]
        self.before_clipping.setdefault(trainer.global_step, float(torch.cat(gradients).norm()))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self._announced is not None:
            self._capture(self._announced)  # nothing new unless the scaler skipped the step
        self._announced = None

    def npz(self) -> Dict[str, np.ndarray]:
        return {f"{kind}/{name}/{step}": arrays[index]
                for step, named in self.steps.items() for name, arrays in named.items()
                for index, kind in enumerate(("Parameters", "Gradients"))}
