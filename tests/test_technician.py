"""The technician PIN: scrypt hashes, and a lock-out after five failures."""

from __future__ import annotations

import pytest

from kiosk.technician import (
    LOCKOUT_S,
    MAX_FAILURES,
    PinGuard,
    PinHashError,
    hash_pin,
    parse_pin_hash,
)
from kiosk.timers import ManualScheduler


def test_a_hash_accepts_its_pin_only() -> None:
    guard = PinGuard(hash_pin("135790"), ManualScheduler())
    assert not guard.attempt("135791")
    assert guard.attempt("135790")


def test_the_same_pin_hashes_differently_each_time() -> None:
    assert hash_pin("135790") != hash_pin("135790")


def test_five_failures_lock_out_even_the_right_pin_for_five_minutes() -> None:
    clock = ManualScheduler()
    guard = PinGuard(hash_pin("135790"), clock)
    for _ in range(MAX_FAILURES):
        assert not guard.attempt("000000")
    assert guard.locked_for() == LOCKOUT_S
    assert not guard.attempt("135790")
    clock.advance(LOCKOUT_S - 1)
    assert not guard.attempt("135790")
    clock.advance(1)
    assert guard.attempt("135790")


def test_a_success_forgets_earlier_failures() -> None:
    guard = PinGuard(hash_pin("135790"), ManualScheduler())
    for _ in range(MAX_FAILURES - 1):
        guard.attempt("1")
    assert guard.attempt("135790")
    for _ in range(MAX_FAILURES - 1):
        guard.attempt("1")
    assert guard.locked_for() == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "135790",
        "scrypt$16384$8$1$c2FsdA==",
        "scrypt$16$8$1$c2FsdA==$" + "A" * 44,
        "scrypt$16384$8$1$!!!$" + "A" * 44,
        "bcrypt$16384$8$1$c2FsdA==$" + "A" * 44,
    ],
)
def test_malformed_or_weak_hashes_are_refused(text: str) -> None:
    with pytest.raises(PinHashError):
        parse_pin_hash(text)
