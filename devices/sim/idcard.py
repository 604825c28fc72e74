"""A simulated ID card reader that speaks the SAM serial protocol (GA 467) on a pseudo-terminal.

It answers the real command set (reset SAM, SAM status, SAM ID, find, select, read, read with
fingerprint) with real frames, for synthetic cards of every type, and fails on command the way
real readers do:

- no card (`lift()`), a card read already and still lying there (find answers 80 until it is
  lifted; `refinds_read_card=True` makes it answer 9F like some readers do), a card type the
  SAM does not know (the `UNKNOWN_TYPE_CARD` answers 40 to read);
- a card lifted mid-read (`lift_during_next_read()`: find and select succeed, read answers 41);
- wire faults on the next answers (`inject`): bad checksum, garbage before the frame, silence;
  or any raw bytes instead of an answer (`answer_next_with`);
- a failing SAM (`fail_sam(0x60)`: every command answers that SW3 until `heal_sam()`);
- unplug and replug of the port.

`commands` records when each command arrived, so tests can check the polling rhythm.

From the command line: `python -m devices.sim idcard [--citizen N]` prints the port to open and
then takes commands on stdin (see `COMMANDS_HELP`).
"""

from __future__ import annotations

import argparse
import enum
import hashlib
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devices.idcard import idnumber
from devices.idcard.card import (
    FOREIGN_PERMANENT_2017,
    FOREIGN_PERMANENT_2023,
    HMT_RESIDENCE_PERMIT,
    RESIDENT,
    TEXT_LENGTH,
    Layout,
)
from devices.idcard.commands import (
    FIND_CARD,
    READ_CARD,
    READ_CARD_WITH_FINGERPRINT,
    RESET_SAM,
    SAM_ID,
    SAM_STATUS,
    SELECT_CARD,
    encode_card_data,
)
from devices.idcard.frames import CorruptFrame, FrameDecoder, encode_response
from devices.sim.pty_port import PtyPort

# Shown by tools as 05.01-20101010-0012345678-1234567890.
SAM_ID_BYTES = (
    bytes([5, 0, 1, 0])
    + (20101010).to_bytes(4, "little")
    + (12345678).to_bytes(4, "little")
    + (1234567890).to_bytes(4, "little")
)
CARD_SERIAL = bytes(8)  # what select answers; readers report the card's chip serial here
GARBAGE = bytes.fromhex("00ff1337aaaa")  # ends like a preamble, so decoders must resync


class WireFault(enum.Enum):
    CORRUPT = "corrupt"  # the answer's checksum is wrong
    GARBAGE = "garbage"  # stray bytes before the answer
    SILENCE = "silence"  # no answer at all


@dataclass(frozen=True)
class SimCard:
    label: str
    text: bytes  # the 256-byte text block
    photo: bytes  # 1024 bytes standing in for the WLT photo
    fingerprint: bytes = b""  # two 512-byte templates, or none
    read_result: int = 0x90  # what read answers: 0x40 for a card type the SAM does not know


# -- synthetic citizens --------------------------------------------------------------------------


