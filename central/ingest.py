"""Checking a batch of records against the chain the platform holds (DESIGN.md §4).

Pure logic: `check_batch` and `prepare` need only the batch, `decide` also the platform's head
and the records already stored under the batch's retried keys. `central.storage` runs `decide`
inside the one transaction that stores its outcome.

Verdicts, record by record in seq order, with the platform's head (H, Hh):
- seq <= H, a retry: the same record again is answered as it was the first time ("duplicate",
  or the rejection it got); a different record under a stored key makes the whole batch an
  idempotency conflict, and nothing of it is stored.
- seq == H + 1: it must link to Hh and hash to its own `hash`, or it is rejected and processing
  stops (`chain_broken`, `hash_mismatch`). Content the platform refuses (`invalid_content`) is
  rejected but still stored as a chain link, so the records after it are not blocked.
- seq > H + 1: rejected (`gap`), processing stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import JsonValue

from offline_queue.wire import (
    RATING_LEVELS,
    RECORD_KINDS,
    Batch,
    ChainHead,
    Record,
    RecordResult,
    canonical_json,
    idempotency_key,
    record_hash,
)

MAX_PAYLOAD_BYTES = 256 * 1024
# Fields the platform counts on, as non-empty text: ticket queues are tallied from them.
REQUIRED_TEXT = {
    "ticket": ("ticket", "business", "date"),
    "ticket_call": ("ticket", "date"),
}

LinkStatus = Literal["accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class Link:
    """A record as the platform keeps it in a kiosk's chain."""

    seq: int
    kind: str
    created: str
    payload: str  # canonical JSON
    prev_hash: str
    hash: str
    status: LinkStatus
    code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """An integrity problem found in a kiosk's records, for the people who run the platform."""

    seq: int
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record with what can be worked out without the platform's chain."""

    record: Record
    payload: str  # canonical JSON
    hash_ok: bool  # its content hashes to its `hash`
    content_problem: str | None  # why the platform refuses its content, for people


@dataclass(frozen=True)
class Outcome:
    results: list[RecordResult]
    links: list[Link]  # new chain links to store
    alerts: list[Alert]
    head: ChainHead
    conflicts: list[str]  # keys sent before with other content: then nothing is stored


def check_batch(batch: Batch) -> str | None:
    """Why the head does not describe the records, or None when it does."""
    head, records = batch.head, batch.records
    if head.count != len(records):
        return f"head.count is {head.count} but the batch has {len(records)} records"
    if head.last_seq - head.first_seq + 1 != head.count:
        return (
            f"head.first_seq {head.first_seq} to head.last_seq {head.last_seq} "
            f"is not {head.count} records"
        )
    for index, record in enumerate(records):
        seq = head.first_seq + index
        if record.seq != seq:
            return f"records[{index}].seq is {record.seq}, expected {seq}: send consecutive seqs"
        if record.idempotency_key != idempotency_key(head.kiosk_id, seq):
            return (
                f"records[{index}].idempotency_key is {record.idempotency_key!r}, "
                f"expected {idempotency_key(head.kiosk_id, seq)!r}"
            )
    if records[-1].hash != head.last_hash:
        return "head.last_hash is not the hash of the last record"
    return None


def prepare(kiosk_id: str, records: list[Record]) -> list[Prepared]:
    """Canonical payloads, recomputed hashes and content checks.

    Raises ValueError naming the record whose payload has no canonical form (floats).
    """
    prepared = []
    for index, record in enumerate(records):
        try:
            payload = canonical_json(record.payload)
            computed = record_hash(
                record.prev_hash, kiosk_id, record.seq, record.kind, record.created, record.payload
            )
        except ValueError as e:
            raise ValueError(f"records[{index}].payload: {e}") from None
        prepared.append(
            Prepared(
                record,
                payload.decode("utf-8"),
                computed == record.hash,
                content_problem(record.kind, record.payload, len(payload)),
            )
        )
    return prepared


