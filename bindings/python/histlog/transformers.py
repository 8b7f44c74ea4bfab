"""Hugging Face Trainer: ``HistlogCallback`` logs ``Parameters/{name}`` and ``Gradients/{name}`` at
optimizer steps numbered by ``state.global_step``.

    from histlog.transformers import HistlogCallback

    trainer.add_callback(HistlogCallback(every=50))
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Optional

try:
    from transformers import TrainerCallback
except ImportError:
    raise ImportError(
        "histlog.transformers needs the Hugging Face Trainer: pip install transformers accelerate"
    ) from None
if not hasattr(TrainerCallback, "on_pre_optimizer_step"):
    raise ImportError("histlog.transformers needs a Trainer with on_pre_optimizer_step: pip install -U transformers")

from . import _run
from ._torch import GlobalStepLogger, Patterns, _check_every, _check_log, _patterns, uses_fsdp1

__all__ = ["HistlogCallback"]


class HistlogCallback(TrainerCallback):
    """Logs the parameters and gradients each optimizer step applies, at ``state.global_step``
    (0, every, 2 * every, ...): after gradient accumulation, unscaling and clipping
    (``max_grad_norm``), announced in ``on_pre_optimizer_step`` and written when torch's optimizer
    is about to step (see ``GlobalStepLogger``). A step that fp16's GradScaler skips is logged too,
    with its non-finite gradients.

    ``log``: "all", "parameters" or "gradients". ``include`` / ``exclude``: regular expressions
    searched in the model's parameter names (``exclude`` wins). ``every <= 0`` disables it.

    Records go to the active histlog run or, if there is none, to a run this callback starts at
    ``<args.output_dir>/histlog`` and ends when training ends. Under DDP the main process writes;
    under FSDP2 (``fsdp_version: 2``) every process contributes its shards to each record. FSDP1's
    flat parameters are not supported: the callback warns once and logs nothing there.
    """

    def __init__(
        self, every: int = 1, log: Optional[str] = "all", include: Patterns = None, exclude: Patterns = None
    ) -> None:
        self.every = _check_every(every)
        self.logged = _check_log(log)
        self.include, self.exclude = include, exclude
        _patterns(include, "include"), _patterns(exclude, "exclude")
        self._run: Optional[_run.CallbackRun] = None
        self._steps: Optional[GlobalStepLogger] = None

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, optimizer: Any = None,
                       **kwargs: Any) -> None:
        self._finish()
        if self.every <= 0 or self.logged is None:
            return
        if uses_fsdp1(model):
            if state.is_world_process_zero:
                warnings.warn(
                    "histlog's HistlogCallback logs no parameters or gradients under FSDP1 (its flat parameters "
                    "name none of the model's parameters); FSDP2 (fsdp_version: 2) is supported",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return
        # accelerate's AcceleratedOptimizer holds torch's optimizer, whose step hooks tell when to log
        optimizer = getattr(optimizer, "optimizer", optimizer)
        path = os.path.join(args.output_dir, "histlog") if state.is_world_process_zero else None
        self._run = _run.CallbackRun(path)
        self._steps = GlobalStepLogger(
            model, optimizer, self.every, self.logged, include=self.include, exclude=self.exclude, run=self._run.run
        )

    def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._steps is not None:
            self._steps.due(state.global_step)

    def on_optimizer_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._steps is not None:
            self._steps.settle()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._finish()

    def _finish(self) -> None:
        if self._steps is not None:
            self._steps.remove()
            self._steps = None
        if self._run is not None:
            self._run.end()
            self._run = None
