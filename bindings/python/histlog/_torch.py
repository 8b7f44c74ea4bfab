"""PyTorch helpers: ``watch`` (parameters and gradients) and ``watch_activations`` (forward hooks).

A step is one training iteration of the watched model: a forward pass in training mode with
gradients enabled, followed by the backward pass through its output. The count starts at 0;
logging happens at steps 0, every, 2 * every, ... — parameters and gradients when that step's
backward pass has finished (after gradients are accumulated, before the optimizer steps),
activations during that step's forward pass.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union

from . import _run

LayerSelection = Union[None, Sequence[str], Type[Any], Tuple[Type[Any], ...]]
_LOG_CHOICES = ("all", "parameters", "gradients", None)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("histlog.watch needs PyTorch: pip install torch") from None
    return torch


def _first_grad_tensor(output: Any, torch: Any) -> Any:
    """The first tensor of a module's output that autograd will reach, if any."""
    if isinstance(output, torch.Tensor):
        return output if output.requires_grad else None
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        for item in output:
            found = _first_grad_tensor(item, torch)
            if found is not None:
                return found
    return None


class _IterationCounter:
    """Counts training iterations of one model and calls listeners when a backward pass ends."""

    def __init__(self, model: Any) -> None:
        self.torch = _torch()
        self.step = 0  # completed training iterations
        self.listeners: List[Callable[[int], None]] = []
        self._backward_queued = False
        self._hook = model.register_forward_hook(self._after_forward)

    def _after_forward(self, module: Any, inputs: Any, output: Any) -> None:
        torch = self.torch
        if module.training and torch.is_grad_enabled() and self.listeners:
            tensor = _first_grad_tensor(output, torch)
            if tensor is not None:
                tensor.register_hook(self._on_output_gradient)

    def _on_output_gradient(self, gradient: Any) -> None:
        # Runs inside the backward pass: ask autograd to call back once the whole pass is done.
        if not self._backward_queued:
            self._backward_queued = True
            self.torch.autograd.Variable._execution_engine.queue_callback(self._after_pass_callbacks)

    def _after_pass_callbacks(self) -> None:
        # Queued once more, to run after the callbacks queued during the pass: DDP's writes the
        # synchronised gradients into .grad in one of them.
        self.torch.autograd.Variable._execution_engine.queue_callback(self._backward_finished)

    def _backward_finished(self) -> None:
        self._backward_queued = False
        step = self.step
        self.step = step + 1
        for listener in list(self.listeners):
            listener(step)

    def remove(self) -> None:
        self._hook.remove()
        self.listeners.clear()


_counters: "weakref.WeakKeyDictionary[Any, _IterationCounter]" = weakref.WeakKeyDictionary()
_watches: "weakref.WeakKeyDictionary[Any, List[Watch]]" = weakref.WeakKeyDictionary()


def _counter(model: Any) -> _IterationCounter:
    counter = _counters.get(model)
    if counter is None:
        counter = _counters[model] = _IterationCounter(model)
    return counter


def _check_every(every: Any) -> int:
    if isinstance(every, bool) or not isinstance(every, int):
        raise TypeError(f"every must be an int (steps between logs; <= 0 disables), got {type(every).__name__}")
    return every


def _check_model(model: Any, function: str) -> None:
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{function} needs a torch.nn.Module, got {type(model).__name__}")


class Watch:
    """What ``watch`` / ``watch_activations`` installed on a model. ``step`` is the model's
    training-iteration count: set it to continue a resumed run's numbering. ``remove()`` stops it."""

    def __init__(self, model: Any, every: int, run: Optional["_run.Run"]) -> None:
        self._model_ref = weakref.ref(model)
        self.every = every
        self.run = run
        self._counter: Optional[_IterationCounter] = _counter(model) if every > 0 else None
        self._hooks: List[Any] = []
        self._listener: Optional[Callable[[int], None]] = None

    @property
    def step(self) -> int:
        return self._counter.step if self._counter is not None else 0

    @step.setter
    def step(self, value: int) -> None:
        if self._counter is not None:
            self._counter.step = value

    def _log(self, values: Any, key: str, step: int) -> None:
        run = self.run if self.run is not None else _run._current_run()
        run.log_histogram(values, key=key, step=step)

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()
        if self._counter is not None and self._listener in self._counter.listeners:
            self._counter.listeners.remove(self._listener)
        model = self._model_ref()
        if model is not None:
            watches = _watches.get(model, [])
            if self in watches:
                watches.remove(self)
            if not watches and model in _counters:
                _counters.pop(model).remove()


class _ParameterWatch(Watch):
    def __init__(self, model: Any, every: int, log: Optional[str], run: Optional["_run.Run"]) -> None:
        super().__init__(model, every, run)
        self.log = log
        # Tensors are looked up at each logging step: optimizers and .to() may replace them.
        if self._counter is not None and log is not None:
            self._listener = self._backward_finished
            self._counter.listeners.append(self._listener)

    def _backward_finished(self, step: int) -> None:
        if step % self.every:
            return
        model = self._model_ref()
        if model is None:
            return
        parameters = self.log in ("all", "parameters")
        gradients = self.log in ("all", "gradients")
        for name, parameter in model.named_parameters():
            if parameters:
                self._log(parameter, f"Parameters/{name}", step)
            if gradients and parameter.grad is not None:
                self._log(parameter.grad, f"Gradients/{name}", step)


