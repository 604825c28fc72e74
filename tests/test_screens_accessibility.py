"""Every screen, in both languages, both modes and both orientations, measured against §6:
text size, touch targets and gaps, contrast, nothing cut off, six choices in elder mode,
no untranslated text and no missing glyphs."""

from __future__ import annotations

import pytest

import main
from kiosk.catalog import Service
from kiosk.config import load_config
from kiosk.console import ConsoleTools
from kiosk.i18n import Catalogs
from screens.tour import scenes, show
from tests import screen_checks as checks

COMBINATIONS = [
    (portrait, language, elder)
    for portrait in (True, False)
    for language in ("zh", "en")
    for elder in (False, True)
]
IDS = [
    f"{'portrait' if p else 'landscape'}-{lang}-{'elder' if e else 'normal'}"
    for p, lang, e in COMBINATIONS
]


@pytest.fixture(scope="module")
def console_tools() -> ConsoleTools:
    """The tour's console, so the console pages measured hold what the pictures show."""
    from tour_console import tour_tools

    return tour_tools(load_config(main.DEFAULT_CONFIG))


@pytest.mark.parametrize(("portrait", "language", "elder"), COMBINATIONS, ids=IDS)
def test_every_screen_meets_the_accessibility_rules(
    make_kiosk,
    console_tools: ConsoleTools,
    services: list[Service],
    catalogs: Catalogs,
    portrait: bool,
    language: str,
    elder: bool,
) -> None:
    other_names = checks.other_language_names(catalogs, language)
    problems: list[str] = []
    measured = 0
    for scene in scenes(services, language, elder, now=0.0):
        kiosk = make_kiosk(portrait=portrait)
        window = kiosk.window
        window.console.tools = console_tools
        show(window, scene)
        theme = window.context(scene.snapshot).theme
        found = checks.check_screen(window, theme, language, other_names) + (
            checks.check_choices(window, 6) if elder else []
        )
        measured += len(checks.texts(window))
        problems += [f"{scene.name}: {p}" for p in found]
        window.close()
    assert measured > 100  # the checks looked at real widgets
    assert not problems, "\n".join(problems)
