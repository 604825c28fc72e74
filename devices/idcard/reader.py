"""The resident ID card reader (SAM serial protocol, GA 467) as a `Device` (DESIGN.md §3).

Opening resets the SAM, checks its status and reads its ID (the device's serial number). The
worker then polls: find card, and for a newly placed card select and read it, and emits
`CardRead`. Each placement gets one read: the card must leave the reader (find fails) before
it is read again, so a card left lying on the reader is not read twice.

What goes wrong, and what follows:
- no answer: the command is sent again; `SILENT_LIMIT` unanswered commands in a row mean the
  reader is gone (POWER_OFF), and the supervisor reopens it;
- a garbled answer (bad checksum, impossible length) or a command the reader got garbled (SW3
  10, 11): sent again, up to `ATTEMPTS` times; counted; only a read that still fails is
  reported, so a citizen is not told to retry a read that then succeeded;
- a card that cannot be read (SW3 31-41, 91, a text block that does not parse): reported as a
  `DeviceError` with the notice for the citizen; the reader stays online;
- a failing SAM (SW3 21, 23, 47, 60, 66): HARDWARE_ERROR, and the supervisor reopens it;
- a port error (unplugged): POWER_OFF.

Options (the device's TOML table; `build` checks them):
- `fingerprint` (bool, default false): read with fingerprint (`30 10`) and carry the two
  fingerprint templates in the card; needs a reader with a fingerprint module.
- `poll_interval_s` (number, default 0.5, at least 0.3): time between find-card commands.
  Readers must not be polled faster than every 300 ms.
- `response_timeout_s` (number, default 2.0, 0.05 to 30): how long to wait for each answer;
  a read takes a real reader up to about a second.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Mapping

from devices.device import Device
from devices.idcard.card import CardParseError, CardRead, IdCard, UnsupportedCardType, parse_text
from devices.idcard.commands import (
    FIND_CARD,
    READ_CARD,
    READ_CARD_WITH_FINGERPRINT,
    RESET_SAM,
    SAM_ID,
    SAM_STATUS,
    SELECT_CARD,
    Command,
    PayloadError,
    decode_card_data,
    format_sam_id,
)
from devices.idcard.frames import Response
from devices.idcard.photo import NoPhotoDecoder, PhotoDecoder
from devices.idcard.session import SamSession
from devices.idcard.sw3 import Effect, lookup
from devices.model import (
    DeviceError,
    DeviceEvent,
    DeviceFault,
    DeviceInfo,
    DeviceState,
    HealthLevel,
    Notice,
    Problem,
)
from devices.options import Options

log = logging.getLogger(__name__)

MODEL = "SAM serial ID card reader (GA 467)"
MIN_POLL_INTERVAL_S = 0.3
ATTEMPTS = 3  # tries per command when answers are garbled or missing
SILENT_LIMIT = 3  # unanswered commands in a row before the reader counts as gone
INTERACTIVE_WAIT_S = 30.0
_LINE_CHECK = (
    "check the serial cable (length, shielding, ground) and that nothing else uses the port"
)


class _Garbled(Exception):
    """No intact answer after every attempt."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.technician)
        self.problem = problem


