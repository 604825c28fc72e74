"""The visit state machine on a virtual clock: the whole cycle, cancel, help, time limits."""

from __future__ import annotations

import pytest

from kiosk.catalog import Service
from kiosk.config import TimeLimits
from kiosk.events import EventBus
from kiosk.timers import COMPACT_AT, ManualScheduler
from kiosk.visit import (
    AssistRequested,
    EndReason,
    Phase,
    ServiceRated,
    Visit,
    VisitChanged,
    VisitEnded,
    VisitError,
    VisitSettings,
)

LIMITS = TimeLimits(idle_s=60, warning_s=30)


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[object] = []
        bus.subscribe(object, self.events.append)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def clock() -> ManualScheduler:
    return ManualScheduler()


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def visit(services: list[Service], bus: EventBus, clock: ManualScheduler) -> Visit:
    settings = VisitSettings(
        default_language="zh",
        languages=["zh", "en"],
        elder_default=False,
        time_limits=LIMITS,
        elder_time_limits=LIMITS.scaled(2),
        ready_steps=frozenset({"identify", "fetch", "confirm", "print"}),
    )
    return Visit(services, settings, bus, clock)


def ready_service(visit: Visit) -> Service:
    return next(s for s in visit.services if visit.available(s))


def test_a_full_visit_goes_round_and_reports_the_rating(visit: Visit, bus: EventBus) -> None:
    events = Recorder(bus)
    service = ready_service(visit)
    visit.start()
    visit.choose(service.id)
    assert visit.snapshot.phase is Phase.GUIDE
    visit.begin()
    seen_steps: list[str | None] = []
    while visit.snapshot.phase is Phase.STEP:
        seen_steps.append(visit.snapshot.step)
        visit.step_done()
    assert tuple(seen_steps) == service.steps
    assert visit.snapshot.phase is Phase.FINISH
    visit.to_rating()
    visit.rate(4)
    assert visit.snapshot.phase is Phase.RATE  # on to the four indicators, all optional
    visit.submit_rating()
    assert visit.snapshot.phase is Phase.ATTRACT and visit.snapshot.service is None
    assert events.of(ServiceRated) == [ServiceRated(service.id, 4)]
    assert events.of(VisitEnded) == [VisitEnded(EndReason.FINISHED, service.id)]
    assert events.of(VisitChanged)[-1].snapshot == visit.snapshot


def test_rating_outside_the_five_levels_is_refused(visit: Visit) -> None:
    visit.start()
    visit.choose(ready_service(visit).id)
    visit.begin()
    while visit.snapshot.phase is Phase.STEP:
        visit.step_done()
    visit.to_rating()
    with pytest.raises(VisitError):
        visit.rate(6)
    assert visit.snapshot.phase is Phase.RATE


def test_a_service_whose_steps_have_no_screens_cannot_begin(visit: Visit) -> None:
    unready = next(s for s in visit.services if not visit.available(s))
    visit.start()
    visit.choose(unready.id)
    with pytest.raises(VisitError):
        visit.begin()
    assert visit.snapshot.phase is Phase.GUIDE


def test_back_walks_the_flow_backwards_and_leaves_from_the_catalog(visit: Visit) -> None:
    service = ready_service(visit)
    visit.start()
    visit.choose(service.id)
    visit.begin()
    visit.step_done()
    visit.back()
    assert visit.snapshot.step_index == 0
    visit.back()
    assert visit.snapshot.phase is Phase.GUIDE
    visit.back()
    assert visit.snapshot.phase is Phase.CATALOG and visit.snapshot.service is None
    visit.back()
    assert visit.snapshot.phase is Phase.ATTRACT


