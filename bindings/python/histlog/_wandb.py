"""Records into the active W&B run, as ``wandb.Histogram`` (``histlog.start_run(wandb=True)``).

Each record goes to W&B from the logging call itself, as
``run.log({key: wandb.Histogram(np_histogram=(counts, bin_edges))}, step=step)``: the same key,
the same step, the record's bins (values outside an explicit range, counted as under/overflow in
histlog's files, are not in them). Two limits of W&B shape what it receives:

- At most 512 bins (``wandb.Histogram.MAX_LENGTH``; more raise ``ValueError`` in W&B). A record
  with n > 512 bins is sent with every k = ceil(n / 512) neighbouring bins merged: counts added
  exactly, the edges at group boundaries kept (the first and last edge unchanged), so W&B gets
  ceil(n / k) <= 512 bins holding every value.
- Steps only go forward: W&B drops data logged at a step below its run's current step. histlog
  asks W&B for its step once per histlog step (a round trip to W&B's service) and does not send
  records below it; it warns once per run, naming the key and both steps. Log your own metrics
  with ``step=`` the same counter (or make one ``wandb.log`` call per step), and histlog's
  records land in the rows of your metrics.

Records go to the W&B run active when they are logged; with none active (``wandb.finish()``
already called), or when W&B fails, histlog warns once and training goes on. histlog's own files
hold every record either way; they are the source of truth.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Optional

import numpy as np

from . import _ffi

MAX_BINS = 512


def within_bin_limit(counts: np.ndarray, edges: np.ndarray, limit: int = MAX_BINS) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, edges)`` with at most ``limit`` bins: every ``ceil(n / limit)`` neighbouring bins merged."""
    n = counts.size
    if n <= limit:
        return counts, edges
    group = math.ceil(n / limit)
    starts = np.arange(0, n, group)
    return np.add.reduceat(counts, starts), np.append(edges[starts], edges[-1])


class WandbLink:
    """Sends a histlog run's records to the active W&B run."""

    def __init__(self, wandb: Any, started: Any) -> None:
        self._wandb = wandb
        self._started = started  # the W&B run histlog started (and finishes), or None
        self._run: Any = None  # the W&B run and histlog step of the last record, and
        self._step: Optional[int] = None  # whether W&B takes that step
        self._accepted = True
        self._warned: set[str] = set()

    @classmethod
    def attach(cls) -> "WandbLink":
        """Links to the active W&B run, starting one with ``wandb.init()`` if none is active."""
        try:
            import wandb
        except ImportError:
            raise ImportError("start_run(wandb=True) needs W&B: pip install wandb") from None
        return cls(wandb, wandb.init() if wandb.run is None else None)

    def listen(self, run: Any) -> None:
        """Has the engine hand every record of ``run`` to ``send`` (``hl_run_set_record_callback``):
        on the logging thread, inside the logging call."""

        def on_record(context: Any, key: bytes, info: Any, edges: Any, counts: Any) -> None:
            record = info.contents  # the arrays are the engine's, valid during this call
            n = record.n_bins
            self.send(key.decode("utf-8"), record.step, np.ctypeslib.as_array(counts, shape=(n,)),
                      np.ctypeslib.as_array(edges, shape=(n + 1,)))

        self._callback = _ffi.RecordCallback(on_record)  # alive while the run holds this link
        with run.borrowed() as handle:
            _ffi.lib.hl_run_set_record_callback(handle, self._callback, None)

    def send(self, key: str, step: int, counts: np.ndarray, edges: np.ndarray) -> None:
        """Logs one record into the active W&B run (called on the logging thread for every record)."""
        try:
            run = self._wandb.run
            if run is None:
                self._warn_once("inactive", f"histlog did not send {key!r} at step {step} to W&B: no W&B run is active")
                return
            if step != self._step or run is not self._run:
                current = run.step  # a round trip to W&B's service: once per step, not per record
                self._run, self._step, self._accepted = run, step, step >= current
                if not self._accepted:
                    self._warn_once(
                        "step",
                        f"histlog did not send {key!r} at step {step} to W&B: the W&B run is at step {current} "
                        f"and drops earlier steps (log your W&B metrics with step= histlog's step)",
                    )
            if self._accepted:
                counts, edges = within_bin_limit(counts, edges)
                run.log({key: self._wandb.Histogram(np_histogram=(counts, edges))}, step=step)
        except Exception as error:  # W&B holds a copy: training goes on, histlog's files keep the record
            self._warn_once("error", f"histlog could not send {key!r} at step {step} to W&B: {error!r}")

    def _warn_once(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(
                f"{message}; histlog's files keep every record (further such records are not reported)",
                RuntimeWarning,
                stacklevel=3,
            )

    def end(self) -> None:
        """Finishes the W&B run histlog started, if it is still the active one."""
        started, self._started = self._started, None
        if started is not None and self._wandb.run is started:
            started.finish()
