"""Case numbers and queue tickets made offline: never the same number twice in a day, across
restarts, threads, a process killed mid-write, damaged files and a clock put back."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.numbering import KEEP_DAYS, Numbering, NumberingError
from tests.conftest import ROOT

KIOSK = "K-DEMO-0001"
DAY = date(2026, 11, 22)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "numbering.json"


def test_case_numbers_count_up_per_day_and_start_again_the_next_day(path: Path) -> None:
    numbering = Numbering(path, KIOSK)
    assert numbering.next_case_number(DAY) == "K-DEMO-0001-20261122-0001"
    assert numbering.next_case_number(DAY) == "K-DEMO-0001-20261122-0002"
    assert numbering.next_case_number(DAY + timedelta(1)) == "K-DEMO-0001-20261123-0001"
    assert numbering.next_case_number(datetime(2026, 11, 22, 23, 59)) == (
        "K-DEMO-0001-20261122-0003"  # a datetime counts by its date
    )


def test_tickets_count_per_prefix_per_day_apart_from_case_numbers(path: Path) -> None:
    numbering = Numbering(path, KIOSK)
    assert [numbering.next_ticket("A", DAY) for _ in range(3)] == ["A001", "A002", "A003"]
    assert numbering.next_ticket("B", DAY) == "B001"
    assert numbering.next_case_number(DAY).endswith("-0001")
    assert numbering.next_ticket("A", DAY + timedelta(1)) == "A001"
    assert numbering.next_ticket("A", DAY) == "A004"


def test_numbers_go_on_after_a_restart(path: Path) -> None:
    first = Numbering(path, KIOSK)
    first.next_ticket("A", DAY)
    first.next_case_number(DAY)
    again = Numbering(path, KIOSK)
    assert again.next_ticket("A", DAY) == "A002"
    assert again.next_case_number(DAY) == "K-DEMO-0001-20261122-0002"


def test_past_the_last_padded_number_the_numbers_grow_longer_and_stay_unique(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", lambda _: None)  # durability is not the point: 1000 numbers
    numbering = Numbering(path, KIOSK)
    tickets = [numbering.next_ticket("C", DAY) for _ in range(1000)]
    assert tickets[998:] == ["C999", "C1000"]
    assert len(set(tickets)) == 1000


def test_threads_asking_at_once_all_get_different_numbers(path: Path) -> None:
    numbering = Numbering(path, KIOSK)
    got: list[str] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(25):
            number = numbering.next_ticket("A", DAY)
            with lock:
                got.append(number)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == [f"A{n:03d}" for n in range(1, 201)]


CHILD = """
import sys
from datetime import date
from pathlib import Path
from kiosk.numbering import Numbering

numbering = Numbering(Path(sys.argv[1]), "K-DEMO-0001")
while True:
    print(numbering.next_ticket("A", date(2026, 11, 22)), flush=True)
    print(numbering.next_case_number(date(2026, 11, 22)), flush=True)
