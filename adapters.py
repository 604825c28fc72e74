"""The composition root's adapters: the flow engine's ports (kiosk/ports.py) on the real parts.

Part of the composition root with `main.py` (DESIGN.md §2): only these two modules know every
package. Each adapter is small and turns one part's API and errors into the port's.
"""

from __future__ import annotations

import logging
import math
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from kiosk.case import Person
from kiosk.config import Config
from kiosk.flow import Printed
from kiosk.i18n import Catalogs
from kiosk.ports import (
    CannotSave,
    EidOutcome,
    FaceOutcome,
    NotFound,
    Payload,
    Records,
    Unavailable,
)
from kiosk.visit import VisitSnapshot

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # loaded with the devices and the queue, after the first paint
    from devices.idcard.card import IdCard
    from devices.printing.document import Document
    from devices.printing.jobs import PrinterDevice
    from devices.supervisor import Supervisor
    from kiosk.counter import Application
    from offline_queue.eid_check import EidChecker
    from offline_queue.outbox import Outbox
    from offline_queue.status import SyncStatus
    from offline_queue.wire import Citizen, QueueStatus


def site_calendar(config: Config) -> Callable[[datetime], date]:
    """The site's calendar day of a moment: case and ticket numbers start again each day."""
    zone = ZoneInfo(config.timezone)
    return lambda moment: moment.astimezone(zone).date()


def printouts(
    config: Config, catalogs: Catalogs
) -> Callable[[VisitSnapshot, Records | None, datetime], Printed]:
    """Makes the printout of a finished step: the document and what to read aloud about it."""
    zone = ZoneInfo(config.timezone)

    def make(s: VisitSnapshot, records: Records | None, now: datetime) -> Printed:
        from kiosk import documents  # Pillow and the document model: not before the first paint

        service, case = s.service, s.case
        assert service is not None
        tr = catalogs.translator(s.language)
        site = tr.pick(config.site_name)
        # Naive, on the site's wall clock: documents print an aware time in this machine's
        # zone, which need not be the site's (a server set to UTC printed 07:40 for 15:40).
        at = now.astimezone(zone).replace(tzinfo=None)

        def verify_url(kind: str) -> str:
            if records is None:
                raise ValueError("no queue: the document cannot be signed")
            subject = case.citizen.masked_number if case.citizen else ""
            claims = {"case": case.case_number, "kind": kind, "iat": int(now.timestamp())}
            return records.document_url({**claims, "sub": subject})

        if case.ticket is not None:
            ticket = case.ticket
            field = service.fields[0]
            business = next(o for o in field.options if o.id == ticket.business)
            out = documents.queue_ticket(
                tr,
                ticket.number,
                tr.pick(business.label),
                ticket.window_group,
                ticket.waiting,
                at,
                site,
                f"{config.site_id}/{at.date().isoformat()}/{ticket.number}",
            )
        elif case.platform is not None:
            out = documents.insurance_certificate(
                tr, case.platform, case.case_number, at, verify_url(service.id), site
            )
        elif case.eid is not None and case.citizen is not None:
            expires = datetime.fromisoformat(case.eid.expires.replace("Z", "+00:00"))
            out = documents.verified_copy(
                tr,
                case.citizen.name,
                case.citizen.masked_number,
                case.eid.checked,  # type: ignore[arg-type]
                expires.astimezone(zone).replace(tzinfo=None),
                case.case_number,
                at,
                verify_url(service.id),
                site,
            )
        elif case.face is not None and case.citizen is not None:
            out = documents.pension_receipt(
                tr,
                case.citizen.name,
                case.citizen.masked_number,
                case.case_number,
                at,
                "passed" if case.face.match else "pending",
                case.face.comparator,
                site,
            )
        else:
            rows = []
            if case.citizen is not None:
                rows.append((tr("confirm.name"), case.citizen.name))
                rows.append((tr("confirm.id_number"), case.citizen.masked_number))
            for field in service.fields:
                if field.kind == "phone" and case.values.get(field.id):
                    phone = documents.mask_phone(case.values[field.id])
                    rows.append((tr.pick(field.label), phone))
            items = [
                (tr.pick(item.name), f"{case.case_number}-{n}")
                for n, item in enumerate(service.items, 1)
            ]
            out = documents.application_receipt(
                tr, tr.pick(service.name), case.case_number, at, rows, site, items
            )
        return Printed(out.document, out.spoken)

    return make


@contextmanager
def _unavailable_when_down() -> Iterator[None]:
    """The platform client's errors as the port's: the platform cannot be used now."""
    from offline_queue.client import PlatformError

    try:
        yield
    except PlatformError as error:
        raise Unavailable(str(error)) from error


def _prefix(ticket: str) -> str:
    return ticket.rstrip("0123456789")


def person_from_card(card: IdCard, today: date) -> Person:
    """The kiosk's view of a card that was read: only what services use."""
    return Person(
        id_number=card.number,
        name=card.display_name,
        source="id_card",
        card_type=str(card.type),
        birth=card.birth,
        sex=card.sex,
        address=card.address,
        expired=card.is_expired(today),
    )


