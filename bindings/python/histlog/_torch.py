"""PyTorch helpers: ``watch`` (parameters and gradients) and ``watch_activations`` (forward hooks).

What a step is depends on whether ``watch`` is given the optimizer (a "clock" below counts it):

- ``optimizer=opt``: a step is one optimizer step — one ``opt.step()`` call, or, with
  ``scaler=``, one ``scaler.step(opt)`` call, applied or skipped — counted from 0. Parameters
  and gradients are logged in the optimizer's step pre-hook: exactly what ``step()`` is about to
  apply (after gradient accumulation, GradScaler unscaling, DDP's all-reduce and clipping).
- no optimizer: a step is one training iteration of the model — a backward pass that
  accumulates gradients into its parameters while it is in training mode — and parameters and
  gradients are logged when that backward pass has finished.

Logging happens at steps 0, every, 2 * every, ...; activations during the first training forward
pass of such a step. Parameters held as ``DTensor`` (FSDP2 ``fully_shard``, tensor parallelism)
are logged whole: every rank contributes its shard to one record written by the group's rank 0.
"""

from __future__ import annotations

import re
import warnings
import weakref
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Type, Union

from . import _run

LayerSelection = Union[None, Sequence[str], Type[Any], Tuple[Type[Any], ...]]
Patterns = Union[None, str, Sequence[str]]
_LOG_CHOICES = ("all", "parameters", "gradients", None)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("histlog.watch needs PyTorch: pip install torch") from None
    return torch


# ---------------------------------------------------------------------------------------
# Clocks: what a step is
# ---------------------------------------------------------------------------------------


class _Clock:
    """Counts steps. At each step, ``on_step`` listeners get its number at the moment to log
    parameters and gradients; ``on_advance`` listeners get the next step's number once it is over."""

    def __init__(self) -> None:
        self.step = 0
        self.on_step: List[Callable[[int], None]] = []
        self.on_advance: List[Callable[[int], None]] = []

    def _log(self, step: int) -> None:
        for listener in list(self.on_step):
            listener(step)

    def _advance(self) -> None:
        self.step += 1
        for listener in list(self.on_advance):
            listener(self.step)

    @property
    def unused(self) -> bool:
        return not self.on_step and not self.on_advance

    def remove(self) -> None:
        raise NotImplementedError


