"""What the kiosk's services ask the platform while a citizen waits, against a real `central`:
face verification, ticket queues, kiosk-signed documents, and the interactive client."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import qrcode
import requests
from PIL import Image, ImageDraw
from pydantic import JsonValue, ValidationError

from central.fault_proxy import FaultProxy, Hang, Malformed
from central.process import CentralProcess
from devices.sim.idcard import with_check_digit
from offline_queue import wire
from offline_queue.client import PlatformClient, PlatformFault, Refused, Unreachable
from offline_queue.outbox import Outbox, QueuePaths
from offline_queue.status import SyncStatus
from offline_queue.sync import SyncSettings
from tests.central_server import ChainKiosk, post_json
from tests.conftest import ROOT
from tests.waiting import wait_until

WANG = "110101195803120023"  # 王秀英, a demo citizen
NOBODY = "110101199001010015"  # a right check character, no such demo citizen
DAY = "2026-11-22"


def jpeg(width: int = 240, height: int = 320, quality: int = 85) -> bytes:
    """A photo-like JPEG: a light background with a face-coloured oval."""
    image = Image.new("RGB", (width, height), (200, 210, 220))
    ImageDraw.Draw(image).ellipse(
        (width // 4, height // 5, 3 * width // 4, 4 * height // 5), fill=(224, 172, 140)
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def face(image: bytes, id_number: str = WANG, liveness: str = "turn_left") -> wire.FaceCheck:
    return wire.FaceCheck(id_number=id_number, image=wire.b64encode(image), liveness=liveness)


@pytest.fixture
def kiosk(platform: CentralProcess) -> ChainKiosk:
    kiosk = ChainKiosk(site_id="北京市东城区政务服务中心 <一楼>")
    assert kiosk.enrol(platform.url).status_code == 200
    return kiosk


@pytest.fixture
def client(platform: CentralProcess, kiosk: ChainKiosk) -> Iterator[PlatformClient]:
    """The platform client of the enrolled `kiosk`, as the kiosk software has it."""
    signed = PlatformClient(platform.url, kiosk.kiosk_id, kiosk.key, read_timeout_s=10)
    yield signed
    signed.close()


def problem_code(answer: requests.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    code: str = answer.json()["code"]
    return code


# --- face verification -------------------------------------------------------------------------


def test_the_demo_comparator_says_plainly_that_it_does_no_matching(
    platform: CentralProcess, client: PlatformClient
) -> None:
    comparator = client.face_comparator()
    assert comparator.name == "demo"
    assert "no biometric matching" in comparator.description
    page = requests.get(platform.url + "/", timeout=10).text
    assert "Face comparator: <b>demo</b>" in page and "no biometric matching" in page


def test_a_readable_photo_of_a_demo_citizen_passes_the_demo_comparator(
    client: PlatformClient,
) -> None:
    verdict = client.verify_face(face(jpeg()))
    assert verdict == wire.FaceVerdict(match=True, score=None, comparator="demo")


def test_someone_the_platform_does_not_know_has_no_reference(client: PlatformClient) -> None:
    verdict = client.verify_face(face(jpeg(), id_number=NOBODY))
    assert (verdict.match, verdict.code) == (False, "no_reference")
    assert NOBODY not in (verdict.detail or "")


def cut_off(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 240)).save(out, "PNG")
    return out.getvalue()


def huge_header() -> bytes:
    """A small JPEG whose header claims 60000×60000 pixels: decoding it would take 10 GB."""
    data = bytearray(jpeg(200, 200))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") * 2
    return bytes(data)


BAD_PHOTOS = {
    "too small": (jpeg(100, 100), "at least 120×120"),
    "a PNG": (png(), "not a readable JPEG"),
    "cut off": (cut_off(jpeg(400, 400, quality=95)), "not a readable JPEG"),
    "not an image": (b"\xff\xd8\xff" + b"hello" * 50, "not a readable JPEG"),
    "empty": (b"", "not a readable JPEG"),
    "huge dimensions": (huge_header(), "larger than 4096 px a side"),
}


@pytest.mark.parametrize("photo", BAD_PHOTOS.values(), ids=BAD_PHOTOS.keys())
def test_a_photo_that_cannot_be_compared_is_a_bad_image(
    client: PlatformClient, photo: tuple[bytes, str]
) -> None:
    image, why = photo
    verdict = client.verify_face(face(image))
    assert (verdict.match, verdict.code, verdict.comparator) == (False, "bad_image", "demo")
    assert why in (verdict.detail or "")


def test_malformed_face_checks_are_refused_with_the_field_named(
    platform: CentralProcess, kiosk: ChainKiosk
) -> None:
    good = face(jpeg()).model_dump()
    too_big = "A" * (wire.FACE_IMAGE_MAX_CHARS + 4)
    for field, value in [
        ("image", too_big),
        ("image", "not base64!"),
        ("liveness", "Turn Left"),
        ("liveness", ""),
        ("id_number", "12345"),
        ("id_number", WANG[:-1] + "4"),  # a wrong check character
    ]:
        body = wire.canonical_json({**good, field: value})
        answer = kiosk.signed(platform.url, "POST", "/faces/verify", body)
        assert problem_code(answer, 400) == "invalid_request"
        assert field in answer.json()["detail"]
        assert WANG[:-1] not in answer.json()["detail"]
    with pytest.raises(ValidationError):  # the kiosk cannot even build one that large
        wire.FaceCheck(id_number=WANG, image=too_big, liveness="blink")


def test_face_checks_must_be_signed_by_an_enrolled_kiosk(platform: CentralProcess) -> None:
    body = face(jpeg()).model_dump_json().encode()
    assert problem_code(post_json(platform.url, "/faces/verify", body), 400) == "invalid_request"
    stranger = ChainKiosk()
    answer = stranger.signed(platform.url, "POST", "/faces/verify", body)
    assert problem_code(answer, 401) == "not_enrolled"


def test_the_reject_comparator_refuses_every_face(tmp_path: Path) -> None:
    kiosk = ChainKiosk()
    with CentralProcess(tmp_path / "central.sqlite", face_comparator="reject") as central:
        kiosk.enrol(central.url)
        client = PlatformClient(central.url, kiosk.kiosk_id, kiosk.key)
        try:
            verdict = client.verify_face(face(jpeg()))
            assert client.face_comparator().name == "reject"
        finally:
            client.close()
        page = requests.get(central.url + "/", timeout=10).text
    assert (verdict.match, verdict.score, verdict.code) == (False, 0, "no_match")
    assert verdict.comparator == "reject"
    assert "Face comparator: <b>reject</b>" in page


def test_an_unknown_comparator_gets_one_clear_line(tmp_path: Path) -> None:
    database = str(tmp_path / "c.sqlite")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "central",
            "--port",
            "0",
            "--db",
            database,
            "--face-comparator",
            "x",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "demo" in result.stderr and "reject" in result.stderr


# --- ticket queues -----------------------------------------------------------------------------


def ticket(number: str, business: str, day: str = DAY) -> dict[str, str]:
    return {
        "ticket": number,
        "business": business,
        "window_group": "1–4 号窗口",
        "date": day,
        "issued": wire.utc_timestamp(),
        "site_id": "ignored: the kiosk's enrolled site counts",
        "service_id": "queue-ticket",
        "case_number": f"K-1-20261122-{number}",
    }


def call(number: str, day: str = DAY) -> dict[str, str]:
    return {"ticket": number, "date": day, "window": "5"}


def send(url: str, kiosk: ChainKiosk, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The records' statuses, after sending them in one batch."""
    records = [kiosk.write(1, kind, **payload)[0] for kind, payload in items]
    answer = kiosk.send(url, records)
    assert answer.status_code == 200, answer.text
    return [result["status"] for result in answer.json()["results"]]


