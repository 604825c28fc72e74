"""The kiosk's HTTP client for the platform's API (`docs/openapi.json`).

Every answer is checked against the wire models, so a platform that errors, hangs, resets the
connection or sends something malformed gives a `PlatformError` saying which, never a crash.
Errors carry how long the platform asked us to wait (`retry_after_s`).

Calls are serialised (a `requests.Session` is not safe to share between threads). The sync
worker has a client of its own; what a citizen waits on (e-ID, face, queues, documents) goes
through a second one with short timeouts (`Outbox.platform`), so it never waits behind a batch.
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import quote

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ValidationError

from offline_queue import wire

M = TypeVar("M", bound=BaseModel)

MAX_ANSWER_BYTES = 4 * 1024 * 1024  # a batch result for 1000 records is ~150 kB
MAX_RETRY_AFTER_S = 3600.0


class PlatformError(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unreachable(PlatformError):
    """No answer: refused, reset, timed out, name or TLS failure."""


class PlatformFault(PlatformError):
    """The platform answered, but with a server error or something that is not the contract."""


class Refused(PlatformError):
    """The platform refused the request (4xx) and said why in a `wire.Problem`."""

    def __init__(self, status: int, problem: wire.Problem, retry_after_s: float | None) -> None:
        super().__init__(f"platform refused ({status} {problem.code}): {problem.detail}")
        self.status, self.problem, self.retry_after_s = status, problem, retry_after_s


class PlatformClient:
    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        signing_key: Ed25519PrivateKey,
        *,
        verify_tls: bool = True,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self._key = signing_key
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._read_timeout_s = read_timeout_s
        self._session = requests.Session()
        self._session.verify = verify_tls
        self._session.headers["User-Agent"] = "kiosk-terminal"
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def enrol(self, site_id: str, public_key_b64: str) -> wire.ChainHead:
        body = wire.Enrolment(kiosk_id=self.kiosk_id, site_id=site_id, public_key=public_key_b64)
        answer = self._call("POST", "/enrolments", body, wire.EnrolmentResult)
        return answer.head

    def send_batch(self, records: Sequence[wire.Record]) -> wire.BatchResult:
        batch = wire.signed_batch(self.kiosk_id, list(records), self._key.sign)
        return self._call("POST", "/batches", batch, wire.BatchResult)

    def heartbeat(self, heartbeat: wire.Heartbeat) -> wire.HeartbeatAck:
        return self._call("POST", "/heartbeats", heartbeat, wire.HeartbeatAck, signed=True)

    def citizen(self, id_number: str) -> wire.Citizen:
        path = f"/citizens/{quote(id_number, safe='')}"
        return self._call("GET", path, None, wire.Citizen, signed=True)

    def applications(self, id_number: str) -> wire.CitizenApplications:
        """The citizen's applications no service window has taken in yet."""
        path = f"/citizens/{quote(id_number, safe='')}/applications"
        return self._call("GET", path, None, wire.CitizenApplications, signed=True)

    def eid_keys(self) -> wire.EidKeys:
        return self._call("GET", "/eid/keys", None, wire.EidKeys)

    def verify_eid(self, payload: str) -> wire.EidVerdict:
        """The platform's verdict on an e-ID code; it marks a valid code used (once only).
        ValueError for a text longer than any e-ID code."""
        _bounded(payload, wire.EID_MAX_CHARS, "an e-ID code")
        return self._call("POST", "/eid/verify", wire.EidCheck(payload=payload), wire.EidVerdict)

    def verify_face(self, check: wire.FaceCheck) -> wire.FaceVerdict:
        return self._call("POST", "/faces/verify", check, wire.FaceVerdict, signed=True)

    def face_comparator(self) -> wire.FaceComparator:
        return self._call("GET", "/faces/comparator", None, wire.FaceComparator)

    def queues(self, site_id: str, date: str) -> wire.QueueStatus:
        """The site's ticket queues on `date` (YYYY-MM-DD, the site's day)."""
        path = f"/sites/{quote(site_id, safe='')}/queues?date={quote(date, safe='')}"
        return self._call("GET", path, None, wire.QueueStatus, signed=True)

    def verify_document(self, payload: str) -> wire.DocumentVerdict:
        """Whether a document code (or its URL) was signed by an enrolled kiosk.
        ValueError for a text longer than any document code."""
        _bounded(payload, wire.DOC_MAX_CHARS, "a document code")
        check = wire.DocumentCheck(payload=payload)
        return self._call("POST", "/documents/verify", check, wire.DocumentVerdict)

    def _call(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        answer: type[M],
        *,
        signed: bool = False,
    ) -> M:
        path = wire.API + path
        shown = _masked(path)
        data = body.model_dump_json().encode("utf-8") if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            with self._lock:
                if signed:  # signed inside the lock: a call that waited is not signed stale
                    headers |= self._signature_headers(method, path, data)
                content, response = self._request(method, path, data, headers)
        except requests.exceptions.SSLError as e:
            raise Unreachable(f"TLS failed for {self.base_url}: {_reason(e)}") from None
        except requests.exceptions.Timeout:
            raise Unreachable(f"platform did not answer {method} {shown} in time") from None
        except requests.exceptions.RequestException as e:
            raise Unreachable(f"platform unreachable ({_reason(e)})") from None
        retry_after = _retry_after_s(response.headers.get("Retry-After"))
        if response.status_code >= 500:
            raise PlatformFault(
                f"platform error {response.status_code} on {method} {shown}", retry_after
            )
        if response.status_code >= 400:
            raise Refused(
                response.status_code, _problem(response.status_code, content), retry_after
            )
        try:
            return answer.model_validate_json(content)
        except ValidationError as e:
            raise PlatformFault(
                f"platform answered {method} {shown} with something that is not a "
                f"{answer.__name__}: {_first_error(e)}"
            ) from None

    def _request(
        self, method: str, path: str, data: bytes, headers: dict[str, str]
    ) -> tuple[bytes, requests.Response]:
        with self._session.request(
            method,
            self.base_url + path,
            data=data or None,
            headers=headers,
            timeout=self._timeout,
            stream=True,
        ) as response:
            return _read_limited(response, time.monotonic() + 2 * self._read_timeout_s), response

    def _signature_headers(self, method: str, path: str, data: bytes) -> dict[str, str]:
        now = int(time.time())
        signature = self._key.sign(wire.request_message(method, path, now, data))
        return {
            wire.KIOSK_HEADER: self.kiosk_id,
            wire.TIME_HEADER: str(now),
            wire.SIGNATURE_HEADER: wire.b64encode(signature),
        }