class IdCardReader(Device):
    kind = "id_card_reader"

    def __init__(
        self,
        name: str,
        port: str,
        *,
        fingerprint: bool = False,
        poll_interval_s: float = 0.5,
        response_timeout_s: float = 2.0,
        photo_decoder: PhotoDecoder | None = None,
        interactive_wait_s: float = INTERACTIVE_WAIT_S,
    ) -> None:
        super().__init__(name)
        if poll_interval_s < MIN_POLL_INTERVAL_S:
            raise ValueError(f"poll interval {poll_interval_s} s is below {MIN_POLL_INTERVAL_S} s")
        self._url = port
        self._read_command = READ_CARD_WITH_FINGERPRINT if fingerprint else READ_CARD
        self._poll_interval_s = poll_interval_s
        self._response_timeout_s = response_timeout_s
        self._photo_decoder = photo_decoder or NoPhotoDecoder()
        self._interactive_wait_s = interactive_wait_s
        self._session: SamSession | None = None
        # One find-select-read at a time, whether the worker or a health check runs it.
        self._sequence = threading.Lock()
        self._next_find_at = 0.0
        self._silent = self._silent_bytes = 0  # unanswered commands in a row, bytes they got
        self._awaiting_lift = False

    # -- hooks --------------------------------------------------------------------------------

    def _connect(self) -> None:
        self._silent = self._silent_bytes = 0
        self._awaiting_lift, self._next_find_at = False, 0.0
        self._session = SamSession.open(self._url, self._response_timeout_s)
        self._require(RESET_SAM)
        self._require(SAM_STATUS)
        answer = self._require(SAM_ID)
        try:
            serial = format_sam_id(answer.data)
        except PayloadError as error:
            raise DeviceFault(
                DeviceState.HARDWARE_ERROR,
                Problem("idcard.sam_id", f"{SAM_ID}: {error}", Notice.DEVICE_UNAVAILABLE),
            ) from error
        self._info = DeviceInfo(model=MODEL, serial=serial, port=self._url)

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(max(0.0, self._next_find_at - time.monotonic())):
            with self._sequence:
                self._poll()

    def _disconnect(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]:
        if level is HealthLevel.INTERACTIVE:
            return self._wait_for_a_card()
        if self._session is None:
            return False, [f"port {self._url} is not open"]
        with self._sequence:
            try:
                if level is HealthLevel.INTERNAL:
                    return self._check_sam()
                return self._test_read()
            except _Garbled as garbled:
                return False, [garbled.problem.technician]

    # -- polling ------------------------------------------------------------------------------

    def _poll(self) -> None:
        self._count("polls")
        outcome = self._attempt()
        if isinstance(outcome, Problem):
            self._report(outcome)
        elif outcome is not None:
            self._count("reads")
            self._emit(CardRead(self.name, outcome, self._decode_photo(outcome)))

    def _attempt(self) -> IdCard | Problem | None:
        """Find a newly placed card and read it: the card, why it failed, or None (no new card)."""
        try:
            found = self._command(FIND_CARD)
        except _Garbled as garbled:
            return garbled.problem
        if found.result != FIND_CARD.success:
            if lookup(found.result).effect is Effect.NO_CARD:
                self._awaiting_lift = False
            return self._failure(FIND_CARD, found.result)
        if self._awaiting_lift:
            return None
        outcome = self._select_and_read()
        if isinstance(outcome, Problem):
            self._count("read_errors")
        return outcome

    def _select_and_read(self) -> IdCard | Problem | None:
        try:
            selected = self._command(SELECT_CARD)
            if selected.result != SELECT_CARD.success:
                return self._failure(SELECT_CARD, selected.result)
            self._awaiting_lift = True  # a failed read too: the citizen places the card again
            read = self._command(self._read_command)
        except _Garbled as garbled:
            return garbled.problem
        if read.result != self._read_command.success:
            return self._failure(self._read_command, read.result)
        return self._parse(read.data)

    def _parse(self, data: bytes) -> IdCard | Problem:
        command = self._read_command
        try:
            parts = decode_card_data(data, with_fingerprint=command is READ_CARD_WITH_FINGERPRINT)
            return parse_text(parts.text, parts.photo, parts.fingerprint)
        except PayloadError as error:
            return Problem(
                "idcard.read_malformed",
                f"{command}: {error}; the reader does not answer as GA 467 says: check its model",
                Notice.PLACE_CARD_AGAIN,
            )
        except UnsupportedCardType as error:
            return Problem(
                "idcard.card_not_supported",
                f"{command}: {error}; a card type newer than this software",
                Notice.CARD_NOT_SUPPORTED,
            )
        except CardParseError as error:
            return Problem(
                "idcard.card_invalid",
                f"{command}: the card's text was rejected: {error}; the card is damaged, altered "
                "or not genuine (if every card fails, check the reader)",
                Notice.CARD_INVALID,
            )

    def _failure(self, command: Command, result: int) -> Problem | None:
        """What an unsuccessful SW3 means: None for "no card", a problem, or a dead reader."""
        entry = lookup(result)
        if entry.effect is Effect.READER_FAILED:
            raise DeviceFault(DeviceState.HARDWARE_ERROR, entry.problem(str(command)))
        if entry.effect is Effect.NO_CARD:
            return None
        if entry.effect is Effect.SUCCESS:  # success, but not this command's
            return Problem(
                "idcard.unexpected_answer",
                f"{command}: reader answered SW3 {result:02X} ({entry.meaning}), which this "
                "command never answers; check that the reader speaks GA 467",
                Notice.PLACE_CARD_AGAIN,
            )
        return entry.problem(str(command))

    def _decode_photo(self, card: IdCard) -> bytes | None:
        try:
            return self._photo_decoder.decode(card.photo_wlt)
        except Exception:  # a vendor library's bug must not stop the reader
            log.exception("%s: the photo decoder failed", self.name)
            return None

    # -- commands -----------------------------------------------------------------------------

    def _command(self, command: Command) -> Response:
        """Send until an intact answer comes (SW3 10/11 included): raises `_Garbled` when all
        `ATTEMPTS` fail, `DeviceFault(POWER_OFF)` when the reader stays silent."""
        session = self._session
        if session is None:
            raise _Garbled(Problem("idcard.closed", f"{command}: port is closed"))
        problem = Problem("idcard.no_answer", f"{command}: no answer")
        for _ in range(ATTEMPTS):
            if self._stop.is_set():  # closing: the worker must not retry for seconds more
                raise DeviceFault(DeviceState.OFFLINE, Problem("idcard.closing", "closing"))
            if command is FIND_CARD:
                self._pace_find()
            exchange = session.exchange(command)
            if exchange.garbage:
                self._count("garbage_bytes", exchange.garbage)
                log.warning("%s: %d stray bytes around %s", self.name, exchange.garbage, command)
            if exchange.silent:
                self._note_silence(command, exchange.received)
                continue
            self._silent = self._silent_bytes = 0
            if exchange.response is None:
                self._count("corrupt_frames")
                log.warning("%s: %s: answer rejected: %s", self.name, command, exchange.corrupt)
                problem = Problem(
                    "idcard.frame_corrupt",
                    f"{command}: answer rejected {ATTEMPTS} times in a row, last: "
                    f"{exchange.corrupt}; {_LINE_CHECK}",
                    Notice.PLACE_CARD_AGAIN,
                )
                continue
            entry = lookup(exchange.response.result)
            if entry.effect is Effect.RESEND:
                self._count("commands_resent")
                problem = entry.problem(str(command))
                continue
            return exchange.response
        raise _Garbled(problem)

    def _pace_find(self) -> None:
        """Keep find-card commands at least a poll interval apart, whoever sends them."""
        time.sleep(max(0.0, self._next_find_at - time.monotonic()))
        self._next_find_at = time.monotonic() + self._poll_interval_s

    def _note_silence(self, command: Command, received: int) -> None:
        self._count("timeouts")
        self._silent += 1
        self._silent_bytes += received
        if self._silent >= SILENT_LIMIT:
            # Bytes without an answer point at the line or the speed; none at all at power.
            came = (
                f"{self._silent_bytes} bytes came back, none of them an answer"
                if self._silent_bytes
                else "nothing came back"
            )
            raise DeviceFault(
                DeviceState.POWER_OFF,
                Problem(
                    "idcard.no_answer",
                    f"no answer from the reader on {self._url} to {self._silent} commands in a "
                    f"row (last: {command}, {self._response_timeout_s:g} s each; {came}): check "
                    "that it is powered and plugged in, that this port is the reader's, and the "
                    "cable",
                    Notice.DEVICE_UNAVAILABLE,
                ),
            )

    def _require(self, command: Command) -> Response:
        """A command that must succeed for the reader to be usable at all."""
        try:
            answer = self._command(command)
        except _Garbled as garbled:
            raise DeviceFault(DeviceState.HARDWARE_ERROR, garbled.problem) from garbled
        if answer.result != command.success:
            raise DeviceFault(
                DeviceState.HARDWARE_ERROR, lookup(answer.result).problem(str(command))
            )
        return answer

    # -- health -------------------------------------------------------------------------------

    def _check_sam(self) -> tuple[bool, list[str]]:
        status = self._command(SAM_STATUS)
        if status.result != SAM_STATUS.success:
            return False, [lookup(status.result).problem(str(SAM_STATUS)).technician]
        sam_id = self._command(SAM_ID)
        if sam_id.result != SAM_ID.success:
            return False, [lookup(sam_id.result).problem(str(SAM_ID)).technician]
        try:
            return True, ["SAM status: OK", f"SAM ID: {format_sam_id(sam_id.data)}"]
        except PayloadError as error:
            return False, [f"{SAM_ID}: {error}"]

    def _test_read(self) -> tuple[bool, list[str]]:
        found = self._command(FIND_CARD)
        if found.result != FIND_CARD.success:
            problem = self._failure(FIND_CARD, found.result)
            if problem is None:
                return True, ["no card on the reader (a card already read must be lifted first)"]
            return False, [problem.technician]
        outcome = self._select_and_read()
        if outcome is None:
            return True, ["the card left the reader before it could be selected"]
        if isinstance(outcome, Problem):
            return False, [outcome.technician]
        return True, [_describe(outcome)]

    def _wait_for_a_card(self) -> tuple[bool, list[str]]:
        if self.state is not DeviceState.ONLINE:
            return False, [f"the reader is not polling ({self.state}): nothing to test"]
        events: queue.Queue[DeviceEvent] = queue.Queue()
        unsubscribe = self.subscribe(events.put)
        deadline = time.monotonic() + self._interactive_wait_s
        try:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    event = events.get(timeout=left)
                except queue.Empty:
                    break
                if isinstance(event, CardRead):
                    return True, [_describe(event.card)]
                if isinstance(event, DeviceError):
                    return False, [f"a card was placed but not read: {event.problem.technician}"]
        finally:
            unsubscribe()
        return False, [f"no card was placed within {self._interactive_wait_s:g} s"]


def _describe(card: IdCard) -> str:
    valid_to = "长期 (no expiry)" if card.valid_to is None else card.valid_to.isoformat()
    return f"read a {card.type.label}: {card.masked_number}, valid to {valid_to}"


# -- composition root ---------------------------------------------------------------------------


def build(name: str, port: str, options: Mapping[str, object]) -> IdCardReader:
    """The reader for a device table; raises `ValueError("option NAME: ...")` for bad options."""
    given = Options(options)
    reader = IdCardReader(
        name,
        port,
        fingerprint=given.boolean("fingerprint", False),
        poll_interval_s=given.number("poll_interval_s", 0.5, (MIN_POLL_INTERVAL_S, 10.0)),
        response_timeout_s=given.number("response_timeout_s", 2.0, (0.05, 30.0)),
    )
    given.reject_unknown()
    return reader