def test_waiting_tickets_are_those_of_the_site_and_day_not_yet_called(
    platform: CentralProcess,
) -> None:
    site = f"东城区/一楼 {time.monotonic_ns()}"  # a slash and Chinese, as sites are named
    hall, window = ChainKiosk(site_id=site), ChainKiosk(site_id=site)
    elsewhere = ChainKiosk(site_id=site + " (another)")
    for kiosk in (hall, window, elsewhere):
        kiosk.enrol(platform.url)
    send(
        platform.url,
        hall,
        [
            ("ticket", ticket("A001", "social-security")),
            ("ticket", ticket("A002", "social-security")),
            ("ticket", ticket("A003", "social-security")),
            ("ticket", ticket("B001", "household")),
            ("ticket", ticket("A009", "social-security", "2026-11-21")),  # yesterday
        ],
    )
    send(platform.url, window, [("ticket_call", call("A001")), ("ticket_call", call("B001"))])
    send(platform.url, elsewhere, [("ticket", ticket("A004", "social-security"))])

    client = PlatformClient(platform.url, hall.kiosk_id, hall.key)
    try:
        status = client.queues(site, DAY)
        assert status.date == DAY
        assert [q.model_dump() for q in status.queues] == [
            {"business": "household", "waiting": 0, "last_ticket": "B001", "waiting_tickets": []},
            {
                "business": "social-security",
                "waiting": 2,
                "last_ticket": "A003",
                "waiting_tickets": ["A002", "A003"],  # first issued first: a window calls A002
            },
        ]
        assert client.queues(site, "2026-11-23").queues == []
        assert client.queues("no such site", DAY).queues == []
    finally:
        client.close()


