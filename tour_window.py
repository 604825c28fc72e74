"""The screenshot tour of a service window (issue 7): the staff console and the citizen screen
at each step of a case (idle, a ticket called, a citizen served with applications waiting, the
rating), in every language, and the citizen screen in elder mode too. The counter runs for
real on a demo backend: the platform's tickets and applications are made up here, as the
kiosk tour's citizen is. Part of the composition root; only the tour uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import QApplication, QWidget

from kiosk.catalog import Service
from kiosk.config import Config, Panel, WindowConfig
from kiosk.counter import Application
from kiosk.i18n import Catalogs
from kiosk.visit import INDICATORS
from screens.fonts import cap_height_ratio
from screens.theme import Theme
from screens.tour import DEMO_PERSON
from window_station import Station, build_station

T = TypeVar("T")
DEMO_WINDOW = WindowConfig("5", "S0517", "李娜", None, ("A", "B"))
DEMO_APPLICATIONS = [
    Application(
        "K-DEMO-0001-20261203-0042", "senior-preferential-card", "2026-12-03T01:12:40.000Z"
    ),
    Application("K-DEMO-0001-20261203-0043-2", "newborn-bundle", "2026-12-03T01:20:03.000Z"),
]


class AtOnce:
    """A Runner that does the work at once: the tour has no platform to wait for."""

    def run(
        self,
        name: str,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
    ) -> None:
        try:
            result = work()
        except Exception as error:
            failed(error)
            return
        done(result)


class DemoNumbering:
    def next_case_number(self, today: date) -> str:
        return f"W-EAST-05-{today:%Y%m%d}-0007"

    def next_ticket(self, prefix: str, today: date) -> str:
        return f"{prefix}001"


def demo_station(config: Config, services: list[Service], catalogs: Catalogs, font: str) -> Station:
    station = build_station(config, services, catalogs, font, runner=AtOnce())
    counter = station.counter
    counter.backend = replace(
        counter.backend,
        waiting_tickets=lambda prefixes, day: ["A023", "A024", "B007"],
        applications=lambda id_number: list(DEMO_APPLICATIONS),
        numbering=DemoNumbering(),
        queue=lambda kind, payload: None,  # the tour has no queue
    )
    return station


def _called(station: Station) -> None:
    station.counter.call_next()


def _serving(station: Station) -> None:
    _called(station)
    station.counter.identified(DEMO_PERSON)
    station.counter.accept(DEMO_APPLICATIONS[0].case_number)


def _rating(station: Station) -> None:
    _serving(station)
    station.counter.close_case()


def _rating_reason(station: Station) -> None:
    _rating(station)
    station.counter.rate(2)


def _rating_callback(station: Station) -> None:
    _rating_reason(station)
    station.counter.rate_reason("waiting")


def _rating_indicators(station: Station) -> None:
    _rating_callback(station)
    station.counter.rate_callback("")
    station.counter.rate_indicator("attitude", 4)  # one chosen, so its tick shows


def _rating_last_indicator(station: Station) -> None:
    _rating_indicators(station)
    for _ in INDICATORS:
        station.counter.next_indicator()


STEPS: Sequence[tuple[str, Callable[[Station], None]]] = (
    ("idle", lambda station: None),
    ("called", _called),
    ("serving", _serving),
    ("rating", _rating),
    ("rating-reason", _rating_reason),  # the citizen's screen only: staff see "rating"
    ("rating-callback", _rating_callback),
    ("rating-indicators", _rating_indicators),
    ("rating-last-indicator", _rating_last_indicator),  # elder mode: one indicator a page
)


@dataclass(frozen=True)
class WindowScene:
    name: str  # what its picture is called: window-citizen-rating-zh-elder-landscape
    widget: QWidget  # shown and laid out
    theme: Theme  # the sizes it is drawn at
    language: str


def window_scenes(
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
    languages: Sequence[str],
) -> Iterator[WindowScene]:
    """Both screens at every step, in `languages`, the citizen's in elder mode too (the staff
    console has one size): the tour takes their pictures and the tests measure them."""
    width, height = config.panel.resolution
    landscape = config.panel if width > height else _rotated(config.panel)
    ratio = cap_height_ratio(font)
    for language in languages:
        staff_config = replace(
            config, mode="window", window=DEMO_WINDOW, panel=landscape, language=language
        )
        for elder in (False, True):
            for step, act in STEPS:
                station = demo_station(staff_config, services, catalogs, font)
                station.counter.set_language(language)
                station.counter.set_elder(elder)
                act(station)
                screens: list[tuple[str, QWidget, bool]] = [("citizen", station.citizen, elder)]
                if not elder and not step.startswith("rating-"):  # staff see "rating"
                    screens.append(("staff", station.staff, False))
                for screen, widget, large in screens:
                    widget.resize(*landscape.resolution)
                    widget.show()
                    QApplication.processEvents()
                    mode = "elder" if elder else "normal"
                    name = f"window-{screen}-{step}-{language}-{mode}-landscape"
                    yield WindowScene(name, widget, Theme(landscape, large, font, ratio), language)
                    widget.close()
                station.bridge.close()


def write_window_tour(
    directory: Path, config: Config, services: list[Service], catalogs: Catalogs, font: str
) -> list[Path]:
    written: list[Path] = []
    for scene in window_scenes(config, services, catalogs, font, catalogs.languages):
        path = directory / f"{scene.name}.png"
        if not scene.widget.grab().save(str(path)):
            raise OSError(f"cannot write {path}")
        written.append(path)
    return written


def _rotated(panel: Panel) -> Panel:
    w, h = panel.resolution
    return Panel(panel.height_mm, panel.width_mm, (h, w))
