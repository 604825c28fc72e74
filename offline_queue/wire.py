"""The wire format between a kiosk and the platform (DESIGN.md §4), shared with `central/`.

These models are the contract: `central` builds its API from them, `docs/openapi.json` is
generated from that API (a test keeps it in step), and the kiosk's client checks every answer
against them, so a platform that sends something else gets a clear error, not a crash.

Integrity, in bytes:
- `canonical_json`: sorted keys, no spaces, UTF-8, no floats (their text form is not portable).
- A record's `hash` is SHA-256 over the 32 bytes of `prev_hash` followed by the canonical JSON
  of `{kiosk_id, seq, kind, created, payload}`; the first record's `prev_hash` is `GENESIS_HASH`.
- A batch's `signature` is Ed25519 over the canonical JSON of its `head`.
- Other kiosk requests are signed over `request_message(...)` in the `X-Kiosk-*` headers.
- e-ID codes (signed by the issuer) and documents (signed by a kiosk) are text for QR codes:
  `<PREFIX>.<signer>.<claims>.<signature>` (see `signed_payload`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

API = "/v1"
GENESIS_HASH = "0" * 64
MAX_BATCH_RECORDS = 1000
MAX_BODY_BYTES = 8 * 1024 * 1024  # the platform answers 413 above this
MAX_CLOCK_SKEW_S = 300  # signed requests older or newer than this are refused

# What a kiosk records. The platform refuses other kinds, record by record.
RECORD_KINDS = (
    "application",  # a service application (老年人优待证申领, 新生儿出生"一件事"…)
    "authentication",  # 养老金资格认证
    "rating",  # 好差评
    "ticket",  # 取号: {"ticket", "business", "date" (the site's day, YYYY-MM-DD), …}
    "ticket_call",  # a service window calls a ticket: {"ticket", "date", "window", …}
    "case_closure",  # a service window closes a case
    "assist_request",  # the help button
    "audit",  # a technician or helper action
)
RATING_LEVELS = (1, 2, 3, 4, 5)  # 非常不满意 … 非常满意

# Request-signing headers (everything but enrolment, batches and the public e-ID endpoints).
KIOSK_HEADER, TIME_HEADER, SIGNATURE_HEADER = "X-Kiosk-Id", "X-Kiosk-Time", "X-Kiosk-Signature"

KIOSK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
ID_NUMBER_PATTERN = r"^\d{17}[\dX]$"  # GB 11643; central also checks the check character
DATE_PATTERN = r"^\d{4}-\d\d-\d\d$"
BASE64_PATTERN = r"^[A-Za-z0-9+/]*={0,2}$"

KioskId = Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]
IdNumber = Annotated[str, Field(pattern=ID_NUMBER_PATTERN)]
Date = Annotated[str, Field(pattern=DATE_PATTERN, description="YYYY-MM-DD")]
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Seq = Annotated[int, Field(ge=1, le=2**62)]
Timestamp = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$",
        description="UTC, ISO 8601 with a Z, as the kiosk wrote it (hashed as text)",
    ),
]
Base64 = Annotated[str, Field(pattern=BASE64_PATTERN, max_length=4096)]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- enrolment -------------------------------------------------------------------------------


class ChainHead(WireModel):
    """The last record of a kiosk's chain the platform holds (seq 0: none yet)."""

    seq: int = Field(ge=0)
    hash: Hash


class Enrolment(WireModel):
    kiosk_id: KioskId
    site_id: str = Field(min_length=1, max_length=128)
    public_key: Base64 = Field(description="raw Ed25519 public key, 32 bytes, base64")


class EnrolmentResult(WireModel):
    kiosk_id: KioskId
    head: ChainHead


# --- records and batches ---------------------------------------------------------------------


class Record(WireModel):
    idempotency_key: str = Field(description="`kiosk_id:seq`, the same on every retry")
    seq: Seq
    kind: str = Field(min_length=1, max_length=64)
    created: Timestamp
    payload: dict[str, JsonValue]
    prev_hash: Hash
    hash: Hash


class BatchHead(WireModel):
    kiosk_id: KioskId
    first_seq: Seq
    last_seq: Seq
    count: int = Field(ge=1, le=MAX_BATCH_RECORDS)
    last_hash: Hash