class _BackwardClock(_Clock):
    """Training iterations of one model: a backward pass that accumulated gradients into its
    parameters while the model was in training mode. Parameter hooks run in the autograd engine,
    outside any graph ``torch.compile`` traces, so they add no graph break."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.torch = _torch()
        self._model = weakref.ref(model)
        self._queued = False
        self._hooks = [
            parameter.register_post_accumulate_grad_hook(self._on_gradient)
            for parameter in model.parameters()
            if parameter.requires_grad
        ]

    def _on_gradient(self, parameter: Any) -> None:
        # Runs inside the backward pass: ask autograd to call back once the whole pass is done.
        if not self._queued:
            self._queued = True
            self.torch.autograd.Variable._execution_engine.queue_callback(self._after_pass_callbacks)

    def _after_pass_callbacks(self) -> None:
        # Queued once more, to run after the callbacks queued during the pass: DDP's writes the
        # synchronised gradients into .grad in one of them.
        self.torch.autograd.Variable._execution_engine.queue_callback(self._backward_finished)

    def _backward_finished(self) -> None:
        self._queued = False
        model = self._model()
        if model is None or not model.training:
            return
        self._log(self.step)
        self._advance()

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()


class _OptimizerClock(_Clock):
    """Steps of one optimizer, from its step pre- and post-hooks. An optimizer called with a
    closure (LBFGS) computes its gradients inside ``step()``: the closure is wrapped so that
    logging happens after its first evaluation, on the gradients the step starts from."""

    def __init__(self, optimizer: Any) -> None:
        super().__init__()
        self._hooks = [
            optimizer.register_step_pre_hook(self._before_step),
            optimizer.register_step_post_hook(self._after_step),
        ]

    def _before_step(self, optimizer: Any, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
        # torch passes step()'s own arguments: (optimizer, closure?) and keywords
        step = self.step
        if kwargs.get("closure") is not None:
            return args, {**kwargs, "closure": self._logging_closure(kwargs["closure"], step)}
        if len(args) > 1 and callable(args[1]):
            return (args[0], self._logging_closure(args[1], step), *args[2:]), kwargs
        self._log(step)
        return None

    def _logging_closure(self, closure: Callable[[], Any], step: int) -> Callable[[], Any]:
        logged = False

        def logging_closure() -> Any:
            nonlocal logged
            result = closure()
            if not logged:
                logged = True
                self._log(step)
            return result

        return logging_closure

    def _after_step(self, optimizer: Any, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> None:
        self._advance()

    def skipped(self) -> None:
        """A ``scaler.step(optimizer)`` that did not call ``optimizer.step()`` (non-finite
        gradients): a step all the same, logged with the gradients as the scaler left them."""
        self._log(self.step)
        self._advance()

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()


class _FrameworkClock(_Clock):
    """Steps a training framework numbers (its global step), set by its callback through
    ``Watch.step``; it has no hooks of its own."""

    def remove(self) -> None:
        pass


class _ScalerTap:
    """Sees the steps a ``GradScaler`` skips: ``scaler.step(optimizer)`` is wrapped on the
    instance; an attempt after which the optimizer's clock has not moved called no
    ``optimizer.step()``."""

    def __init__(self, scaler: Any) -> None:
        self._scaler = weakref.ref(scaler)
        self.clocks: "weakref.WeakKeyDictionary[Any, _OptimizerClock]" = weakref.WeakKeyDictionary()
        self._shadowed = scaler.__dict__.get("step")  # an instance attribute we cover, if any
        original = scaler.step

        def step(optimizer: Any, *args: Any, **kwargs: Any) -> Any:
            clock = self.clocks.get(optimizer)
            before = None if clock is None else clock.step
            result = original(optimizer, *args, **kwargs)
            if clock is not None and clock.step == before:
                clock.skipped()
            return result

        scaler.step = step

    def remove(self) -> None:
        scaler = self._scaler()
        if scaler is None:
            return
        if self._shadowed is None:
            scaler.__dict__.pop("step", None)
        else:
            scaler.step = self._shadowed


_backward_clocks: "weakref.WeakKeyDictionary[Any, _BackwardClock]" = weakref.WeakKeyDictionary()
_optimizer_clocks: "weakref.WeakKeyDictionary[Any, _OptimizerClock]" = weakref.WeakKeyDictionary()
_scaler_taps: "weakref.WeakKeyDictionary[Any, _ScalerTap]" = weakref.WeakKeyDictionary()


def _clock(model: Any, optimizer: Any, scaler: Any) -> _Clock:
    if optimizer is None:
        if model not in _backward_clocks:
            _backward_clocks[model] = _BackwardClock(model)
        return _backward_clocks[model]
    if optimizer not in _optimizer_clocks:
        _optimizer_clocks[optimizer] = _OptimizerClock(optimizer)
    clock = _optimizer_clocks[optimizer]
    if scaler is not None:
        if scaler not in _scaler_taps:
            _scaler_taps[scaler] = _ScalerTap(scaler)
        _scaler_taps[scaler].clocks[optimizer] = clock
    return clock


def _release(clock: _Clock) -> None:
    """Removes a clock's hooks once nothing listens to it."""
    if not clock.unused:
        return
    for registry in (_backward_clocks, _optimizer_clocks):
        for owner, registered in list(registry.items()):
            if registered is clock:
                del registry[owner]
    for scaler, tap in list(_scaler_taps.items()):
        for optimizer, registered in list(tap.clocks.items()):
            if registered is clock:
                del tap.clocks[optimizer]
        if not len(tap.clocks):
            tap.remove()
            del _scaler_taps[scaler]
    clock.remove()


# ---------------------------------------------------------------------------------------
# Models, names and tensors
# ---------------------------------------------------------------------------------------