def test_a_citizens_pending_applications_are_those_no_window_took_in(
    platform: CentralProcess,
) -> None:
    kiosk = ChainKiosk(site_id=f"朝阳区 {time.monotonic_ns()}")
    kiosk.enrol(platform.url)
    citizen = with_check_digit("11010519491231002")
    other = with_check_digit("11010519500101003")

    def application(case: str, who: str, **more: Any) -> tuple[str, dict[str, Any]]:
        subject = {"id_number": who, "name": "测试", "card_type": "resident"}
        payload = {"case_number": case, "service_id": "elder-card", "subject": subject}
        return ("application", {**payload, **more})

    bundle = {"bundle": ["K-9-0002-1", "K-9-0002-2"]}
    assert (
        send(
            platform.url,
            kiosk,
            [
                application("K-9-0001", citizen),
                application(
                    "K-9-0002", citizen, item="birth", item_case_number="K-9-0002-1", **bundle
                ),
                application(
                    "K-9-0002", citizen, item="hukou", item_case_number="K-9-0002-2", **bundle
                ),
                application("K-9-0003", other),
                ("case_closure", {"case_number": "W-5-0001", "accepted": ["K-9-0002-1"]}),
            ],
        )
        == ["accepted"] * 5
    )
    client = PlatformClient(platform.url, kiosk.kiosk_id, kiosk.key)
    try:
        pending = client.applications(citizen).applications
        assert [a.case_number for a in pending] == ["K-9-0001", "K-9-0002-2"]
        assert {a.service_id for a in pending} == {"elder-card"}
        assert client.applications(with_check_digit("11010519600101004")).applications == []
        with pytest.raises(Refused) as refused:
            client.applications(citizen[:-1] + ("1" if citizen[-1] == "0" else "0"))
        assert refused.value.status == 400
    finally:
        client.close()


def test_the_hall_board_shows_the_latest_calls_escaped(platform: CentralProcess) -> None:
    site = f"大厅 {time.monotonic_ns()}"
    window = ChainKiosk(site_id=site)
    window.enrol(platform.url)
    empty = requests.get(f"{platform.url}/hall/{site}", timeout=10).text
    assert "请留意叫号" in empty
    calls = [
        ("ticket_call", {**call("A001"), "action": "call"}),
        ("ticket_call", {**call("A001"), "action": "skip"}),  # not a call to show
        ("ticket_call", {**call("<b>B002</b>"), "action": "call", "window": "6"}),
    ]
    assert send(platform.url, window, calls) == ["accepted"] * 3
    board = requests.get(f"{platform.url}/hall/{site}", timeout=10).text
    assert "请 &lt;b&gt;B002&lt;/b&gt; 号到 6 号窗口" in board and "<b>B002" not in board
    assert board.count("A001") == 1  # called once; the skip is not a call
    assert board.index("B002") < board.index("A001")  # the latest first


def test_ticket_records_without_their_fields_are_refused_with_a_reason(
    platform: CentralProcess,
) -> None:
    kiosk = ChainKiosk(site_id=f"西城区 {time.monotonic_ns()}")
    kiosk.enrol(platform.url)
    good = ticket("C001", "pension")
    bad: list[tuple[str, dict[str, Any]]] = [
        ("ticket", {k: v for k, v in good.items() if k != "business"}),
        ("ticket", {**good, "ticket": 17}),
        ("ticket", {**good, "date": "22/11/2026"}),
        ("ticket", {**good, "date": "2026-02-30"}),
        ("ticket", {**good, "ticket": " "}),
        ("ticket_call", {"ticket": "C001", "window": "5"}),
    ]
    records = [kiosk.write(1, kind, **payload)[0] for kind, payload in bad]
    answer = kiosk.send(platform.url, records)
    results = answer.json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "invalid_content")] * 6
    reasons = [r["reason"] for r in results]
    assert "'business' as text" in reasons[0] and "'ticket' as text" in reasons[1]
    assert "YYYY-MM-DD" in reasons[2] and "YYYY-MM-DD" in reasons[3]
    assert "'date' as text" in reasons[5]
    # Refused records are not counted, and the chain goes on.
    assert send(platform.url, kiosk, [("ticket", good)]) == ["accepted"]
    client = PlatformClient(platform.url, kiosk.kiosk_id, kiosk.key)
    try:
        assert client.queues(kiosk.site_id, DAY).queues == [
            wire.BusinessQueue(
                business="pension", waiting=1, last_ticket="C001", waiting_tickets=["C001"]
            )
        ]
    finally:
        client.close()