class _ActivationWatch(Watch):
    def __init__(self, model: Any, modules: Iterable[Tuple[str, Any]], every: int, run: Optional["_run.Run"]) -> None:
        super().__init__(model, every, run)
        if self._counter is None:
            return
        # A listener keeps the counter counting even when no parameter watch is installed.
        self._listener = _ignore_step
        self._counter.listeners.append(self._listener)
        torch = self._counter.torch
        for name, module in modules:
            self._hooks.append(module.register_forward_hook(self._make_hook(name or "model", torch)))

    def _make_hook(self, name: str, torch: Any) -> Callable[..., None]:
        key = f"Activations/{name}"
        counter = self._counter
        assert counter is not None

        def after_forward(module: Any, inputs: Any, output: Any) -> None:
            step = counter.step
            if step % self.every or not module.training or not torch.is_grad_enabled():
                return
            if isinstance(output, torch.Tensor):
                self._log(output, key, step)
            elif isinstance(output, (list, tuple)):
                for index, item in enumerate(output):
                    if isinstance(item, torch.Tensor):
                        self._log(item, f"{key}/{index}", step)

        return after_forward


def _ignore_step(step: int) -> None:
    pass


def _data_parallel(model: Any, every: int) -> Tuple[Any, int]:
    """Under (Distributed)DataParallel: the wrapped module (names without the ``module.``
    prefix), watched on global rank 0 only (``every`` 0 elsewhere): DDP keeps parameters and
    gradients identical on every rank, so one copy is the whole picture."""
    from .distributed import is_logging_rank, unwrap_data_parallel

    return unwrap_data_parallel(model), every if is_logging_rank() else 0


def _register(model: Any, watch: Watch) -> Watch:
    _watches.setdefault(model, []).append(watch)
    return watch


def watch(
    model: Any,
    every: int = 100,
    log: Optional[str] = "all",
    *,
    run: Optional["_run.Run"] = None,
) -> Watch:
    """Logs ``Parameters/{name}`` and ``Gradients/{name}`` of every parameter of ``model`` every
    ``every`` training iterations, with no call added to the training loop (like ``wandb.watch``).

    ``log``: "all", "parameters", "gradients" (or None: nothing). ``every <= 0`` disables it.
    The records go to ``run``, or to the active run at each logging step. Watching a model again
    replaces the earlier parameter watch. Returns a ``Watch`` (``.step``, ``.remove()``).

    In a ``torch.distributed`` job only global rank 0 logs (elsewhere the watch is disabled):
    DistributedDataParallel keeps parameters identical and averages gradients on every rank, so
    rank 0's copy is the whole picture; gradients are logged once DDP has synchronised them.
    A DDP / DataParallel wrapper is looked through, so names carry no ``module.`` prefix.
    """
    _check_model(model, "watch")
    every = _check_every(every)
    if log not in _LOG_CHOICES:
        raise ValueError(f'log must be "all", "parameters", "gradients" or None, got {log!r}')
    model, every = _data_parallel(model, every)
    for earlier in [w for w in _watches.get(model, []) if isinstance(w, _ParameterWatch)]:
        earlier.remove()
    return _register(model, _ParameterWatch(model, every, log, run))


def _select_modules(model: Any, layers: LayerSelection) -> List[Tuple[str, Any]]:
    """The (name, module) pairs ``layers`` chooses: None = every leaf module; otherwise names
    (as ``named_modules()`` gives them) and/or module types, alone or in a list or tuple."""
    named = list(model.named_modules())
    if layers is None:
        leaves = [(name, module) for name, module in named if next(module.children(), None) is None]
        return leaves or [("", model)]
    if isinstance(layers, (str, type)):
        layers = [layers]
    try:
        wanted = list(layers)
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
    run: Optional["_run.Run"] = None,
) -> Watch:
    """Logs ``Activations/{module name}`` — the outputs of the chosen modules — every ``every``
    training iterations, from forward hooks. ``layers``: None (every leaf module), a list of
    module names (as ``model.named_modules()`` gives them), or a module type / tuple of types
    (e.g. ``torch.nn.ReLU``). Only forward passes in training mode with gradients enabled are
    logged. ``every <= 0`` disables it. Returns a ``Watch`` (``.remove()`` stops it).
    In a ``torch.distributed`` job only global rank 0 logs: the activations of its own mini-batch."""
    _check_model(model, "watch_activations")
    every = _check_every(every)
    model, every = _data_parallel(model, every)
    modules = _select_modules(model, layers)
    return _register(model, _ActivationWatch(model, modules, every, run))


def unwatch(model: Any = None) -> None:
    """Removes every hook ``watch`` and ``watch_activations`` installed on ``model`` (all models if None)."""
    if model is not None:
        from .distributed import unwrap_data_parallel

        model = unwrap_data_parallel(model)
    models = list(_watches.keys()) if model is None else [model]
    for watched in models:
        for installed in list(_watches.get(watched, [])):
            installed.remove()