class Batch(WireModel):
    head: BatchHead
    signature: Base64 = Field(description="Ed25519 over canonical_json(head), base64")
    records: list[Record] = Field(min_length=1, max_length=MAX_BATCH_RECORDS)


RecordStatus = Literal["accepted", "duplicate", "rejected"]


class RecordResult(WireModel):
    idempotency_key: str
    seq: Seq
    status: RecordStatus
    code: str | None = Field(default=None, description="why it was rejected, stable")
    reason: str | None = Field(default=None, description="why it was rejected, for people")


class BatchResult(WireModel):
    """Results in batch order. The platform stops at the first record that breaks the chain
    (a gap, a reordering, an altered record): that one is rejected, and the records after it
    have no result and stay queued."""

    results: list[RecordResult]
    head: ChainHead


class Problem(WireModel):
    """Every error answer (4xx, 5xx) has this body."""

    code: str
    detail: str
    keys: list[str] = Field(default_factory=list, description="idempotency keys concerned")


# --- heartbeats ------------------------------------------------------------------------------


class DeviceHealth(WireModel):
    name: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    state: str = Field(max_length=32)
    detail: str = Field(default="", max_length=1024)


class QueueHealth(WireModel):
    pending: int = Field(ge=0)
    in_flight: int = Field(ge=0)
    rejected: int = Field(ge=0)
    oldest_pending: Timestamp | None = None
    blocked: str | None = Field(
        default=None, max_length=1024, description="why the kiosk stopped sending, if it did"
    )


class Heartbeat(WireModel):
    kiosk_id: KioskId
    sent: Timestamp
    software: str = Field(max_length=64)
    devices: list[DeviceHealth] = Field(max_length=64)
    queue: QueueHealth


class HeartbeatAck(WireModel):
    server_time: Timestamp


# --- citizens (demo data the services fetch) -------------------------------------------------


class Contribution(WireModel):
    year: int
    months: int = Field(ge=0, le=12)
    employer: str


class SocialInsurance(WireModel):
    status: Literal["insured", "suspended", "none"]
    insured_since: str | None
    region: str
    contributions: list[Contribution]


class Pension(WireModel):
    receiving: bool
    monthly_yuan: int | None
    last_certified: str | None = Field(description="date of the last 资格认证, YYYY-MM-DD")


class Citizen(WireModel):
    id_number: str
    name: str
    phone: str | None
    social_insurance: SocialInsurance
    pension: Pension


# --- e-ID codes ------------------------------------------------------------------------------

EID_PREFIX = "EID1"
EID_MAX_CHARS = 1024


class EidKey(WireModel):
    kid: str
    public_key: Base64


class EidKeys(WireModel):
    keys: list[EidKey]


class EidRequest(WireModel):
    id_number: IdNumber
    valid_s: int = Field(default=300, ge=10, le=86400)


class EidCode(WireModel):
    payload: str = Field(description="the text of the QR code")
    expires: Timestamp


class EidClaims(WireModel):
    sub: str = Field(description="the holder's identity number")
    name: str
    iat: int
    exp: int
    jti: str = Field(description="unique per code, so a replayed code can be refused")


class EidCheck(WireModel):
    payload: str = Field(max_length=EID_MAX_CHARS)


class EidVerdict(WireModel):
    valid: bool
    code: str | None = None  # malformed, unknown_key, bad_signature, expired, replayed
    name: str | None = None
    id_number_masked: str | None = None
    expires: Timestamp | None = None


# --- face verification -----------------------------------------------------------------------

FACE_IMAGE_MAX_BYTES = 200 * 1024
FACE_IMAGE_MAX_CHARS = 4 * -(-FACE_IMAGE_MAX_BYTES // 3)  # its base64 text


class FaceCheck(WireModel):
    """A live photo of the person at the kiosk, to compare with the citizen's reference."""

    id_number: IdNumber
    image: str = Field(
        pattern=BASE64_PATTERN,
        max_length=FACE_IMAGE_MAX_CHARS,
        description=f"a JPEG photo in base64, at most {FACE_IMAGE_MAX_BYTES} bytes",
    )
    liveness: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="the liveness challenge the person passed at the kiosk, e.g. blink, turn_left",
    )


