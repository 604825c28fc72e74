"""Wrong PINs and lock-outs outlive a restart (§7): pulling the plug gives a guesser no more
tries, a clock set back does not lock staff out for longer, and a damaged file neither crashes
the kiosk nor locks everyone out for good."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kiosk.events import EventBus
from kiosk.helpers import HelperDesk
from kiosk.lockouts import LockoutFile
from kiosk.technician import LOCKOUT_S, MAX_FAILURES, PinGuard, hash_pin
from kiosk.timers import ManualScheduler

PIN = "135790"
PIN_HASH = hash_pin(PIN)


class Wall:
    """The wall clock, set by the test: lock-outs are kept in wall-clock time."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def restarted(path: Path, wall: Wall) -> PinGuard:
    """The technician's guard as a kiosk (re)started on `path` builds it."""
    return PinGuard(PIN_HASH, ManualScheduler(), LockoutFile(path, wall))


def test_a_lock_out_outlives_a_restart_and_ends_on_time(tmp_path: Path) -> None:
    path, wall = tmp_path / "pin-lockouts.json", Wall()
    guard = restarted(path, wall)
    for _ in range(MAX_FAILURES):
        assert not guard.attempt("000000")
    wall.now += 60
    guard = restarted(path, wall)  # the plug pulled a minute later
    assert guard.locked_for() == LOCKOUT_S - 60
    assert not guard.attempt(PIN)
    wall.now += LOCKOUT_S - 60
    assert restarted(path, wall).attempt(PIN)


def test_wrong_pins_before_a_restart_count_after_it(tmp_path: Path) -> None:
    path, wall = tmp_path / "pin-lockouts.json", Wall()
    guard = restarted(path, wall)
    for _ in range(MAX_FAILURES - 1):
        guard.attempt("000000")
    guard = restarted(path, wall)
    assert guard.locked_for() == 0
    assert not guard.attempt("000000")
    assert guard.locked_for() == LOCKOUT_S


def test_the_right_pin_clears_the_count_on_disk(tmp_path: Path) -> None:
    path, wall = tmp_path / "pin-lockouts.json", Wall()
    guard = restarted(path, wall)
    for _ in range(MAX_FAILURES - 1):
        guard.attempt("000000")
    assert guard.attempt(PIN)
    guard = restarted(path, wall)
    guard.attempt("000000")
    assert guard.locked_for() == 0


def test_a_clock_set_back_does_not_stretch_a_lock_out(tmp_path: Path) -> None:
    path, wall = tmp_path / "pin-lockouts.json", Wall()
    guard = restarted(path, wall)
    for _ in range(MAX_FAILURES):
        guard.attempt("000000")
    wall.now -= 24 * 3600
    assert restarted(path, wall).locked_for() == LOCKOUT_S


def test_each_helper_has_a_lock_out_of_their_own_kept_apart(tmp_path: Path) -> None:
    path, wall = tmp_path / "pin-lockouts.json", Wall()
    hashes = {"1024": PIN_HASH, "2048": PIN_HASH}
    desk = HelperDesk(hashes, ManualScheduler(), EventBus(), LockoutFile(path, wall))
    for _ in range(MAX_FAILURES):
        desk.sign_in("1024", "000000")
    desk = HelperDesk(hashes, ManualScheduler(), EventBus(), LockoutFile(path, wall))
    assert desk.locked_for("1024") == LOCKOUT_S
    assert not desk.sign_in("1024", PIN)
    assert desk.sign_in("2048", PIN)
    assert restarted(path, wall).attempt(PIN)  # the technician is not locked out by them


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff garbage",
        b"[1, 2, 3]",
        json.dumps({"technician": {"failures": -1, "locked_until": 0}}).encode(),
        json.dumps({"technician": {"failures": 1}}).encode(),
        b'{"technician": {"failures": 1, "locked_until": NaN}}',
    ],
    ids=["binary", "a list", "negative count", "no end time", "NaN"],
)
def test_a_damaged_file_starts_anew_with_a_warning_and_is_written_whole_again(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path, wall = tmp_path / "pin-lockouts.json", Wall()
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="kiosk.lockouts"):
        guard = restarted(path, wall)
    assert f"{path}" in caplog.text and "starting a new file" in caplog.text
    assert guard.attempt(PIN)
    for _ in range(MAX_FAILURES):
        guard.attempt("000000")
    assert restarted(path, wall).locked_for() == LOCKOUT_S


def test_a_file_that_cannot_be_written_is_logged_and_the_lock_out_holds_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    path = tmp_path / "not-a-folder" / "pin-lockouts.json"
    guard = restarted(path, Wall())
    with caplog.at_level(logging.ERROR, logger="kiosk.lockouts"):
        for _ in range(MAX_FAILURES):
            assert not guard.attempt("000000")
    assert "cannot write" in caplog.text
    assert guard.locked_for() == LOCKOUT_S
    assert not guard.attempt(PIN)


def test_only_the_kiosk_user_may_read_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pin-lockouts.json"
    restarted(path, Wall()).attempt("000000")
    assert path.stat().st_mode & 0o777 == 0o600
