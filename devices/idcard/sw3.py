"""SW3, the result byte of every SAM response (GA 467), as problems for people (DESIGN.md §3).

Each code says what it means (with the Chinese name vendors' manuals use, so a technician can
match it), what to check, what the citizen is told, and what the adapter does about it
(`Effect`). The stable problem code is `idcard.sw3.<hex>`, e.g. `idcard.sw3.41`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from devices.model import Notice, Problem


class Effect(enum.Enum):
    SUCCESS = "success"  # the command did what was asked
    NO_CARD = "no_card"  # nothing (or nothing still) on the reader: normal while polling
    RESEND = "resend"  # the reader got our command garbled: send it again
    CARD_FAILED = "card_failed"  # this card could not be read; the reader is fine
    READER_FAILED = "reader_failed"  # the reader or its SAM is not usable: hardware error


@dataclass(frozen=True)
class Sw3:
    code: int
    meaning: str
    check: str  # what a technician should check
    notice: Notice
    effect: Effect

    def problem(self, during: str) -> Problem:
        """The problem for this result, answered to the command named by `during`."""
        return Problem(
            f"idcard.sw3.{self.code:02x}",
            f"{during}: reader answered SW3 {self.code:02X} {self.meaning}; {self.check}",
            self.notice,
        )


_LINE = "check the serial cable (length, shielding, ground) and that the port runs at 115200 8N1"

CODES: dict[int, Sw3] = {
    entry.code: entry
    for entry in (
        Sw3(
            0x90, "success (操作成功)", "no action needed", Notice.PLACE_CARD_AGAIN, Effect.SUCCESS
        ),
        Sw3(
            0x9F,
            "card found (寻找证/卡成功)",
            "no action needed",
            Notice.PLACE_CARD_AGAIN,
            Effect.SUCCESS,
        ),
        Sw3(
            0x10,
            "the reader received a command with a bad checksum (接收业务终端数据的校验和错)",
            f"noise on the line from the kiosk to the reader: {_LINE}",
            Notice.PLACE_CARD_AGAIN,
            Effect.RESEND,
        ),
        Sw3(
            0x11,
            "the reader received a command with a wrong length (接收业务终端数据的长度错)",
            f"bytes lost or added on the way to the reader: {_LINE}",
            Notice.PLACE_CARD_AGAIN,
            Effect.RESEND,
        ),
        Sw3(
            0x21,
            "the reader does not know this command (接收业务终端的命令错误)",
            "the reader does not speak this part of the GA 467 SAM protocol; check the reader "
            "model and firmware, and set `fingerprint = false` if it has no fingerprint module",
            Notice.DEVICE_UNAVAILABLE,
            Effect.READER_FAILED,
        ),
        Sw3(
            0x23,
            "operation not permitted (越权操作)",
            "the SAM refused the command: it may be locked or not authorised for this use; "
            "have the reader checked by its supplier",
            Notice.CALL_STAFF,
            Effect.READER_FAILED,
        ),
        Sw3(
            0x31,
            "the card failed to authenticate to the SAM (卡认证机具失败)",
            "the card moved during the exchange, is damaged, or is not a genuine ID card; if one "
            "card fails every time while others read, the card is at fault",
            Notice.PLACE_CARD_AGAIN,
            Effect.CARD_FAILED,
        ),
        Sw3(
            0x32,
            "the SAM failed to authenticate the card (机具认证卡失败)",
            "the card moved during the exchange, is damaged, or is not a genuine ID card; if "
            "every card fails, the SAM is at fault",
            Notice.PLACE_CARD_AGAIN,
            Effect.CARD_FAILED,
        ),
        Sw3(
            0x33,
            "the card's data failed verification (信息验证错误)",
            "the card's signed data did not verify: a damaged or altered card; if every card "
            "fails, the SAM is at fault",
            Notice.PLACE_CARD_AGAIN,
            Effect.CARD_FAILED,
        ),
        Sw3(
            0x40,
            "unknown card type (无法识别的卡类型)",
            "the card on the reader is not an ID card or residence permit this SAM reads (a "
            "bank or transport card, or a card type newer than the SAM firmware)",
            Notice.CARD_NOT_SUPPORTED,
            Effect.CARD_FAILED,
        ),
        Sw3(
            0x41,
            "reading the card failed (读卡操作失败)",
            "the card was lifted or moved during the read, or the RF field is disturbed (metal "
            "near the reader, a second card); if it repeats with cards held still, check the "
            "reader's antenna",
            Notice.PLACE_CARD_AGAIN,
            Effect.CARD_FAILED,
        ),
        Sw3(
            0x47,
            "the SAM failed to produce a random number (取随机数失败)",
            "the SAM is failing; the reader will be reset and reopened; if it repeats, replace "
            "the reader",
            Notice.DEVICE_UNAVAILABLE,
            Effect.READER_FAILED,
        ),
        Sw3(
            0x60,
            "the SAM failed its self-test (SAM自检失败)",
            "the security module is faulty and the reader cannot read cards; replace the reader "
            "or have its SAM serviced by the supplier",
            Notice.CALL_STAFF,
            Effect.READER_FAILED,
        ),
        Sw3(
            0x66,
            "the SAM is not authorised (SAM未经授权)",
            "the security module has not been authorised by the issuing authority or its "
            "authorisation lapsed; contact the reader's supplier",
            Notice.CALL_STAFF,
            Effect.READER_FAILED,
        ),
        Sw3(
            0x80,
            "no card found (寻找证/卡失败)",
            "no card is on the reader, or a card already read is still lying on it",
            Notice.PLACE_CARD_AGAIN,
            Effect.NO_CARD,
        ),
        Sw3(
            0x81,
            "selecting the card failed (选取证/卡失败)",
            "the card left the field between finding and selecting it; place it flat and still",
            Notice.PLACE_CARD_AGAIN,
            Effect.NO_CARD,
        ),
        Sw3(
            0x91,
            "the card has no content for this item (证/卡中此项无内容)",
            "the card's chip holds no data for what was read: a blank, unissued or damaged card",
            Notice.CARD_INVALID,
            Effect.CARD_FAILED,
        ),
    )
}


def lookup(code: int) -> Sw3:
    """The entry for `code`; an undocumented code counts as a failed attempt, not a dead reader."""
    return CODES.get(code) or Sw3(
        code,
        "an undocumented result code",
        "the reader answered outside GA 467; if it repeats, compare the reader model and "
        "firmware with the vendor's list of result codes",
        Notice.PLACE_CARD_AGAIN,
        Effect.CARD_FAILED,
    )