def content_problem(kind: str, payload: Mapping[str, JsonValue], size: int) -> str | None:
    if kind not in RECORD_KINDS:
        return f"unknown kind {kind!r}; the platform takes {', '.join(RECORD_KINDS)}"
    if size > MAX_PAYLOAD_BYTES:
        return f"payload is {size} bytes, more than the {MAX_PAYLOAD_BYTES} the platform takes"
    if kind == "rating":
        level = payload.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or level not in RATING_LEVELS:
            return f"a rating needs a level of {RATING_LEVELS[0]} to {RATING_LEVELS[-1]}"
    for name in REQUIRED_TEXT.get(kind, ()):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            return f"a {kind} needs {name!r} as text: {', '.join(REQUIRED_TEXT[kind])}"
    if kind in REQUIRED_TEXT and not _is_date(payload["date"]):
        return f"a {kind}'s date is the site's day as YYYY-MM-DD"
    return None


def _is_date(text: JsonValue) -> bool:
    try:
        return isinstance(text, str) and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def decide(prepared: list[Prepared], head: ChainHead, stored: Mapping[int, Link]) -> Outcome:
    """The verdicts on a checked batch; `stored` holds the links of its seqs up to `head.seq`."""
    results: list[RecordResult] = []
    links: list[Link] = []
    alerts: list[Alert] = []
    conflicts: list[Record] = []
    seq, last_hash = head.seq, head.hash
    for item in prepared:
        record = item.record
        if record.seq <= head.seq:
            link = stored[record.seq]
            if _same(link, item):
                results.append(_repeat_verdict(record, link))
            else:
                conflicts.append(record)
            continue
        if conflicts:
            break
        broken = _chain_problem(item, seq, last_hash)
        if broken is not None:
            results.append(_rejected(record, *broken))
            alerts.append(Alert(record.seq, *broken))
            break
        link = _new_link(item)
        links.append(link)
        results.append(
            RecordResult(
                idempotency_key=record.idempotency_key,
                seq=record.seq,
                status=link.status,
                code=link.code,
                reason=link.reason,
            )
        )
        seq, last_hash = record.seq, record.hash
    keys = [record.idempotency_key for record in conflicts]
    if conflicts:
        listed = ", ".join(keys)
        alerts = [
            Alert(
                conflicts[0].seq,
                "idempotency_conflict",
                f"sent again with other content than the platform holds: {listed}",
            )
        ]
    return Outcome(results, links, alerts, ChainHead(seq=seq, hash=last_hash), keys)


def _new_link(item: Prepared) -> Link:
    """The next link of the chain: accepted, or rejected for its content but kept."""
    record = item.record
    return Link(
        record.seq,
        record.kind,
        record.created,
        item.payload,
        record.prev_hash,
        record.hash,
        "rejected" if item.content_problem else "accepted",
        "invalid_content" if item.content_problem else None,
        item.content_problem,
    )


def _same(link: Link, item: Prepared) -> bool:
    record = item.record
    return (
        link.hash == record.hash
        and link.prev_hash == record.prev_hash
        and link.kind == record.kind
        and link.created == record.created
        and link.payload == item.payload
    )


def _repeat_verdict(record: Record, link: Link) -> RecordResult:
    """A retry gets the answer the record got the first time."""
    if link.status == "accepted":
        return RecordResult(
            idempotency_key=record.idempotency_key, seq=record.seq, status="duplicate"
        )
    return _rejected(record, link.code or "invalid_content", link.reason or "")


def _chain_problem(item: Prepared, head_seq: int, head_hash: str) -> tuple[str, str] | None:
    record = item.record
    if record.seq > head_seq + 1:
        missing = (
            f"record {head_seq + 1} is"
            if record.seq == head_seq + 2
            else f"records {head_seq + 1} to {record.seq - 1} are"
        )
        return "gap", f"{missing} missing: the platform holds up to seq {head_seq}"
    if record.prev_hash != head_hash:
        return (
            "chain_broken",
            f"record {record.seq} does not follow the platform's record {head_seq}: "
            "records were reordered, dropped or edited before it",
        )
    if not item.hash_ok:
        return (
            "hash_mismatch",
            f"record {record.seq} does not hash to its hash: it was altered after it was written",
        )
    return None


def _rejected(record: Record, code: str, reason: str) -> RecordResult:
    return RecordResult(
        idempotency_key=record.idempotency_key,
        seq=record.seq,
        status="rejected",
        code=code,
        reason=reason,
    )
