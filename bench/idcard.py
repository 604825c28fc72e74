"""ID card read time against the serial wire time of its bytes (DESIGN.md §8).

A full read is find, select and read, through the adapter's own protocol code (its session,
framing and card parser) against the simulator on a pseudo-terminal. The baseline is how long
the same bytes, both directions, take on the wire at 115200 baud with 10 bits per byte (8N1).
A pty does not throttle to 115200 baud, so the ratio shows the software's cost against the
wire; a real reader adds its own RF time (about half a second to a second per read).

The last row times what a citizen waits for: from placing the card to the reader's `CardRead`
event, which adds the wait for the next poll (up to the polling interval, 0.3 s here; cards are
placed at phases spread evenly over it).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from devices.idcard.card import CardRead, parse_text
from devices.idcard.commands import (
    FIND_CARD,
    READ_CARD,
    READ_CARD_WITH_FINGERPRINT,
    SELECT_CARD,
    Command,
    decode_card_data,
)
from devices.idcard.reader import MIN_POLL_INTERVAL_S, IdCardReader
from devices.idcard.session import BAUDRATE, SamSession
from devices.model import DeviceEvent
from devices.sim.idcard import CITIZENS, IdCardSimulator, SimCard

BITS_PER_BYTE = 10  # start bit, 8 data bits, stop bit
BASELINE = "wire time at 115200 baud (the pty does not throttle)"
TIMEOUT_S = 5.0
PHASES = 10


def run(reads: int) -> list[dict[str, object]]:
    card = CITIZENS[0]  # carries fingerprints, so both read commands move full-size answers
    with tempfile.TemporaryDirectory() as workdir:
        simulator = IdCardSimulator(Path(workdir))
        simulator.start()
        try:
            plain = _session_reads(simulator, card, READ_CARD, reads)
            with_fingerprint = _session_reads(simulator, card, READ_CARD_WITH_FINGERPRINT, reads)
            # The reader reads without fingerprint by default: the same bytes as `plain`.
            placed = _placed_to_event(simulator, card, reads, plain.wire_bytes)
            return [timing.row() for timing in (plain, with_fingerprint, placed)]
        finally:
            simulator.stop()


@dataclass(frozen=True)
class _Timing:
    measure: str
    samples: list[float]
    wire_bytes: int

    def row(self) -> dict[str, object]:
        wire_s = self.wire_bytes * BITS_PER_BYTE / BAUDRATE
        median = statistics.median(self.samples)
        ordered = sorted(self.samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return {
            "measure": self.measure,
            "value_ms": median * 1000,
            "p95_ms": p95 * 1000,
            "baseline_ms": wire_s * 1000,
            "ratio": median / wire_s,
            "bytes": self.wire_bytes,
            "reads": len(self.samples),
            "baseline": BASELINE,
        }


def _session_reads(simulator: IdCardSimulator, card: SimCard, read: Command, reads: int) -> _Timing:
    session = SamSession.open(simulator.address, TIMEOUT_S)
    samples, wire_bytes = [], 0
    try:
        for _ in range(reads + 1):  # the first warms up and is not counted
            simulator.place(card)
            started = time.perf_counter()
            wire_bytes, data = 0, b""
            for command in (FIND_CARD, SELECT_CARD, read):
                exchange = session.exchange(command)
                if exchange.response is None or exchange.response.result != command.success:
                    raise RuntimeError(f"{command} failed in the benchmark: {exchange}")
                wire_bytes += exchange.sent + exchange.received
                data = exchange.response.data
            parts = decode_card_data(data, read is READ_CARD_WITH_FINGERPRINT)
            parse_text(parts.text, parts.photo, parts.fingerprint)
            samples.append(time.perf_counter() - started)
            simulator.lift()
    finally:
        session.close()
    return _Timing(f"find + select + {read}", samples[1:], wire_bytes)


def _placed_to_event(
    simulator: IdCardSimulator, card: SimCard, reads: int, wire_bytes: int
) -> _Timing:
    reader = IdCardReader("bench", simulator.address, poll_interval_s=MIN_POLL_INTERVAL_S)
    read = threading.Event()

    def on_event(event: DeviceEvent) -> None:
        if isinstance(event, CardRead):
            read.set()

    reader.subscribe(on_event)
    reader.open()
    samples = []
    try:
        for index in range(reads):
            # Place cards at phases spread over the polling interval, as people do.
            time.sleep(MIN_POLL_INTERVAL_S * (index % PHASES) / PHASES)
            read.clear()
            simulator.place(card)
            started = time.perf_counter()
            if not read.wait(TIMEOUT_S):
                raise RuntimeError(f"no CardRead within {TIMEOUT_S} s: {reader.status()}")
            samples.append(time.perf_counter() - started)
            simulator.lift()
            _wait_for_a_find(simulator)  # the reader must see the card gone before the next
    finally:
        reader.close()
    return _Timing("card placed -> CardRead event (polling every 0.3 s)", samples, wire_bytes)


def _wait_for_a_find(simulator: IdCardSimulator) -> None:
    seen = len(simulator.commands)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if any(key == FIND_CARD.key for _, key in simulator.commands[seen:]):
            return
        time.sleep(0.01)
    raise RuntimeError("the reader stopped polling")
