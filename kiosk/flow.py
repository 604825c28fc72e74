"""The flow engine: what each step kind of a service does (DESIGN.md §5).

A service's flow is a list of step kinds (identify, verify_face, fetch, form, confirm, submit,
print); the visit walks through them and tells this engine when a step starts. Steps that wait
for the world (a card, a code, the platform, the queue, a printer) start the work here and
advance the visit when it comes back; screens only show the step and pass on what the citizen
does. Everything runs on the GUI thread: device events arrive through the bridge, and blocking
work goes through the `Runner`, whose results come back on the GUI thread too. A result that
comes back after the visit moved on is dropped, so it never lands in another citizen's visit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from kiosk import forms
from kiosk.case import Case, EidCheck, FaceResult, Person, Ticket
from kiosk.catalog import Service
from kiosk.ports import (
    CannotSave,
    NotFound,
    Numbering,
    Platform,
    Printers,
    Records,
    Runner,
    Unavailable,
)
from kiosk.records import RecordBuilder
from kiosk.visit import Visit, VisitSnapshot

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_FACE_ATTEMPTS = 3
PROXY_PAGES = ("proxy_card", "citizen_card", "consent")
CARD_READERS = ("id_card_reader",)  # device kinds an identify step waits on
CODE_READERS = ("serial_scanner", "wedge_scanner", "camera")
IDENTITY_NOTICES = {  # e-ID check codes → what the citizen is told
    "malformed": "identify.eid_unreadable",
    "unknown_key": "identify.eid_forged",
    "bad_signature": "identify.eid_forged",
    "expired": "identify.eid_expired",
    "replayed": "identify.eid_replayed",
    "no_keys": "identify.eid_needs_network",
}


@dataclass(frozen=True)
class Backend:
    """The parts a flow uses; any may be missing while the kiosk starts or when not configured."""

    runner: Runner
    platform: Platform | None = None
    records: Records | None = None
    printers: Printers | None = None
    numbering: Numbering | None = None


@dataclass(frozen=True)
class Printed:
    """What a print step produces: a document and what to read aloud about it."""

    document: Any  # devices.printing.document.Document
    spoken: str


PrintoutMaker = Callable[[VisitSnapshot, Records | None, datetime], Printed]


class Flow:
    def __init__(
        self,
        visit: Visit,
        backend: Backend,
        records: RecordBuilder,
        printout: PrintoutMaker,
        now: Callable[[], datetime],
        site_timezone_today: Callable[[], date],
    ) -> None:
        self.visit, self.backend = visit, backend
        self.records, self._printout = records, printout
        self._now, self.today = now, site_timezone_today
        self._jobs: dict[str, str] = {}  # print job id → the case number it prints

    # -- what the visit asks --------------------------------------------------------------

    def unavailable(self, service: Service) -> str | None:
        b = self.backend
        online = b.platform is not None and b.platform.online()
        if service.online_required and not online:
            return "guide.needs_network"
        if "verify_face" in service.steps and not online and service.face_offline != "queue":
            return "guide.needs_network"
        needs_queue = {"submit", "print"} & set(service.steps)  # print: numbered and signed
        if needs_queue and (b.records is None or b.numbering is None or not b.records.can_save()):
            return "guide.queue_down"
        if "print" in service.steps and not (
            b.printers and set(service.media) & b.printers.media()
        ):
            return "guide.printer_down"
        return None

    def entered(self, snapshot: VisitSnapshot) -> None:
        step = snapshot.step
        if step == "form" and snapshot.page == 0:
            self._prepare_form(snapshot)
        elif step == "fetch":
            self._fetch(snapshot)
        elif step == "submit":
            self._submit(snapshot)
        elif step == "print" and self._medium(snapshot):
            self._print(snapshot)

    # -- identify -------------------------------------------------------------------------

    def card_read(self, person: Person) -> None:
        """A card was read; counts only on an identify step that waits for a card."""
        s = self.visit.snapshot
        if s.step != "identify" or s.service is None or s.service.identity == "eid_code":
            return
        if person.expired:
            self.visit.show_notice("identify.card_expired")
            return
        stage = self.identify_stage(s)
        if stage == "proxy_card":
            self.visit.update_case(proxy=person)
            self.visit.set_page(s.page + 1)
            return
        if s.case.proxy is not None and s.case.proxy.id_number == person.id_number:
            self.visit.show_notice("identify.same_person")
            return
        age = person.age_on(self.today())
        if s.service.min_age and (age is None or age < s.service.min_age):
            self.visit.show_notice("identify.too_young", age=str(s.service.min_age))
            return
        self.visit.update_case(citizen=person)
        if age is not None and age >= self.visit.settings.elder_offer_age and s.case.proxy is None:
            self.visit.offer_elder()
        if s.case.proxy_mode:
            self.visit.set_page(s.page + 1)  # on to the consent
        else:
            self.visit.step_done()

    def identify_stage(self, snapshot: VisitSnapshot) -> str:
        if not snapshot.case.proxy_mode:
            return "citizen_card"
        return PROXY_PAGES[min(snapshot.page, len(PROXY_PAGES) - 1)]

    def start_proxy(self) -> None:
        """代办: the relative's card, then the citizen's, then the citizen's consent."""
        self.visit.update_case(proxy_mode=True, proxy=None, citizen=None, consent=False)
        self.visit.set_page(0)

    def give_consent(self) -> None:
        self.visit.update_case(consent=True)
        self.visit.step_done()

    def code_scanned(self, payload: str) -> None:
        s = self.visit.snapshot
        if s.step != "identify" or s.service is None or s.service.identity != "eid_code":
            return
        if s.busy:  # a code is being checked: a second read of it (scanner, camera) must not
            return  # race the first and burn the code as "replayed"
        platform = self.backend.platform
        if platform is None:
            self.visit.show_notice("identify.eid_needs_network")
            return
        now = self._now().timestamp()
        self._run(s, "check-eid", lambda: platform.check_eid(payload, now), self._eid_checked)

    def _eid_checked(self, outcome: Any) -> None:
        if not outcome.valid:
            self.visit.show_notice(IDENTITY_NOTICES.get(outcome.code, "identify.eid_unreadable"))
            return
        person = Person(outcome.id_number, outcome.name, "eid_code")
        self.visit.update_case(citizen=person, eid=EidCheck(outcome.checked, outcome.expires or ""))
        self.visit.step_done()

    def device_error(self, kind: str, notice: str) -> None:
        """A reader could not read what the citizen showed it (a card read that failed, a code
        no decoder could read): say so while the identify step waits for that kind of device.
        Printers report through `print_finished`."""
        s = self.visit.snapshot
        if s.step != "identify" or s.service is None or s.busy:
            return
        readers = CODE_READERS if s.service.identity == "eid_code" else CARD_READERS
        if kind in readers:
            self.visit.show_notice(f"device.notice.{notice}")

    # -- form -----------------------------------------------------------------------------

    def _prepare_form(self, s: VisitSnapshot) -> None:
        assert s.service is not None
        case = forms.prefilled(s.service, s.case)
        if case != s.case:
            self.visit.update_case(values=case.values)
        if not forms.questions(s.service, case):
            self.visit.step_done()

    def answer(self, field_id: str, value: str) -> None:
        """The citizen answered the form's current question: check it, then go on."""
        s = self.visit.snapshot
        assert s.service is not None
        field = s.service.field(field_id)
        problem = forms.problem(field, value, self.today())
        if problem:
            label = field.label.get(s.language) or next(iter(field.label.values()))
            self.visit.show_notice(problem, field=label)
            return
        self.visit.answer(field_id, value.strip())
        if s.page + 1 < len(forms.questions(s.service, s.case)):
            self.visit.set_page(s.page + 1)
        else:
            self.visit.step_done()

    def photo_taken(self, field_id: str, jpeg: bytes) -> None:
        if self.visit.snapshot.step == "form":
            self.visit.update_case(photo=jpeg)
            self.answer(field_id, "taken")

    # -- verify face ----------------------------------------------------------------------

    def face_captured(self, jpeg: bytes, liveness: str) -> None:
        s = self.visit.snapshot
        if s.step != "verify_face" or s.case.citizen is None or s.service is None:
            return
        attempts = s.case.face_attempts + 1
        self.visit.update_case(face_attempts=attempts)
        platform = self.backend.platform
        if platform is None or not platform.online():
            if s.service.face_offline == "queue":
                self.visit.update_case(face=FaceResult(liveness, None, photo=jpeg))
                self.visit.step_done()
            else:
                self.visit.show_notice("face.needs_network")
            return
        id_number = s.case.citizen.id_number

        def verified(outcome: Any) -> None:
            if outcome.match:
                face = FaceResult(liveness, True, outcome.comparator, jpeg)
                self.visit.update_case(face=face)
                self.visit.step_done()
            elif outcome.code == "no_reference":  # nothing to compare with: trying again won't
                self.visit.show_notice("face.no_reference")
            elif attempts >= MAX_FACE_ATTEMPTS:
                self.visit.show_notice("face.go_to_counter")
            else:
                self.visit.show_notice("face.no_match")

        def failed(error: Exception) -> None:
            if isinstance(error, Unavailable) and s.service and s.service.face_offline == "queue":
                self.visit.update_case(face=FaceResult(liveness, None, photo=jpeg))
                self.visit.step_done()
            else:
                self._failed(error)

        self._run(
            s,
            "verify-face",
            lambda: platform.verify_face(id_number, jpeg, liveness),
            verified,
            failed,
        )

    # -- fetch, submit, print -------------------------------------------------------------

    def _fetch(self, s: VisitSnapshot) -> None:
        platform, citizen = self.backend.platform, s.case.citizen
        if platform is None or citizen is None:
            self.visit.show_notice("fetch.unavailable")
            return
        id_number = citizen.id_number

        def fetched(record: Any) -> None:
            self.visit.update_case(platform=record)
            self.visit.step_done()

        self._run(s, "fetch-citizen", lambda: platform.citizen(id_number), fetched)

    def _submit(self, s: VisitSnapshot) -> None:
        records, numbering = self.backend.records, self.backend.numbering
        assert records is not None and numbering is not None  # unavailable() checked it
        service = s.service
        assert service is not None
        today, now = self.today(), self._now()

        def work() -> Case:
            case = s.case
            if not case.case_number:
                case = replace(case, case_number=numbering.next_case_number(today))
            if "ticket" in service.produces:
                case = replace(case, ticket=self._issue_ticket(service, case, numbering, today))
            items = self.records.records(service, case, now)
            if len(items) == 1:
                records.submit(*items[0])
            else:
                records.submit_all(items)
            return case

        def done(case: Case) -> None:
            self.visit.update_case(
                case_number=case.case_number, ticket=case.ticket, values=case.values
            )
            self.visit.step_done()

        self._run(s, "submit", work, done, self._not_saved)

    def _not_saved(self, error: Exception) -> None:
        if not isinstance(error, CannotSave):
            self._failed(error)
            return
        log.error("the visit's records cannot be kept: %s", error)
        self.visit.show_notice("guide.queue_down")  # another try would fail the same way

    def _issue_ticket(
        self, service: Service, case: Case, numbering: Numbering, today: date
    ) -> Ticket:
        business = case.values.get("business", "")
        choice = next(o for f in service.fields for o in f.options if o.id == business)
        number = numbering.next_ticket(choice.prefix or "A", today)
        waiting = None
        platform = self.backend.platform
        if platform is not None and platform.online():
            try:
                waiting = platform.waiting(business, today)
            except Unavailable as error:  # the ticket is still good; the count is unknown
                log.info("people waiting unknown: %s", error)
        window_group = ""
        if choice.window_group:
            window_group = choice.window_group.get(self.visit.snapshot.language) or next(
                iter(choice.window_group.values())
            )
        return Ticket(number, business, window_group, waiting)

    def choose_medium(self, medium: str) -> None:
        s = self.visit.snapshot
        self.visit.update_case(print_medium=medium)
        self._print(self.visit.snapshot if s.step == "print" else s)

    def _medium(self, s: VisitSnapshot) -> str:
        """The medium to print on, or "" while the citizen has still to choose."""
        assert s.service is not None
        if s.case.print_medium:
            return s.case.print_medium
        return s.service.media[0] if len(s.service.media) == 1 else ""

    def _print(self, s: VisitSnapshot) -> None:
        printers, medium = self.backend.printers, self._medium(s)
        if printers is None or medium not in printers.media():
            self.visit.show_notice("print.printer_down")
            return
        if not s.case.case_number and self.backend.numbering is not None:
            numbering, today = self.backend.numbering, self.today()
            self.visit.update_case(case_number=numbering.next_case_number(today))
            s = self.visit.snapshot
        try:
            printed = self._printout(s, self.backend.records, self._now())
        except ValueError as error:  # a document that cannot be made is a bug, not the citizen's
            log.error("printout of %s could not be made: %s", s.service and s.service.id, error)
            self.visit.show_notice("print.failed")
            return
        self.visit.update_case(spoken_receipt=printed.spoken)
        self.visit.set_busy(True)
        try:
            job = printers.print(printed.document, medium)
        except Unavailable as error:
            log.warning("print: %s", error)
            self.visit.show_notice("print.printer_down")
            return
        self._jobs[job] = s.case.case_number

    def print_finished(self, job: str, ok: bool, notice: str) -> None:
        case_number = self._jobs.pop(job, None)
        s = self.visit.snapshot
        if case_number is None or s.step != "print" or s.case.case_number != case_number:
            return  # a job of a visit that has ended: nothing to tell anyone
        if ok:
            self.visit.update_case(printed=True)
            self.visit.step_done()
        else:
            self.visit.show_notice(f"device.notice.{notice}")

    def finish_without_printout(self) -> None:
        """The printer failed; the record is already queued and the screen shows the number."""
        self.visit.step_done()

    # -- plumbing -------------------------------------------------------------------------

    def _run(
        self,
        s: VisitSnapshot,
        name: str,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run blocking work; its outcome counts only if the visit is still on that step."""
        self.visit.set_busy(True)
        where = (s.service, s.step_index, s.page, s.phase)

        def current() -> bool:
            now = self.visit.snapshot
            return (now.service, now.step_index, now.page, now.phase) == where and now.busy

        def on_done(result: T) -> None:
            if current():
                self.visit.set_busy(False)
                done(result)

        def on_failed(error: Exception) -> None:
            if current():
                (failed or self._failed)(error)

        self.backend.runner.run(name, work, on_done, on_failed)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, NotFound):
            self.visit.show_notice("fetch.not_found")
        elif isinstance(error, Unavailable):
            log.warning("step failed: %s", error)
            self.visit.show_notice("fetch.unavailable")
        else:
            log.error("step failed", exc_info=error)
            self.visit.show_notice("step.failed")
