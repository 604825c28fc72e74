"""Helpers who take over a citizen's visit (staff, volunteers): staff number and PIN, with the
technician's lock-out after five failures; every attempt is published for the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.events import EventBus
from kiosk.lockouts import LockoutFile
from kiosk.technician import PinGuard
from kiosk.timers import Scheduler


@dataclass(frozen=True)
class HelperSignIn:
    staff_id: str
    ok: bool


class HelperDesk:
    def __init__(
        self,
        pin_hashes: Mapping[str, str],
        scheduler: Scheduler,
        bus: EventBus,
        lockouts: LockoutFile | None = None,
    ) -> None:
        self._guards = {
            staff: PinGuard(h, scheduler, lockouts, f"helper {staff}")
            for staff, h in pin_hashes.items()
        }
        self._bus = bus

    def sign_in(self, staff_id: str, pin: str) -> bool:
        guard = self._guards.get(staff_id)
        ok = guard is not None and guard.attempt(pin)
        self._bus.publish(HelperSignIn(staff_id, ok))
        return ok

    def locked_for(self, staff_id: str) -> float:
        guard = self._guards.get(staff_id)
        return guard.locked_for() if guard else 0.0