def unwrap(model: Any) -> Any:
    """The model inside ``DistributedDataParallel`` / ``DataParallel`` and ``torch.compile``
    wrappers, so that names carry no ``module.`` or ``_orig_mod.`` prefix."""
    torch = _torch()
    while True:
        if isinstance(model, (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)):
            model = model.module
        elif type(model).__name__ == "OptimizedModule" and isinstance(getattr(model, "_orig_mod", None), torch.nn.Module):
            model = model._orig_mod
        else:
            return model


def _patterns(value: Patterns, argument: str) -> List["re.Pattern[str]"]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"{argument} must be a regular expression or a list of them, got {type(value).__name__}") from None
    compiled = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{argument} must hold regular expressions (str), got {type(item).__name__}")
        try:
            compiled.append(re.compile(item))
        except re.error as error:
            raise ValueError(f"{argument}: {item!r} is not a regular expression: {error}") from None
    return compiled


def _selected(name: str, include: List["re.Pattern[str]"], exclude: List["re.Pattern[str]"]) -> bool:
    """``include`` (any matches, or none given) and not ``exclude``, with ``re.search``."""
    if include and not any(pattern.search(name) for pattern in include):
        return False
    return not any(pattern.search(name) for pattern in exclude)


def _distributed() -> Any:
    """``torch.distributed`` when a job is initialised, else None."""
    torch = _torch()
    dist = torch.distributed
    return dist if dist.is_available() and dist.is_initialized() else None


def _dtensor_type() -> Any:
    try:
        from torch.distributed.tensor import DTensor
    except ImportError:
        try:
            from torch.distributed._tensor import DTensor  # type: ignore[attr-defined]  # torch < 2.4
        except ImportError:
            return None
    return DTensor


