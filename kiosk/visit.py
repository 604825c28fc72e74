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
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kiosk.catalog import Service
from kiosk.config import TimeLimits
from kiosk.events import EventBus
from kiosk.timers import Scheduler, TimerHandle

log = logging.getLogger(__name__)

RATING_LEVELS = 5  # 好差评: 1 非常不满意 … 5 非常满意


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
class VisitSnapshot:
    phase: Phase
    language: str
    elder: bool
    service: Service | None = None
    step_index: int = 0
    catalog_page: int = 0
    help_requested: bool = False
    warning_until: float | None = None  # scheduler time when a shown time-out warning ends

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
        self._snapshot = self._fresh()

    @property
    def snapshot(self) -> VisitSnapshot:
        return self._snapshot

    def available(self, service: Service) -> bool:
        return service.ready(self.settings.ready_steps)

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
        self._set(phase=Phase.STEP, step_index=0)

    def step_done(self) -> None:
        self._expect(Phase.STEP)
        service = self._snapshot.service
        assert service is not None
        if self._snapshot.step_index + 1 < len(service.steps):
            self._set(step_index=self._snapshot.step_index + 1)
        else:
            self._set(phase=Phase.FINISH)

    def to_rating(self) -> None:
        self._expect(Phase.FINISH)
        self._set(phase=Phase.RATE)

    def rate(self, level: int) -> None:
        self._expect(Phase.RATE)
        if not 1 <= level <= RATING_LEVELS:
            raise VisitError(f"rating level {level} is not 1..{RATING_LEVELS}")
        service = self._snapshot.service
        assert service is not None
        self._bus.publish(ServiceRated(service.id, level))
        self._end(EndReason.FINISHED)

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
        elif s.phase is Phase.STEP and s.step_index > 0:
            self._set(step_index=s.step_index - 1)
        elif s.phase is Phase.STEP:
            self._set(phase=Phase.GUIDE, step_index=0)
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
        self._set(elder=elder)

    def request_help(self) -> None:
        s = self._snapshot
        self._set(help_requested=True)
        self._bus.publish(AssistRequested(s.phase, s.service.id if s.service else None))

    def dismiss_help(self) -> None:
        self._set(help_requested=False)

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
        return VisitSnapshot(Phase.ATTRACT, s.default_language, s.elder_default)

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
