"""The lifecycle every adapter shares: open, a worker thread, status, health, events.

An adapter implements four hooks:

- `_connect()`: open the port and shake hands; fill `self._info`. Raise `DeviceFault` when the
  device is not there or not right.
- `_run(stop)`: the worker loop (poll, read lines, grab frames, print jobs) until `stop` is set.
  Raise `DeviceFault` when the device goes away; anything else is caught and reported as a
  hardware error, so a bug in one adapter never takes the kiosk down.
- `_disconnect()`: close the port; must not raise.
- `_health(level)`: the checks of `check_health`, as `(ok, lines)`.

`open()` and `close()` never raise for device trouble: the outcome is the state, which the
supervisor watches to reopen unplugged or failed devices.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from typing import ClassVar

from devices.model import (
    DeviceError,
    DeviceEvent,
    DeviceFault,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    HealthLevel,
    HealthReport,
    Notice,
    Problem,
    StatusChanged,
)

log = logging.getLogger(__name__)

Listener = Callable[[DeviceEvent], None]
JOIN_TIMEOUT_S = 5.0


class Device(ABC):
    kind: ClassVar[str]

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._state = DeviceState.OFFLINE
        self._detail = "not opened yet"
        self._since = time.time()
        self._last_error: Problem | None = None
        self._counters: Counter[str] = Counter()
        self._info = DeviceInfo()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None

    # -- public API ---------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._unsubscribe(listener)

    def open(self) -> None:
        with self._lock:
            if self._worker is not None:
                return
            self._stop = threading.Event()
            self._set_state(DeviceState.STARTING, "opening")
            self._count("opens")
            try:
                self._connect()
            except DeviceFault as fault:
                self._disconnect()
                self._fail(fault.state, fault.problem)
                return
            except Exception as error:  # an adapter bug must not escape
                log.exception("%s: opening failed", self.name)
                self._disconnect()
                self._fail(DeviceState.HARDWARE_ERROR, _unexpected("open", error))
                return
            if self._state is DeviceState.STARTING:
                self._set_state(DeviceState.ONLINE, "ready")
            stop = self._stop
            self._worker = threading.Thread(
                target=self._work, args=(stop,), name=f"device-{self.name}", daemon=True
            )
            self._worker.start()

    def close(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
            self._stop.set()
        if worker is not None and worker is not threading.current_thread():
            worker.join(JOIN_TIMEOUT_S)
            if worker.is_alive():
                log.error("%s: worker did not stop within %.0f s", self.name, JOIN_TIMEOUT_S)
        with self._lock:
            self._disconnect()
            if self._state not in (DeviceState.POWER_OFF, DeviceState.HARDWARE_ERROR):
                self._set_state(DeviceState.OFFLINE, "closed")

    def reopen(self) -> None:
        self.close()
        self.open()

    def status(self) -> DeviceStatus:
        with self._lock:
            return DeviceStatus(
                name=self.name,
                kind=self.kind,
                state=self._state,
                detail=self._detail,
                last_error=self._last_error,
                counters=dict(self._counters),
                info=self._info,
                since=self._since,
            )

    @property
    def state(self) -> DeviceState:
        return self._state

    def check_health(self, level: HealthLevel) -> HealthReport:
        started = time.perf_counter()
        try:
            ok, lines = self._health(level)
        except DeviceFault as fault:
            ok, lines = False, [fault.problem.technician]
        except Exception as error:
            log.exception("%s: %s health check failed", self.name, level)
            ok, lines = False, [_unexpected(f"{level} check", error).technician]
        status = self.status()
        lines = [f"state: {status.state} ({status.detail})", *lines]
        ms = (time.perf_counter() - started) * 1000
        return HealthReport(self.name, level, ok, tuple(lines), ms)

    # -- hooks --------------------------------------------------------------------------------

    @abstractmethod
    def _connect(self) -> None: ...

    @abstractmethod
    def _run(self, stop: threading.Event) -> None: ...

    @abstractmethod
    def _disconnect(self) -> None: ...

    @abstractmethod
    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]: ...

    # -- for adapters -------------------------------------------------------------------------

    def _set_state(self, state: DeviceState, detail: str) -> None:
        with self._lock:
            if (state, detail) == (self._state, self._detail):
                return
            if state is not self._state:
                self._since = time.time()
                log.info("%s: %s (%s)", self.name, state, detail)
            self._state, self._detail = state, detail
            status = self.status()
        self._emit(StatusChanged(self.name, status))

    def _report(self, problem: Problem) -> None:
        """Record and announce a problem that does not (by itself) change the state."""
        with self._lock:
            self._last_error = problem
            self._count("errors")
        log.warning("%s: %s: %s", self.name, problem.code, problem.technician)
        self._emit(DeviceError(self.name, problem))

    def _fail(self, state: DeviceState, problem: Problem) -> None:
        self._report(problem)
        self._set_state(state, problem.technician)

    def _count(self, counter: str, by: int = 1) -> None:
        with self._lock:
            self._counters[counter] += by

    def _emit(self, event: DeviceEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("%s: a listener failed on %r", self.name, event)

    # -- internals ----------------------------------------------------------------------------

    def _unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _work(self, stop: threading.Event) -> None:
        try:
            self._run(stop)
        except DeviceFault as fault:
            if not stop.is_set():
                self._lose(fault.state, fault.problem)
        except Exception as error:
            log.exception("%s: worker failed", self.name)
            self._lose(DeviceState.HARDWARE_ERROR, _unexpected("worker", error))

    def _lose(self, state: DeviceState, problem: Problem) -> None:
        """The worker ends: release the port so the supervisor can reopen it."""
        with self._lock:
            self._worker = None
            self._disconnect()
            self._fail(state, problem)


def _unexpected(where: str, error: Exception) -> Problem:
    return Problem(
        "device.unexpected",
        f"unexpected error in {where}: {type(error).__name__}: {error}",
        Notice.DEVICE_UNAVAILABLE,
    )