class _Logger:
    """Writes one tensor's histogram: plain tensors on global rank 0 only (DDP keeps them equal
    on every rank), ``DTensor``s as one record of the whole tensor from every rank's shard."""

    def __init__(self, run: Optional["_run.Run"]) -> None:
        self.run = run
        self.dist = _distributed()
        self.dtensor = _dtensor_type() if self.dist is not None else None
        self.logging_rank = self.dist is None or self.dist.get_rank() == 0
        self._warned: Set[str] = set()

    def is_sharded(self, tensor: Any) -> bool:
        return self.dtensor is not None and isinstance(tensor, self.dtensor)

    def __call__(self, tensor: Any, key: str, step: int) -> None:
        if self.is_sharded(tensor):
            self._log_sharded(tensor, key, step)
        elif self.logging_rank:
            run = self.run if self.run is not None else _run.current_run()
            run.log_histogram(tensor, key=key, step=step)

    def _log_sharded(self, tensor: Any, key: str, step: int) -> None:
        """Collective over the DTensor's mesh: every rank of it must log the same keys in the
        same order. Ranks that hold a replica (a ``Replicate`` placement, coordinate > 0)
        contribute nothing, so each element is counted once."""
        from . import distributed

        mesh = tensor.device_mesh
        kinds = [type(placement).__name__ for placement in tensor.placements]
        if any(kind not in ("Shard", "Replicate") for kind in kinds):
            return self._skip(key, f"its placements {tensor.placements} hold partial values")
        if mesh.ndim == 1:
            group = mesh.get_group()
        elif mesh.size() == self.dist.get_world_size():
            group = None
        else:
            return self._skip(key, "its device mesh has several dimensions and does not span the job")
        local = tensor.to_local()
        coordinate = mesh.get_coordinate() or []
        if any(kind == "Replicate" and index > 0 for kind, index in zip(kinds, coordinate)):
            local = local.reshape(-1)[:0]
        distributed.log_histogram(local, key=key, step=step, group=group, run=self.run)

    def _skip(self, key: str, why: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"histlog.watch does not log {key}: {why}", RuntimeWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------
# Watches
# ---------------------------------------------------------------------------------------


class Watch:
    """What ``watch`` / ``watch_activations`` installed on a model. ``step`` is the current step
    number of its clock: set it to continue a resumed run's numbering. ``remove()`` stops it."""

    def __init__(self, model: Any, every: int, clock: Optional[_Clock], run: Optional["_run.Run"]) -> None:
        self._model_ref = weakref.ref(model)
        self.every = every
        self.run = run
        self._clock = clock
        self._hooks: List[Any] = []
        self._listeners: List[Tuple[List[Callable[[int], None]], Callable[[int], None]]] = []

    @property
    def step(self) -> int:
        return self._clock.step if self._clock is not None else 0

    @step.setter
    def step(self, value: int) -> None:
        if self._clock is not None:
            self._clock.step = value
            for listeners, listener in self._listeners:
                if listeners is self._clock.on_advance:
                    listener(value)

    def _listen(self, listeners: List[Callable[[int], None]], listener: Callable[[int], None]) -> None:
        listeners.append(listener)
        self._listeners.append((listeners, listener))

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()
        for listeners, listener in self._listeners:
            if listener in listeners:
                listeners.remove(listener)
        self._listeners.clear()
        if self._clock is not None:
            _release(self._clock)
            self._clock = None
        model = self._model_ref()
        if model is not None and self in _watches.get(model, []):
            _watches[model].remove(self)


class ParameterLogger:
    """Logs ``Parameters/{name}`` and ``Gradients/{name}`` of a model's parameters at a step it
    is given: the seam ``watch`` and the framework callbacks share.

    ``optimizer``: only the parameters it updates, and gradients unscaled when a fused optimizer
    is handed GradScaler's scale. Tensors are looked up at each call: optimizers and ``.to()``
    may replace them. In a ``torch.distributed`` job every rank must call it at the same steps
    when parameters are ``DTensor``s (each contributes its shards); plain parameters are written
    by global rank 0 only."""

    def __init__(
        self, model: Any, log: Optional[str] = "all", *, optimizer: Any = None, include: Patterns = None,
        exclude: Patterns = None, run: Optional["_run.Run"] = None,
    ) -> None:
        log = _check_log(log)
        self._model = weakref.ref(unwrap(model))
        self.parameters = log in ("all", "parameters")
        self.gradients = log in ("all", "gradients")
        self._optimizer = weakref.ref(optimizer) if optimizer is not None else None
        self._include, self._exclude = _patterns(include, "include"), _patterns(exclude, "exclude")
        self._log = _Logger(run)

    def _selected(self, model: Any) -> Iterator[Tuple[str, Any]]:
        held = None
        if self._optimizer is not None:
            optimizer = self._optimizer()
            held = {id(p) for group in optimizer.param_groups for p in group["params"]} if optimizer else set()
        for name, parameter in model.named_parameters():
            if (held is None or id(parameter) in held) and _selected(name, self._include, self._exclude):
                yield name, parameter

    def __call__(self, step: int) -> None:
        model = self._model()
        if model is None:
            return
        optimizer = self._optimizer() if self._optimizer is not None else None
        # A fused optimizer under GradScaler unscales inside step(): it is handed the scale.
        scale = getattr(optimizer, "grad_scale", None)
        for name, parameter in self._selected(model):
            if self.parameters:
                self._log(parameter.detach(), f"Parameters/{name}", step)
            gradient = parameter.grad
            if self.gradients and gradient is not None:
                self._log(gradient if scale is None else gradient / scale, f"Gradients/{name}", step)


class GlobalStepLogger:
    """Logs parameters and gradients (through ``ParameterLogger``) at the optimizer steps of a
    training framework, numbered by the framework's global step: the seam the Lightning and
    Hugging Face callbacks share.

    The framework's hook before an optimizer step calls ``due(step)``; nothing is logged unless
    ``step % every == 0``. The record is written when ``optimizer`` is about to apply the step: in
    its step pre-hook or, when ``step()`` is handed a closure, once the closure has run (Lightning
    runs the last backward pass, unscales and clips inside it), so it holds what the step applies.
    A step the optimizer never runs (a GradScaler skipped it: Inf or NaN gradients) is written by
    ``settle()``, which the framework's hook after the step calls: the gradients as the scaler
    left them (unscaled, their NaN and Inf counted) and the unchanged parameters."""

    def __init__(
        self, model: Any, optimizer: Any, every: int, log: Optional[str] = "all", *, include: Patterns = None,
        exclude: Patterns = None, run: Optional["_run.Run"] = None,
    ) -> None:
        self.every = _check_every(every)
        self._log = ParameterLogger(model, log, optimizer=optimizer, include=include, exclude=exclude, run=run)
        self._due: Optional[int] = None
        self._announced: Optional[int] = None
        self._clock: Optional[_Clock] = _clock(model, optimizer, None)
        self._clock.on_step.append(self._optimizer_applies)

    def due(self, step: int) -> None:
        # An optimizer that evaluates its closure several times (LBFGS) announces its step as often.
        if self.every > 0 and step % self.every == 0 and step != self._announced:
            self._due = self._announced = step

    def _optimizer_applies(self, optimizer_step: int) -> None:
        self.settle()

    def settle(self) -> None:
        """Writes the step announced by ``due`` if the optimizer has not applied it."""
        if self._due is not None:
            step, self._due = self._due, None
            self._log(step)

    def remove(self) -> None:
        if self._clock is not None:
            self._clock.on_step.remove(self._optimizer_applies)
            _release(self._clock)
            self._clock = None


class _ParameterWatch(Watch):
    def __init__(self, model: Any, every: int, clock: Optional[_Clock], logger: ParameterLogger,
                 run: Optional["_run.Run"]) -> None:
        super().__init__(model, every, clock, run)
        self._log_parameters = logger
        if clock is not None:
            self._listen(clock.on_step, self._on_step)

    def _on_step(self, step: int) -> None:
        if step % self.every == 0:
            self._log_parameters(step)


class _ActivationWatch(Watch):
    def __init__(
        self, model: Any, modules: Iterable[Tuple[str, Any]], every: int, clock: Optional[_Clock],
        run: Optional["_run.Run"],
    ) -> None:
        super().__init__(model, every, clock, run)
        self._log = _Logger(run)
        if clock is None:
            return
        torch = _torch()
        for name, module in modules:
            armed = _Armed(clock.step % every == 0)
            self._listen(clock.on_advance, armed.arm_for(every))
            self._hooks.append(module.register_forward_hook(self._make_hook(name or "model", armed, torch)))

    def _make_hook(self, name: str, armed: "_Armed", torch: Any) -> Callable[..., None]:
        key = f"Activations/{name}"
        clock = self._clock
        log = self._log

        def after_forward(module: Any, inputs: Any, output: Any) -> None:
            # Reads one flag on steps that do not log, so that a compiled model sees a constant.
            if not armed.armed or not module.training or not torch.is_grad_enabled():
                return
            armed.armed = False
            step = clock.step if clock is not None else 0
            if isinstance(output, torch.Tensor):
                log(output, key, step)
            elif isinstance(output, (list, tuple)):
                for index, item in enumerate(output):
                    if isinstance(item, torch.Tensor):
                        log(item, f"{key}/{index}", step)

        return after_forward


class _Armed:
    """Whether a module's next training forward pass is logged: set when a logged step begins,
    cleared by the first one."""

    def __init__(self, armed: bool) -> None:
        self.armed = armed

    def arm_for(self, every: int) -> Callable[[int], None]:
        def arm(step: int) -> None:
            self.armed = step % every == 0

        return arm


_watches: "weakref.WeakKeyDictionary[Any, List[Watch]]" = weakref.WeakKeyDictionary()


def _check_every(every: Any) -> int:
    if isinstance(every, bool) or not isinstance(every, int):
        raise TypeError(f"every must be an int (steps between logs; <= 0 disables), got {type(every).__name__}")
    return every


def _check_log(log: Any) -> Optional[str]:
    if log not in _LOG_CHOICES:
        raise ValueError(f'log must be "all", "parameters", "gradients" or None, got {log!r}')
    checked: Optional[str] = log
    return checked


def _check_model(model: Any, function: str) -> None:
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{function} needs a torch.nn.Module, got {type(model).__name__}")


def _check_optimizer(optimizer: Any, scaler: Any) -> None:
    torch = _torch()
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        inner = getattr(optimizer, "optimizer", None)  # accelerate's AcceleratedOptimizer, Lightning's wrapper
        hint = " (pass its .optimizer)" if isinstance(inner, torch.optim.Optimizer) else ""
        raise TypeError(f"optimizer must be a torch.optim.Optimizer{hint}, got {type(optimizer).__name__}")
    if scaler is not None:
        if optimizer is None:
            raise ValueError("scaler needs optimizer: steps are counted on the optimizer the scaler steps")
        if not callable(getattr(scaler, "step", None)) or not hasattr(scaler, "unscale_"):
            raise TypeError(f"scaler must be a torch.amp.GradScaler, got {type(scaler).__name__}")


def _is_sharded(model: Any) -> bool:
    dtensor = _dtensor_type() if _distributed() is not None else None
    return dtensor is not None and any(isinstance(p, dtensor) for p in model.parameters())


def uses_fsdp1(model: Any) -> bool:
    """Whether ``model`` holds FSDP1 ``FullyShardedDataParallel`` units. Their flat parameters
    mix many parameters' shards and name none of them; FSDP2 (``fully_shard``) keeps each
    parameter, as a DTensor."""
    dist = _distributed()
    if dist is None:
        return False
    try:
        from torch.distributed.fsdp import FullyShardedDataParallel
    except ImportError:
        return False
    return any(isinstance(module, FullyShardedDataParallel) for module in model.modules())


def _replace(model: Any, kind: type, watch: Watch) -> Watch:
    for earlier in [w for w in _watches.get(model, []) if isinstance(w, kind)]:
        earlier.remove()
    _watches.setdefault(model, []).append(watch)
    return watch


def _logged_here(model: Any, every: int) -> int:
    """``every`` on the ranks that take part: all of them for sharded (DTensor) parameters, which
    every rank must contribute to; else global rank 0 only (``every`` 0 elsewhere)."""
    dist = _distributed()
    if dist is None or dist.get_rank() == 0 or _is_sharded(model):
        return every
    return 0


def watch(
    model: Any,
    every: int = 100,
    log: Optional[str] = "all",
    *,
    optimizer: Any = None,
    scaler: Any = None,
    include: Patterns = None,
    exclude: Patterns = None,
    run: Optional["_run.Run"] = None,
) -> Watch:
    """Logs ``Parameters/{name}`` and ``Gradients/{name}`` of the parameters of ``model`` every
    ``every`` steps, with no call added to the training loop (like ``wandb.watch``).

    ``optimizer``: pass it whenever the loop is not plain forward-backward-step (mixed precision,
    gradient accumulation, DDP, FSDP2, clipping, ``torch.compile``). A step is then one
    ``optimizer.step()`` call, and what is logged is what that call is about to apply: the
    parameters before the update and the final gradients, unscaled, accumulated, all-reduced and
    clipped. Only the parameters the optimizer updates are logged. ``scaler``: the
    ``torch.amp.GradScaler`` that steps the optimizer; with it, a step the scaler skips (its
    gradients hold Inf or NaN) is a step too, logged with those gradients (unscaled, NaN/Inf
    counted) and the unchanged parameters. Without ``optimizer``, a step is one training
    iteration (a backward pass through the model in training mode), logged when it ends.

    ``log``: "all", "parameters", "gradients" (or None: nothing). ``include`` / ``exclude``:
    regular expressions (one or a list) searched in the parameter names (``re.search``); a name
    is logged if any ``include`` matches (or none is given) and no ``exclude`` does. ``every <= 0``
    disables it. The records go to ``run``, or to the active run at each logging step. Watching a
    model again replaces its earlier watch. Returns a ``Watch`` (``.step``, ``.remove()``).

    Names are those of the model inside DDP / DataParallel / ``torch.compile`` wrappers. In a
    ``torch.distributed`` job, plain parameters are logged by global rank 0 (DDP keeps them equal
    on every rank); ``DTensor`` parameters (FSDP2) are logged whole by every rank together, rank 0
    of their mesh writing the record (see ``histlog.distributed``): every rank must call ``watch``.
    """
    _check_model(model, "watch")
    every = _check_every(every)
    _check_optimizer(optimizer, scaler)
    logger = ParameterLogger(model, log, optimizer=optimizer, include=include, exclude=exclude, run=run)
    model = unwrap(model)
    every = _logged_here(model, every)
    clock = _clock(model, optimizer, scaler) if every > 0 and log is not None else None
    return _replace(model, _ParameterWatch, _ParameterWatch(model, every, clock, logger, run))


def _select_modules(model: Any, layers: LayerSelection) -> List[Tuple[str, Any]]:
    """The (name, module) pairs ``layers`` chooses: None = every leaf module; otherwise names
    (as ``named_modules()`` gives them) and/or module types, alone or in a list or tuple."""
    named = list(model.named_modules())
    if layers is None:
        leaves = [(name, module) for name, module in named if next(module.children(), None) is None]
        return leaves or [("", model)]
    try:
        wanted: List[Any] = [layers] if isinstance(layers, (str, type)) else list(layers)
    except TypeError:
        raise TypeError(
            f"layers must be None, module names or module types, got {type(layers).__name__}"
        ) from None
    modules = dict(named)
    selected: Dict[str, Any] = {}
    for item in wanted:
        if isinstance(item, type):
            matches = [(name, module) for name, module in named if isinstance(module, item)]
            if not matches:
                raise ValueError(f"layers: the model has no module of type {item.__name__}")
            selected.update(matches)
        elif isinstance(item, str):
            if item not in modules:
                raise ValueError(f"layers: no module named {item!r} in the model; it has {sorted(k for k in modules if k)}")
            selected[item] = modules[item]
        else:
            raise TypeError(f"layers must hold module names (str) or module types, got {type(item).__name__}")
    return list(selected.items())


def watch_activations(
    model: Any,
    layers: LayerSelection = None,
    every: int = 100,
    *,
    optimizer: Any = None,
    scaler: Any = None,
    run: Optional["_run.Run"] = None,
) -> Watch:
    """Logs ``Activations/{module name}`` — the outputs of the chosen modules — from forward
    hooks, in the first training forward pass (training mode, gradients enabled) of every
    ``every``-th step. Steps are counted as by ``watch`` with the same ``optimizer`` and
    ``scaler`` (pass the same ones, so that both number the same steps).

    ``layers``: None (every leaf module), a list of module names (as ``model.named_modules()``
    gives them), or a module type / tuple of types (e.g. ``torch.nn.ReLU``). ``every <= 0``
    disables it. Watching a model's activations again replaces the earlier activation watch.
    In a ``torch.distributed`` job only global rank 0 logs: the activations of its own mini-batch.
    On a compiled model, steps that do not log read one flag per hook (no graph break); a logged
    forward pass breaks the graph where each hook logs.
    """
    _check_model(model, "watch_activations")
    _check_optimizer(optimizer, scaler)
    return _watch_activations(model, layers, every, lambda watched: _clock(watched, optimizer, scaler), run)


def _watch_activations(
    model: Any, layers: LayerSelection, every: int, make_clock: Callable[[Any], _Clock], run: Optional["_run.Run"],
) -> Watch:
    every = _check_every(every)
    model = unwrap(model)
    dist = _distributed()
    if dist is not None and dist.get_rank() != 0:
        every = 0
    modules = _select_modules(model, layers)
    clock = make_clock(model) if every > 0 else None
    return _replace(model, _ActivationWatch, _ActivationWatch(model, modules, every, clock, run))


def framework_activations(model: Any, layers: LayerSelection, every: int, run: Optional["_run.Run"] = None) -> Watch:
    """``watch_activations`` for a training framework's callback, which numbers the steps: it
    sets the returned watch's ``step`` to the framework's global step before each training batch.
    The first training forward pass of a step divisible by ``every`` is logged, on global rank 0."""
    _check_model(model, "framework_activations")
    return _watch_activations(model, layers, every, lambda watched: _FrameworkClock(), run)


def unwatch(model: Any = None) -> None:
    """Removes every hook ``watch`` and ``watch_activations`` installed on ``model`` (all models if None)."""
    models = list(_watches.keys()) if model is None else [unwrap(model)]
    for watched in models:
        for installed in list(_watches.get(watched, [])):
            installed.remove()