def test_cancel_and_help_work_from_any_phase(visit: Visit, bus: EventBus) -> None:
    events = Recorder(bus)
    visit.start()
    visit.choose(visit.services[0].id)
    visit.request_help()
    assert visit.snapshot.help_requested
    assert events.of(AssistRequested) == [AssistRequested(Phase.GUIDE, visit.services[0].id)]
    visit.dismiss_help()
    assert not visit.snapshot.help_requested and visit.snapshot.phase is Phase.GUIDE
    visit.cancel()
    assert visit.snapshot.phase is Phase.ATTRACT
    assert events.of(VisitEnded)[-1].reason is EndReason.CANCELLED


def test_language_and_elder_mode_switch_anywhere_and_reset_after_the_visit(visit: Visit) -> None:
    visit.set_language("en")
    visit.set_elder(True)
    visit.start()
    visit.choose(visit.services[0].id)
    assert (visit.snapshot.language, visit.snapshot.elder) == ("en", True)
    with pytest.raises(VisitError):
        visit.set_language("fr")
    visit.cancel()
    assert (visit.snapshot.language, visit.snapshot.elder) == ("zh", False)


def test_idle_time_warns_first_and_one_tap_extends(visit: Visit, clock: ManualScheduler) -> None:
    visit.start()
    clock.advance(59)
    assert visit.snapshot.warning_until is None
    clock.advance(1)
    assert visit.snapshot.warning_until == pytest.approx(clock.now() + 30)
    visit.touch()  # a touch elsewhere does not dismiss the warning
    clock.advance(25)
    visit.extend()
    assert visit.snapshot.warning_until is None and visit.snapshot.phase is Phase.CATALOG
    clock.advance(59)
    assert visit.snapshot.warning_until is None


def test_touches_keep_a_visit_alive(visit: Visit, clock: ManualScheduler) -> None:
    visit.start()
    for _ in range(10):
        clock.advance(50)
        visit.touch()
    assert visit.snapshot.phase is Phase.CATALOG and visit.snapshot.warning_until is None


def test_a_day_of_taps_keeps_the_virtual_clock_small(visit: Visit, clock: ManualScheduler) -> None:
    """Every tap restarts the idle timer; the clock of tests and the soak drops the cancelled
    ones instead of keeping each until its time comes."""
    visit.start()
    for _ in range(20_000):
        visit.touch()
    assert len(clock._queue) <= 2 * COMPACT_AT
    clock.advance(visit.settings.time_limits.idle_s + 1)
    assert visit.snapshot.warning_until is not None  # the live timer still fired


def test_an_ignored_warning_ends_the_visit_and_clears_it(
    visit: Visit, clock: ManualScheduler, bus: EventBus
) -> None:
    events = Recorder(bus)
    visit.set_language("en")
    visit.start()
    visit.choose(visit.services[2].id)
    clock.advance(60 + 29)
    assert visit.snapshot.phase is Phase.GUIDE
    clock.advance(1)
    snap = visit.snapshot
    assert (snap.phase, snap.service, snap.language, snap.warning_until) == (
        Phase.ATTRACT,
        None,
        "zh",
        None,
    )
    assert events.of(VisitEnded)[-1] == VisitEnded(EndReason.TIMED_OUT, visit.services[2].id)


def test_elder_mode_doubles_the_time_limits(visit: Visit, clock: ManualScheduler) -> None:
    visit.set_elder(True)
    visit.start()
    clock.advance(119)
    assert visit.snapshot.warning_until is None
    clock.advance(1)
    assert visit.snapshot.warning_until == pytest.approx(clock.now() + 60)
    clock.advance(59)
    assert visit.snapshot.phase is Phase.CATALOG
    clock.advance(1)
    assert visit.snapshot.phase is Phase.ATTRACT


def test_choices_left_on_the_first_screen_reset_quietly(
    visit: Visit, clock: ManualScheduler
) -> None:
    visit.set_language("en")
    clock.advance(60)
    assert visit.snapshot.language == "zh" and visit.snapshot.warning_until is None


def test_an_untouched_first_screen_has_no_timer(
    visit: Visit, clock: ManualScheduler, bus: EventBus
) -> None:
    events = Recorder(bus)
    clock.advance(3600)
    assert events.events == []