def test_queue_questions_must_name_a_day_and_be_signed(
    platform: CentralProcess, kiosk: ChainKiosk, client: PlatformClient
) -> None:
    for day in ("2026-02-30", "tomorrow", ""):
        with pytest.raises(Refused) as refused:
            client.queues(kiosk.site_id, day)
        assert refused.value.status == 400 and "date" in refused.value.problem.detail
    unsigned = requests.get(f"{platform.url}/v1/sites/x/queues", params={"date": DAY}, timeout=10)
    assert problem_code(unsigned, 400) == "invalid_request"


# --- documents ---------------------------------------------------------------------------------

FAST = SyncSettings(backoff_base_s=0.05, backoff_cap_s=0.4, heartbeat_s=60)
CASE = "K-DOC-0001-20261122-0007"
CLAIMS: dict[str, JsonValue] = {
    "case": CASE,
    "kind": "social-insurance-certificate",
    "iat": int(datetime(2026, 11, 22, 1, 30, tzinfo=UTC).timestamp()),
    "sub": wire.mask_id_number(WANG),
}


def open_outbox(
    tmp_path: Path, url: str, kiosk_id: str = "K-DOC-0001", interactive_timeout_s: float = 5.0
) -> tuple[Outbox, list[SyncStatus]]:
    statuses: list[SyncStatus] = []
    outbox = Outbox.open(
        QueuePaths.under(tmp_path / "kiosk"),
        kiosk_id=kiosk_id,
        site_id="东城区政务服务中心",
        platform_url=url,
        verify_tls=True,
        publish=lambda e: statuses.append(e) if isinstance(e, SyncStatus) else None,
        settings=FAST,
        interactive_timeout_s=interactive_timeout_s,
    )
    return outbox, statuses


@pytest.fixture
def outbox(tmp_path: Path, central: CentralProcess) -> Iterator[Outbox]:
    """A kiosk that has enrolled with a fresh platform."""
    opened, statuses = open_outbox(tmp_path, central.url)
    wait_until(lambda: any(s.connected for s in statuses), "enrolled")
    yield opened
    opened.close()


def test_a_document_the_kiosk_signed_is_genuine_on_the_platform_and_the_phone(
    central: CentralProcess, outbox: Outbox
) -> None:
    payload = outbox.sign_document(CLAIMS)
    assert payload.startswith("DOC1.K-DOC-0001.")
    url = wire.document_url(central.url + "/", payload)
    assert url == f"{central.url}/v/{payload}"
    # Small enough for a receipt: at most 73×73 modules with medium error correction.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 14, (len(url), code.version)

    for asked in (payload, url):
        verdict = outbox.platform.verify_document(asked)
        assert verdict == wire.DocumentVerdict(
            valid=True, kiosk_id="K-DOC-0001", site_id="东城区政务服务中心", claims=CLAIMS
        )
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for shown in (
        "Genuine document",
        "K-DOC-0001",
        "东城区政务服务中心",
        "2026-11-22 01:30 UTC",
        "K-DOC-0001-20261122-0007",
        "social-insurance-certificate",
        "110101********0023",
    ):
        assert shown in page.text


def altered(payload: str) -> str:
    """The same code with other claims (case number 8 instead of 7), signature kept."""
    signed, _, signature = payload.rpartition(".")
    other = wire.document_signed_part("K-DOC-0001", {**CLAIMS, "case": CASE[:-1] + "8"})
    assert other != signed
    return f"{other}.{signature}"


