"""Every SW3 result code of DESIGN.md §3 says what failed, what to check and what to tell."""

from __future__ import annotations

import pytest

from devices.idcard.sw3 import CODES, Effect, lookup
from devices.model import Notice

DESIGN_CODES = [0x90, 0x9F, 0x10, 0x11, 0x21, 0x23, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66]
DESIGN_CODES += [0x80, 0x81, 0x91]


@pytest.mark.parametrize("code", DESIGN_CODES, ids=lambda code: f"{code:02X}")
def test_every_documented_code_has_its_own_entry(code: int) -> None:
    assert code in CODES
    problem = CODES[code].problem("read card (30 01)")
    assert problem.code == f"idcard.sw3.{code:02x}"
    # The technician reads the command, the code, its meaning and what to check.
    assert problem.technician.startswith(f"read card (30 01): reader answered SW3 {code:02X} ")
    assert CODES[code].meaning in problem.technician and CODES[code].check in problem.technician


def test_the_table_holds_the_documented_codes_and_no_others() -> None:
    assert sorted(CODES) == sorted(DESIGN_CODES)


@pytest.mark.parametrize(
    ("code", "notice", "effect"),
    [
        (0x41, Notice.PLACE_CARD_AGAIN, Effect.CARD_FAILED),  # card lifted during the read
        (0x31, Notice.PLACE_CARD_AGAIN, Effect.CARD_FAILED),
        (0x40, Notice.CARD_NOT_SUPPORTED, Effect.CARD_FAILED),
        (0x91, Notice.CARD_INVALID, Effect.CARD_FAILED),
        (0x60, Notice.CALL_STAFF, Effect.READER_FAILED),  # SAM self-test failed
        (0x66, Notice.CALL_STAFF, Effect.READER_FAILED),
        (0x47, Notice.DEVICE_UNAVAILABLE, Effect.READER_FAILED),
        (0x80, Notice.PLACE_CARD_AGAIN, Effect.NO_CARD),
        (0x10, Notice.PLACE_CARD_AGAIN, Effect.RESEND),
    ],
)
def test_the_citizen_is_told_what_fits_the_failure(
    code: int, notice: Notice, effect: Effect
) -> None:
    assert (CODES[code].notice, CODES[code].effect) == (notice, effect)


def test_an_undocumented_code_gets_a_default_that_keeps_the_reader_going() -> None:
    entry = lookup(0x24)
    problem = entry.problem("find card (20 01)")
    assert problem.code == "idcard.sw3.24"
    assert "undocumented" in problem.technician and "firmware" in problem.technician
    assert entry.effect is Effect.CARD_FAILED and problem.notice is Notice.PLACE_CARD_AGAIN
