"""Enrolment and batches against the real platform: chains, retries, tampering, bad requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.process import CentralProcess, stored_records
from offline_queue import wire
from tests.central_server import ChainKiosk, assert_chain_intact, kiosk_summary, post_json


@pytest.fixture
def kiosk(platform: CentralProcess) -> ChainKiosk:
    kiosk = ChainKiosk()
    assert kiosk.enrol(platform.url).status_code == 200
    return kiosk


def statuses(answer: requests.Response) -> list[tuple[int, str, str | None]]:
    assert answer.status_code == 200, answer.text
    return [
        (result["seq"], result["status"], result["code"]) for result in answer.json()["results"]
    ]


def problem(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


# --- enrolment ---------------------------------------------------------------------------------


def test_a_new_kiosk_starts_at_the_genesis_head(platform: CentralProcess) -> None:
    kiosk = ChainKiosk()
    answer = kiosk.enrol(platform.url)
    assert answer.status_code == 200
    assert answer.json() == {
        "kiosk_id": kiosk.kiosk_id,
        "head": {"seq": 0, "hash": wire.GENESIS_HASH},
    }
    assert kiosk_summary(platform.url, kiosk.kiosk_id)["site_id"] == "测试网点-1"


def test_enrolling_again_with_the_same_key_tells_where_the_chain_stands(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    kiosk.send(platform.url, kiosk.write(3))
    answer = kiosk.enrol(platform.url)
    assert answer.status_code == 200
    assert answer.json()["head"] == {"seq": 3, "hash": kiosk.records[-1].hash}


def test_another_key_for_an_enrolled_kiosk_is_a_conflict(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    impostor = ChainKiosk(kiosk.kiosk_id)
    problem(impostor.enrol(platform.url), 409, "key_conflict")
    kiosk.send(platform.url, kiosk.write(1))  # the first key still counts
    assert kiosk_summary(platform.url, kiosk.kiosk_id)["head"]["seq"] == 1


@pytest.mark.parametrize(
    "public_key", [wire.b64encode(b"short"), wire.b64encode(bytes(64)), "not base64!"]
)
def test_a_public_key_that_is_not_a_raw_ed25519_key_is_refused(
    platform: CentralProcess, public_key: str
) -> None:
    body = {"kiosk_id": "kiosk-bad-key", "site_id": "s", "public_key": public_key}
    assert (
        "public_key"
        in problem(post_json(platform.url, "/enrolments", body), 400, "invalid_request")["detail"]
    )


# --- chains ------------------------------------------------------------------------------------


def test_a_chain_sent_in_several_batches_is_stored_once_in_sequence(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    for size in (1, 4, 10):
        records = kiosk.write(size, kind="application", service="老年人优待证申领")
        answer = kiosk.send(platform.url, records)
        assert statuses(answer) == [(record.seq, "accepted", None) for record in records]
        assert answer.json()["head"] == {"seq": records[-1].seq, "hash": records[-1].hash}
    stored = stored_records(platform.url, kiosk.kiosk_id)
    assert len(stored) == 15
    assert_chain_intact(stored, kiosk.kiosk_id)
    assert stored[0]["payload"] == {"number": 1, "service": "老年人优待证申领"}
    assert {record["status"] for record in stored} == {"accepted"}
    summary = kiosk_summary(platform.url, kiosk.kiosk_id)
    assert (summary["accepted"], summary["rejected"], summary["alerts"]) == (15, 0, [])


def test_a_batch_sent_again_is_answered_duplicate_and_stored_once(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    first = kiosk.write(3)
    kiosk.send(platform.url, first)
    assert statuses(kiosk.send(platform.url, first)) == [
        (1, "duplicate", None),
        (2, "duplicate", None),
        (3, "duplicate", None),
    ]
    # An answer lost after the first three: the retry carries them and two new ones.
    answer = kiosk.send(platform.url, [*first, *kiosk.write(2)])
    assert [status for _, status, _ in statuses(answer)] == ["duplicate"] * 3 + ["accepted"] * 2
    assert_chain_intact(stored_records(platform.url, kiosk.kiosk_id), kiosk.kiosk_id)
    assert kiosk_summary(platform.url, kiosk.kiosk_id)["accepted"] == 5


def test_a_retry_after_a_restart_is_still_a_duplicate(central: CentralProcess) -> None:
    kiosk = ChainKiosk()
    kiosk.enrol(central.url)
    records = kiosk.write(4)
    kiosk.send(central.url, records)
    central.restart()
    assert [status for _, status, _ in statuses(kiosk.send(central.url, records))] == [
        "duplicate"
    ] * 4
    assert_chain_intact(stored_records(central.url, kiosk.kiosk_id), kiosk.kiosk_id)


def test_an_answered_batch_survives_a_crash_of_the_platform(central: CentralProcess) -> None:
    kiosk = ChainKiosk()
    kiosk.enrol(central.url)
    records = kiosk.write(3)
    assert statuses(kiosk.send(central.url, records))[-1] == (3, "accepted", None)
    central.kill()
    central.start()
    assert statuses(kiosk.send(central.url, records))[-1] == (3, "duplicate", None)
    assert statuses(kiosk.send(central.url, kiosk.write(1))) == [(4, "accepted", None)]


def test_a_record_sent_again_with_other_content_is_an_idempotency_conflict(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    first, second, third = kiosk.write(3)
    kiosk.send(platform.url, [first, second, third])
    # Another history from record 2 on, signed by the kiosk, with a new record 4.
    other = kiosk.record(2, "audit", {"number": 2, "window": "B"}, first.hash)
    after = kiosk.record(3, "audit", {"number": 3}, other.hash)
    new = kiosk.record(4, "audit", {"number": 4}, after.hash)
    answer = kiosk.send(platform.url, [first, other, after, new])
    body = problem(answer, 422, "idempotency_conflict")
    assert body["keys"] == [other.idempotency_key, after.idempotency_key]
    stored = stored_records(platform.url, kiosk.kiosk_id)
    assert [record["hash"] for record in stored] == [first.hash, second.hash, third.hash]
    summary = kiosk_summary(platform.url, kiosk.kiosk_id)
    assert summary["head"]["seq"] == 3
    assert any("idempotency_conflict" in alert for alert in summary["alerts"])


def test_an_edited_record_is_rejected_and_the_records_after_it_wait(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    records = kiosk.write(5, kind="rating", level=5)
    kiosk.send(platform.url, records[:2])
    edited = records[2].model_copy(update={"payload": {"number": 3, "level": 1}})
    answer = kiosk.send(platform.url, [edited, *records[3:]])
    assert statuses(answer) == [(3, "rejected", "hash_mismatch")]
    assert "altered" in answer.json()["results"][0]["reason"]
    assert answer.json()["head"]["seq"] == 2
    assert len(stored_records(platform.url, kiosk.kiosk_id)) == 2
    assert "hash_mismatch at seq 3" in kiosk_summary(platform.url, kiosk.kiosk_id)["alerts"][0]
    # The genuine records still go through.
    assert [status for _, status, _ in statuses(kiosk.send(platform.url, records[2:]))] == [
        "accepted"
    ] * 3
    assert_chain_intact(stored_records(platform.url, kiosk.kiosk_id), kiosk.kiosk_id)


def test_a_dropped_record_is_a_gap(platform: CentralProcess, kiosk: ChainKiosk) -> None:
    records = kiosk.write(5)
    kiosk.send(platform.url, records[:2])
    answer = kiosk.send(platform.url, records[3:])
    assert statuses(answer) == [(4, "rejected", "gap")]
    assert "record 3 is missing" in answer.json()["results"][0]["reason"]
    assert [record["seq"] for record in stored_records(platform.url, kiosk.kiosk_id)] == [1, 2]
    summary = kiosk_summary(platform.url, kiosk.kiosk_id)
    assert (summary["head"]["seq"], summary["accepted"]) == (2, 2)
    assert "gap at seq 4" in summary["alerts"][0]


def test_two_swapped_records_break_the_chain(platform: CentralProcess, kiosk: ChainKiosk) -> None:
    first, second, third = kiosk.write(3)
    kiosk.send(platform.url, [first])
    swapped = [
        third.model_copy(update={"seq": 2, "idempotency_key": second.idempotency_key}),
        second.model_copy(update={"seq": 3, "idempotency_key": third.idempotency_key}),
    ]
    answer = kiosk.send(platform.url, swapped)
    assert statuses(answer) == [(2, "rejected", "chain_broken")]
    assert [record["seq"] for record in stored_records(platform.url, kiosk.kiosk_id)] == [1]
    assert "chain_broken at seq 2" in kiosk_summary(platform.url, kiosk.kiosk_id)["alerts"][0]


def test_refused_content_is_rejected_but_the_chain_goes_on(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    records = [
        *kiosk.write(1, kind="audit"),
        *kiosk.write(1, kind="rating", level=9),
        *kiosk.write(1, kind="lottery"),
        *kiosk.write(1, kind="audit", note="x" * (300 * 1024)),
        *kiosk.write(1, kind="rating", level=4),
    ]
    answer = kiosk.send(platform.url, records)
    assert statuses(answer) == [
        (1, "accepted", None),
        (2, "rejected", "invalid_content"),
        (3, "rejected", "invalid_content"),
        (4, "rejected", "invalid_content"),
        (5, "accepted", None),
    ]
    reasons = [result["reason"] for result in answer.json()["results"]]
    assert "level" in reasons[1] and "lottery" in reasons[2] and "bytes" in reasons[3]
    stored = stored_records(platform.url, kiosk.kiosk_id)
    assert_chain_intact(stored, kiosk.kiosk_id)
    assert [record["status"] for record in stored] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    summary = kiosk_summary(platform.url, kiosk.kiosk_id)
    assert (summary["accepted"], summary["rejected"], summary["head"]["seq"]) == (2, 3, 5)
    # A retry gets the first answer again, not "duplicate" (which a kiosk takes as accepted).
    assert statuses(kiosk.send(platform.url, records[1:2])) == [(2, "rejected", "invalid_content")]


# --- refused batches ---------------------------------------------------------------------------


def test_a_batch_signed_with_another_key_is_refused(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    body = kiosk.batch(kiosk.write(2), key=Ed25519PrivateKey.generate())
    problem(post_json(platform.url, "/batches", body), 401, "bad_signature")
    assert stored_records(platform.url, kiosk.kiosk_id) == []


def test_a_batch_of_a_kiosk_never_enrolled_is_refused(platform: CentralProcess) -> None:
    stranger = ChainKiosk()
    problem(stranger.send(platform.url, stranger.write(1)), 401, "not_enrolled")


def _signed_body(kiosk: ChainKiosk, records: list[wire.Record], **head: Any) -> bytes:
    """A batch whose head has the given fields instead of the right ones, signed."""
    batch = json.loads(kiosk.batch(records))
    batch["head"].update(head)
    signature = kiosk.key.sign(wire.head_message(wire.BatchHead(**batch["head"])))
    batch["signature"] = wire.b64encode(signature)
    return json.dumps(batch).encode()


@pytest.mark.parametrize(
    ("head", "said"),
    [
        ({"count": 3}, "count"),
        ({"last_seq": 5}, "last_seq"),
        ({"first_seq": 2, "last_seq": 3}, "seq"),
        ({"last_hash": "ab" * 32}, "last_hash"),
    ],
)
def test_a_head_that_does_not_describe_its_records_is_refused(
    platform: CentralProcess, kiosk: ChainKiosk, head: dict[str, Any], said: str
) -> None:
    body = _signed_body(kiosk, kiosk.write(2), **head)
    refused = problem(post_json(platform.url, "/batches", body), 400, "inconsistent_batch")
    assert said in refused["detail"]
    assert stored_records(platform.url, kiosk.kiosk_id) == []


def test_an_idempotency_key_of_another_form_is_refused(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    batch = json.loads(kiosk.batch(kiosk.write(1)))
    batch["records"][0]["idempotency_key"] = "1"
    answer = post_json(platform.url, "/batches", json.dumps(batch))
    assert "idempotency_key" in problem(answer, 400, "inconsistent_batch")["detail"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"head": {', "not valid JSON"),
        (b"", "body is missing"),
        (b"[1, 2]", "JSON object"),
        (b'{"head": {"kiosk_id": "k\\ud800"}}', "not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_clear_400(
    platform: CentralProcess, body: bytes, said: str
) -> None:
    assert (
        said in problem(post_json(platform.url, "/batches", body), 400, "invalid_request")["detail"]
    )


def test_wrong_types_are_refused_naming_the_field(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    batch = json.loads(kiosk.batch(kiosk.write(2)))
    batch["records"][1]["seq"] = "two"
    del batch["records"][0]["created"]
    detail = problem(
        post_json(platform.url, "/batches", json.dumps(batch)), 400, "invalid_request"
    )["detail"]
    assert "records.0.created" in detail and "records.1.seq" in detail


def test_a_payload_with_a_float_is_refused_as_it_has_no_canonical_form(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    batch = json.loads(kiosk.batch(kiosk.write(1)))
    batch["records"][0]["payload"]["amount"] = 1.5
    detail = problem(
        post_json(platform.url, "/batches", json.dumps(batch)), 400, "invalid_request"
    )["detail"]
    assert "records[0].payload" in detail and "float" in detail


def test_a_body_over_the_limit_is_413(platform: CentralProcess) -> None:
    body = b" " * (wire.MAX_BODY_BYTES + 1)
    problem(post_json(platform.url, "/batches", body), 413, "too_large")
    chunks = (b" " * 65536 for _ in range(wire.MAX_BODY_BYTES // 65536 + 1))
    answer = requests.post(
        f"{platform.url}{wire.API}/batches",
        data=chunks,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    problem(answer, 413, "too_large")


def test_unknown_paths_and_methods_answer_with_a_problem(platform: CentralProcess) -> None:
    problem(requests.get(f"{platform.url}/v1/nothing", timeout=10), 404, "not_found")
    problem(requests.get(f"{platform.url}/v1/batches", timeout=10), 405, "method_not_allowed")


def test_the_platform_log_holds_no_payloads(platform: CentralProcess) -> None:
    kiosk = ChainKiosk()
    kiosk.enrol(platform.url)
    kiosk.send(platform.url, kiosk.write(2, kind="application", secret_marker="机密-1234"))
    assert "机密-1234" not in platform.log()