def text_block(layout: Layout, values: Mapping[str, str]) -> bytes:
    """A text block: each field UCS-2 little-endian, padded with spaces to its width."""
    block = b""
    for name, width in layout:
        raw = values.get(name, "").encode("utf-16-le")
        if len(raw) > width:
            raise ValueError(f"{name} {values[name]!r} is longer than {width} bytes")
        block += raw + " ".encode("utf-16-le") * ((width - len(raw)) // 2)
    return block


def with_check_digit(first_17: str) -> str:
    return first_17 + idnumber.check_digit(first_17)


def _card(label: str, layout: Layout, fingerprint: bool = False, **values: str) -> SimCard:
    seed = hashlib.sha256(values["number"].encode()).digest()
    return SimCard(
        label,
        text_block(layout, values),
        photo=seed * 32,
        fingerprint=(seed[::-1] * 32) if fingerprint else b"",
    )


CITIZENS: tuple[SimCard, ...] = (
    _card(
        "resident, no expiry, aged over 60",
        RESIDENT,
        fingerprint=True,
        name="王秀英",
        sex="2",
        nation="01",
        birth="19580312",
        address="北京市东城区景山前街4号",
        number=with_check_digit("11010119580312002"),
        authority="北京市公安局东城分局",
        valid_from="20160520",
        valid_to="长期",
    ),
    _card(
        "resident, valid to 2041",
        RESIDENT,
        name="李明",
        sex="1",
        nation="01",
        birth="19900715",
        address="广东省广州市天河区体育西路191号中石化大厦B座2708室",
        number=with_check_digit("44010619900715123"),
        authority="广州市公安局天河分局",
        valid_from="20210601",
        valid_to="20410601",
    ),
    _card(
        "resident, Uyghur, expired in 2019",
        RESIDENT,
        name="阿依古丽·买买提",
        sex="2",
        nation="05",
        birth="19870423",
        address="新疆维吾尔自治区乌鲁木齐市天山区解放南路88号",
        number=with_check_digit("65010219870423004"),
        authority="乌鲁木齐市公安局天山分局",
        valid_from="20090815",
        valid_to="20190815",
    ),
    _card(
        "Hong Kong residence permit (J)",
        HMT_RESIDENCE_PERMIT,
        name="陈家豪",
        sex="1",
        birth="19851102",
        address="广东省深圳市福田区福华三路100号",
        number=with_check_digit("81000019851102001"),
        authority="深圳市公安局福田分局",
        valid_from="20230301",
        valid_to="20280301",
        pass_number="H01234567",
        issue_count="01",
        type="J",
    ),
    _card(
        "foreign permanent resident, 2017 card (I)",
        FOREIGN_PERMANENT_2017,
        english_name="JOHNSON, EMILY ROSE",
        sex="2",
        number="USA110087051512",
        nationality="USA",
        name="艾米丽",
        valid_from="20180616",
        valid_to="20280615",
        birth="19870515",
        card_version="20",
        authority="1100",
        type="I",
    ),
    _card(
        "foreign permanent resident, 2023 card (Y)",
        FOREIGN_PERMANENT_2023,
        fingerprint=True,
        name="穆勒",
        sex="1",
        issue_count="00",
        birth="19790228",
        english_name="MUELLER-SCHMIDT, ALEXANDER MAXIMILI",
        english_name_more="AN JAN",
        number=with_check_digit("91127619790228001"),
        valid_from="20231201",
        valid_to="20331130",
        nationality="DEU",
        type="Y",
        previous_number_link="DEU",
    ),
)
UNKNOWN_TYPE_CARD = SimCard(
    "a transport card (unknown type)", bytes(TEXT_LENGTH), bytes(1024), read_result=0x40
)


# -- the reader ----------------------------------------------------------------------------------

COMMANDS_KEPT = 10_000


class IdCardSimulator:
    def __init__(self, workdir: Path, *, refinds_read_card: bool = False) -> None:
        self.refinds_read_card = refinds_read_card
        # (time.monotonic(), CMD PARA), the last COMMANDS_KEPT to COMMANDS_KEPT * 2 of them:
        # a simulator polled for days must not grow.
        self.commands: list[tuple[float, bytes]] = []
        self._pty = PtyPort(workdir / "idcard-sim")
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()
        self._card: SimCard | None = None
        self._found = self._selected = self._read_done = False
        self._faults: deque[tuple[WireFault, bytes | None]] = deque()
        self._raw_answers: deque[bytes] = deque()
        self._lift_during_read = False
        self._sam_failure = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        """The port the adapter opens: a symlink to the pty, like /dev/serial/by-id/..."""
        return self._pty.path

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._pty.close()

    # -- what a person does -------------------------------------------------------------------

    def place(self, card: SimCard) -> None:
        with self._lock:
            self._card = card
            self._found = self._selected = self._read_done = False

    def lift(self) -> None:
        with self._lock:
            self._card = None
            self._found = self._selected = self._read_done = False

    # -- faults -------------------------------------------------------------------------------

    def inject(self, fault: WireFault, count: int = 1, command: bytes | None = None) -> None:
        """Spoil the next `count` answers (to `command` only, e.g. b"\\x30\\x01", if given)."""
        with self._lock:
            self._faults.extend([(fault, command)] * count)

    def answer_next_with(self, raw: bytes) -> None:
        """Send `raw` instead of the answer to the next command."""
        with self._lock:
            self._raw_answers.append(raw)

    def lift_during_next_read(self) -> None:
        with self._lock:
            self._lift_during_read = True

    def fail_sam(self, result: int = 0x60) -> None:
        with self._lock:
            self._sam_failure = result

    def heal_sam(self) -> None:
        with self._lock:
            self._sam_failure = 0

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._raw_answers.clear()
            self._lift_during_read = False

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults) + len(self._raw_answers)

    def unplug(self) -> None:
        self._pty.unplug()

    def replug(self) -> None:
        with self._lock:
            self._decoder = FrameDecoder()
        self._pty.replug()

    # -- serving ------------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            data = self._pty.read(0.05)
            if not data:
                continue
            with self._lock:
                items = self._decoder.feed(data)
            for item in items:
                if isinstance(item, CorruptFrame):
                    result = 0x10 if item.reason.startswith("checksum") else 0x11
                    self._pty.write(encode_response(result))
                else:
                    self._answer(item.body)

    def _answer(self, body: bytes) -> None:
        key = body[:2]
        with self._lock:
            self.commands.append((time.monotonic(), key))
            if len(self.commands) > 2 * COMMANDS_KEPT:
                del self.commands[:-COMMANDS_KEPT]
            answer = self._respond(key)
            fault = self._take_fault(key)
            raw = self._raw_answers.popleft() if self._raw_answers else None
        if raw is not None:
            answer = raw
        elif fault is WireFault.SILENCE:
            return
        elif fault is WireFault.CORRUPT:
            answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
        elif fault is WireFault.GARBAGE:
            answer = GARBAGE + answer
        self._pty.write(answer)

    def _take_fault(self, key: bytes) -> WireFault | None:
        for index, (fault, command) in enumerate(self._faults):
            if command is None or command == key:
                del self._faults[index]
                return fault
        return None

    def _respond(self, key: bytes) -> bytes:
        if self._sam_failure:
            return encode_response(self._sam_failure)
        if key in (RESET_SAM.key, SAM_STATUS.key):
            return encode_response(0x90)
        if key == SAM_ID.key:
            return encode_response(0x90, SAM_ID_BYTES)
        if key == FIND_CARD.key:
            return self._find()
        if key == SELECT_CARD.key:
            return self._select()
        if key in (READ_CARD.key, READ_CARD_WITH_FINGERPRINT.key):
            return self._read(with_fingerprint=key == READ_CARD_WITH_FINGERPRINT.key)
        return encode_response(0x21)

    def _find(self) -> bytes:
        if self._card is None or (self._read_done and not self.refinds_read_card):
            return encode_response(0x80)
        self._found = True
        return encode_response(0x9F, bytes(4))

    def _select(self) -> bytes:
        if self._card is None or not self._found:
            return encode_response(0x81)
        self._selected = True
        return encode_response(0x90, CARD_SERIAL)

    def _read(self, with_fingerprint: bool) -> bytes:
        card = self._card
        if card is None or not self._selected:
            return encode_response(0x41)
        if self._lift_during_read:
            self._lift_during_read = False
            self._card, self._found, self._selected = None, False, False
            return encode_response(0x41)
        if card.read_result != 0x90:
            return encode_response(card.read_result)
        # The card stays selected, so a read sent again (after a garbled answer) answers again;
        # only a new find sees it has been read.
        self._read_done = True
        fingerprint = card.fingerprint if with_fingerprint else None
        return encode_response(0x90, encode_card_data(card.text, card.photo, fingerprint))