class FaceVerdict(WireModel):
    match: bool
    score: int | None = Field(
        default=None, ge=0, le=100, description="similarity 0 to 100, if the comparator scores"
    )
    comparator: str = Field(description="the name of the comparator that decided")
    code: str | None = Field(
        default=None,
        description="why not a match: bad_image (not a readable JPEG, or too small), "
        "no_reference (no reference photo of this citizen), no_match",
    )
    detail: str | None = Field(default=None, description="the reason, for people")


class Health(WireModel):
    """The platform answers, and says what time it thinks it is (kiosks check clock skew:
    e-ID codes and signatures carry times)."""

    status: Literal["ok"]
    time: Timestamp


class FaceComparator(WireModel):
    """The comparator a platform runs, and what it really does."""

    name: str
    description: str


# --- ticket queues ---------------------------------------------------------------------------

MAX_WAITING_LISTED = 200


class BusinessQueue(WireModel):
    business: str
    waiting: int = Field(ge=0, description="tickets issued and not yet called")
    last_ticket: str = Field(description="the ticket issued last")
    waiting_tickets: list[str] = Field(
        default_factory=list,
        max_length=MAX_WAITING_LISTED,
        description="the tickets waiting, first issued first (at most 200)",
    )


class QueueStatus(WireModel):
    """A site's ticket queues on one day, from the `ticket` and `ticket_call` records its
    kiosks and windows sent (records still queued on a kiosk are not counted)."""

    date: Date
    queues: list[BusinessQueue] = Field(description="one per business with tickets that day")


class PendingApplication(WireModel):
    case_number: str = Field(max_length=64)
    service_id: str = Field(max_length=64)
    submitted: str = Field(description="when the kiosk made it")


class CitizenApplications(WireModel):
    """A citizen's applications at the platform that no service window has taken in yet
    (a `case_closure` record lists the case numbers it took in)."""

    applications: list[PendingApplication]


# --- kiosk-signed documents ------------------------------------------------------------------

DOC_PREFIX = "DOC1"
DOC_MAX_CHARS = 1024
DOCUMENT_PAGE = "/v/"  # the platform's page that shows whether a document is genuine


class DocumentCheck(WireModel):
    payload: str = Field(
        max_length=DOC_MAX_CHARS,
        description="a document code, or the URL of its page (what its QR code holds)",
    )


class DocumentVerdict(WireModel):
    valid: bool
    code: str | None = Field(
        default=None, description="why not: malformed, unknown_kiosk, bad_signature"
    )
    kiosk_id: str | None = Field(default=None, description="the kiosk the code names")
    site_id: str | None = Field(default=None, description="where that kiosk is enrolled")
    claims: dict[str, JsonValue] | None = Field(
        default=None, description="what the kiosk signed, when valid"
    )


# --- kiosk list ------------------------------------------------------------------------------


class KioskSummary(WireModel):
    kiosk_id: KioskId
    site_id: str
    enrolled: Timestamp
    last_heartbeat: Timestamp | None
    head: ChainHead
    accepted: int
    rejected: int
    alerts: list[str] = Field(description="integrity problems found in this kiosk's records")
    devices: list[DeviceHealth]
    queue: QueueHealth | None


class KioskList(WireModel):
    kiosks: list[KioskSummary]


# --- bytes ---------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that hashes and signatures are computed over."""
    _refuse_floats(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ValueError(f"floats have no canonical form; send {value!r} as a string or integer")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def record_hash(
    prev_hash: str, kiosk_id: str, seq: int, kind: str, created: str, payload: Mapping[str, Any]
) -> str:
    body = {"kiosk_id": kiosk_id, "seq": seq, "kind": kind, "created": created, "payload": payload}
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(body)).hexdigest()


def idempotency_key(kiosk_id: str, seq: int) -> str:
    return f"{kiosk_id}:{seq}"


def head_message(head: BatchHead) -> bytes:
    return canonical_json(head.model_dump())


def signed_batch(kiosk_id: str, records: list[Record], sign: Callable[[bytes], bytes]) -> Batch:
    """A batch of consecutive `records` with its head signed by `sign` (Ed25519)."""
    head = BatchHead(
        kiosk_id=kiosk_id,
        first_seq=records[0].seq,
        last_seq=records[-1].seq,
        count=len(records),
        last_hash=records[-1].hash,
    )
    return Batch(head=head, signature=b64encode(sign(head_message(head))), records=records)


