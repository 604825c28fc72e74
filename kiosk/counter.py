"""A staffed service window (一窗受理, DESIGN.md §1; issue 7): call a ticket, serve the citizen it
brings, take in their applications, print a receipt, close the case, and let the citizen rate
it on their own screen. Qt-free: the staff console and the citizen screen (screens/window/)
show its snapshots, and every call, closure and rating goes to the offline queue.

Tickets come from the platform's queue of the site (what the kiosks issued and no window has
called yet). When the platform cannot be reached the window goes on with its own count: the
ticket after the highest it has seen with its first prefix, so calling never stops.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from kiosk.case import Person
from kiosk.events import EventBus
from kiosk.ports import Numbering, Payload, Printers, Runner, Unavailable
from kiosk.records import RecordBuilder
from kiosk.visit import INDICATORS, RATING_LEVELS, UNHAPPY_LEVELS

if TYPE_CHECKING:
    from devices.printing.document import Document

log = logging.getLogger(__name__)

TICKET = re.compile(r"^([A-Z]+)(\d+)$")


class CounterPhase(enum.StrEnum):
    IDLE = "idle"  # nobody called
    CALLED = "called"  # a ticket was called: waiting for its holder
    SERVING = "serving"  # the citizen is identified; their applications are on screen
    RATING = "rating"  # the case is closed: the citizen rates it on their screen


class RatingStep(enum.StrEnum):
    """As at the kiosk: the level; for a poor one why and a call-back number; the indicators."""

    LEVEL = "level"
    REASON = "reason"
    CALLBACK = "callback"
    INDICATORS = "indicators"


@dataclass(frozen=True)
class RatingDraft:
    """The citizen's rating while they give it; nothing is recorded before they submit."""

    step: RatingStep = RatingStep.LEVEL
    level: int = 0
    reason: str = ""
    callback: str = ""
    indicators: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    page: int = 0  # elder mode asks one indicator a page: the one of INDICATORS[page]


@dataclass(frozen=True)
class Application:
    """An application of the citizen's waiting at the platform (made at a kiosk or online)."""

    case_number: str
    service_id: str
    submitted: str  # when, as the platform has it


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    photo: bytes = b""  # JPEG or PNG, shown to citizens while the window is idle


@dataclass(frozen=True)
class CounterSettings:
    window: str  # the window's number, as the hall calls it: "5"
    staff: Staff
    prefixes: tuple[str, ...]  # the ticket prefixes this window serves, in order
    site_name: str = ""


@dataclass(frozen=True)
class CounterSnapshot:
    phase: CounterPhase = CounterPhase.IDLE
    ticket: str | None = None
    citizen: Person | None = None
    case_number: str | None = None  # the window's case for this citizen
    applications: tuple[Application, ...] = ()
    accepted: tuple[str, ...] = ()  # case numbers of the applications taken in
    notice: str | None = None  # a catalog key, for the staff
    busy: bool = False  # the platform or the queue is being asked
    offline: bool = False  # the last call came from the window's own count
    language: str = "zh"  # of the citizen's screen
    elder: bool = False
    rated: int = 0  # cases rated since the window opened (staff see that, never the level)
    rating: RatingDraft = RatingDraft()


@dataclass(frozen=True)
class CounterChanged:
    snapshot: CounterSnapshot


@dataclass(frozen=True)
class TicketCalled:
    """For the hall display and the loudspeaker: 请 A023 号到 5 号窗口."""

    ticket: str
    window: str
    recall: bool = False


@dataclass
class CounterBackend:
    runner: Runner
    waiting_tickets: Callable[[Sequence[str], date], list[str]] | None = None  # may block
    applications: Callable[[str], list[Application]] | None = None  # may block
    # Queue a record without waiting for it: the queue's one writer keeps them in the order
    # given, so the platform reads a window's calls in the order they were made.
    queue: Callable[[str, Payload], None] | None = None
    numbering: Numbering | None = None
    printers: Printers | None = None
    receipt: Callable[[CounterSnapshot], Document] | None = None  # the case's receipt