# -- command line --------------------------------------------------------------------------------

COMMANDS_HELP = """commands on stdin, one per line:
  list                    the cards, numbered
  place N                 place card N on the reader
  lift                    take the card away
  fault corrupt|garbage|silence   spoil the next answer
  fault lift-mid-read     the next read fails (41) as the card is lifted
  sam fail|heal           the SAM fails its self-test (60) / works again
  unplug | replug         pull / reconnect the cable
  quit                    stop (as does Ctrl-C)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = "Serve a simulated ID card reader on a pseudo-terminal; print its path."
    parser.epilog = COMMANDS_HELP
    parser.add_argument(
        "--citizen", type=int, metavar="N", help="place card N at start (numbers as `list` shows)"
    )
    parser.add_argument("--dir", type=Path, help="where to put the port link (default: temp dir)")


def run(args: argparse.Namespace) -> None:
    cards = (*CITIZENS, UNKNOWN_TYPE_CARD)
    with tempfile.TemporaryDirectory() as temporary:
        simulator = IdCardSimulator(args.dir or Path(temporary))
        simulator.start()
        try:
            if args.citizen:
                simulator.place(cards[args.citizen - 1])
            print(simulator.address, flush=True)
            for line in sys.stdin:
                reply = _command(simulator, cards, line.split())
                if reply is None:
                    return
                print(reply, flush=True)
            threading.Event().wait()  # stdin closed: serve until Ctrl-C
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()


def _command(
    simulator: IdCardSimulator, cards: tuple[SimCard, ...], words: list[str]
) -> str | None:
    """Do one stdin command; its reply, or None to quit."""
    match words:
        case ["quit"]:
            return None
        case ["list"]:
            return "\n".join(f"{n}: {card.label}" for n, card in enumerate(cards, start=1))
        case ["place", number] if number.isdigit() and 1 <= int(number) <= len(cards):
            simulator.place(cards[int(number) - 1])
            return f"placed {cards[int(number) - 1].label}"
        case ["lift"]:
            simulator.lift()
            return "lifted"
        case ["fault", "lift-mid-read"]:
            simulator.lift_during_next_read()
            return "the next read fails as the card is lifted"
        case ["fault", name] if name in {fault.value for fault in WireFault}:
            simulator.inject(WireFault(name))
            return f"the next answer: {name}"
        case ["sam", "fail"]:
            simulator.fail_sam()
            return "SAM failing (60)"
        case ["sam", "heal"]:
            simulator.heal_sam()
            return "SAM working"
        case ["unplug"]:
            simulator.unplug()
            return "unplugged"
        case ["replug"]:
            simulator.replug()
            return f"replugged at {simulator.address}"
        case []:
            return ""
    return f"unknown command {' '.join(words)!r}\n{COMMANDS_HELP}"
