"""The visit state machine (DESIGN.md §1, §6).

attract → catalog → guide → steps… → finish → rate → attract, with cancel and help from any
phase, a language and elder-mode switch on every screen, and time limits that warn first.

The machine holds all state of a visit in one immutable `VisitSnapshot`; every change replaces it
and publishes `VisitChanged`, which the screens render. Ending a visit, for any reason, replaces it
with a fresh snapshot, so nothing of the citizen survives in the core.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Protocol

from kiosk.case import AuditEntry, Case
from kiosk.catalog import Service
from kiosk.config import TimeLimits
from kiosk.events import EventBus
from kiosk.timers import Scheduler, TimerHandle

log = logging.getLogger(__name__)

RATING_LEVELS = 5  # 好差评: 1 非常不满意 … 5 非常满意
UNHAPPY_LEVELS = (1, 2)  # 不满意 and 非常不满意 ask for a reason and offer a call back
INDICATORS = (
    "overall",
    "efficiency",
    "competence",
    "attitude",
)  # 整体满意度 服务效率 服务水平 服务态度


class Phase(enum.Enum):
    ATTRACT = "attract"
    CATALOG = "catalog"
    GUIDE = "guide"
    STEP = "step"
    FINISH = "finish"
    RATE = "rate"


class EndReason(enum.Enum):
    FINISHED = "finished"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class Notice:
    """A message for the citizen on the current screen, shown and spoken: a catalog key."""

    key: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class VisitSnapshot:
    phase: Phase
    language: str
    elder: bool
    voice: bool = False
    service: Service | None = None
    step_index: int = 0
    page: int = 0  # a page within a step or the rating (a form's field, a proxy's card)
    catalog_page: int = 0
    help_requested: bool = False
    warning_until: float | None = None  # scheduler time when a shown time-out warning ends
    case: Case = field(default_factory=Case)
    notice: Notice | None = None
    busy: bool = False  # waiting for the platform, the queue or a printer
    elder_offer: bool = False  # the card says 65+: ask whether to switch to elder mode
    helper: str = ""  # staff id of a helper who took over

    @property
    def step(self) -> str | None:
        if self.phase is not Phase.STEP or self.service is None:
            return None
        return self.service.steps[self.step_index]


@dataclass(frozen=True)
class VisitChanged:
    snapshot: VisitSnapshot


@dataclass(frozen=True)
class VisitEnded:
    reason: EndReason
    service_id: str | None


@dataclass(frozen=True)
class AssistRequested:
    phase: Phase
    service_id: str | None


@dataclass(frozen=True)
class ServiceRated:
    service_id: str
    level: int
    case_number: str = ""
    indicators: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    reason: str = ""
    callback: str = ""
    audit: tuple[AuditEntry, ...] = ()


@dataclass(frozen=True)
class HelperChanged:
    staff_id: str  # "" when the helper handed back


class StepDriver(Protocol):
    """The flow engine: what each step does (kiosk/flow.py)."""

    def unavailable(self, service: Service) -> str | None:
        """Why the service cannot start now (a catalog key), or None."""

    def entered(self, snapshot: VisitSnapshot) -> None:
        """The visit moved to a new step (or page): start what it does."""


class RatePage:
    LEVEL, REASON, CALLBACK, INDICATORS = 0, 1, 2, 3


class VisitError(Exception):
    """An action that the current phase does not allow (a screen bug, not a citizen's)."""


@dataclass(frozen=True)
class VisitSettings:
    default_language: str
    languages: Sequence[str]
    elder_default: bool
    time_limits: TimeLimits
    elder_time_limits: TimeLimits
    ready_steps: frozenset[str]  # step kinds this build has screens for
    elder_offer_age: int = 65
    voice_default: bool = False  # guidance spoken from the first screen; elder mode always is


class Visit:
    def __init__(
        self,
        services: Sequence[Service],
        settings: VisitSettings,
        bus: EventBus,
        scheduler: Scheduler,
    ) -> None:
        self.services = tuple(services)
        self.settings = settings
        self._bus = bus
        self._scheduler = scheduler
        self._timer: TimerHandle | None = None
        self._driver: StepDriver | None = None
        self._clock: Callable[[], str] = lambda: ""
        self._snapshot = self._fresh()

    @property
    def snapshot(self) -> VisitSnapshot:
        return self._snapshot

    def attach(self, driver: StepDriver, clock: Callable[[], str]) -> None:
        """Plug in the flow engine, and the UTC timestamp source of the audit trail."""
        self._driver, self._clock = driver, clock

    def available(self, service: Service) -> bool:
        return self.unavailable(service) is None

    def unavailable(self, service: Service) -> str | None:
        """Why a service cannot start now, as a catalog key, or None."""
        if not service.ready(self.settings.ready_steps):
            return "guide.coming"
        return self._driver.unavailable(service) if self._driver else None

    # -- navigation -----------------------------------------------------------------------

    def start(self) -> None:
        self._expect(Phase.ATTRACT)
        self._set(phase=Phase.CATALOG)

    def show_catalog_page(self, page: int) -> None:
        self._expect(Phase.CATALOG)
        self._set(catalog_page=max(0, page))

    def choose(self, service_id: str) -> None:
        self._expect(Phase.CATALOG)
        service = next((s for s in self.services if s.id == service_id), None)
        if service is None:
            raise VisitError(f"no service {service_id!r}")
        self._set(phase=Phase.GUIDE, service=service)

    def begin(self) -> None:
        self._expect(Phase.GUIDE)
        service = self._snapshot.service
        assert service is not None
        if not self.available(service):
            raise VisitError(f"service {service.id!r} is not available")
        self._audit(f"begin:{service.id}")
        self._enter_step(0)

    def step_done(self) -> None:
        self._expect(Phase.STEP)
        service = self._snapshot.service
        assert service is not None
        self._audit(f"done:{self._snapshot.step}")
        if self._snapshot.step_index + 1 < len(service.steps):
            self._enter_step(self._snapshot.step_index + 1)
        else:
            self._set(phase=Phase.FINISH, page=0, notice=None, busy=False)

    def set_page(self, page: int) -> None:
        """Go to a page within the current step or the rating."""
        if self._snapshot.phase not in (Phase.STEP, Phase.RATE):
            raise VisitError(f"no pages at {self._snapshot.phase.value}")
        self._set(page=max(0, page), notice=None)
        self._entered()

    def update_case(self, **changes: object) -> None:
        """Record what a step learnt (a card, a fetched record, an answer)."""
        self._set(case=replace(self._snapshot.case, **changes))  # type: ignore[arg-type]

    def answer(self, field_id: str, value: str) -> None:
        self._audit(f"answer:{field_id}")
        self._set(case=self._snapshot.case.with_value(field_id, value), notice=None)

    def show_notice(self, key: str, **params: str) -> None:
        self._set(notice=Notice(key, MappingProxyType(params)), busy=False)

    def set_busy(self, busy: bool) -> None:
        self._set(busy=busy, notice=None if busy else self._snapshot.notice)

    def retry(self) -> None:
        """Run the current step's work again (after a printer or platform problem)."""
        self._expect(Phase.STEP)
        self._set(notice=None)
        self._entered()

    # -- rating (好差评) ----------------------------------------------------------------------

    def to_rating(self) -> None:
        self._expect(Phase.FINISH)
        self._set(phase=Phase.RATE, page=0)

    def rate(self, level: int) -> None:
        """Choose the level; unhappy levels go on to a reason, then the indicators."""
        self._expect(Phase.RATE)
        if not 1 <= level <= RATING_LEVELS:
            raise VisitError(f"rating level {level} is not 1..{RATING_LEVELS}")
        self._set_rating(level=level)
        self._set(page=RatePage.REASON if level in UNHAPPY_LEVELS else RatePage.INDICATORS)

    def rate_reason(self, reason: str) -> None:
        self._expect(Phase.RATE)
        self._set_rating(reason=reason)
        self._set(page=RatePage.CALLBACK)

    def rate_callback(self, phone: str) -> None:
        self._expect(Phase.RATE)
        self._set_rating(callback=phone)
        self._set(page=RatePage.INDICATORS)

    def rate_indicator(self, indicator: str, level: int) -> None:
        self._expect(Phase.RATE)
        if indicator not in INDICATORS or not 1 <= level <= RATING_LEVELS:
            raise VisitError(f"no indicator {indicator!r} level {level}")
        rating = self._snapshot.case.rating
        self._set_rating(indicators=MappingProxyType({**rating.indicators, indicator: level}))

    def submit_rating(self) -> None:
        self._expect(Phase.RATE)
        s = self._snapshot
        rating, service = s.case.rating, s.service
        if rating.level is None or service is None:
            raise VisitError("no rating level chosen")
        self._audit("rate")
        self._bus.publish(
            ServiceRated(
                service.id,
                rating.level,
                s.case.case_number,
                rating.indicators,
                rating.reason,
                rating.callback,
                self._snapshot.case.audit,
            )
        )
        self._end(EndReason.FINISHED)

    def _set_rating(self, **changes: object) -> None:
        rating = replace(self._snapshot.case.rating, **changes)  # type: ignore[arg-type]
        self.update_case(rating=rating)

    def skip_rating(self) -> None:
        """Rating is optional: leave from the finish or the rating screen."""
        if self._snapshot.phase not in (Phase.FINISH, Phase.RATE):
            raise VisitError(f"nothing to rate at {self._snapshot.phase.value}")
        self._end(EndReason.FINISHED)

    def back(self) -> None:
        s = self._snapshot
        if s.phase is Phase.CATALOG:
            self.cancel()
        elif s.phase is Phase.GUIDE:
            self._set(phase=Phase.CATALOG, service=None)
        elif s.phase is Phase.STEP and s.page > 0:
            self.set_page(s.page - 1)
        elif s.phase is Phase.STEP and s.step_index > 0:
            self._enter_step(s.step_index - 1)
        elif s.phase is Phase.STEP:
            self._set(phase=Phase.GUIDE, step_index=0, page=0, notice=None, busy=False)
        elif s.phase is Phase.RATE and s.page > 0:
            self._set(page=0)
        else:
            raise VisitError(f"no way back from {s.phase.value}")

    def cancel(self) -> None:
        self._end(EndReason.CANCELLED)

    # -- on every screen ------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        if language not in self.settings.languages:
            raise VisitError(f"no language {language!r}")
        self._set(language=language)

    def set_elder(self, elder: bool) -> None:
        """Elder mode speaks by default; the normal mode is quiet unless asked."""
        voice = elder or self.settings.voice_default
        self._set(elder=elder, voice=voice, elder_offer=False)

    def set_voice(self, voice: bool) -> None:
        self._set(voice=voice)

    def offer_elder(self) -> None:
        if not self._snapshot.elder:
            self._set(elder_offer=True)

    def decline_elder(self) -> None:
        self._set(elder_offer=False)

    def request_help(self) -> None:
        s = self._snapshot
        self._set(help_requested=True)
        self._bus.publish(AssistRequested(s.phase, s.service.id if s.service else None))

    def dismiss_help(self) -> None:
        self._set(help_requested=False)

    def helper_takes_over(self, staff_id: str) -> None:
        """A staff member or volunteer signed in on the help screen (DESIGN.md §1, §7)."""
        self._snapshot = replace(self._snapshot, helper=staff_id)  # the entry names the helper
        self._audit("helper_took_over")
        self._set(help_requested=False)  # published once, audit entry included
        self._bus.publish(HelperChanged(staff_id))

    def helper_hands_back(self) -> None:
        self._audit("helper_handed_back")
        self._set(helper="")
        self._bus.publish(HelperChanged(""))

    # -- time limits ----------------------------------------------------------------------

    def touch(self) -> None:
        """The citizen touched the screen: the idle time starts again (not during a warning)."""
        if self._snapshot.warning_until is None:
            self._restart_idle_timer()

    def extend(self) -> None:
        if self._snapshot.warning_until is not None:
            self._set(warning_until=None)

    def time_limits(self) -> TimeLimits:
        s = self.settings
        return s.elder_time_limits if self._snapshot.elder else s.time_limits

    def _restart_idle_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._snapshot == self._fresh():
            return  # nothing to time out
        limits = self.time_limits()
        if self._snapshot.warning_until is not None:
            self._timer = self._scheduler.call_later(
                self._snapshot.warning_until - self._scheduler.now(), self._warning_expired
            )
        else:
            self._timer = self._scheduler.call_later(limits.idle_s, self._idle_expired)

    def _idle_expired(self) -> None:
        self._timer = None
        if self._snapshot.phase is Phase.ATTRACT:
            # Only a language or mode choice is at stake: reset without asking.
            self._end(EndReason.TIMED_OUT)
            return
        self._set(warning_until=self._scheduler.now() + self.time_limits().warning_s)

    def _warning_expired(self) -> None:
        self._timer = None
        self._end(EndReason.TIMED_OUT)

    # -- internals ------------------------------------------------------------------------

    def _fresh(self) -> VisitSnapshot:
        s = self.settings
        voice = s.elder_default or s.voice_default
        return VisitSnapshot(Phase.ATTRACT, s.default_language, s.elder_default, voice)

    def _enter_step(self, index: int) -> None:
        self._set(phase=Phase.STEP, step_index=index, page=0, notice=None, busy=False)
        self._entered()

    def _entered(self) -> None:
        if self._driver is not None and self._snapshot.phase is Phase.STEP:
            self._driver.entered(self._snapshot)

    def _audit(self, action: str) -> None:
        """Every action while a helper or a proxy acts goes to the case's audit trail."""
        s = self._snapshot
        actor = f"helper:{s.helper}" if s.helper else "proxy" if s.case.proxy else ""
        if actor:
            entry = AuditEntry(self._clock(), actor, action)
            self._snapshot = replace(s, case=replace(s.case, audit=(*s.case.audit, entry)))

    def _expect(self, phase: Phase) -> None:
        if self._snapshot.phase is not phase:
            raise VisitError(
                f"expected {phase.value}, the visit is at {self._snapshot.phase.value}"
            )

    def _set(self, **changes: object) -> None:
        self._snapshot = replace(self._snapshot, **changes)  # type: ignore[arg-type]
        self._restart_idle_timer()
        self._bus.publish(VisitChanged(self._snapshot))

    def _end(self, reason: EndReason) -> None:
        service = self._snapshot.service
        log.info("visit ended: %s", reason.value)
        self._snapshot = self._fresh()
        self._restart_idle_timer()
        self._bus.publish(VisitEnded(reason, service.id if service else None))
        self._bus.publish(VisitChanged(self._snapshot))