def request_message(method: str, path: str, timestamp: int, body: bytes) -> bytes:
    """What a kiosk signs for a request: method, path (with query), time and body digest."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{digest}".encode()


def utc_timestamp(moment: datetime | None = None) -> str:
    """`Timestamp` text for a moment (now by default), to the millisecond."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64; ValueError on anything else."""
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as e:
        raise ValueError(f"not base64: {e}") from None


def mask_id_number(number: str) -> str:
    """`370102********123X`: region and last four kept, as on screens and in logs (§7)."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- signed codes: e-ID and documents ---------------------------------------------------------
#
# `<PREFIX>.<signer>.<claims>.<signature>`: the claims are canonical JSON, claims and signature
# base64url without padding, and the signature (Ed25519) is over the ASCII text before its dot.
# The prefixes keep these messages apart from the batch heads (JSON) and requests a kiosk signs.


class EidFormatError(ValueError):
    """The text is not an e-ID code of ours; `code` is `malformed`."""

    code = "malformed"


class DocumentFormatError(ValueError):
    """The text is not a document code; `code` is `malformed`."""

    code = "malformed"


def eid_signed_part(kid: str, claims: EidClaims) -> str:
    return f"{EID_PREFIX}.{kid}.{_b64url_text(canonical_json(claims.model_dump()))}"


def document_signed_part(kiosk_id: str, claims: Mapping[str, Any]) -> str:
    """ValueError for claims with floats (they have no canonical form)."""
    return f"{DOC_PREFIX}.{kiosk_id}.{_b64url_text(canonical_json(dict(claims)))}"


def signed_payload(signed_part: str, signature: bytes) -> str:
    """The whole code: the signed part and the signature, base64url without padding."""
    return f"{signed_part}.{_b64url_text(signature)}"


def parse_eid(text: str) -> tuple[str, EidClaims, bytes, bytes]:
    """(kid, claims, signed bytes, signature) of an e-ID code, not yet verified.

    Raises EidFormatError with a plain reason for anything that is not one: the text comes
    from a camera or a scanner and may be anything.
    """
    if len(text) > EID_MAX_CHARS:
        raise EidFormatError(f"too long for an e-ID code ({len(text)} characters)")
    parts = text.strip().split(".")
    if len(parts) != 4 or parts[0] != EID_PREFIX:
        raise EidFormatError("not an e-ID code")
    _, kid, body, signature = parts
    try:
        signed = f"{EID_PREFIX}.{kid}.{body}".encode("ascii")
        claims = EidClaims.model_validate_json(_b64url(body))
        signature_bytes = _b64url(signature)
    except ValueError as e:  # pydantic's ValidationError and UnicodeError are ValueErrors
        raise EidFormatError(f"damaged e-ID code: {e.__class__.__name__}") from None
    return kid, claims, signed, signature_bytes


def document_url(platform_url: str, payload: str) -> str:
    """The text of a document's QR code: the platform's page for it, which a phone opens."""
    return platform_url.rstrip("/") + DOCUMENT_PAGE + payload


def parse_document(text: str) -> tuple[str, dict[str, JsonValue], bytes, bytes]:
    """(kiosk id, claims, signed bytes, signature) of a document code, not yet verified.

    Takes the code or its URL (`document_url`). Raises DocumentFormatError for anything else.
    """
    if len(text) > DOC_MAX_CHARS:
        raise DocumentFormatError(f"too long for a document code ({len(text)} characters)")
    code = text.strip().rpartition(DOCUMENT_PAGE)[2]
    parts = code.split(".")
    if len(parts) < 4 or parts[0] != DOC_PREFIX:
        raise DocumentFormatError("not a document code")
    kiosk_id, body, signature = ".".join(parts[1:-2]), parts[-2], parts[-1]
    if not re.fullmatch(KIOSK_ID_PATTERN, kiosk_id):
        raise DocumentFormatError("damaged document code: no kiosk id")
    try:
        claims = _CLAIMS.validate_json(_b64url(body))
        signature_bytes = _b64url(signature)
    except ValueError as e:
        raise DocumentFormatError(f"damaged document code: {e.__class__.__name__}") from None
    return kiosk_id, claims, f"{DOC_PREFIX}.{kiosk_id}.{body}".encode("ascii"), signature_bytes


_CLAIMS: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])


def _b64url_text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url(text: str) -> bytes:
    """Strict base64url without padding; ValueError on anything else."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
