"""The technician's console in the core (issue 6, DESIGN.md §7): who may enter, the audit trail
of what they did, and the tools the composition root hands it as the parts come up. No Qt.

Every entry, refusal and action is logged and published as a `TechnicianAction`; `main`
queues each one as an `audit` record for the platform.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.events import EventBus
from kiosk.technician import PinGuard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TechnicianAction:
    action: str  # console_opened, pin_refused, health_check, sync_now, ...
    detail: str = ""  # what it was done to and how it came out, in the technician's words


Unsubscribe = Callable[[], None]


@dataclass
class ConsoleTools:
    """What the console can look at and do. Each is None until the part behind it is up, and
    each may block (a device, the queue's writer, the network): the screens call them on a
    worker. The objects are the lower layers' own (devices.model, offline_queue)."""

    device_statuses: Callable[[], Sequence[Any]] | None = None  # DeviceStatus
    check_health: Callable[[str, str], Any] | None = None  # (device, level) → HealthReport
    cameras: Sequence[str] = ()
    # (camera, listener) → unsubscribe; the listener gets FrameCaptured on the camera's thread
    watch_camera: Callable[[str, Callable[[Any], None]], Unsubscribe] | None = None
    serial_ports: Callable[[], list[str]] | None = None
    queue_stats: Callable[[], Any] | None = None  # QueueStats
    sync_now: Callable[[], None] | None = None
    unblock_queue: Callable[[], None] | None = None
    check_platform: Callable[[], Sequence[Any]] | None = None  # connectivity.Step
    recent_logs: Callable[[], list[str]] | None = None
    config_lines: Callable[[], list[str]] | None = None


class TechnicianConsole:
    def __init__(self, guard: PinGuard, bus: EventBus) -> None:
        self._guard, self._bus = guard, bus
        self.tools = ConsoleTools()

    def locked_for(self) -> float:
        """Seconds left of a lock-out after too many wrong PINs; 0 when one may try."""
        return self._guard.locked_for()

    def enter(self, pin: str) -> bool:
        was_locked = self._guard.locked_for() > 0
        if self._guard.attempt(pin):
            self.record("console_opened")
            return True
        if was_locked:
            self.record("pin_refused", "the console is locked")
        elif self._guard.locked_for() > 0:
            self.record("pin_refused", "too many wrong PINs: locked for five minutes")
        else:
            self.record("pin_refused")
        return False

    def record(self, action: str, detail: str = "") -> None:
        log.warning("technician: %s%s", action, f": {detail}" if detail else "")
        self._bus.publish(TechnicianAction(action, detail))
