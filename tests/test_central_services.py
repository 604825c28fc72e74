"""Signed requests (heartbeats, citizen data), the kiosk list and page, demo e-ID codes, and
the platform's database schema."""

from __future__ import annotations

import io
import json
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from central.app import ISSUER_SECRET
from central.eid import EidIssuer, new_issuer_secret
from central.process import CentralProcess, stored_records
from central.storage import SCHEMA_VERSION, Storage, StorageError
from devices.idcard.card import parse_text
from devices.sim.idcard import CITIZENS
from offline_queue import wire
from tests.central_server import ChainKiosk, kiosk_summary, post_json

WANG = "110101195803120023"  # 王秀英, on the first simulated card
LI = "440106199007151239"  # 李明


@pytest.fixture
def kiosk(platform: CentralProcess) -> ChainKiosk:
    kiosk = ChainKiosk(site_id="北京市东城区政务服务中心 <一楼>")
    assert kiosk.enrol(platform.url).status_code == 200
    return kiosk


def heartbeat(kiosk_id: str, detail: str = "ready") -> bytes:
    return json.dumps(
        {
            "kiosk_id": kiosk_id,
            "sent": wire.utc_timestamp(),
            "software": "kiosk 0.1.0",
            "devices": [
                {"name": "身份证阅读器", "kind": "idcard", "state": "ok", "detail": detail},
                {"name": "receipt", "kind": "printer", "state": "paper_out"},
            ],
            "queue": {
                "pending": 12,
                "in_flight": 0,
                "rejected": 1,
                "oldest_pending": "2026-01-05T08:00:00.000Z",
            },
        }
    ).encode()


