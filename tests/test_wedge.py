"""The keyboard-wedge scanner: telling a scanner's bursts from a person's typing, and the Qt
filter that keeps scans out of forms while every typed key still reaches them."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from devices.model import DeviceState, HealthLevel
from devices.wedge import (
    ENTER,
    TAB,
    Decision,
    Dropped,
    Scan,
    Typed,
    WedgeDecoder,
    WedgeScanner,
    build,
)
from screens.wedge_input import WedgeInput
from tests.test_scanner import Recorder

SCANNER_GAP_S, PERSON_GAP_S = 0.008, 0.150


def type_keys(
    decoder: WedgeDecoder | WedgeScanner, keys: str, gap_s: float, start: float = 0.0
) -> list[Decision]:
    """Feeds keys `gap_s` apart from `start`; then lets time run out so nothing stays held."""
    decisions: list[Decision] = []
    for index, key in enumerate(keys):
        decisions += decoder.feed(key, start + index * gap_s)
    decisions += decoder.flush(math.inf)
    return decisions


def scanned(decisions: Sequence[Decision]) -> list[str]:
    return [d.code.text for d in decisions if isinstance(d, Scan)]


def typed(decisions: Sequence[Decision]) -> str:
    return "".join(d.keys for d in decisions if isinstance(d, Typed))


def test_a_scanner_burst_ended_by_enter_is_one_code() -> None:
    [scan] = type_keys(WedgeDecoder(), "AB-123456" + ENTER, SCANNER_GAP_S)
    assert isinstance(scan, Scan) and scan.keys == "AB-123456\r"
    assert (scan.code.text, scan.code.raw) == ("AB-123456", b"AB-123456")


def test_tab_ends_a_scan_too() -> None:
    assert scanned(type_keys(WedgeDecoder(), "9787111" + TAB, SCANNER_GAP_S)) == ["9787111"]


def test_a_person_typing_gets_every_key_back_in_order_as_they_type() -> None:
    decoder = WedgeDecoder()
    given_back = ""
    for index, key in enumerate("hello world" + ENTER):
        given_back += typed(decoder.feed(key, index * PERSON_GAP_S))
        # each key is given back by the time the next one comes
        assert given_back in ("hello world\r"[:index], "hello world\r"[: index + 1])
    assert given_back == "hello world\r"  # Enter ended nothing held: it goes at once
    assert decoder.pending == 0 and decoder.deadline is None


def test_enter_typed_alone_goes_back_at_once() -> None:
    decoder = WedgeDecoder()
    assert decoder.feed(ENTER, 10.0) == [Typed(ENTER)]
    assert decoder.pending == 0


def test_three_fast_keys_and_enter_are_typing_not_a_scan() -> None:
    assert type_keys(WedgeDecoder(), "abc" + ENTER, 0.02) == [Typed("abc\r")]


def test_a_burst_broken_by_a_long_pause_is_given_back() -> None:
    decoder = WedgeDecoder()
    first = type_keys(decoder, "ABCD", SCANNER_GAP_S)
    rest = type_keys(decoder, "EFG" + ENTER, SCANNER_GAP_S, start=1.0)
    assert typed(first + rest) == "ABCDEFG\r" and scanned(first + rest) == []


def test_one_hiccup_inside_a_scan_is_forgiven() -> None:
    decoder = WedgeDecoder()
    times = [0.008 * i for i in range(6)] + [0.100 + 0.008 * i for i in range(7)]
    decisions = [
        d for key, at in zip("ABCDEFGHIJKL\r", times, strict=True) for d in decoder.feed(key, at)
    ]
    assert scanned(decisions) == ["ABCDEFGHIJKL"]


def test_a_fast_burst_without_enter_is_typing_once_its_time_is_up() -> None:
    decoder = WedgeDecoder()
    for index, key in enumerate("ABCDEFGH"):
        assert decoder.feed(key, index * SCANNER_GAP_S) == []
    deadline = decoder.deadline
    assert deadline is not None
    assert decoder.flush(deadline - 0.001) == []
    assert decoder.flush(deadline) == [Typed("ABCDEFGH")]


def test_a_configured_suffix_ends_a_scan_without_enter() -> None:
    decoder = WedgeDecoder(suffix="#")
    assert scanned(type_keys(decoder, "ABC123#", SCANNER_GAP_S)) == ["ABC123"]
    [scan] = type_keys(decoder, "XY#" + ENTER, SCANNER_GAP_S, start=5.0)
    assert isinstance(scan, Scan) and (scan.code.text, scan.keys) == ("XY", "XY#\r")


def test_a_configured_prefix_makes_short_codes_scans_and_others_typing() -> None:
    decoder = WedgeDecoder(prefix="]Q")
    assert scanned(type_keys(decoder, "]Q12" + ENTER, SCANNER_GAP_S)) == ["12"]
    assert type_keys(decoder, "12345678" + ENTER, SCANNER_GAP_S, start=5.0) == [Typed("12345678\r")]


def test_interrupt_gives_held_keys_back() -> None:
    decoder = WedgeDecoder()
    decoder.feed("a", 0.0)
    decoder.feed("b", 0.01)
    assert decoder.interrupt() == [Typed("ab")]
    assert decoder.interrupt() == []


def test_ten_kilobytes_typed_fast_are_dropped_and_the_next_scan_reads() -> None:
    scanner = build("wedge", "", {})
    recorder = Recorder(scanner)
    scanner.open()
    decisions = type_keys(scanner, "x" * 10_240 + ENTER, 0.001)
    assert decisions == [Dropped(10_241)]
    assert scanned(type_keys(scanner, "NEXT-CODE" + ENTER, SCANNER_GAP_S, start=60.0)) == [
        "NEXT-CODE"
    ]
    assert [p.code for p in recorder.problems()] == ["wedge.burst_too_long"]
    assert [c.text for c in recorder.codes()] == ["NEXT-CODE"]
    counters = scanner.status().counters
    assert (counters["codes"], counters["dropped"], counters["errors"]) == (1, 1, 1)
    scanner.close()


def test_a_closed_wedge_scanner_gives_every_key_back() -> None:
    scanner = build("wedge", "", {})
    assert scanner.state is DeviceState.OFFLINE
    assert type_keys(scanner, "AB-123456" + ENTER, SCANNER_GAP_S) == [
        Typed(key) for key in "AB-123456\r"
    ]


def test_the_wedge_scanner_reports_its_health() -> None:
    scanner = WedgeScanner("wedge", WedgeDecoder(), interactive_wait_s=0.1)
    scanner.open()
    assert scanner.check_health(HealthLevel.INTERNAL).ok
    report = scanner.check_health(HealthLevel.INTERACTIVE)
    assert not report.ok and "no code scanned within 0.1 s" in report.text()
    scanner.close()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"max_gap_ms": "30"}, "max_gap_ms"),
        ({"max_gap_ms": 0}, "max_gap_ms"),
        ({"min_length": 1.5}, "min_length"),
        ({"prefix": ["]"]}, "prefix"),
        ({"suffix": "\t"}, "suffix"),
        ({"timeout": 3}, "timeout"),
    ],
)
def test_bad_options_raise_a_value_error_naming_the_option(
    options: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match=f"^option {named}: "):
        build("wedge", "", options)


def test_options_change_the_rules() -> None:
    scanner = build("wedge", "", {"max_gap_ms": 60, "min_length": 3, "suffix": ""})
    scanner.open()
    assert scanned(type_keys(scanner, "ABC" + ENTER, 0.05)) == ["ABC"]
    scanner.close()


# -- fuzzing: whatever the keys and their timing, no key is lost or doubled ------------------

Step = tuple[str, float, bool]  # a key, the gap before it, whether a flush comes in that gap


@st.composite
def sessions(draw: st.DrawFn) -> list[Step]:
    """Bursts of keys at a scanner's, a fast typist's or a slow person's pace, with jitter,
    sometimes with the prefix and suffix, ended by Enter, Tab or nothing."""
    steps: list[Step] = []
    for _ in range(draw(st.integers(0, 6))):
        text = draw(st.text(alphabet="abcXYZ019-]#中\r\t", max_size=30))
        if draw(st.booleans()):
            text = "]" + text + "#"
        text += draw(st.sampled_from(["", ENTER, TAB]))
        pace = draw(st.sampled_from([0.001, 0.008, 0.025, 0.06, 0.15]))
        pause = draw(st.floats(0, 1))
        for index, key in enumerate(text):
            gap = pause if index == 0 else pace * draw(st.floats(0.5, 1.5))
            steps.append((key, gap, draw(st.booleans())))
    return steps


@settings(max_examples=300, deadline=1000)
@given(sessions(), st.sampled_from([("", ""), ("]", ""), ("", "#"), ("]", "#")]))
def test_every_key_ends_in_exactly_one_decision_in_order(
    script: list[Step], affixes: tuple[str, str]
) -> None:
    decoder = WedgeDecoder(min_length=3, prefix=affixes[0], suffix=affixes[1], max_keys=12)
    decisions: list[Decision] = []
    now = 0.0
    for key, gap, flush_first in script:
        if flush_first:
            decisions += decoder.flush(now + gap / 2)
        now += gap
        decisions += decoder.feed(key, now)
    decisions += decoder.flush(now + 10)
    assert decoder.pending == 0

    fed = "".join(key for key, _, _ in script)
    position = 0
    for decision in decisions:
        if isinstance(decision, Dropped):
            position += decision.count
            continue
        keys_of = decision.keys
        assert keys_of and fed[position : position + len(keys_of)] == keys_of
        position += len(keys_of)
        if isinstance(decision, Scan):
            assert decision.code.text and decision.code.text in keys_of
    assert position == len(fed)


@settings(max_examples=100, deadline=1000)
@given(st.lists(st.tuples(st.sampled_from("ab1]#中\r\t"), st.floats(0.035, 1.0)), max_size=40))
def test_a_person_never_loses_a_key_to_a_scan(script: list[tuple[str, float]]) -> None:
    decoder = WedgeDecoder(min_length=1)
    decisions: list[Decision] = []
    now = 0.0
    for key, gap in script:
        now += gap
        decisions += decoder.feed(key, now)
    decisions += decoder.flush(math.inf)
    assert all(isinstance(d, Typed) for d in decisions)
    assert typed(decisions) == "".join(key for key, _ in script)


# -- the Qt filter -------------------------------------------------------------------------


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Form:
    line_edit: QLineEdit
    window: QWindow
    clock: Clock
    recorder: Recorder

    def press(self, keys: str, gap_s: float) -> None:
        for key in keys:
            self.clock.now += gap_s
            # Keys typed at the window take the real path (window, then focus widget), as
            # spontaneous events. PySide's stubs lack the (QWindow, char) overload Qt has.
            QTest.keyClick(self.window, key)  # type: ignore[call-overload]

    def let_time_pass(self) -> None:
        self.clock.now += 1.0


@pytest.fixture
def form(qtbot: QtBot) -> Iterator[Form]:
    scanner = build("wedge", "", {})
    recorder = Recorder(scanner)
    scanner.open()
    line_edit = QLineEdit()
    qtbot.addWidget(line_edit)
    line_edit.show()
    qtbot.waitExposed(line_edit)
    line_edit.activateWindow()
    line_edit.setFocus()
    qtbot.waitUntil(line_edit.hasFocus)
    window = line_edit.windowHandle()
    clock = Clock()
    wedge_input = WedgeInput(scanner, clock)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(wedge_input)
    yield Form(line_edit, window, clock, recorder)
    app.removeEventFilter(wedge_input)
    scanner.close()


def test_typing_reaches_the_line_edit(form: Form, qtbot: QtBot) -> None:
    with qtbot.waitSignal(form.line_edit.returnPressed, timeout=2000):
        form.press("hello", PERSON_GAP_S)
        form.let_time_pass()
        qtbot.waitUntil(lambda: form.line_edit.text() == "hello")
        form.press(ENTER, PERSON_GAP_S)
    assert form.recorder.codes() == []


def test_a_fast_burst_is_a_code_and_stays_out_of_the_line_edit(form: Form, qtbot: QtBot) -> None:
    entered: list[bool] = []
    form.line_edit.returnPressed.connect(lambda: entered.append(True))
    form.press("ab", PERSON_GAP_S)
    form.clock.now += PERSON_GAP_S  # the hand leaves the keys for the scanner
    form.press("AB-123456" + ENTER, SCANNER_GAP_S)
    assert form.line_edit.text() == "ab"
    form.press("c", PERSON_GAP_S)
    form.let_time_pass()
    qtbot.waitUntil(lambda: form.line_edit.text() == "abc")
    assert [code.text for code in form.recorder.codes()] == ["AB-123456"]
    assert entered == []  # the scan's Enter did not submit the form


def test_a_key_no_scanner_types_comes_after_the_keys_held_before_it(
    form: Form, qtbot: QtBot
) -> None:
    form.press("ab", 0.02)  # fast enough to be held as a possible scan
    form.clock.now += 0.02
    QTest.keyClick(form.window, Qt.Key.Key_Backspace)
    assert form.line_edit.text() == "a"
