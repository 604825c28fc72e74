"""What the six services print: one builder per printout, in the citizen's language.

Each builder takes a `Translator` and plain values and returns a `Printout`: the `Document`
(the same blocks lay out on an 80 or 58 mm receipt and on A4) and a short sentence to speak
when it prints. Texts from a card or the platform go in as text blocks; the printing layer
replaces any control characters in them.

Identity numbers (DESIGN.md §7): only the insurance certificate carries the holder's full
number (it is their own certificate, printed in their presence). Every other printout, and
every spoken sentence, is checked for a full identity number and refused with a `ValueError`
if one slipped in: a programming error, caught in tests rather than on paper. Spoken texts
name the case number by its last four digits.

Times: an aware `datetime` prints in this machine's time zone (the site's); a naive one is
taken as already local.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from devices.printing.document import (
    Align,
    Block,
    Document,
    QRCode,
    Row,
    Separator,
    Size,
    Spacing,
    Text,
    Title,
)
from kiosk.i18n import Translator

if TYPE_CHECKING:  # pydantic costs ~100 ms to import; the builders only read attributes
    from offline_queue.wire import Citizen

# An 18-character resident ID / residence permit / 2023 foreign permanent resident number, or
# the 15-character older foreign permanent resident number (three letters, twelve digits).
FULL_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|[A-Za-z]{3}\d{12})(?![0-9A-Za-z])")
CASE_TAIL = 4  # digits of the case number that are spoken

Outcome = Literal["passed", "pending"]
Check = Literal["online", "offline"]


@dataclass(frozen=True)
class Printout:
    document: Document
    spoken: str  # to read aloud as it prints: no identity number, the case number's tail


# -- formatting ---------------------------------------------------------------------------


def format_date(tr: Translator, day: date) -> str:
    """`2026年11月22日` / `22 November 2026`."""
    month = tr(f"doc.month.{day.month}")
    return tr("doc.format.date", year=day.year, month=month, day=day.day)


def format_datetime(tr: Translator, moment: datetime) -> str:
    """`2026年11月22日 09:05` / `22 November 2026, 09:05`, in local time."""
    local = moment.astimezone() if moment.tzinfo is not None else moment
    time = tr("doc.format.time", hour=f"{local.hour:02d}", minute=f"{local.minute:02d}")
    return tr("doc.format.datetime", date=format_date(tr, local.date()), time=time)


def mask_phone(phone: str) -> str:
    """`138****5678`: the operator prefix and the last four kept, as receipts print it."""
    if len(phone) < 8:
        return "*" * max(0, len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def _months(tr: Translator, count: int) -> str:
    return tr("doc.months_one") if count == 1 else tr("doc.months", count=count)


def _iso_date(tr: Translator, text: str | None, unknown_key: str) -> str:
    """A `YYYY-MM-DD` date from the platform, formatted; other text is printed as it came."""
    if not text:
        return tr(unknown_key)
    try:
        return format_date(tr, date.fromisoformat(text))
    except ValueError:
        return text


def _last_digits(case_number: str) -> str:
    return case_number[-CASE_TAIL:]


# -- the printouts ------------------------------------------------------------------------


def insurance_certificate(
    tr: Translator,
    citizen: Citizen,
    case_number: str,
    issued: datetime,
    verify_url: str,
    site_name: str,
) -> Printout:
    """社会保险参保证明: the holder's own certificate, with their full identity number and a QR
    code of `verify_url` to check it is genuine."""
    _require(case_number=case_number, verify_url=verify_url, site_name=site_name)
    insurance = citizen.social_insurance
    blocks: list[Block] = [
        Title(tr("doc.certificate.title")),
        Text(tr("doc.certificate.intro")),
        Spacing(),
        Row(tr("doc.name"), citizen.name),
        Row(tr("doc.certificate.id_number"), citizen.id_number),
        Row(tr("doc.certificate.status"), tr(f"doc.certificate.status_{insurance.status}")),
        Row(
            tr("doc.certificate.since"),
            _iso_date(tr, insurance.insured_since, "doc.certificate.since_unknown"),
        ),
        Row(tr("doc.certificate.region"), insurance.region),
        Separator(),
        Text(tr("doc.certificate.contributions"), bold=True),
    ]
    if insurance.contributions:
        blocks.append(
            Row(tr("doc.certificate.year_heading"), tr("doc.certificate.employer_heading"))
        )
        for paid in insurance.contributions:
            year = tr("doc.certificate.year", year=paid.year, months=_months(tr, paid.months))
            blocks.append(Row(year, paid.employer))
        total = sum(paid.months for paid in insurance.contributions)
        blocks.append(Row(tr("doc.certificate.total"), _months(tr, total)))
    else:
        blocks.append(Text(tr("doc.certificate.no_contributions")))
    blocks += [
        Text(tr("doc.certificate.as_of")),
        Separator(),
        QRCode(verify_url, caption=tr("doc.certificate.verify")),
        Row(tr("doc.certificate.issued"), format_datetime(tr, issued)),
        Row(tr("doc.site"), site_name),
        Row(tr("doc.case_number"), case_number),
    ]
    spoken = tr("doc.certificate.spoken", last4=_last_digits(case_number))
    return _printout(blocks, f"insurance-certificate {case_number}", spoken, full_id_allowed=True)


def pension_receipt(
    tr: Translator,
    name: str,
    masked_number: str,
    case_number: str,
    at: datetime,
    outcome: Outcome,
    comparator_note: str,
    site_name: str,
) -> Printout:
    """养老金领取资格认证回执. `pending`: taken offline, the check completes when the network is
    back. `comparator_note` says which face comparison ran (printed when given)."""
    _require(case_number=case_number, site_name=site_name)
    if outcome not in ("passed", "pending"):
        raise ValueError(f"pension receipt: outcome {outcome!r}: use 'passed' or 'pending'")
    blocks: list[Block] = [
        Title(tr("doc.pension.title")),
        Spacing(),
        Row(tr("doc.name"), name),
        Row(tr("doc.id_number"), masked_number),
        Row(tr("doc.pension.method"), tr("doc.pension.method_face")),
    ]
    if comparator_note:
        blocks.append(Row(tr("doc.pension.comparator"), comparator_note))
    blocks += [
        Row(tr("doc.pension.result"), tr(f"doc.pension.{outcome}")),
        Separator(),
        Text(tr(f"doc.pension.{outcome}_note"), bold=outcome == "pending"),
        Separator(),
        Row(tr("doc.time"), format_datetime(tr, at)),
        Row(tr("doc.site"), site_name),
        Row(tr("doc.case_number"), case_number),
    ]
    spoken = tr(f"doc.pension.spoken_{outcome}", last4=_last_digits(case_number))
    return _printout(blocks, f"pension-receipt {case_number}", spoken)


def application_receipt(
    tr: Translator,
    service_name: str,
    case_number: str,
    at: datetime,
    rows: Sequence[tuple[str, str]],
    site_name: str,
    items: Sequence[tuple[str, str]] = (),
    next_steps: str = "",
) -> Printout:
    """受理回执 of an application: `rows` are (label, value) pairs already masked (name,
    masked identity number, `mask_phone(...)`); `items` are (item name, item case number) of
    a bundle; a QR code of the case number tracks it."""
    _require(service_name=service_name, case_number=case_number, site_name=site_name)
    blocks: list[Block] = [
        Title(service_name),
        Text(tr("doc.application.subtitle"), Align.CENTER),
        Spacing(),
        Text(tr("doc.application.received"), bold=True),
        *(Row(label, value) for label, value in rows),
    ]
    if items:
        blocks += [
            Separator(),
            Text(tr("doc.application.items"), bold=True),
            *(Row(item, number) for item, number in items),
        ]
    if next_steps:
        blocks += [Separator(), Text(tr("doc.application.next_steps"), bold=True), Text(next_steps)]
    blocks += [
        Separator(),
        Row(tr("doc.application.submitted"), format_datetime(tr, at)),
        Row(tr("doc.site"), site_name),
        Row(tr("doc.case_number"), case_number),
        QRCode(case_number, caption=tr("doc.application.track")),
    ]
    spoken = tr("doc.application.spoken", service=service_name, last4=_last_digits(case_number))
    return _printout(blocks, f"application-receipt {case_number}", spoken)


def queue_ticket(
    tr: Translator,
    ticket: str,
    business_label: str,
    window_group: str,
    waiting: int | None,
    at: datetime,
    site_name: str,
    qr_text: str,
) -> Printout:
    """取号 ticket: the number large, where to wait, how many are ahead (`None`: unknown while
    offline), valid today only, and a QR code of `qr_text` for the counter to scan."""
    _require(
        ticket=ticket,
        business_label=business_label,
        window_group=window_group,
        site_name=site_name,
        qr_text=qr_text,
    )
    if waiting is not None and waiting < 0:
        raise ValueError(f"queue ticket: {waiting} people waiting is not a count")
    ahead = {None: "unknown", 0: "none", 1: "one"}.get(waiting, "many")
    blocks: list[Block] = [
        Text(site_name, Align.CENTER),
        Separator(),
        Text(tr("doc.ticket.heading"), Align.CENTER),
        Text(ticket, Align.CENTER, bold=True, size=Size.LARGE),
        Spacing(),
        Row(tr("doc.ticket.business"), business_label),
        Row(tr("doc.ticket.windows"), window_group),
        Row(tr("doc.ticket.waiting"), tr(f"doc.ticket.ahead_{ahead}", count=waiting)),
        Row(tr("doc.ticket.taken"), format_datetime(tr, at)),
        Separator(),
        Text(tr("doc.ticket.valid"), bold=True),
        QRCode(qr_text, caption=tr("doc.ticket.show_code")),
    ]
    spoken = tr(
        "doc.ticket.spoken",
        ticket=ticket,
        windows=window_group,
        ahead=tr(f"doc.ticket.spoken_ahead_{ahead}", count=waiting),
    )
    return _printout(blocks, f"queue-ticket {ticket}", spoken)


def verified_copy(
    tr: Translator,
    holder_name: str,
    masked_number: str,
    checked: Check,
    expires: datetime,
    case_number: str,
    at: datetime,
    verify_url: str,
    site_name: str,
) -> Printout:
    """电子证照核验件: who holds the e-ID code, how it was checked (online by the platform, or
    offline against the platform's cached keys) and until when it was valid."""
    _require(case_number=case_number, verify_url=verify_url, site_name=site_name)
    if checked not in ("online", "offline"):
        raise ValueError(f"verified copy: checked {checked!r}: use 'online' or 'offline'")
    blocks: list[Block] = [
        Title(tr("doc.verified.title")),
        Spacing(),
        Row(tr("doc.verified.holder"), holder_name),
        Row(tr("doc.id_number"), masked_number),
        Row(tr("doc.verified.result"), tr("doc.verified.valid")),
        Row(tr("doc.verified.method"), tr(f"doc.verified.{checked}")),
        Row(tr("doc.verified.expires"), format_datetime(tr, expires)),
        Row(tr("doc.verified.checked_at"), format_datetime(tr, at)),
        Row(tr("doc.site"), site_name),
        Row(tr("doc.case_number"), case_number),
        Separator(),
        Text(tr("doc.verified.note")),
        QRCode(verify_url, caption=tr("doc.verified.verify")),
    ]
    spoken = tr("doc.verified.spoken", last4=_last_digits(case_number))
    return _printout(blocks, f"verified-copy {case_number}", spoken)


# -- shared parts -------------------------------------------------------------------------


def _require(**values: str) -> None:
    """Values a printout cannot do without; the error names the parameter, never its value."""
    for name, value in values.items():
        if not value.strip():
            raise ValueError(f"printout: {name} is empty")


def _printout(
    blocks: list[Block], name: str, spoken: str, full_id_allowed: bool = False
) -> Printout:
    document = Document(blocks, name)
    places = [] if full_id_allowed else [place for place, text in _texts(document) if _has_id(text)]
    if _has_id(spoken):
        places.append("the spoken text")
    if places:
        raise ValueError(
            f"{name.split()[0]}: a full identity number in {', '.join(places)}; "
            "pass it masked (offline_queue.wire.mask_id_number)"
        )
    return Printout(document, spoken)


def _texts(document: Document) -> Iterator[tuple[str, str]]:
    """Every text a document prints, with where it is (block number and kind)."""
    for number, block in enumerate(document.blocks, 1):
        place = f"block {number} ({type(block).__name__})"
        match block:
            case Title(text) | Text(text):
                yield place, text
            case Row(key, value):
                yield place, f"{key}\n{value}"
            case QRCode(payload, caption):
                data = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
                yield place, f"{data}\n{caption}"


def _has_id(text: str) -> bool:
    return FULL_ID_NUMBER.search(text) is not None