def _masked(path: str) -> str:
    """The path for messages, identity numbers masked (§7: never in exception texts)."""
    return re.sub(r"\d{17}[\dX]", lambda found: wire.mask_id_number(found[0]), path)


def _bounded(text: str, limit: int, what: str) -> None:
    # Said here rather than by the model: pydantic's message would quote the text.
    if len(text) > limit:
        raise ValueError(f"{what} has at most {limit} characters, this text has {len(text)}")


def _read_limited(response: requests.Response, deadline: float) -> bytes:
    """The body, refusing one too large or too slow: a platform that dribbles bytes would
    otherwise hold the sync thread forever, as each read stays within the read timeout."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise PlatformFault(f"platform answer larger than {MAX_ANSWER_BYTES} bytes")
        if time.monotonic() > deadline:
            raise Unreachable("platform answer too slow (still arriving after the deadline)")
        chunks.append(chunk)
    return b"".join(chunks)


def _problem(status: int, content: bytes) -> wire.Problem:
    try:
        return wire.Problem.model_validate_json(content)
    except ValidationError:
        text = content[:200].decode("utf-8", "replace")
        return wire.Problem(code=f"http_{status}", detail=text or "no detail given")


def _retry_after_s(value: str | None) -> float | None:
    """`Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), capped at an hour."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER_S)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    if first["type"] == "json_invalid":
        return "not JSON"
    return f"{where}: {first['msg']}"


def _reason(error: BaseException) -> str:
    """The innermost cause in a line ('Connection refused'), not urllib3's nested repr."""
    cause = error
    while True:
        inner = getattr(cause, "reason", None)  # urllib3's MaxRetryError
        if not isinstance(inner, BaseException):
            inner = next((a for a in cause.args if isinstance(a, BaseException)), None)
        if inner is None:
            break
        cause = inner
    text = str(cause) or cause.__class__.__name__
    if "] " in text:  # "... [Errno 111] Connection refused"
        text = text.rsplit("] ", 1)[1]
    return " ".join(text.split())[:200]
