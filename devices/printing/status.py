"""Real-time status of an ESC/POS printer: `DLE EOT n` and the one byte it answers.

Every answer has bits 1 and 4 set and bits 0 and 7 clear (`0xx1xx10`), which tells it from
stray bytes. The bits read here (Epson ESC/POS reference, `DLE EOT`; the same in python-escpos'
`RT_MASK_*` constants):

- n = 1, printer status: bit 3 offline.
- n = 2, offline cause: bit 2 cover open, bit 5 printing stopped by paper end, bit 6 error.
- n = 3, error cause: bit 3 autocutter error, bit 5 unrecoverable error (answered by the
  simulator; not asked by the adapter, which reports an error from n = 2 bit 6).
- n = 4, roll paper sensor: bits 2–3 paper near end, bits 5–6 paper end.

The adapter decodes answers with `PrinterStatus.parse`; the simulator builds them with
`PrinterStatus.answer`, so both sides share the one reading of the reference.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

DLE_EOT = b"\x10\x04"
FIXED_MASK, FIXED_BITS = 0x93, 0x12

OFFLINE = 0x08  # n = 1
COVER_OPEN, STOPPED_BY_PAPER_END, ERROR = 0x04, 0x20, 0x40  # n = 2
UNRECOVERABLE_ERROR = 0x20  # n = 3
NEAR_END, PAPER_END = 0x0C, 0x60  # n = 4


class Query(enum.IntEnum):
    PRINTER = 1
    OFFLINE_CAUSE = 2
    ERROR_CAUSE = 3
    PAPER = 4

    @property
    def request(self) -> bytes:
        return DLE_EOT + bytes([self])


def is_answer(byte: int) -> bool:
    return byte & FIXED_MASK == FIXED_BITS


@dataclass(frozen=True)
class PrinterStatus:
    offline: bool = False
    cover_open: bool = False
    paper_end: bool = False
    near_end: bool = False
    error: bool = False

    @classmethod
    def parse(cls, printer: int, offline_cause: int, paper: int) -> PrinterStatus:
        return cls(
            offline=bool(printer & OFFLINE),
            cover_open=bool(offline_cause & COVER_OPEN),
            paper_end=bool(offline_cause & STOPPED_BY_PAPER_END or paper & PAPER_END),
            near_end=bool(paper & NEAR_END),
            error=bool(offline_cause & ERROR),
        )

    def answer(self, query: int) -> int:
        """The byte a printer in this state sends for `DLE EOT query`."""
        stopped = self.offline or self.cover_open or self.paper_end or self.error
        bits_by_query: dict[int, int] = {
            Query.PRINTER: OFFLINE * stopped,
            Query.OFFLINE_CAUSE: COVER_OPEN * self.cover_open
            | STOPPED_BY_PAPER_END * self.paper_end
            | ERROR * self.error,
            Query.ERROR_CAUSE: UNRECOVERABLE_ERROR * self.error,
            # The near-end sensor sits before the end, so an empty roll trips both.
            Query.PAPER: NEAR_END * (self.near_end or self.paper_end) | PAPER_END * self.paper_end,
        }
        return FIXED_BITS | bits_by_query.get(query, 0)

    @property
    def ready(self) -> bool:
        return not (self.offline or self.cover_open or self.paper_end or self.error)

    def describe(self) -> str:
        faults = [
            name
            for name, on in (
                ("offline", self.offline),
                ("cover open", self.cover_open),
                ("paper end", self.paper_end),
                ("paper near end", self.near_end),
                ("error", self.error),
            )
            if on
        ]
        return ", ".join(faults) or "ready"