def test_altered_forged_and_foreign_documents_are_not_genuine(
    central: CentralProcess, outbox: Outbox
) -> None:
    payload = outbox.sign_document(CLAIMS)
    forger = ChainKiosk("K-DOC-0001")  # the same kiosk id, another key
    forged_part = wire.document_signed_part("K-DOC-0001", CLAIMS)
    forged = wire.signed_payload(forged_part, forger.key.sign(forged_part.encode()))
    stranger_part = wire.document_signed_part("K-NOT-ENROLLED", CLAIMS)
    stranger = wire.signed_payload(stranger_part, forger.key.sign(stranger_part.encode()))
    cases = {
        altered(payload): ("bad_signature", "altered or forged"),
        forged: ("bad_signature", "altered or forged"),
        stranger: ("unknown_kiosk", "K-NOT-ENROLLED"),
        "hello": ("malformed", "not the code of a document"),
        "DOC1.K-DOC-0001.e30.AAAA.": ("malformed", "not the code of a document"),
        "DOC1..e30.AAAA": ("malformed", "not the code of a document"),
        "DOC1.K-DOC-0001.!!!!.AAAA": ("malformed", "not the code of a document"),
        "DOC1.K-DOC-0001.WzFd.AAAA": ("malformed", "not the code of a document"),  # [1]
        wire.EID_PREFIX + payload[4:]: ("malformed", "not the code of a document"),
    }
    for text, (code, shown) in cases.items():
        verdict = outbox.platform.verify_document(text)
        assert (verdict.valid, verdict.code, verdict.claims) == (False, code, None), text
        page = requests.get(wire.document_url(central.url, text), timeout=10)
        assert page.status_code == 200
        assert "Not a genuine document" in page.text and shown in page.text, text
    with pytest.raises(ValueError, match="at most 1024"):
        outbox.platform.verify_document("DOC1." + "A" * 1100)
    too_long = post_json(central.url, "/documents/verify", {"payload": "A" * 1100})
    assert problem_code(too_long, 400) == "invalid_request"


def test_a_document_page_escapes_what_the_kiosk_signed(
    central: CentralProcess, outbox: Outbox
) -> None:
    payload = outbox.sign_document({**CLAIMS, "kind": "<script>alert(1)</script>"})
    page = requests.get(wire.document_url(central.url, payload), timeout=10).text
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_claims_that_cannot_be_signed_are_refused(outbox: Outbox) -> None:
    with pytest.raises(ValueError, match="floats"):
        outbox.sign_document({**CLAIMS, "fee": 1.5})
    with pytest.raises(ValueError, match="sign less"):
        outbox.sign_document({**CLAIMS, "note": "说明" * 300})


def test_a_document_signed_offline_verifies_once_the_kiosk_has_enrolled(
    tmp_path: Path, central: CentralProcess
) -> None:
    central.stop()
    opened, statuses = open_outbox(tmp_path, "http://127.0.0.1:9", kiosk_id="K-DOC-0002")
    try:
        payload = opened.sign_document(CLAIMS)  # no network needed to sign
    finally:
        opened.close()
    central.start()
    assert post_json(central.url, "/documents/verify", {"payload": payload}).json()["code"] == (
        "unknown_kiosk"
    )
    opened, statuses = open_outbox(tmp_path, central.url, kiosk_id="K-DOC-0002")
    try:
        wait_until(lambda: any(s.connected for s in statuses), "enrolled")
        assert opened.platform.verify_document(payload).valid
    finally:
        opened.close()


# --- the interactive client --------------------------------------------------------------------


def test_the_interactive_client_serves_threads_at_once(outbox: Outbox) -> None:
    answers: list[bool] = []
    errors: list[Exception] = []

    def ask() -> None:
        try:
            for _ in range(5):
                answers.append(outbox.platform.verify_face(face(jpeg())).match)
                answers.append(outbox.platform.queues("东城区政务服务中心", DAY).queues == [])
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and answers == [True] * 40


def test_the_interactive_client_reports_a_platform_that_fails(
    tmp_path: Path, central: CentralProcess
) -> None:
    with FaultProxy(central.url) as proxy:
        opened, statuses = open_outbox(tmp_path, proxy.url, interactive_timeout_s=0.5)
        try:
            wait_until(lambda: any(s.connected for s in statuses), "enrolled")
            proxy.inject(Hang())
            with pytest.raises(Unreachable, match="in time"):
                opened.platform.verify_face(face(jpeg()))
            proxy.inject(Malformed(forward=False))
            with pytest.raises(PlatformFault, match="not a FaceVerdict"):
                opened.platform.verify_face(face(jpeg()))
            assert opened.platform.verify_face(face(jpeg())).match  # and it recovers
            proxy.down()
            with pytest.raises(Unreachable, match="refused"):
                opened.platform.verify_face(face(jpeg()))
        finally:
            opened.close()


def test_platform_errors_never_name_an_identity_number(central: CentralProcess) -> None:
    with FaultProxy(central.url) as proxy:
        kiosk = ChainKiosk()
        kiosk.enrol(proxy.url)
        client = PlatformClient(proxy.url, kiosk.kiosk_id, kiosk.key, read_timeout_s=0.5)
        try:
            proxy.inject(Hang())
            with pytest.raises(Unreachable) as error:
                client.citizen(WANG)
        finally:
            client.close()
    assert WANG not in str(error.value) and "110101********0023" in str(error.value)
