"""One thread that runs the queue's work in order (DESIGN.md §2: one writer owns the connection).

Modelled on Anki's serialising task manager: callers hand over small functions and get futures;
the functions run one after another on a single thread, so the SQLite connection they share is
only ever used there. `InlineWorker` runs them at once in the caller's thread, for tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")


class Worker(Protocol):
    def submit(self, fn: Callable[[], T]) -> Future[T]: ...

    def close(self) -> None: ...


class SerialWorker:
    """Runs submitted functions on one thread, in submission order."""

    def __init__(self, name: str) -> None:
        self.name = name
        # One worker thread is exactly a serialising task queue; the executor also joins it at
        # interpreter exit, so queued writes are finished rather than cut off.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"worker {self.name!r} is closed; nothing more can run on it")
            return self._executor.submit(fn)

    def close(self) -> None:
        """Finish the work already submitted, then stop the thread."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True)


class InlineWorker:
    """Runs each function at once in the caller's thread; the future is already done.

    A lock keeps calls from several threads one at a time, as on a `SerialWorker`.
    """

    def __init__(self, name: str = "inline") -> None:
        self.name = name
        self._lock = threading.RLock()
        self._closed = False

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"worker {self.name!r} is closed; nothing more can run on it")
            try:
                future.set_result(fn())
            except BaseException as e:  # delivered like SerialWorker does, through the future
                future.set_exception(e)
        return future

    def close(self) -> None:
        with self._lock:
            self._closed = True