"""


def test_a_process_killed_at_any_moment_never_makes_a_number_repeat(path: Path) -> None:
    handed_out: list[str] = []
    for round_number in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for _ in range(20 + 7 * round_number):  # killed somewhere in a write, or between
            handed_out.append(child.stdout.readline().strip())
        child.send_signal(signal.SIGKILL)
        handed_out += child.stdout.read().split()  # printed before it died
        child.wait()
    tickets = [number for number in handed_out if not number.startswith("K-")]
    cases = [number for number in handed_out if number.startswith("K-")]
    assert len(set(tickets)) == len(tickets) and len(set(cases)) == len(cases)
    assert tickets == sorted(tickets) and cases == sorted(cases)  # in order across restarts
    after = Numbering(path, KIOSK).next_ticket("A", DAY)
    assert after > tickets[-1]


# -- damaged files ------------------------------------------------------------------------


def test_a_damaged_file_is_replaced_by_its_copy_and_healed(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    numbering = Numbering(path, KIOSK)
    for _ in range(5):
        numbering.next_ticket("A", DAY)
    path.write_bytes(b'{"format": 1, "counters": {"2026-11-')  # torn by a disk fault
    assert numbering.next_ticket("A", DAY) == "A006"
    assert f"{path} is damaged (not JSON" in caplog.text
    caplog.clear()
    assert numbering.next_ticket("A", DAY) == "A007"
    assert "damaged" not in caplog.text  # the next write healed it


def test_an_altered_count_is_caught_by_the_checksum(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    numbering = Numbering(path, KIOSK)
    for _ in range(5):
        numbering.next_ticket("A", DAY)
    stored = json.loads(path.read_text())
    stored["counters"]["2026-11-22"]["A"] = 1  # e.g. one flipped bit
    path.write_text(json.dumps(stored))
    assert numbering.next_ticket("A", DAY) == "A006"
    assert "checksum mismatch" in caplog.text


def damage_both(path: Path) -> None:
    for damaged in (path, path.with_name(path.name + ".bak")):
        damaged.write_bytes(b"\x00\xff garbage")


def test_both_files_damaged_today_stops_numbering_instead_of_starting_again(path: Path) -> None:
    numbering = Numbering(path, KIOSK)
    numbering.next_case_number(DAY)
    damage_both(path)
    today = date.today()  # the files were written today, by this machine's clock
    for _ in range(2):  # and it stays stopped: never quietly reset to 1
        with pytest.raises(NumberingError) as stopped:
            numbering.next_case_number(today)
        assert str(path) in str(stopped.value) and "starts again by itself tomorrow" in str(
            stopped.value
        )
    assert path.read_bytes() == b"\x00\xff garbage"  # left for the technician


def test_damaged_files_last_written_before_today_are_kept_aside_and_counting_starts_again(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    numbering = Numbering(path, KIOSK)
    numbering.next_ticket("A", DAY)
    damage_both(path)
    yesterday = (datetime.now() - timedelta(days=1)).timestamp()
    for damaged in (path, path.with_name(path.name + ".bak")):
        os.utime(damaged, (yesterday, yesterday))
    assert numbering.next_ticket("A", date.today()) == "A001"
    assert path.with_name("numbering.json.damaged").read_bytes() == b"\x00\xff garbage"
    assert "starting again" in caplog.text
    assert numbering.next_ticket("A", date.today()) == "A002"


def test_a_file_that_is_not_ours_is_not_taken_for_counters(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 1, "counters": {"2026-11-22": {"A": "7"}}}))
    with pytest.raises(NumberingError, match="counters malformed"):
        Numbering(path, KIOSK).next_ticket("A", date.today())


def test_a_folder_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    numbering = Numbering(blocker / "numbering.json", KIOSK)
    with pytest.raises(NumberingError, match=f"cannot write {blocker / 'numbering.json'}"):
        numbering.next_ticket("A", DAY)


# -- the clock ----------------------------------------------------------------------------


def test_a_clock_put_back_goes_on_from_that_days_numbers(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    numbering = Numbering(path, KIOSK)
    numbering.next_ticket("A", DAY)
    numbering.next_ticket("A", DAY + timedelta(1))  # the clock ran a day ahead
    with caplog.at_level(logging.WARNING):
        assert numbering.next_ticket("A", DAY) == "A002"
    assert "clock put back?" in caplog.text


def test_only_recent_days_are_kept_and_an_older_day_asked_for_still_never_repeats(
    path: Path,
) -> None:
    numbering = Numbering(path, KIOSK)
    for offset in range(KEEP_DAYS + 5):
        numbering.next_ticket("A", DAY + timedelta(offset))
    assert len(json.loads(path.read_text())["counters"]) == KEEP_DAYS
    assert numbering.next_ticket("A", DAY) == "A001"  # forgotten: older than every kept day
    assert numbering.next_ticket("A", DAY) == "A002"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "a", "A1", "ABCD", "Ä", "A\n"])
def test_a_bad_ticket_prefix_is_refused(path: Path, prefix: str) -> None:
    with pytest.raises(ValueError, match="ticket prefix"):
        Numbering(path, KIOSK).next_ticket(prefix, DAY)


@pytest.mark.parametrize("kiosk_id", ["", "-K", "K 1", "K/1", "K" * 65])
def test_a_bad_kiosk_id_is_refused(path: Path, kiosk_id: str) -> None:
    with pytest.raises(ValueError, match="kiosk id"):
        Numbering(path, kiosk_id)
