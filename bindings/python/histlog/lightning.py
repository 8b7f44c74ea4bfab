"""Lightning: ``HistlogCallback`` logs ``Parameters/{name}`` and ``Gradients/{name}`` at optimizer
steps numbered by ``trainer.global_step``, and optionally ``Activations/{name}``.

    import lightning
    from histlog.lightning import HistlogCallback

    trainer = lightning.Trainer(callbacks=[HistlogCallback(every=50)])
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, Optional

try:
    from lightning.pytorch import Callback
    from lightning.pytorch.strategies import FSDPStrategy
except ImportError:
    raise ImportError("histlog.lightning needs Lightning: pip install lightning") from None

from . import _run
from ._torch import (
    GlobalStepLogger,
    LayerSelection,
    Patterns,
    Watch,
    _check_every,
    _check_log,
    _patterns,
    framework_activations,
)

__all__ = ["HistlogCallback"]


class HistlogCallback(Callback):
    """Logs the parameters and gradients each optimizer step applies, at ``trainer.global_step``
    (0, every, 2 * every, ...): after gradient accumulation, unscaling and Lightning's gradient
    clipping, written when the optimizer is about to step (see ``GlobalStepLogger``). A step that
    mixed precision's GradScaler skips is logged too, with its non-finite gradients.

    ``log``: "all", "parameters" or "gradients". ``include`` / ``exclude``: regular expressions
    searched in the LightningModule's parameter names (``exclude`` wins). ``activations``: the
    layers whose outputs to log as ``Activations/{module name}`` (module names or types, as
    ``histlog.watch_activations`` takes them), from the first training forward pass of each logged
    step (with gradient accumulation, its first micro-batch). ``every <= 0`` disables the callback.

    Records go to the active histlog run or, if there is none, to a run this callback starts at
    ``<trainer.log_dir>/histlog`` (next to the Lightning logger's files) and ends when fitting
    ends or fails. Under DDP global rank 0 writes; under FSDP2 (``ModelParallelStrategy``) every
    rank contributes its shards to each record. ``FSDPStrategy`` (FSDP1, flat parameters) is not
    supported: the callback warns once and logs nothing there.
    """

    def __init__(
        self,
        every: int = 1,
        log: Optional[str] = "all",
        activations: LayerSelection = None,
        include: Patterns = None,
        exclude: Patterns = None,
    ) -> None:
        self.every = _check_every(every)
        # Not ``self.log``: Lightning sets a callback's ``log`` to the LightningModule's when fitting starts.
        self.logged = _check_log(log)
        self.activations = activations
        self.include, self.exclude = include, exclude
        _patterns(include, "include"), _patterns(exclude, "exclude")
        self._run: Optional[_run.CallbackRun] = None
        self._steps: Dict[Any, GlobalStepLogger] = {}
        self._activations: Optional[Watch] = None

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        self._finish()
        if self.every <= 0:
            return
        flat = isinstance(trainer.strategy, FSDPStrategy)
        if flat and trainer.global_rank == 0:
            warnings.warn(
                "histlog's HistlogCallback logs no parameters or gradients under FSDPStrategy (FSDP1 flat "
                "parameters name none of the model's parameters); ModelParallelStrategy (FSDP2) is supported",
                RuntimeWarning,
                stacklevel=2,
            )
        parameters = self.logged is not None and not flat
        if not parameters and self.activations is None:
            return
        log_dir = trainer.log_dir  # a collective under DDP: every rank asks
        path = os.path.join(log_dir or os.getcwd(), "histlog") if trainer.global_rank == 0 else None
        self._run = _run.CallbackRun(path)
        if parameters:
            for optimizer in trainer.optimizers:
                self._steps[optimizer] = GlobalStepLogger(
                    pl_module, optimizer, self.every, self.logged, include=self.include, exclude=self.exclude,
                    run=self._run.run,
                )
        if self.activations is not None:
            self._activations = framework_activations(pl_module, self.activations, self.every, run=self._run.run)

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        if self._activations is not None and self._activations.step != trainer.global_step:
            self._activations.step = trainer.global_step

    def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
        steps = self._steps.get(optimizer)
        if steps is not None:
            steps.due(trainer.global_step)

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        for steps in self._steps.values():
            steps.settle()

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self._finish()

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self._finish()

    def _finish(self) -> None:
        for steps in self._steps.values():
            steps.remove()
        self._steps.clear()
        if self._activations is not None:
            self._activations.remove()
            self._activations = None
        if self._run is not None:
            self._run.end()
            self._run = None