class Counter:
    def __init__(
        self,
        settings: CounterSettings,
        backend: CounterBackend,
        builder: RecordBuilder,
        bus: EventBus,
        now: Callable[[], datetime],
        today: Callable[[], date],
    ) -> None:
        self.settings, self.backend = settings, backend
        self._builder, self._bus, self._now, self._today = builder, bus, now, today
        self._snapshot = CounterSnapshot()
        self._called: set[str] = set()  # today's tickets this window called
        self._highest: dict[str, int] = {}  # per prefix, the highest ticket number seen
        self._day = today()

    @property
    def snapshot(self) -> CounterSnapshot:
        return self._snapshot

    # -- calling -----------------------------------------------------------------------------

    def call_next(self) -> None:
        s = self._snapshot
        if s.busy:
            return
        if s.phase in (CounterPhase.SERVING, CounterPhase.RATING):
            self._set(notice="counter.notice.finish_first")
            return
        self._new_day()
        fetch = self.backend.waiting_tickets
        if fetch is None:
            self._call_offline(Unavailable("no platform"))
            return
        self._set(busy=True, notice=None)
        prefixes, day = self.settings.prefixes, self._today()
        self.backend.runner.run(
            "waiting-tickets", lambda: fetch(prefixes, day), self._pick, self._call_offline
        )

    def recall(self) -> None:
        s = self._snapshot
        if s.ticket is None or s.phase is CounterPhase.RATING:
            return
        self._record(self._call_record(s.ticket, "recall"))
        self._bus.publish(TicketCalled(s.ticket, self.settings.window, recall=True))

    def skip(self) -> None:
        """The holder did not come: the ticket is done with, the window is free."""
        s = self._snapshot
        if s.phase is not CounterPhase.CALLED or s.ticket is None:
            return
        self._record(self._call_record(s.ticket, "skip"))
        self._set(phase=CounterPhase.IDLE, ticket=None, notice=None)

    def transfer(self, window: str) -> None:
        """Send the ticket's holder to another window (the case is not closed here)."""
        s = self._snapshot
        if s.ticket is None or s.phase not in (CounterPhase.CALLED, CounterPhase.SERVING):
            return
        self._record(self._call_record(s.ticket, "transfer", to_window=window))
        self._clear_citizen()

    # -- serving -----------------------------------------------------------------------------

    def identified(self, person: Person) -> None:
        """A card was read or an e-ID code scanned at the counter."""
        s = self._snapshot
        if s.phase is CounterPhase.RATING or (s.citizen and s.citizen != person):
            self._set(notice="counter.notice.one_citizen")
            return
        if s.citizen == person:
            return
        self._set(phase=CounterPhase.SERVING, citizen=person, busy=True, notice=None)
        numbering, fetch = self.backend.numbering, self.backend.applications

        def work() -> tuple[str, list[Application], bool]:
            case = numbering.next_case_number(self._today()) if numbering else ""
            if fetch is None:
                return case, [], False
            try:
                return case, fetch(person.id_number), True
            except Unavailable:
                return case, [], False

        self.backend.runner.run("counter-citizen", work, self._serving, self._failed)

    def accept(self, case_number: str) -> None:
        s = self._snapshot
        known = {a.case_number for a in s.applications}
        if s.phase is CounterPhase.SERVING and case_number in known - set(s.accepted):
            self._set(accepted=(*s.accepted, case_number))

    def print_receipt(self) -> None:
        s, printers, receipt = self._snapshot, self.backend.printers, self.backend.receipt
        if s.phase is not CounterPhase.SERVING or s.case_number is None:
            return
        if printers is None or receipt is None or "receipt" not in printers.media():
            self._set(notice="counter.notice.no_printer")
            return
        document = receipt(s)
        self.backend.runner.run(
            "counter-receipt",
            lambda: printers.print(document, "receipt"),
            lambda _: self._set(notice="counter.notice.printing"),
            self._failed,
        )

    def close_case(self) -> None:
        """The case is done: record it, and ask the citizen to rate it on their screen."""
        s = self._snapshot
        if s.phase is not CounterPhase.SERVING or s.citizen is None or s.case_number is None:
            return
        staff = self.settings.staff.staff_id
        self._record(
            self._builder.case_closure(
                s.case_number,
                s.ticket,
                s.citizen,
                s.accepted,
                self.settings.window,
                staff,
                self._now(),
            )
        )
        self._set(phase=CounterPhase.RATING, notice=None)

    # -- the citizen's screen ------------------------------------------------------------------

    def rate(self, level: int) -> None:
        if self._rating(RatingStep.LEVEL) is None or not 1 <= level <= RATING_LEVELS:
            return
        step = RatingStep.REASON if level in UNHAPPY_LEVELS else RatingStep.INDICATORS
        self._set(rating=RatingDraft(step, level))

    def rate_reason(self, reason: str) -> None:
        if draft := self._rating(RatingStep.REASON):
            self._set(rating=replace(draft, step=RatingStep.CALLBACK, reason=reason))

    def rate_callback(self, phone: str) -> None:
        if draft := self._rating(RatingStep.CALLBACK):
            self._set(rating=replace(draft, step=RatingStep.INDICATORS, callback=phone))

    def rate_indicator(self, indicator: str, level: int) -> None:
        draft = self._rating(RatingStep.INDICATORS)
        if draft and indicator in INDICATORS and 1 <= level <= RATING_LEVELS:
            chosen = MappingProxyType({**draft.indicators, indicator: level})
            self._set(rating=replace(draft, indicators=chosen))

    def next_indicator(self) -> None:
        """Elder mode: the next indicator's page (after the last, the citizen submits)."""
        draft = self._rating(RatingStep.INDICATORS)
        if draft and draft.page + 1 < len(INDICATORS):
            self._set(rating=replace(draft, page=draft.page + 1))

    def submit_rating(self) -> None:
        s, draft = self._snapshot, self._rating(RatingStep.INDICATORS)
        if draft is None or s.case_number is None:
            return
        staff = self.settings.staff.staff_id
        self._record(
            self._builder.window_rating(
                s.case_number, draft, self.settings.window, staff, self._now()
            )
        )
        self._clear_citizen(rated=s.rated + 1)

    def skip_rating(self) -> None:
        if self._snapshot.phase is CounterPhase.RATING:
            self._clear_citizen()

    def set_language(self, language: str) -> None:
        self._set(language=language)

    def set_elder(self, elder: bool) -> None:
        self._set(elder=elder)

    # -- internals -----------------------------------------------------------------------------

    def _pick(self, waiting: list[str]) -> None:
        self._see(waiting)
        fresh = [t for t in waiting if t not in self._called]
        if not fresh:
            self._set(busy=False, offline=False, notice="counter.notice.nobody_waiting")
            return
        self._call(fresh[0], "platform")

    def _call_offline(self, error: Exception) -> None:
        log.warning("calling from the window's own count: %s", error)
        prefix = self.settings.prefixes[0]
        number = self._highest.get(prefix, 0) + 1
        self._call(f"{prefix}{number:03d}", "local")

    def _call(self, ticket: str, source: str) -> None:
        self._called.add(ticket)
        self._see([ticket])
        self._record(self._call_record(ticket, "call", source=source))
        self._set(
            phase=CounterPhase.CALLED,
            ticket=ticket,
            busy=False,
            offline=source == "local",
            notice="counter.notice.offline_call" if source == "local" else None,
        )
        self._bus.publish(TicketCalled(ticket, self.settings.window))

    def _see(self, tickets: Sequence[str]) -> None:
        for ticket in tickets:
            if match := TICKET.match(ticket):
                prefix, number = match.group(1), int(match.group(2))
                self._highest[prefix] = max(self._highest.get(prefix, 0), number)

    def _rating(self, step: RatingStep) -> RatingDraft | None:
        """The rating under way when it is at `step`; None otherwise (a late tap)."""
        s = self._snapshot
        return s.rating if s.phase is CounterPhase.RATING and s.rating.step is step else None

    def _serving(self, found: tuple[str, list[Application], bool]) -> None:
        case, applications, reached = found
        if self._snapshot.phase is not CounterPhase.SERVING:  # transferred meanwhile
            return
        self._set(
            case_number=case or None,
            applications=tuple(applications),
            busy=False,
            notice=None if reached else "counter.notice.applications_offline",
        )

    def _failed(self, error: Exception) -> None:
        log.warning("counter: %s", error)
        self._set(busy=False, notice="counter.notice.failed")

    def _call_record(self, ticket: str, action: str, **more: str) -> tuple[str, Payload]:
        staff = self.settings.staff.staff_id
        return self._builder.ticket_call(
            ticket, self.settings.window, staff, action, self._now(), **more
        )

    def _record(self, record: tuple[str, Payload]) -> None:
        queue = self.backend.queue
        if queue is None:  # the queue is not open yet: the log keeps what happened
            log.error("counter: no queue for a %s record", record[0])
            return
        queue(*record)

    def _clear_citizen(self, rated: int | None = None) -> None:
        s = self._snapshot
        self._snapshot = replace(
            CounterSnapshot(language=s.language, elder=False),
            rated=s.rated if rated is None else rated,
        )
        self._bus.publish(CounterChanged(self._snapshot))

    def _new_day(self) -> None:
        today = self._today()
        if today != self._day:  # tickets start again every day
            self._day, self._called, self._highest = today, set(), {}

    def _set(self, **changes: object) -> None:
        self._snapshot = replace(self._snapshot, **changes)  # type: ignore[arg-type]
        self._bus.publish(CounterChanged(self._snapshot))
