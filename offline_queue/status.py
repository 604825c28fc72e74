"""The sync status the screens and technicians see; light, so the GUI can import it early."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncStatus:
    connected: bool | None  # None until the platform was first tried
    waiting: int  # records not yet accepted by the platform (pending or in flight)
    rejected: int
    last_sync: str | None
    last_error: str | None
    blocked: str | None  # why sending stopped, until a technician clears it

    @property
    def offline(self) -> bool:
        """Records are not reaching the platform now (what a citizen is told)."""
        return self.connected is False or self.blocked is not None
