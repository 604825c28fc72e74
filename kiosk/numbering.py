"""Case numbers and queue tickets made on the kiosk, offline: per-day counters that never give
the same number twice in a day, across restarts, crashes and power cuts.

`Numbering(path, kiosk_id)`: `next_case_number(today)` gives `K-DEMO-0001-20261122-0007`
(`<kiosk_id>-<YYYYMMDD>-<NNNN>`, more digits after 9999), `next_ticket("A", today)` gives
`A001` (per prefix, per day; more digits after 999).

How a number is made durable before anyone sees it: read the counters, add one, write them to
`path` and then to its copy `path.bak` (each write: a temporary file, fsync, rename over the
old file, fsync of the folder), and only then return the number. So both files always hold at
least every number already handed out. A crash before the writes finish loses a number that
nobody got (a gap, never a repeat).

Reading takes, counter by counter, the highest value of the copies that read cleanly (each
carries a SHA-256 of its counters, so bit rot is caught, not just broken JSON). One damaged
copy is logged and healed by the next write. When no copy can be trusted (both damaged, or one
damaged and the other missing), numbering never silently starts again at 1 on the same day:
if a damaged file was written today, `NumberingError` names the files and numbering stops
until tomorrow (or until a technician moves them away, knowing today's numbers restart).
Damaged files last written before today cannot hold today's numbers: they are renamed
`*.damaged` for a technician and counting starts again. Both files missing is a new kiosk (or
a wiped data folder) and starts at 1.

Counters are kept for `KEEP_DAYS` days, so a clock put back a day or two goes on from that
day's numbers instead of reusing them. Tickets do not carry the kiosk id: a site with several
kiosks gives each its own prefixes. Thread-safe within one process; one process per file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from kiosk.ports import CannotSave
from offline_queue.durable_file import write_replacing

log = logging.getLogger(__name__)

FORMAT = 1
KEEP_DAYS = 14
CASE = "case"
KIOSK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # as offline_queue.wire.KioskId
TICKET_PREFIX = re.compile(r"^[A-Z]{1,3}$")

# day (YYYY-MM-DD) -> counter ("case", or a ticket prefix) -> the last number given out
Counters = dict[str, dict[str, int]]


class NumberingError(CannotSave):
    """The counters cannot be read or written safely; the text names the file."""


class Numbering:
    def __init__(self, path: Path, kiosk_id: str) -> None:
        if not KIOSK_ID.fullmatch(kiosk_id):
            raise ValueError(f"kiosk id {kiosk_id!r}: letters, digits, '.', '_', '-' (64 at most)")
        self.path = Path(path)
        self.backup = self.path.with_name(self.path.name + ".bak")
        self.kiosk_id = kiosk_id
        self._lock = threading.Lock()

    def next_case_number(self, today: date) -> str:
        day = _day(today)
        return f"{self.kiosk_id}-{day.replace('-', '')}-{self._next(day, CASE):04d}"

    def next_ticket(self, prefix: str, today: date) -> str:
        if not TICKET_PREFIX.fullmatch(prefix):
            raise ValueError(f"ticket prefix {prefix!r}: one to three capital letters A-Z")
        return f"{prefix}{self._next(_day(today), prefix):03d}"

    def _next(self, day: str, counter: str) -> int:
        with self._lock:
            counters = self._read(day)
            later = [kept for kept in counters if kept > day]
            if later:
                log.warning(
                    "numbering for %s, but counters exist for %s: clock put back?", day, max(later)
                )
            number = counters.setdefault(day, {}).get(counter, 0) + 1
            counters[day][counter] = number
            kept = dict(sorted(counters.items())[-KEEP_DAYS:])
            if day not in kept:  # older than every kept day: keep it too, or it would repeat
                kept[day] = counters[day]
            for target in (self.path, self.backup):
                _write(target, kept)
            return number

    def _read(self, day: str) -> Counters:
        copies: list[Counters] = []
        damaged: dict[Path, str] = {}
        for source in (self.path, self.backup):
            try:
                copies.append(_load(source))
            except (FileNotFoundError, NotADirectoryError):
                pass  # nothing there yet
            except (OSError, ValueError) as error:
                damaged[source] = str(error)
        for source, problem in damaged.items():
            log.error("numbering: %s is damaged (%s)", source, problem)
        if not copies and damaged:
            return self._recover(day, damaged)
        merged: Counters = {}
        for copy in copies:
            for kept, values in copy.items():
                for counter, number in values.items():
                    known = merged.setdefault(kept, {})
                    known[counter] = max(number, known.get(counter, 0))
        return merged

    def _recover(self, day: str, damaged: dict[Path, str]) -> Counters:
        """Start again when no trusted copy is left, but only if none of the damaged files was
        written today (by its modification time): they cannot hold today's numbers then.
        They are kept aside (`.damaged`) for a technician."""
        reasons = "; ".join(f"{source}: {problem}" for source, problem in damaged.items())
        try:
            written = {date.fromtimestamp(source.stat().st_mtime).isoformat() for source in damaged}
        except OSError as error:
            written = {day}
            reasons += f"; {error}"
        if max(written) >= day:
            raise NumberingError(
                f"numbering stopped so that no number of {day} repeats: no trusted counters "
                f"({reasons}). It starts again by itself tomorrow; a technician can move the "
                "files away sooner, which restarts today's numbers at 1."
            )
        try:
            for source in damaged:
                source.replace(source.with_name(source.name + ".damaged"))
        except OSError as error:
            raise NumberingError(f"numbering: cannot move {source} aside: {error}") from error
        log.error("numbering: starting again for %s; the damaged counters were kept aside", day)
        return {}


def _day(today: date) -> str:
    """`YYYY-MM-DD` of a date (a datetime counts by its date)."""
    return date(today.year, today.month, today.day).isoformat()


def _digest(counters: Counters) -> str:
    body = json.dumps(counters, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _load(path: Path) -> Counters:
    """The counters in `path`; `ValueError` saying what is wrong when it is not ours or damaged."""
    try:
        stored: Any = json.loads(path.read_bytes())
    except UnicodeDecodeError as error:
        raise ValueError(f"not text: {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ValueError(f"not a numbering file of format {FORMAT}")
    counters = stored.get("counters")
    if not _well_formed(counters):
        raise ValueError("counters malformed")
    if stored.get("sha256") != _digest(counters):
        raise ValueError("checksum mismatch: the counters were altered or damaged")
    return counters


def _well_formed(counters: object) -> TypeGuard[Counters]:
    if not isinstance(counters, dict):
        return False
    for day, values in counters.items():
        try:
            date.fromisoformat(day)
        except (TypeError, ValueError):
            return False
        if not isinstance(values, dict):
            return False
        for counter, number in values.items():
            if counter != CASE and not TICKET_PREFIX.fullmatch(counter):
                return False
            if type(number) is not int or number < 1:
                return False
    return True


def _write(path: Path, counters: Counters) -> None:
    """Replace `path` atomically and durably: a power cut leaves the old file or the new one."""
    data = json.dumps(
        {"format": FORMAT, "counters": counters, "sha256": _digest(counters)}, sort_keys=True
    ).encode()
    try:
        write_replacing(path, data)
    except OSError as error:
        raise NumberingError(f"numbering: cannot write {path}: {error}") from error
