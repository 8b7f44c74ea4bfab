"""Ownership of one C handle shared by many threads (after llvmlite's ``ObjectRef``).

The library forbids using a handle while it is being closed (undefined behaviour, as with
``free``). Calls therefore ``borrow()`` the handle and ``give_back()`` after, and ``close()``
waits until no call holds it. Borrowing appends to a list and giving back pops from it (both
atomic in CPython), so a call costs no lock, and calls on different threads run in the library
at the same time.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Any, Callable, Iterator, List

from . import _ffi


class HandleOwner:
    _what = "handle"

    def __init__(self, handle: Any, release: Callable[[Any], None], description: str) -> None:
        self._handle = handle
        self._release = release
        self._description = description
        self._calls: List[None] = []  # one entry per call holding the handle
        self._closing = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._handle is None

    def closed_error(self) -> _ffi.ClosedError:
        error = _ffi.ClosedError(f"{self._what} {self._description} is closed")
        error.code = _ffi.HL_ECLOSED
        return error

    def borrow(self) -> Any:
        """The open handle, which ``close()`` will not release until ``give_back()``."""
        calls = self._calls
        calls.append(None)  # before reading the handle: close() sets it to None, then waits
        handle = self._handle
        if handle is None:
            calls.pop()
            raise self.closed_error()
        return handle

    def give_back(self) -> None:
        self._calls.pop()

    @contextlib.contextmanager
    def borrowed(self) -> Iterator[Any]:
        """``with owner.borrowed() as handle:`` — ``borrow()`` and ``give_back()`` around a block."""
        handle = self.borrow()
        try:
            yield handle
        finally:
            self.give_back()

    @property
    def _as_parameter_(self) -> Any:
        """The handle for a single call that cannot overlap ``close()`` (same thread)."""
        handle = self._handle
        if handle is None:
            raise self.closed_error()
        return handle

    def _detach(self) -> Any:
        """Marks the handle closed and returns it once no call holds it (None if already closed)."""
        with self._closing:
            handle, self._handle = self._handle, None
        if handle is not None:
            pause = 1e-5
            while self._calls:
                time.sleep(pause)
                pause = min(pause * 2, 1e-3)
        return handle

    def _dispose(self) -> bool:
        handle = self._detach()
        if handle is None:
            return False
        self._release(handle)
        return True

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None and not sys.is_finalizing():
            try:
                self.close()  # type: ignore[attr-defined]
            except Exception:
                pass
