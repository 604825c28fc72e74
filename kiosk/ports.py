"""What the flow engine needs from the world, as small protocols (DESIGN.md §2, §5).

The core never does I/O itself: `main.py` gives it these, built on the devices, the offline
queue and the platform client. Every call that may block (HTTP, SQLite, a printer) runs through
the `Runner` on a worker thread, and its result comes back on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:  # at run time these load with the services, after the first paint
    from devices.printing.document import Document
    from offline_queue.wire import Citizen

T = TypeVar("T")
Payload = Mapping[str, Any]  # JSON values; the queue refuses floats


class Unavailable(Exception):
    """A part the step needs is missing or down: the platform, the queue, a printer. The text
    is for the technician's log; the citizen is told by the notice key the flow picks."""


class NotFound(Exception):
    """The platform has no record for this citizen."""


class CannotSave(Exception):
    """The kiosk cannot keep what it must before it tells the citizen anything (a record, a
    case or ticket number): its disk is full or failing. The text is for the technician."""


class Runner(Protocol):
    def run(
        self,
        name: str,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
    ) -> None:
        """Run `work` on a worker; call `done` or `failed` on the caller's (GUI) thread."""


class Platform(Protocol):
    def online(self) -> bool:
        """Whether the platform answered lately (the sync worker's view); never blocks."""

    def citizen(self, id_number: str) -> Citizen: ...

    def check_eid(self, payload: str, now: float) -> EidOutcome: ...

    def verify_face(self, id_number: str, jpeg: bytes, liveness: str) -> FaceOutcome: ...

    def waiting(self, business: str, day: date) -> int | None: ...


@dataclass(frozen=True, repr=False)
class EidOutcome:
    valid: bool
    code: str | None  # why not: malformed, unknown_key, bad_signature, expired, replayed, no_keys
    checked: str  # "online" or "offline"
    expires: str | None = None
    id_number: str = ""
    name: str = ""

    def __repr__(self) -> str:
        return f"EidOutcome(valid={self.valid}, code={self.code}, checked={self.checked})"


@dataclass(frozen=True)
class FaceOutcome:
    match: bool
    code: str | None
    comparator: str


class Records(Protocol):
    def submit(self, kind: str, payload: Payload) -> None:
        """Queue a record; returns once it is durable; `CannotSave` when it cannot be."""

    def submit_all(self, items: Sequence[tuple[str, Payload]]) -> None: ...

    def can_save(self) -> bool:
        """Whether there is room to keep what a visit makes (checked before it starts)."""

    def document_url(self, claims: Payload) -> str:
        """A URL that proves a printed document genuine, signed by this kiosk."""


class Printers(Protocol):
    def media(self) -> frozenset[str]:
        """The media with a printer that can print now: "receipt", "a4"."""

    def print(self, document: Document, medium: str) -> str:
        """Queue a print job; returns its id (PrintFinished events carry it)."""


class Numbering(Protocol):
    def next_case_number(self, today: date) -> str: ...

    def next_ticket(self, prefix: str, today: date) -> str: ...


class Sounds(Protocol):
    def chime(self) -> None: ...
