"""The platform's HTTP API (DESIGN.md §4): the routes, built on the models of the wire format.

`create_app(db_path, face_comparator)` opens the database and returns the ASGI app;
`openapi_document()` is the contract as JSON, generated from the same routes and models
(`docs/openapi.json`). Besides the API: `/`, the kiosk list, and `/v/{code}`, the page a phone
opens from a printed document's QR code.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from central import auth, faces, ingest, page
from central.citizens import ID_NUMBER_PATTERN, id_number_problem, load_demo_citizens
from central.documents import check_document
from central.eid import EidIssuer, new_issuer_secret
from central.errors import BodyLimit, ProblemError, StrictJsonRoute, install_error_handlers
from central.ingest import Link
from central.models import KioskRecords
from central.queues import tally
from central.storage import Storage
from offline_queue.wire import (
    API,
    DATE_PATTERN,
    DOCUMENT_PAGE,
    KIOSK_HEADER,
    MAX_BATCH_RECORDS,
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    TIME_HEADER,
    Batch,
    BatchResult,
    Citizen,
    CitizenApplications,
    DocumentCheck,
    DocumentVerdict,
    EidCheck,
    EidCode,
    EidKeys,
    EidRequest,
    EidVerdict,
    Enrolment,
    EnrolmentResult,
    FaceCheck,
    FaceComparator,
    FaceVerdict,
    Health,
    Heartbeat,
    HeartbeatAck,
    KioskList,
    PendingApplication,
    Problem,
    QueueStatus,
    mask_id_number,
    utc_timestamp,
)

TITLE = "Kiosk central platform"
VERSION = "1"
DESCRIPTION = (
    "The sync API between self-service kiosks and the platform (DESIGN.md §4). The models "
    "are those of `offline_queue/wire.py`; its docstrings define the canonical JSON, record "
    f"hashes and signatures. Requests marked signed carry `{KIOSK_HEADER}`, `{TIME_HEADER}` "
    f"and `{SIGNATURE_HEADER}`. Every error answer is a `Problem`."
)
ISSUER_SECRET = "eid_issuer_key"


@dataclass
class Platform:
    storage: Storage
    issuer: EidIssuer
    comparator: faces.Comparator
    clock: Callable[[], float] = time.time


def create_app(db_path: FilePath | str, face_comparator: str = faces.DEFAULT_COMPARATOR) -> FastAPI:
    """The platform over the database at `db_path` (made on first use); StorageError if not,
    ValueError for an unknown comparator."""
    comparator = faces.comparator(face_comparator)
    storage = Storage(db_path)
    storage.add_citizens_if_none(load_demo_citizens())
    issuer = EidIssuer(storage.secret(ISSUER_SECRET, new_issuer_secret))
    platform = Platform(storage, issuer, comparator)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        storage.close()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,
    )
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    app.state.platform = platform
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    app.include_router(router)
    app.include_router(page_router)
    return app


def openapi_document() -> dict[str, Any]:
    return create_app(":memory:").openapi()


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        app.openapi_schema = _integral(FastAPI.openapi(app))
    return app.openapi_schema


def _integral(value: Any) -> Any:
    """The document with whole numbers as integers: FastAPI writes `le=1000` as 1000.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def problems(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers of a route: its errors, and `default` for any other (all `Problem`s)."""
    answers: dict[int | str, dict[str, Any]] = {
        status: {"model": Problem, "description": text} for status, text in described.items()
    }
    answers["default"] = {
        "model": Problem,
        "description": "any other error: `not_found`, `method_not_allowed`, `too_large` "
        f"(413, a body over {MAX_BODY_BYTES} bytes), `internal_error`",
    }
    return answers


INVALID = "`invalid_request`: a field is missing or wrong; `detail` says which"
UNSIGNED = (
    "`not_enrolled` (unknown kiosk), `bad_signature`, or `stale_request` "
    f"(`{TIME_HEADER}` too far from the platform's clock)"
)

router = APIRouter(prefix=API, route_class=StrictJsonRoute)


def _refused(error: auth.AuthError) -> ProblemError:
    return ProblemError(401, error.code, error.detail)


async def signed_kiosk(
    request: Request,
    platform: PlatformDep,
    kiosk_id: Annotated[str, Header(alias=KIOSK_HEADER, max_length=64)],
    timestamp: Annotated[
        int, Header(alias=TIME_HEADER, ge=0, le=2**53, description="unix seconds")
    ],
    signature: Annotated[
        str,
        Header(
            alias=SIGNATURE_HEADER,
            max_length=4096,
            description="base64 Ed25519 over wire.request_message(method, path, time, body)",
        ),
    ],
) -> str:
    """The id of the kiosk that signed this request."""
    key = await run_in_threadpool(platform.storage.kiosk_key, kiosk_id)
    if key is None:
        raise ProblemError(401, "not_enrolled", f"no kiosk {kiosk_id!r} is enrolled")
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    path = (raw_path + (b"?" + query if query else b"")).decode("latin-1")
    try:
        auth.check_request_signature(
            key.public_key,
            request.method,
            path,
            timestamp,
            signature,
            await request.body(),
            platform.clock(),
        )
    except auth.AuthError as e:
        raise _refused(e) from None
    return kiosk_id


SignedKiosk = Annotated[str, Depends(signed_kiosk)]


@router.post(
    "/enrolments",
    summary="Enrol a kiosk with its public key",
    description="The first enrolment stores the key; the same key again is answered the same "
    "way (with the platform's head of the kiosk's chain, so a kiosk that lost its queue "
    "finds where it stands).",
    responses=problems({400: INVALID, 409: "`key_conflict`: enrolled with another key"}),
)
def enrol(enrolment: Enrolment, platform: PlatformDep) -> EnrolmentResult:
    try:
        auth.public_key(enrolment.public_key)
    except ValueError as e:
        raise ProblemError(400, "invalid_request", f"public_key: {e}") from None
    outcome, head = platform.storage.enrol(
        enrolment.kiosk_id, enrolment.site_id, enrolment.public_key, utc_timestamp()
    )
    if outcome == "conflict":
        raise ProblemError(
            409,
            "key_conflict",
            f"kiosk {enrolment.kiosk_id!r} is enrolled with another key: a replaced kiosk "
            "needs a new kiosk id",
        )
    return EnrolmentResult(kiosk_id=enrolment.kiosk_id, head=head)


@router.post(
    "/batches",
    summary="Send consecutive records of a kiosk's chain",
    description=f"At most {MAX_BATCH_RECORDS} records, with the head signed by the kiosk. "
    "Answers each record (accepted, duplicate, rejected) in batch order, up to the first "
    "that breaks the chain, and the platform's head after the batch.",
    responses=problems(
        {
            400: f"{INVALID}; `inconsistent_batch`: the head does not match the records",
            401: "`not_enrolled` or `bad_signature`",
            422: "`idempotency_conflict`: records sent before came again with other content "
            "(`keys` lists them); nothing of the batch is stored",
        }
    ),
)
def send_batch(batch: Batch, platform: PlatformDep) -> BatchResult:
    head = batch.head
    key = platform.storage.kiosk_key(head.kiosk_id)
    if key is None:
        raise ProblemError(401, "not_enrolled", f"no kiosk {head.kiosk_id!r} is enrolled")
    try:
        auth.check_batch_signature(key.public_key, head, batch.signature)
    except auth.AuthError as e:
        raise _refused(e) from None
    inconsistency = ingest.check_batch(batch)
    if inconsistency is not None:
        raise ProblemError(400, "inconsistent_batch", inconsistency)
    try:
        prepared = ingest.prepare(head.kiosk_id, batch.records)
    except ValueError as e:
        raise ProblemError(400, "invalid_request", str(e)) from None
    outcome = platform.storage.apply_batch(
        head.kiosk_id,
        head.first_seq,
        head.last_seq,
        partial(ingest.decide, prepared),
        utc_timestamp(),
    )
    if outcome.conflicts:
        raise ProblemError(
            422,
            "idempotency_conflict",
            "these records were sent before with other content; the platform keeps the "
            "first version and stored nothing of this batch",
            outcome.conflicts,
        )
    _compare_faces_left(platform, head.kiosk_id, outcome.links)
    return BatchResult(results=outcome.results, head=outcome.head)


def _compare_faces_left(platform: Platform, kiosk_id: str, links: list[Link]) -> None:
    """Compare the faces the kiosk left for the platform (it was offline) in the records just
    stored, as the kiosk was told would happen."""
    # Most records carry no photo: only those are parsed again (a drain sends 100,000).
    for link in links:
        if link.status != "accepted" or faces.PHOTO_FIELD not in link.payload:
            continue
        left = faces.left_to_compare(json.loads(link.payload))
        if left is None:
            continue
        id_number, photo = left
        verdict = faces.judge(platform.comparator, platform.storage.citizen(id_number), photo)
        platform.storage.store_face_verdict(kiosk_id, link.seq, verdict, utc_timestamp())


@router.post(
    "/heartbeats",
    summary="Report a kiosk's devices and queue (signed)",
    responses=problems({400: INVALID, 401: UNSIGNED}),
)
def send_heartbeat(
    heartbeat: Heartbeat, kiosk_id: SignedKiosk, platform: PlatformDep
) -> HeartbeatAck:
    if heartbeat.kiosk_id != kiosk_id:
        raise ProblemError(
            400,
            "invalid_request",
            f"kiosk_id is {heartbeat.kiosk_id!r} but the request is signed by {kiosk_id!r}",
        )
    now = utc_timestamp()
    platform.storage.record_heartbeat(heartbeat, now)
    return HeartbeatAck(server_time=now)


def citizen_number(
    id_number: Annotated[
        str, Path(pattern=ID_NUMBER_PATTERN, description="18 characters, GB 11643")
    ],
) -> str:
    """A citizen's number from the path, its check character checked too."""
    problem = id_number_problem(id_number)
    if problem is not None:
        raise ProblemError(400, "invalid_request", f"id_number: {problem}")
    return id_number


CitizenNumber = Annotated[str, Depends(citizen_number)]


@router.get(
    "/citizens/{id_number}",
    summary="A citizen's social insurance and pension data (signed)",
    responses=problems(
        {400: INVALID, 401: UNSIGNED, 404: "`unknown_citizen`: no such citizen on the platform"}
    ),
)
def get_citizen(
    kiosk_id: SignedKiosk,
    id_number: CitizenNumber,
    platform: PlatformDep,
) -> Citizen:
    found = platform.storage.citizen(id_number)
    if found is None:
        raise ProblemError(
            404, "unknown_citizen", f"no citizen {mask_id_number(id_number)} on the platform"
        )
    return found


@router.get(
    "/citizens/{id_number}/applications",
    summary="A citizen's applications no service window has taken in yet (signed)",
    responses=problems({400: INVALID, 401: UNSIGNED}),
)
def citizen_applications(
    kiosk_id: SignedKiosk,
    id_number: CitizenNumber,
    platform: PlatformDep,
) -> CitizenApplications:
    found = platform.storage.pending_applications(id_number)
    return CitizenApplications(
        applications=[
            PendingApplication(case_number=case, service_id=service, submitted=created)
            for case, service, created in found
        ]
    )


@router.get("/eid/keys", summary="The e-ID issuer's public keys")
def eid_keys(platform: PlatformDep) -> EidKeys:
    return platform.issuer.keys()


@router.post(
    "/eid/codes",
    summary="Issue a demo e-ID code for a demo citizen",
    responses=problems({400: INVALID, 404: "`unknown_citizen`: not a demo citizen"}),
)
def issue_eid(wanted: EidRequest, platform: PlatformDep) -> EidCode:
    found = platform.storage.citizen(wanted.id_number)
    if found is None:
        raise ProblemError(
            404,
            "unknown_citizen",
            f"no demo citizen {mask_id_number(wanted.id_number)}: see central/demo_citizens.json",
        )
    return platform.issuer.issue(found.id_number, found.name, wanted.valid_s, platform.clock())


@router.post(
    "/eid/verify",
    summary="Check an e-ID code; each code is valid once",
    description="`valid: false` comes with a `code`: malformed, unknown_key, bad_signature, "
    "expired, replayed (verified before).",
    responses=problems({400: INVALID}),
)
def verify_eid(check: EidCheck, platform: PlatformDep) -> EidVerdict:
    now = platform.clock()
    verdict, claims = platform.issuer.check(check.payload, now)
    if claims is not None and not platform.storage.first_use(claims.jti, claims.exp, int(now)):
        return EidVerdict(valid=False, code="replayed", expires=verdict.expires)
    return verdict


@router.get("/health", summary="Whether the platform answers, and its clock")
def health() -> Health:
    return Health(status="ok", time=utc_timestamp())


@router.get(
    "/faces/comparator",
    summary="The face comparator this platform runs, and what it really does",
)
def face_comparator(platform: PlatformDep) -> FaceComparator:
    return faces.info(platform.comparator)


@router.post(
    "/faces/verify",
    summary="Compare a live photo with a citizen's reference (signed)",
    description="`match: false` comes with a `code`: bad_image (not a readable JPEG of at least "
    f"{faces.MIN_SIDE_PX}×{faces.MIN_SIDE_PX} px), no_reference (no such citizen here), "
    "no_match. `comparator` names the comparator that decided (see /v1/faces/comparator).",
    responses=problems({400: INVALID, 401: UNSIGNED}),
)
def verify_face(check: FaceCheck, kiosk_id: SignedKiosk, platform: PlatformDep) -> FaceVerdict:
    problem = id_number_problem(check.id_number)
    if problem is not None:
        raise ProblemError(400, "invalid_request", f"id_number: {problem}")
    citizen = platform.storage.citizen(check.id_number)
    return faces.judge(platform.comparator, citizen, check.image)


@router.get(
    "/sites/{site_id:path}/queues",
    summary="A site's ticket queues on a day (signed)",
    description="Counted from the accepted `ticket` and `ticket_call` records of the kiosks "
    "enrolled at the site: a ticket waits until a call names its number on its date.",
    responses=problems({400: INVALID, 401: UNSIGNED}),
)
def site_queues(
    site_id: Annotated[str, Path(min_length=1, max_length=128)],
    date: Annotated[str, Query(pattern=DATE_PATTERN, description="the site's day, YYYY-MM-DD")],
    kiosk_id: SignedKiosk,
    platform: PlatformDep,
) -> QueueStatus:
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise ProblemError(400, "invalid_request", f"date: {date!r} is not a day") from None
    issued, called = platform.storage.ticket_rows(site_id, day.isoformat())
    return QueueStatus(date=day.isoformat(), queues=tally(issued, called))


@router.post(
    "/documents/verify",
    summary="Check a document a kiosk signed (the code of its QR, or the URL)",
    description="`valid: false` comes with a `code`: malformed, unknown_kiosk (no such kiosk "
    "enrolled), bad_signature (altered or forged).",
    responses=problems({400: INVALID}),
)
def verify_document(check: DocumentCheck, platform: PlatformDep) -> DocumentVerdict:
    return check_document(check.payload, platform.storage.kiosk_key)


@router.get("/kiosks", summary="Every enrolled kiosk, its chain, alerts and last heartbeat")
def list_kiosks(platform: PlatformDep) -> KioskList:
    return KioskList(kiosks=platform.storage.kiosks())


@router.get(
    "/kiosks/{kiosk_id}/records",
    summary="A kiosk's stored records in seq order, for integrators and tests",
    responses=problems({400: INVALID, 404: "`unknown_kiosk`"}),
)
def kiosk_records(
    kiosk_id: Annotated[str, Path(max_length=64)],
    platform: PlatformDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="records after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_BATCH_RECORDS)] = 100,
) -> KioskRecords:
    found = platform.storage.records(kiosk_id, after, limit)
    if found is None:
        raise ProblemError(404, "unknown_kiosk", f"no kiosk {kiosk_id!r} is enrolled")
    head, stored = found
    return KioskRecords(kiosk_id=kiosk_id, head=head, records=stored)


page_router = APIRouter(include_in_schema=False)


@page_router.get("/", response_class=HTMLResponse)
def kiosk_page(platform: PlatformDep) -> HTMLResponse:
    comparator = faces.info(platform.comparator)
    return HTMLResponse(page.render(platform.storage.kiosks(), utc_timestamp(), comparator))


@page_router.get("/hall/{site_id:path}", response_class=HTMLResponse)
def hall_page(site_id: str, platform: PlatformDep) -> HTMLResponse:
    """A site's calling board for a screen in the hall: the service windows' latest calls."""
    return HTMLResponse(
        page.render_hall(site_id, platform.storage.latest_calls(site_id, page.HALL_CALLS))
    )


@page_router.get(DOCUMENT_PAGE + "{code}", response_class=HTMLResponse)
def document_page(code: str, platform: PlatformDep) -> HTMLResponse:
    """What a phone shows from a printed document's QR code: genuine or not, and why."""
    return HTMLResponse(page.render_document(check_document(code, platform.storage.kiosk_key)))
