"""A keyboard-wedge (USB-HID) scanner: it types each code, so its keys must be told from a person's.

Options (the device's TOML table):

- `max_gap_ms` (int, default 30): a burst is a scan when its average gap between keys is below
  this (scanners send a key about every 8 ms; nobody types 6 keys that fast).
- `min_length` (int, default 6): fewest characters of a scan.
- `prefix`, `suffix` (str, default ""): text the scanner is set to add around each code. When
  set, a burst is a scan only if it carries them, whatever its length, and a suffix also ends a
  scan that has no Enter/Tab. They are removed from the code.

`WedgeDecoder` sees each key (a character, `ENTER` or `TAB`) with its time in seconds and holds
it while it may still belong to a scan; each call returns what it decided, in key order:

- `Scan`: a code; its keys (with the Enter/Tab that ended it) must not reach the form.
- `Typed`: keys a person typed, to give back to the widget that had focus.
- `Dropped`: a burst longer than `MAX_KEYS`, typed too fast for a person, thrown away.

A burst ends with Enter/Tab, with a key that no scanner types (`interrupt`), or when the next
key is late (`deadline`; the Qt side calls `flush` then). A key is late when it comes after
the time that a steady `max_gap` pace allows (counted from the burst's first key) plus
`2 × max_gap`, so one hiccup of the GUI thread inside a scan is forgiven while a person's pace
is not; or more than `5 × max_gap` after the previous key. A person's key is so given back
when their next key comes or about 90 ms later (150 ms at most). Every key ends up in exactly
one decision, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from devices.codes import Code, CodeScanned
from devices.device import Device
from devices.model import DeviceInfo, DeviceState, HealthLevel, Notice, Problem
from devices.options import Options
from devices.scanner import (
    INTERACTIVE_WAIT_S,
    MAX_LINE_BYTES,
    scanner_health,
)

ENTER, TAB = "\r", "\t"
TERMINATORS = frozenset((ENTER, TAB))
MAX_KEYS = MAX_LINE_BYTES  # a code of the longest QR code, typed


@dataclass(frozen=True)
class Scan:
    code: Code
    keys: str  # every key the scan consumed: prefix, code, suffix, Enter/Tab


@dataclass(frozen=True)
class Typed:
    keys: str


@dataclass(frozen=True)
class Dropped:
    count: int  # keys


Decision = Scan | Typed | Dropped


class WedgeDecoder:
    def __init__(
        self,
        max_gap_s: float = 0.030,
        min_length: int = 6,
        prefix: str = "",
        suffix: str = "",
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._max_gap_s, self._min_length, self._max_keys = max_gap_s, min_length, max_keys
        self._prefix, self._suffix = prefix, suffix
        self._held: list[str] = []
        self._dropping = 0  # keys dropped so far of a too-long burst
        self._first = self._last = 0.0

    @property
    def pending(self) -> int:
        """Keys not decided yet: while non-zero, the latest key was not given back."""
        return len(self._held) + self._dropping

    @property
    def deadline(self) -> float | None:
        """When the burst ends if no key comes: the time to call `flush`."""
        if not self.pending:
            return None
        after_last = self._last + 5 * self._max_gap_s
        if self._dropping:
            return after_last
        paced = self._first + self._max_gap_s * (len(self._held) + 2)
        return min(paced, after_last)

    def feed(self, key: str, at: float) -> list[Decision]:
        decisions = self.flush(at)
        if self._dropping:
            self._dropping += 1
            self._last = at
            if key in TERMINATORS:
                decisions += self._end(at, terminator="")
        elif key in TERMINATORS:
            decisions += self._end(at, terminator=key)
        else:
            if not self._held:
                self._first = at
            self._held.append(key)
            self._last = at
            if len(self._held) > self._max_keys:
                self._dropping = len(self._held)
                self._held.clear()
        return decisions

    def flush(self, now: float) -> list[Decision]:
        deadline = self.deadline
        return self.interrupt() if deadline is not None and now >= deadline else []

    def interrupt(self) -> list[Decision]:
        """End the burst now: a key no scanner types, a click, a closed device."""
        return self._end(self._last, terminator="")

    def _end(self, at: float, terminator: str) -> list[Decision]:
        if self._dropping:
            count, self._dropping = self._dropping, 0
            return [Dropped(count)]
        keys = "".join(self._held) + terminator
        self._held.clear()
        if not keys:
            return []
        code = self._code(keys, at, terminated=bool(terminator))
        return [Scan(code, keys)] if code is not None else [Typed(keys)]

    def _code(self, keys: str, at: float, terminated: bool) -> Code | None:
        """The code if these keys were a scan, else None."""
        gaps = len(keys) - 1
        if gaps < 1 or (at - self._first) / gaps >= self._max_gap_s:
            return None  # a person's pace
        text = keys[:-1] if terminated else keys
        if not (self._prefix or self._suffix):
            body = text if terminated and len(text) >= self._min_length else ""
        elif text.startswith(self._prefix) and text.endswith(self._suffix):
            # Without Enter/Tab only a suffix says that the code is complete.
            complete = terminated or bool(self._suffix)
            body = text[len(self._prefix) : len(text) - len(self._suffix)] if complete else ""
        else:
            body = ""
        return Code(body, body.encode("utf-8", "surrogatepass"), "") if body else None


class WedgeScanner(Device):
    """The decoder as a device: status, counters and `CodeScanned` events like every scanner.
    The Qt side calls `feed`, `flush` and `interrupt` on the GUI thread."""

    kind = "wedge_scanner"

    def __init__(
        self, name: str, decoder: WedgeDecoder, interactive_wait_s: float = INTERACTIVE_WAIT_S
    ) -> None:
        super().__init__(name)
        self._decoder = decoder
        self._interactive_wait_s = interactive_wait_s

    @property
    def pending(self) -> int:
        return self._decoder.pending

    @property
    def deadline(self) -> float | None:
        return self._decoder.deadline

    def feed(self, key: str, at: float) -> list[Decision]:
        with self._lock:
            if self._state is DeviceState.ONLINE:
                decisions = self._decoder.feed(key, at)
            else:  # closed: every key is the person's
                decisions = [*self._decoder.interrupt(), Typed(key)]
        return self._announce(decisions)

    def flush(self, now: float) -> list[Decision]:
        with self._lock:
            decisions = self._decoder.flush(now)
        return self._announce(decisions)

    def interrupt(self) -> list[Decision]:
        with self._lock:
            decisions = self._decoder.interrupt()
        return self._announce(decisions)

    def _announce(self, decisions: list[Decision]) -> list[Decision]:
        for decision in decisions:
            if isinstance(decision, Scan):
                self._count("codes")
                self._emit(CodeScanned(self.name, decision.code))
            elif isinstance(decision, Dropped):
                self._count("dropped")
                self._report(
                    Problem(
                        "wedge.burst_too_long",
                        f"dropped {decision.count} keys typed in one fast burst, longer than "
                        "any code: a scanner typing garbage?",
                        Notice.CODE_UNREADABLE,
                    )
                )
        return decisions

    def _connect(self) -> None:
        self._info = DeviceInfo(model="keyboard-wedge scanner", port="keyboard")

    def _run(self, stop: threading.Event) -> None:
        stop.wait()  # the keys come from the Qt side, not from a port

    def _disconnect(self) -> None:
        pass

    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]:
        where = "keys come from the GUI's keyboard input; a scan is told by its pace"
        return scanner_health(self, level, where, self._interactive_wait_s)


def build(name: str, port: str, options: Mapping[str, object]) -> WedgeScanner:
    """`port` is unused: a wedge scanner is a keyboard."""
    given = Options(options)
    decoder = WedgeDecoder(
        max_gap_s=given.integer("max_gap_ms", 30, (1, 1000)) / 1000,
        min_length=given.integer("min_length", 6, (1, 8192)),
        prefix=given.text("prefix", "", forbidden=ENTER + TAB),
        suffix=given.text("suffix", "", forbidden=ENTER + TAB),
    )
    given.reject_unknown()
    return WedgeScanner(name, decoder)