def problem(answer: requests.Response, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code, answer.text
    detail: str = answer.json()["detail"]
    return detail


# --- faces a kiosk left to the platform (it was offline) ---------------------------------------


def face_record(id_number: str, photo: str, match: bool | None = None) -> dict[str, Any]:
    """An authentication record's payload as a kiosk writes it (kiosk/records.py)."""
    face: dict[str, Any] = {"liveness": "turn_left", "match": match, "comparator": "demo"}
    if match is None:
        face["photo_jpeg"] = photo
    return {"subject": {"id_number": id_number, "name": "王秀英"}, "face": face}


def jpeg(side: int) -> str:
    image = Image.new("RGB", (side, side), (200, 180, 160))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return wire.b64encode(out.getvalue())


def test_faces_left_to_the_platform_are_compared_when_they_arrive(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    """What the kiosk tells a pensioner offline ("checked once the network is back") comes
    true: each photo is compared on arrival, or refused with the reason."""
    records = [
        *kiosk.write(kind="authentication", **face_record(WANG, jpeg(240))),
        *kiosk.write(kind="authentication", **face_record(WANG, wire.b64encode(b"not a jpeg"))),
        *kiosk.write(kind="authentication", **face_record("110101190001010018", jpeg(240))),
        *kiosk.write(kind="authentication", **face_record(WANG, "", match=True)),  # online
    ]
    assert kiosk.send(platform.url, records).status_code == 200
    verdicts = [r["face_verdict"] for r in stored_records(platform.url, kiosk.kiosk_id)]
    assert verdicts[0] == {
        "match": True, "score": None, "comparator": "demo", "code": None, "detail": None
    }  # fmt: skip
    assert verdicts[1]["match"] is False and verdicts[1]["code"] == "bad_image"
    assert verdicts[2]["match"] is False and verdicts[2]["code"] == "no_reference"
    assert verdicts[3] is None  # compared at the kiosk already
    # A batch sent again (the kiosk did not hear the answer) is not compared twice.
    assert kiosk.send(platform.url, records).status_code == 200
    again = [r["face_verdict"] for r in stored_records(platform.url, kiosk.kiosk_id)]
    assert again == verdicts


# --- heartbeats and the kiosk list ---------------------------------------------------------------


def test_a_heartbeat_shows_in_the_kiosk_list_and_on_the_page(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    answer = kiosk.signed(platform.url, "POST", "/heartbeats", heartbeat(kiosk.kiosk_id))
    assert answer.status_code == 200, answer.text
    server_time = answer.json()["server_time"]
    summary = kiosk_summary(platform.url, kiosk.kiosk_id)
    assert summary["last_heartbeat"] == server_time
    assert [device["state"] for device in summary["devices"]] == ["ok", "paper_out"]
    assert summary["queue"]["pending"] == 12
    page = requests.get(platform.url + "/", timeout=10)
    assert page.headers["content-type"].startswith("text/html")
    assert '<meta charset="utf-8">' in page.text
    assert kiosk.kiosk_id in page.text and server_time in page.text
    assert "北京市东城区政务服务中心 &lt;一楼&gt;" in page.text
    assert "身份证阅读器" in page.text and "paper_out" in page.text


def test_the_page_escapes_what_kiosks_send(platform: CentralProcess, kiosk: ChainKiosk) -> None:
    script = "<script>alert('x')</script>"
    kiosk.signed(platform.url, "POST", "/heartbeats", heartbeat(kiosk.kiosk_id, detail=script))
    page = requests.get(platform.url + "/", timeout=10).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_a_heartbeat_for_another_kiosk_is_refused(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    answer = kiosk.signed(platform.url, "POST", "/heartbeats", heartbeat("someone-else"))
    assert "signed by" in problem(answer, 400, "invalid_request")


def test_a_request_signed_long_ago_is_stale(platform: CentralProcess, kiosk: ChainKiosk) -> None:
    old = int(time.time()) - wire.MAX_CLOCK_SKEW_S - 60
    answer = kiosk.signed(platform.url, "POST", "/heartbeats", heartbeat(kiosk.kiosk_id), old)
    assert "clock" in problem(answer, 401, "stale_request")
    assert kiosk_summary(platform.url, kiosk.kiosk_id)["last_heartbeat"] is None


def test_a_request_changed_after_signing_is_refused(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    body = heartbeat(kiosk.kiosk_id)
    headers = kiosk.signed_headers("POST", "/v1/heartbeats", body)
    answer = requests.post(
        f"{platform.url}/v1/heartbeats",
        data=body.replace(b"12", b"13"),
        headers={**headers, "Content-Type": "application/json"},
        timeout=10,
    )
    problem(answer, 401, "bad_signature")
    # Signed for one path, sent to another.
    headers = kiosk.signed_headers("GET", f"/v1/citizens/{LI}")
    answer = requests.get(f"{platform.url}/v1/citizens/{WANG}", headers=headers, timeout=10)
    problem(answer, 401, "bad_signature")


def test_signed_requests_of_unknown_kiosks_or_without_headers_are_refused(
    platform: CentralProcess,
) -> None:
    stranger = ChainKiosk()
    problem(stranger.signed(platform.url, "GET", f"/citizens/{WANG}"), 401, "not_enrolled")
    unsigned = requests.get(f"{platform.url}/v1/citizens/{WANG}", timeout=10)
    assert wire.KIOSK_HEADER in problem(unsigned, 400, "invalid_request")


# --- citizens ----------------------------------------------------------------------------------


def test_every_citizen_on_a_simulated_card_with_an_identity_number_has_demo_data(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    cards = [parse_text(card.text) for card in CITIZENS]
    numbered = [card for card in cards if len(card.number) == 18]
    assert len(numbered) == 5
    today = date.today()
    for card in numbered:
        answer = kiosk.signed(platform.url, "GET", f"/citizens/{card.number}")
        assert answer.status_code == 200, answer.text
        citizen = wire.Citizen.model_validate_json(answer.content)
        assert citizen.name == card.name
        # Only the pensioner on the cards draws a pension and is certified for it.
        assert citizen.pension.receiving == (card.age_on(today) >= 60)
        assert (citizen.pension.last_certified is not None) == citizen.pension.receiving
        assert citizen.social_insurance.contributions


def test_an_unknown_or_malformed_identity_number_is_refused(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    unknown = "110101199001010015"  # a right check character, no such demo citizen
    detail = problem(
        kiosk.signed(platform.url, "GET", f"/citizens/{unknown}"), 404, "unknown_citizen"
    )
    assert unknown not in detail and "110101********0015" in detail
    for malformed in ("123", "110101195803120024"):  # too short; wrong check character
        problem(kiosk.signed(platform.url, "GET", f"/citizens/{malformed}"), 400, "invalid_request")


# --- e-ID codes --------------------------------------------------------------------------------


def issue(url: str, id_number: str = WANG, valid_s: int = 300) -> requests.Response:
    return post_json(url, "/eid/codes", {"id_number": id_number, "valid_s": valid_s})


def verify(url: str, payload: str) -> dict[str, Any]:
    answer = post_json(url, "/eid/verify", {"payload": payload})
    assert answer.status_code == 200, answer.text
    verdict: dict[str, Any] = answer.json()
    return verdict


def test_an_eid_code_is_valid_once(platform: CentralProcess) -> None:
    code = issue(platform.url)
    assert code.status_code == 200, code.text
    payload = code.json()["payload"]
    assert payload.startswith(wire.EID_PREFIX + ".")
    verdict = verify(platform.url, payload)
    assert verdict == {
        "valid": True,
        "code": None,
        "name": "王秀英",
        "id_number_masked": "110101********0023",
        "expires": code.json()["expires"],
    }
    assert verify(platform.url, payload)["code"] == "replayed"
    assert verify(platform.url, payload)["valid"] is False


def test_the_issuer_keys_sign_the_codes(platform: CentralProcess) -> None:
    keys = requests.get(f"{platform.url}/v1/eid/keys", timeout=10).json()["keys"]
    kid, _, _, _ = wire.parse_eid(issue(platform.url).json()["payload"])
    assert [key["kid"] for key in keys] == [kid]


def test_codes_issued_before_a_restart_are_valid_after_it(central: CentralProcess) -> None:
    payload = issue(central.url).json()["payload"]
    central.restart()
    assert verify(central.url, payload)["valid"] is True


def test_no_code_for_someone_who_is_not_a_demo_citizen(platform: CentralProcess) -> None:
    problem(issue(platform.url, "110101199001010015"), 404, "unknown_citizen")
    problem(issue(platform.url, "12345"), 400, "invalid_request")


def test_forged_expired_and_garbage_codes_get_their_codes(platform: CentralProcess) -> None:
    with_kid_of_ours = wire.parse_eid(issue(platform.url).json()["payload"])[0]
    claims = wire.EidClaims(sub=WANG, name="王秀英", iat=0, exp=2**40, jti="forged")
    forger = EidIssuer(new_issuer_secret())
    forged = forger.issue(WANG, "王秀英", 300, time.time()).payload
    signed_part, _, signature = forged.rpartition(".")
    _, _, claims_part = signed_part.split(".")
    assert verify(platform.url, forged)["code"] == "unknown_key"
    as_ours = f"{wire.EID_PREFIX}.{with_kid_of_ours}.{claims_part}.{signature}"
    assert verify(platform.url, as_ours)["code"] == "bad_signature"
    other_claims = wire.eid_signed_part(with_kid_of_ours, claims)
    assert verify(platform.url, f"{other_claims}.{signature}")["code"] == "bad_signature"
    # The platform's own key, read from its database, signing a code that expired long ago.
    storage = Storage(platform.db_path)
    try:
        issuer = EidIssuer(storage.secret(ISSUER_SECRET, new_issuer_secret))
    finally:
        storage.close()
    expired = issuer.issue(WANG, "王秀英", 60, time.time() - 3600).payload
    verdict = verify(platform.url, expired)
    assert (verdict["valid"], verdict["code"], verdict["name"]) == (False, "expired", None)
    for garbage in ("", "hello", "EID1.a.b.c", "EID1..." + "A" * 1000, "二维码"):
        assert verify(platform.url, garbage)["code"] == "malformed"
    too_long = post_json(platform.url, "/eid/verify", {"payload": "x" * (wire.EID_MAX_CHARS + 1)})
    problem(too_long, 400, "invalid_request")


# --- the database schema -----------------------------------------------------------------------


def test_a_database_of_schema_1_is_migrated_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "central.sqlite"
    storage = Storage(path)
    storage.enrol("K-OLD", "东城区", ChainKiosk().public_key, wire.utc_timestamp())
    storage.close()
    with sqlite3.connect(path) as db:  # as central of schema 1 left it
        db.execute("DROP INDEX records_by_kind_date")
        db.execute("DROP TABLE face_verdicts")
        db.execute("PRAGMA user_version = 1")
    db.close()
    storage = Storage(path)
    try:
        assert [kiosk.kiosk_id for kiosk in storage.kiosks()] == ["K-OLD"]
        assert storage.ticket_rows("东城区", "2026-11-22") == ([], [])
    finally:
        storage.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert {"records_by_kind_date", "face_verdicts"} <= names


def test_a_database_of_a_newer_central_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "central.sqlite"
    Storage(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StorageError, match="newer central"):
        Storage(path)