class PlatformAdapter:
    """`kiosk.ports.Platform` on the queue's interactive platform client and e-ID checker."""

    def __init__(self, outbox: Outbox, eid: EidChecker, site_id: str) -> None:
        self._client, self._eid, self._site_id = outbox.platform, eid, site_id
        self._online = False

    def set_status(self, status: SyncStatus) -> bool:
        """Take the sync worker's view; True when it changed (screens show what is available)."""
        connected = bool(status.connected)  # None: not known yet
        changed = connected != self._online
        self._online = connected
        return changed

    def online(self) -> bool:
        return self._online

    def citizen(self, id_number: str) -> Citizen:
        from offline_queue.client import PlatformError, Refused

        try:
            return self._client.citizen(id_number)
        except Refused as error:
            if error.status == 404:
                raise NotFound(str(error)) from error
            raise Unavailable(str(error)) from error
        except PlatformError as error:
            raise Unavailable(str(error)) from error

    def check_eid(self, payload: str, now: float) -> EidOutcome:
        result = self._eid.check(payload, now, self._online)
        claims = result.claims
        return EidOutcome(
            valid=result.valid,
            code=result.code,
            checked=result.checked,
            expires=result.expires,
            id_number=claims.sub if claims else "",
            name=claims.name if claims else "",
        )

    def verify_face(self, id_number: str, jpeg: bytes, liveness: str) -> FaceOutcome:
        from offline_queue.wire import FaceCheck, b64encode

        check = FaceCheck(id_number=id_number, image=b64encode(jpeg), liveness=liveness)
        with _unavailable_when_down():
            verdict = self._client.verify_face(check)
        return FaceOutcome(verdict.match, verdict.code, verdict.comparator)

    def waiting_tickets(self, prefixes: Sequence[str], day: date) -> list[str]:
        """A service window's tickets waiting at the site: its prefixes in its order, each
        first issued first."""
        waiting = [t for q in self._queues(day).queues for t in q.waiting_tickets]
        return [t for prefix in prefixes for t in waiting if _prefix(t) == prefix]

    def applications(self, id_number: str) -> list[Application]:
        from kiosk.counter import Application

        with _unavailable_when_down():
            found = self._client.applications(id_number).applications
        return [Application(a.case_number, a.service_id, a.submitted) for a in found]

    def waiting(self, business: str, day: date) -> int | None:
        queues = self._queues(day).queues
        return next((q.waiting for q in queues if q.business == business), 0)

    def _queues(self, day: date) -> QueueStatus:
        with _unavailable_when_down():
            return self._client.queues(self._site_id, day.isoformat())


def background_queue(outbox: Outbox) -> Callable[[str, Payload], None]:
    """Queue a record without waiting for the disk; the queue's one writer keeps records in
    the order given. One the queue refuses (a bad payload, a full disk) is logged."""

    def queue(kind: str, payload: Payload) -> None:
        def done(finished: Future[Any]) -> None:
            if (error := finished.exception()) is not None:
                log.error("the queue refused a %s record: %s", kind, error)

        outbox.submit(kind, payload).add_done_callback(done)

    return queue


class RecordsAdapter:
    """`kiosk.ports.Records` on the offline queue: a submit returns once the record is on disk.

    A disk with less than `MIN_FREE_BYTES` left takes no new visits that save: a record with
    a photo, the database's journal and the numbering files must all fit, and a full disk
    would fail the citizen at the last step instead of at the tile."""

    DURABLE_WAIT_S = 30.0
    MIN_FREE_BYTES = 16 * 2**20
    ROOM_CHECK_S = 1.0

    def __init__(self, outbox: Outbox, platform_url: str, data_dir: Path) -> None:
        self._outbox, self._platform_url, self._data_dir = outbox, platform_url, data_dir
        self._room, self._room_checked_at = True, -math.inf

    def submit(self, kind: str, payload: Payload) -> None:
        with _saving(kind):
            self._outbox.submit(kind, payload).result(self.DURABLE_WAIT_S)

    def submit_all(self, items: Sequence[tuple[str, Payload]]) -> None:
        with _saving(" + ".join(kind for kind, _ in items)):
            self._outbox.submit_all(items).result(self.DURABLE_WAIT_S)

    def can_save(self) -> bool:
        """Asked for every tile of every catalog drawn, on the GUI thread: the disk is asked
        at most once a `ROOM_CHECK_S`."""
        now = time.monotonic()
        if now >= self._room_checked_at + self.ROOM_CHECK_S:
            self._room_checked_at, self._room = now, self._has_room()
        return self._room

    def _has_room(self) -> bool:
        try:
            return shutil.disk_usage(self._data_dir).free >= self.MIN_FREE_BYTES
        except OSError:  # the data folder is gone: nothing can be kept
            return False

    def document_url(self, claims: Payload) -> str:
        from offline_queue.wire import document_url

        return document_url(self._platform_url, self._outbox.sign_document(claims))


@contextmanager
def _saving(what: str) -> Iterator[None]:
    """The queue's write failures (a full or failing disk, a writer stuck past the wait) as
    `CannotSave`; a bad payload stays what it is, a bug."""
    try:
        yield
    except (sqlite3.Error, OSError, TimeoutError) as error:
        raise CannotSave(f"queue: cannot keep {what}: {type(error).__name__}: {error}") from error


class PrintersAdapter:
    """`kiosk.ports.Printers` on the configured printers: a medium is there while its printer
    is online (paper out, unplugged: not there, so services say so before they start)."""

    KINDS: ClassVar[dict[str, str]] = {"receipt": "receipt_printer", "a4": "a4_printer"}

    def __init__(self, supervisor: Supervisor) -> None:
        self._devices = supervisor.devices

    def _printer(self, medium: str) -> PrinterDevice | None:
        from devices.model import DeviceState
        from devices.printing.jobs import PrinterDevice

        for device in self._devices.values():
            ready = device.state is DeviceState.ONLINE
            if isinstance(device, PrinterDevice) and device.kind == self.KINDS[medium] and ready:
                return device
        return None

    def media(self) -> frozenset[str]:
        return frozenset(m for m in self.KINDS if self._printer(m) is not None)

    def print(self, document: Document, medium: str) -> str:
        printer = self._printer(medium)
        if printer is None:
            raise Unavailable(f"no {medium} printer online")
        return printer.print(document)
