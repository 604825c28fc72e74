"""The ID card reader adapter against the simulator, over a real pseudo-terminal.

Every test drives `IdCardReader` through the port the simulator serves; faults are the
simulator's (a card lifted mid-read, garbled frames, silence, unplug, a failing SAM). Waits
poll a condition with a generous deadline; nothing here measures speed.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard.card import CardRead, CardType, IdCard
from devices.idcard.commands import FIND_CARD, READ_CARD, SELECT_CARD
from devices.idcard.frames import encode_response
from devices.idcard.photo import PhotoDecoder
from devices.idcard.reader import IdCardReader, build
from devices.model import (
    DeviceError,
    DeviceEvent,
    DeviceState,
    HealthLevel,
    Notice,
    StatusChanged,
)
from devices.sim.idcard import (
    CITIZENS,
    GARBAGE,
    UNKNOWN_TYPE_CARD,
    IdCardSimulator,
    SimCard,
    WireFault,
)
from devices.supervisor import Supervisor
from tests.waiting import WAIT_S, wait_until

FAST: dict[str, object] = {"poll_interval_s": 0.3, "response_timeout_s": 0.5}


class Events:
    """What the reader told its listeners, in order."""

    def __init__(self) -> None:
        self._items: list[DeviceEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: DeviceEvent) -> None:
        with self._lock:
            self._items.append(event)

    def reads(self) -> list[IdCard]:
        with self._lock:
            return [e.card for e in self._items if isinstance(e, CardRead)]

    def errors(self) -> list[DeviceError]:
        with self._lock:
            return [e for e in self._items if isinstance(e, DeviceError)]

    def states(self) -> list[StatusChanged]:
        with self._lock:
            return [e for e in self._items if isinstance(e, StatusChanged)]

    def next_read(self, seen: int) -> IdCard:
        wait_until(lambda: len(self.reads()) > seen, "a CardRead event")
        return self.reads()[seen]

    def next_error(self, seen: int) -> DeviceError:
        wait_until(lambda: len(self.errors()) > seen, "a DeviceError event")
        return self.errors()[seen]

    def entered(self, state: DeviceState) -> StatusChanged:
        wait_until(lambda: self._entered(state), f"state {state}")
        entered = self._entered(state)
        assert entered is not None
        return entered

    def _entered(self, state: DeviceState) -> StatusChanged | None:
        return next((e for e in reversed(self.states()) if e.status.state is state), None)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[IdCardSimulator]:
    simulator = IdCardSimulator(tmp_path)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def refinding_sim(tmp_path: Path) -> Iterator[IdCardSimulator]:
    """A reader that keeps finding a card it has read, as some real ones do."""
    simulator = IdCardSimulator(tmp_path, refinds_read_card=True)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def reader(sim: IdCardSimulator) -> Iterator[IdCardReader]:
    device = build("id_reader", sim.address, FAST)
    yield device
    device.close()


@pytest.fixture
def events(reader: IdCardReader) -> Events:
    recorded = Events()
    reader.subscribe(recorded)
    return recorded


@pytest.fixture
def supervised(reader: IdCardReader) -> Iterator[Supervisor]:
    supervisor = Supervisor([reader])
    supervisor.start()
    wait_until(lambda: reader.state is DeviceState.ONLINE, "the reader online")
    yield supervisor
    supervisor.stop()


def fast_reader(
    sim: IdCardSimulator,
    photo_decoder: PhotoDecoder | None = None,
    interactive_wait_s: float = WAIT_S,
) -> IdCardReader:
    return IdCardReader(
        "id_reader",
        sim.address,
        poll_interval_s=0.3,
        response_timeout_s=0.5,
        photo_decoder=photo_decoder,
        interactive_wait_s=interactive_wait_s,
    )


def opened(reader: IdCardReader) -> IdCardReader:
    reader.open()
    assert reader.state is DeviceState.ONLINE, reader.status()
    return reader


def read_next(sim: IdCardSimulator, events: Events, card: SimCard) -> IdCard:
    """Place `card` once the reader has seen the reader empty, and wait for its read."""
    seen = len(events.reads())
    sim.lift()
    commands = len(sim.commands)
    wait_until(
        lambda: any(key == FIND_CARD.key for _, key in sim.commands[commands:]),
        "a find-card poll of the empty reader",
    )
    sim.place(card)
    return events.next_read(seen)


# -- reading every card type ---------------------------------------------------------------------

EXPECTED: list[tuple[int, dict[str, Any]]] = [
    (
        0,
        {
            "type": CardType.RESIDENT,
            "name": "王秀英",
            "sex_name": "女",
            "nation_name": "汉",
            "birth": date(1958, 3, 12),
            "address": "北京市东城区景山前街4号",
            "authority": "北京市公安局东城分局",
            "valid_from": date(2016, 5, 20),
            "valid_to": None,
            "masked_number": "110101********0023",
        },
    ),
    (
        1,
        {
            "type": CardType.RESIDENT,
            "name": "李明",
            "sex_name": "男",
            "address": "广东省广州市天河区体育西路191号中石化大厦B座2708室",
            "valid_to": date(2041, 6, 1),
            "masked_number": "440106********1239",
        },
    ),
    (
        2,
        {
            "type": CardType.RESIDENT,
            "name": "阿依古丽·买买提",
            "nation_name": "维吾尔",
            "valid_to": date(2019, 8, 15),
            "masked_number": "650102********0046",
        },
    ),
    (
        3,
        {
            "type": CardType.HMT_RESIDENCE_PERMIT,
            "name": "陈家豪",
            "nation": "",
            "pass_number": "H01234567",
            "issue_count": 1,
            "authority": "深圳市公安局福田分局",
            "valid_to": date(2028, 3, 1),
            "masked_number": "810000********001X",
        },
    ),
    (
        4,
        {
            "type": CardType.FOREIGN_PERMANENT_2017,
            "english_name": "JOHNSON, EMILY ROSE",
            "name": "艾米丽",
            "sex_name": "女",
            "nationality": "USA",
            "number": "USA110087051512",
            "birth": date(1987, 5, 15),
            "card_version": "20",
            "authority": "1100",
            "valid_to": date(2028, 6, 15),
            "masked_number": "USA110*****1512",
        },
    ),
    (
        5,
        {
            "type": CardType.FOREIGN_PERMANENT_2023,
            "english_name": "MUELLER-SCHMIDT, ALEXANDER MAXIMILIAN JAN",
            "name": "穆勒",
            "nationality": "DEU",
            "issue_count": 0,
            "previous_number_link": "DEU",
            "birth": date(1979, 2, 28),
            "valid_to": date(2033, 11, 30),
            "masked_number": "911276********001X",
        },
    ),
]


@pytest.mark.parametrize(
    ("index", "expected"), EXPECTED, ids=[CITIZENS[i].label for i, _ in EXPECTED]
)
def test_every_card_type_reads_with_its_fields(
    sim: IdCardSimulator,
    reader: IdCardReader,
    events: Events,
    index: int,
    expected: dict[str, Any],
) -> None:
    opened(reader)
    sim.place(CITIZENS[index])
    card = events.next_read(0)
    assert {key: getattr(card, key) for key in expected} == expected
    assert len(card.photo_wlt) == 1024 and card.fingerprint == b""
    assert reader.status().counters["reads"] == 1


def test_the_kiosk_can_tell_expired_cards_and_ages(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    long_term = read_next(sim, events, CITIZENS[0])
    expired = read_next(sim, events, CITIZENS[2])
    today = date.today()
    assert not long_term.is_expired(today) and long_term.age_on(today) >= 60
    assert expired.is_expired(today)


def test_the_fingerprint_option_reads_the_templates(sim: IdCardSimulator) -> None:
    reader = build("id_reader", sim.address, FAST | {"fingerprint": True})
    events = Events()
    reader.subscribe(events)
    try:
        opened(reader)
        assert len(read_next(sim, events, CITIZENS[0]).fingerprint) == 1024
        assert read_next(sim, events, CITIZENS[1]).fingerprint == b""  # a card without
        assert READ_CARD.key not in {key for _, key in sim.commands}
    finally:
        reader.close()


class StubDecoder:
    def __init__(self, fails: bool = False) -> None:
        self.fails = fails

    def decode(self, wlt: bytes) -> bytes | None:
        if self.fails:
            raise RuntimeError("vendor library crashed")
        return b"BM" + wlt[:4]


@pytest.mark.parametrize("fails", [False, True], ids=["decodes", "decoder-fails"])
def test_the_photo_goes_through_the_pluggable_decoder(sim: IdCardSimulator, fails: bool) -> None:
    reader = fast_reader(sim, photo_decoder=StubDecoder(fails))
    photos: list[bytes | None] = []

    def on_event(event: DeviceEvent) -> None:
        if isinstance(event, CardRead):
            photos.append(event.photo)

    reader.subscribe(on_event)
    try:
        opened(reader)
        sim.place(CITIZENS[0])
        wait_until(lambda: photos, "a CardRead event")
        assert photos == [None if fails else b"BM" + CITIZENS[0].photo[:4]]
        assert reader.state is DeviceState.ONLINE
    finally:
        reader.close()


def test_the_sam_id_becomes_the_serial_number(reader: IdCardReader) -> None:
    opened(reader)
    info = reader.status().info
    assert info.serial == "05.01-20101010-0012345678-1234567890"
    assert "GA 467" in info.model and info.port.endswith("idcard-sim")


# -- one read per placement, and the polling rhythm ----------------------------------------------


def test_a_card_left_on_the_reader_is_read_once(refinding_sim: IdCardSimulator) -> None:
    # The simulator keeps finding the card it has read; the adapter waits for it to be lifted.
    sim = refinding_sim
    reader = build("id_reader", sim.address, FAST)
    events = Events()
    reader.subscribe(events)
    try:
        opened(reader)
        sim.place(CITIZENS[1])
        events.next_read(0)
        polls = reader.status().counters["polls"]
        wait_until(lambda: reader.status().counters["polls"] >= polls + 3, "three more polls")
        assert len(events.reads()) == 1
        assert read_next(sim, events, CITIZENS[1]).name == "李明"  # lifted and placed again
    finally:
        reader.close()


def test_the_reader_never_polls_faster_than_every_300_ms(sim: IdCardSimulator) -> None:
    # 0.45 s asked, 0.3 s promised: the simulator timestamps frames on its own thread, and on
    # a loaded machine one frame noticed late makes the next gap look short.
    reader = build("id_reader", sim.address, FAST | {"poll_interval_s": 0.45})
    events = Events()
    reader.subscribe(events)
    # Retries after garbled or missing answers are polls too, and keep the rhythm.
    sim.inject(WireFault.CORRUPT, count=2, command=FIND_CARD.key)
    sim.inject(WireFault.SILENCE, count=1, command=FIND_CARD.key)
    try:
        opened(reader)
        sim.place(CITIZENS[0])
        events.next_read(0)
        wait_until(lambda: sum(key == FIND_CARD.key for _, key in sim.commands) >= 7, "seven finds")
    finally:
        reader.close()
    finds = [at for at, key in sim.commands if key == FIND_CARD.key]
    assert min(later - earlier for earlier, later in itertools.pairwise(finds)) >= 0.3


def test_an_empty_reader_is_polled_quietly(reader: IdCardReader, events: Events) -> None:
    opened(reader)
    wait_until(lambda: reader.status().counters.get("polls", 0) >= 3, "three polls")
    assert (events.reads(), events.errors(), reader.state) == ([], [], DeviceState.ONLINE)


# -- a citizen's card that does not read ---------------------------------------------------------


def broken_card() -> SimCard:
    text = bytearray(CITIZENS[1].text)
    text[122:124] = "0".encode("utf-16-le")  # the number's first digit: check digit now wrong
    return replace(CITIZENS[1], text=bytes(text))


def unknown_flag_card() -> SimCard:
    text = bytearray(CITIZENS[1].text)
    text[248:250] = "Z".encode("utf-16-le")
    return replace(CITIZENS[1], text=bytes(text))


@pytest.mark.parametrize(
    ("fault", "code", "notice"),
    [
        ("lifted mid-read", "idcard.sw3.41", Notice.PLACE_CARD_AGAIN),
        ("unknown card type", "idcard.sw3.40", Notice.CARD_NOT_SUPPORTED),
        ("bad check digit", "idcard.card_invalid", Notice.CARD_INVALID),
        ("unknown type flag", "idcard.card_not_supported", Notice.CARD_NOT_SUPPORTED),
    ],
)
def test_a_card_that_does_not_read_is_reported_and_the_next_card_reads(
    sim: IdCardSimulator,
    reader: IdCardReader,
    events: Events,
    fault: str,
    code: str,
    notice: Notice,
) -> None:
    opened(reader)
    if fault == "lifted mid-read":
        sim.lift_during_next_read()
        sim.place(CITIZENS[0])
    else:
        cards = {
            "unknown card type": UNKNOWN_TYPE_CARD,
            "bad check digit": broken_card(),
            "unknown type flag": unknown_flag_card(),
        }
        sim.place(cards[fault])
    problem = events.next_error(0).problem
    assert (problem.code, problem.notice) == (code, notice)
    assert "440106199007151239" not in problem.technician  # the number is never logged whole
    assert reader.state is DeviceState.ONLINE
    assert reader.status().counters["read_errors"] == 1
    assert read_next(sim, events, CITIZENS[3]).type is CardType.HMT_RESIDENCE_PERMIT
    assert len(events.errors()) == 1


# -- wire faults ---------------------------------------------------------------------------------


def test_a_corrupt_answer_is_read_again_without_bothering_the_citizen(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    sim.inject(WireFault.CORRUPT, command=READ_CARD.key)
    sim.place(CITIZENS[0])
    assert events.next_read(0).name == "王秀英"
    assert reader.status().counters["corrupt_frames"] == 1
    assert events.errors() == []


def test_an_answer_that_stays_corrupt_is_reported_and_the_next_card_reads(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    sim.inject(WireFault.CORRUPT, count=3, command=READ_CARD.key)
    sim.place(CITIZENS[0])
    problem = events.next_error(0).problem
    assert problem.code == "idcard.frame_corrupt" and "checksum" in problem.technician
    assert problem.notice is Notice.PLACE_CARD_AGAIN
    assert reader.state is DeviceState.ONLINE
    assert read_next(sim, events, CITIZENS[1]).name == "李明"


def test_garbage_before_an_answer_is_skipped_and_counted(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    sim.inject(WireFault.GARBAGE, command=READ_CARD.key)
    sim.place(CITIZENS[4])
    assert events.next_read(0).english_name == "JOHNSON, EMILY ROSE"
    assert reader.status().counters["garbage_bytes"] >= len(GARBAGE)


def test_one_missing_answer_is_asked_again(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    sim.inject(WireFault.SILENCE, command=SELECT_CARD.key)
    sim.place(CITIZENS[5])
    assert events.next_read(0).type is CardType.FOREIGN_PERMANENT_2023
    assert reader.status().counters["timeouts"] == 1
    assert DeviceState.POWER_OFF not in {e.status.state for e in events.states()}


def test_a_command_the_reader_got_garbled_is_sent_again(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    sim.answer_next_with(encode_response(0x10))  # "your command's checksum was wrong"
    wait_until(lambda: sim.pending_faults == 0, "the answer sent")
    sim.place(CITIZENS[1])
    events.next_read(0)
    assert reader.status().counters["commands_resent"] == 1


# -- the reader going away and coming back -------------------------------------------------------


def test_a_silent_reader_is_power_off_and_comes_back(
    sim: IdCardSimulator, reader: IdCardReader, events: Events, supervised: Supervisor
) -> None:
    sim.inject(WireFault.SILENCE, count=3)
    lost = events.entered(DeviceState.POWER_OFF).status
    assert "no answer from the reader" in lost.detail and "3 commands in a row" in lost.detail
    assert "nothing came back" in lost.detail
    assert lost.last_error is not None and lost.last_error.notice is Notice.DEVICE_UNAVAILABLE
    wait_until(lambda: reader.state is DeviceState.ONLINE, "the reader online again")
    assert read_next(sim, events, CITIZENS[0]).name == "王秀英"


def test_a_reader_that_sends_only_the_start_of_answers_says_how_many_bytes_came(
    sim: IdCardSimulator, reader: IdCardReader, events: Events
) -> None:
    opened(reader)
    cut_short = encode_response(0x9F)[:6]  # a preamble and half a length, then nothing
    for _ in range(3):
        sim.answer_next_with(cut_short)
    lost = events.entered(DeviceState.POWER_OFF).status
    assert "3 commands in a row" in lost.detail
    assert "18 bytes came back, none of them an answer" in lost.detail


def test_unplug_is_power_off_and_replug_is_online_within_5_s(
    sim: IdCardSimulator, reader: IdCardReader, events: Events, supervised: Supervisor
) -> None:
    sim.unplug()
    lost = events.entered(DeviceState.POWER_OFF).status
    assert lost.last_error is not None and lost.last_error.code == "port.unavailable"
    assert sim.address in lost.detail
    time.sleep(0.5)  # reopening fails while the cable is out
    assert reader.state is DeviceState.POWER_OFF
    sim.replug()
    wait_until(lambda: reader.state is DeviceState.ONLINE, "online after replug", timeout_s=5.0)
    assert read_next(sim, events, CITIZENS[3]).name == "陈家豪"


def test_a_failing_sam_is_a_hardware_error_until_it_works_again(
    sim: IdCardSimulator, reader: IdCardReader, events: Events, supervised: Supervisor
) -> None:
    sim.fail_sam(0x60)
    failed = events.entered(DeviceState.HARDWARE_ERROR).status
    assert failed.last_error is not None and failed.last_error.code == "idcard.sw3.60"
    assert failed.last_error.notice is Notice.CALL_STAFF
    assert "self-test" in failed.detail
    sim.heal_sam()
    wait_until(lambda: reader.state is DeviceState.ONLINE, "online after the SAM recovers")
    assert read_next(sim, events, CITIZENS[1]).name == "李明"


def test_a_reader_whose_sam_is_not_authorised_does_not_open(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.fail_sam(0x66)
    reader.open()
    status = reader.status()
    assert status.state is DeviceState.HARDWARE_ERROR
    assert status.last_error is not None and status.last_error.code == "idcard.sw3.66"
    assert status.detail.startswith("reset SAM (10 FF): reader answered SW3 66")


def test_a_port_that_does_not_exist_is_power_off(tmp_path: Path) -> None:
    reader = build("id_reader", str(tmp_path / "nothing"), FAST)
    reader.open()
    assert reader.state is DeviceState.POWER_OFF
    assert "cannot open port" in reader.status().detail


RANDOM_ANSWERS = st.one_of(
    st.binary(min_size=1, max_size=80),
    st.builds(  # frames with any SW3 and data, whole or cut short
        lambda sw3, data, cut: encode_response(sw3, data)[:cut],
        st.integers(0, 255),
        st.binary(max_size=40),
        st.integers(1, 60),
    ),
)


def test_whatever_comes_back_the_reader_stays_up_and_reads_the_next_card(
    sim: IdCardSimulator, reader: IdCardReader, events: Events, supervised: Supervisor
) -> None:
    @settings(max_examples=8, deadline=None)
    @given(RANDOM_ANSWERS)
    def answer_one_command_with(raw: bytes) -> None:
        sim.answer_next_with(raw)
        wait_until(lambda: sim.pending_faults == 0, "the random answer sent")
        commands = len(sim.commands)
        wait_until(lambda: len(sim.commands) > commands, "a command after it")

    answer_one_command_with()
    wait_until(lambda: reader.state is DeviceState.ONLINE, "the reader online")
    assert read_next(sim, events, CITIZENS[0]).name == "王秀英"
    # Random answers may be reported, but never as a bug in the adapter.
    assert "device.unexpected" not in {error.problem.code for error in events.errors()}


# -- health checks -------------------------------------------------------------------------------


def test_the_internal_check_asks_the_sam(reader: IdCardReader) -> None:
    report = opened(reader).check_health(HealthLevel.INTERNAL)
    assert report.ok, report.text()
    assert "SAM ID: 05.01-20101010-0012345678-1234567890" in report.lines


def test_the_external_check_says_when_there_is_no_card(reader: IdCardReader) -> None:
    report = opened(reader).check_health(HealthLevel.EXTERNAL)
    assert report.ok and any("no card on the reader" in line for line in report.lines)


def test_the_external_check_reads_a_card_lying_on_the_reader(
    refinding_sim: IdCardSimulator,
) -> None:
    sim = refinding_sim
    reader = build("id_reader", sim.address, FAST)
    events = Events()
    reader.subscribe(events)
    try:
        opened(reader)
        sim.place(CITIZENS[3])
        events.next_read(0)
        report = reader.check_health(HealthLevel.EXTERNAL)
        assert report.ok, report.text()
        assert "residence permit" in report.text() and "810000********001X" in report.text()
        assert "810000198511020013" not in report.text()
    finally:
        reader.close()


def test_the_checks_of_a_closed_reader_fail_plainly(reader: IdCardReader) -> None:
    for level in HealthLevel:
        report = reader.check_health(level)
        assert not report.ok and len(report.lines) == 2, report.text()


def interactive_check(reader: IdCardReader, place: Callable[[], None]) -> list[str]:
    result: list[str] = []

    def check() -> None:
        report = reader.check_health(HealthLevel.INTERACTIVE)
        result.extend(["ok" if report.ok else "failed", *report.lines])

    thread = threading.Thread(target=check)
    thread.start()
    time.sleep(0.2)  # the technician walks to the reader
    place()
    thread.join(WAIT_S)
    return result


def test_the_interactive_check_waits_for_a_person_to_place_a_card(sim: IdCardSimulator) -> None:
    reader = fast_reader(sim, interactive_wait_s=WAIT_S)
    try:
        opened(reader)
        lines = interactive_check(reader, lambda: sim.place(CITIZENS[4]))
        assert lines[0] == "ok", lines
        assert (
            "foreign permanent resident card, 2017" in lines[-1] and "USA110*****1512" in lines[-1]
        )
    finally:
        reader.close()


def test_the_interactive_check_reports_a_card_that_did_not_read(sim: IdCardSimulator) -> None:
    reader = fast_reader(sim, interactive_wait_s=WAIT_S)
    try:
        opened(reader)
        lines = interactive_check(reader, lambda: sim.place(UNKNOWN_TYPE_CARD))
        assert lines[0] == "failed" and "unknown card type" in lines[-1], lines
    finally:
        reader.close()


def test_the_interactive_check_gives_up_when_nobody_comes(sim: IdCardSimulator) -> None:
    reader = fast_reader(sim, interactive_wait_s=0.5)
    try:
        report = opened(reader).check_health(HealthLevel.INTERACTIVE)
        assert not report.ok and "no card was placed within 0.5 s" in report.lines[-1]
    finally:
        reader.close()


# -- options -------------------------------------------------------------------------------------


def test_build_takes_the_documented_options_with_defaults(sim: IdCardSimulator) -> None:
    reader = build("id_reader", sim.address, {})
    assert (reader.kind, reader.name, reader.state) == ("id_card_reader", "id_reader", "offline")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fingerprint": "yes"}, "option fingerprint: 'yes' is not true or false"),
        ({"poll_interval_s": 0.2}, "option poll_interval_s: 0.2 is outside 0.3"),
        ({"poll_interval_s": True}, "option poll_interval_s: True is not a number"),
        ({"response_timeout_s": "2"}, "option response_timeout_s: '2' is not a number"),
        ({"response_timeout_s": 0}, "option response_timeout_s: 0 is outside"),
        ({"baud": 9600}, "option baud: unknown"),
    ],
)
def test_bad_options_name_the_option(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build("id_reader", "/dev/ttyUSB0", options)
