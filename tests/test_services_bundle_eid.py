"""Three services end to end on the real window, the device simulators, the encrypted queue and
a real central platform: the newborn bundle (新生儿出生"一件事"), the e-ID code check (电子证照亮码
核验) and the senior citizen card applied for by a relative (老年人优待证申领, 代办).

What is asserted is what a citizen sees and gets on paper, and what the platform receives.
Text questions are typed on the on-screen Pinyin keyboard, key by key, as a finger does.
"""

from __future__ import annotations

import base64
import random
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import zxingcpp
from pytestqt.qtbot import QtBot

from bench.driving import Keyboard
from central.app import ISSUER_SECRET
from central.eid import EidIssuer, new_issuer_secret
from central.storage import Storage
from devices.model import DeviceStatus
from devices.sim.idcard import CITIZENS, IdCardSimulator, SimCard
from kiosk.ports import EidOutcome
from offline_queue import wire
from screens.text_entry import TextEntry
from tests.central_server import post_json
from tests.kiosk_site import (
    FULL_NUMBER,
    WAIT_MS,
    Site,
    citizen_number,
    confirm_and_finish,
    key_in,
    open_service,
)
from tests.test_window import settle, shown_texts, tap

PARENT = CITIZENS[1]  # 李明, 35
FIND_CARD = b"\x20\x01"  # the reader's find-card command (SAM protocol)


def text_entry(kiosk) -> TextEntry:
    (entry,) = [e for e in kiosk.window.findChildren(TextEntry) if e.isVisible()]
    return entry


def answer_text(qtbot: QtBot, kiosk, *words: tuple[str, str]) -> str:
    """Type a Chinese answer on the keyboard, word by word (its Pinyin, then the candidate to
    tap), and tap OK; what the field held."""
    entry = text_entry(kiosk)
    keyboard = Keyboard(entry, lambda done, what: qtbot.waitUntil(done, timeout=WAIT_MS))
    for pinyin, candidate in words:
        keyboard.type(pinyin, candidate)
    typed = entry.value
    tap(qtbot, kiosk, "确定")
    return typed


def hand_over(qtbot: QtBot, reader: IdCardSimulator, card: SimCard) -> None:
    """Lift the card on the reader and place `card`, as slowly as a person does: the reader
    reads a card once, and a new one only after it saw the reader empty."""
    reader.lift()
    lifted = time.monotonic()
    qtbot.waitUntil(
        lambda: any(at > lifted and command == FIND_CARD for at, command in reader.commands),
        timeout=WAIT_MS,
    )
    reader.place(card)


def flat(lines: tuple[str, ...]) -> str:
    """A receipt's lines as one text without spaces (columns are padded with spaces)."""
    return "".join("".join(line.split()) for line in lines)


def shows_no_full_number(kiosk) -> bool:
    return not any(FULL_NUMBER.search(text) for text in shown_texts(kiosk.window))


# -- 1. 新生儿出生"一件事" --------------------


def test_a_parent_applies_for_three_things_with_one_form_and_gets_one_receipt(
    qtbot: QtBot, site: Site
) -> None:
    kiosk = site.kiosk
    open_service(qtbot, kiosk, "新生儿出生")
    assert kiosk.visit.snapshot.step == "identify"
    site.id_reader().place(PARENT)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "form", timeout=WAIT_MS)
    settle(qtbot, kiosk)

    # One form: the parent's name and number come from the card; five questions are left.
    assert "第 1 / 5 项" in shown_texts(kiosk.window)
    baby = answer_text(qtbot, kiosk, ("wang", "王"), ("xiaoming", "小明"))
    assert "请选择：新生儿性别" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "女")
    birthday = kiosk.flow.today() - timedelta(days=3)
    key_in(qtbot, kiosk, birthday.strftime("%Y%m%d"))
    hospital = answer_text(qtbot, kiosk, ("renmin", "人民"), ("yiyuan", "医院"))
    key_in(qtbot, kiosk, "13800000002")
    assert kiosk.visit.snapshot.step == "confirm"
    shown = shown_texts(kiosk.window)
    born = birthday.strftime("%Y年%m月%d日")  # a date, not 8 digits
    assert {"王小明", "人民医院", "女", born, "138****0002", "440106********1239"} <= set(shown)
    assert [shown[i + 1] for i, text in enumerate(shown) if text == "办理事项"] == [
        "出生医学证明",
        "户口登记",
        "医保参保",
    ]
    assert shows_no_full_number(kiosk)
    case_number = confirm_and_finish(qtbot, kiosk)

    # Three records at the platform, one per item, linked by the case and the bundle.
    qtbot.waitUntil(lambda: len(site.arrived()) == 3, timeout=WAIT_MS)
    records = site.arrived()
    assert [r["kind"] for r in records] == ["application"] * 3
    assert all(r["status"] == "accepted" for r in records)
    items = [f"{case_number}-{n}" for n in (1, 2, 3)]
    assert [(r["payload"]["item"], r["payload"]["item_case_number"]) for r in records] == list(
        zip(
            ["birth-certificate", "household-registration", "medical-insurance"], items, strict=True
        )
    )
    for record in records:
        payload = record["payload"]
        assert payload["case_number"] == case_number and payload["bundle"] == items
        assert payload["subject"]["id_number"] == citizen_number(PARENT)
        assert payload["values"] == {
            "parent_name": "李明",
            "parent_id_number": citizen_number(PARENT),
            "baby_name": baby,
            "baby_sex": "2",
            "baby_birth_date": birthday.strftime("%Y%m%d"),
            "birth_hospital": hospital,
            "parent_phone": "13800000002",
        }
    assert (baby, hospital) == ("王小明", "人民医院")

    # One receipt lists all three with their numbers; its QR code is the case number.
    (receipt,) = site.printer().wait_for_receipts(1)
    printed = flat(receipt.lines)
    for name, number in zip(["出生医学证明", "户口登记", "医保参保"], items, strict=True):
        assert f"{name}{number}" in printed
    assert "440106********1239" in printed and "138****0002" in printed
    assert not FULL_NUMBER.search(printed)
    assert [r.text for r in zxingcpp.read_barcodes(receipt.image)] == [case_number]
    # The time printed is the site's wall clock (Asia/Shanghai), whatever this machine's zone:
    # the minute it was submitted, or the next one if it ticked over before the print.
    submitted = datetime.fromisoformat(records[0]["payload"]["at"].replace("Z", "+00:00"))
    site_times = [
        (submitted + timedelta(minutes=n)).astimezone(ZoneInfo(site.config.timezone))
        for n in (0, 1)
    ]
    printed_at = [f"受理时间{t.year}年{t.month}月{t.day}日{t:%H:%M}" for t in site_times]
    assert any(text in printed for text in printed_at), (printed_at, receipt.lines)


# -- 2. 电子证照亮码核验 --------------------

WANG = CITIZENS[0]  # 王秀英, 68: a demo citizen of the platform


def issue_eid(site: Site, valid_s: int = 300) -> str:
    answer = post_json(
        site.central.url, "/eid/codes", {"id_number": citizen_number(WANG), "valid_s": valid_s}
    )
    assert answer.status_code == 200, answer.text
    payload: str = answer.json()["payload"]
    return payload


def wait_online(qtbot: QtBot, site: Site) -> None:
    def online() -> bool:
        platform = site.kiosk.flow.backend.platform
        return platform is not None and platform.online()

    qtbot.waitUntil(online, timeout=WAIT_MS)


def start_eid_check(qtbot: QtBot, site: Site) -> None:
    kiosk = site.kiosk
    wait_online(qtbot, site)
    open_service(qtbot, kiosk, "电子证照亮码核验")
    assert kiosk.visit.snapshot.step == "identify"
    assert "请出示电子证照码" in shown_texts(kiosk.window)


def platform_issuer(site: Site) -> EidIssuer:
    """The platform's own issuer key, read from its database (to sign a code in the past)."""
    storage = Storage(site.central.db_path)
    try:
        return EidIssuer(storage.secret(ISSUER_SECRET, new_issuer_secret))
    finally:
        storage.close()


def forged(payload: str) -> str:
    """The code (e-ID or document) with one bit of its signature flipped."""
    signed, _, signature = payload.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[10] ^= 0x01
    return f"{signed}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


def refused_with(qtbot: QtBot, kiosk, key: str, text: str) -> None:
    """The visit stays on the identify step and shows the notice `key`, whose text says `text`."""
    qtbot.waitUntil(
        lambda: kiosk.visit.snapshot.notice is not None and kiosk.visit.snapshot.notice.key == key,
        timeout=WAIT_MS,
    )
    settle(qtbot, kiosk)
    assert kiosk.visit.snapshot.step == "identify" and kiosk.visit.snapshot.case.citizen is None
    assert any(text in shown for shown in shown_texts(kiosk.window)), shown_texts(kiosk.window)


JUNK = random.Random(7).randbytes(10_000).replace(b"\r", b"").replace(b"\n", b"")  # no line end


def scanner_status(site: Site) -> DeviceStatus:
    return next(s for s in site.devices.supervisor.statuses() if s.kind == "serial_scanner")


def verify_document(site: Site, code: str) -> dict:
    answer = requests.post(
        f"{site.central.url}{wire.API}/documents/verify", json={"payload": code}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    verdict: dict = answer.json()
    return verdict


def test_a_valid_eid_code_is_checked_online_and_prints_a_verified_copy(
    qtbot: QtBot, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk = site.kiosk
    start_eid_check(qtbot, site)
    platform = kiosk.flow.backend.platform
    assert platform is not None
    checks: list[str] = []
    check_eid = platform.check_eid

    def counted(payload: str, now: float) -> EidOutcome:
        checks.append(payload)
        return check_eid(payload, now)

    monkeypatch.setattr(platform, "check_eid", counted)
    code = issue_eid(site)
    site.scanner().scan(code)
    site.scanner().scan(code)  # the scanner read the phone twice: one check, not a replay
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "confirm", timeout=WAIT_MS)
    assert checks == [code]  # a second check would race the first and burn the code
    settle(qtbot, kiosk)
    shown = shown_texts(kiosk.window)
    assert {"王秀英", "110101********0023", "已联网核验"} <= set(shown), shown
    assert shows_no_full_number(kiosk)
    case_number = confirm_and_finish(qtbot, kiosk)
    assert shows_no_full_number(kiosk)

    (receipt,) = site.printer().wait_for_receipts(1)
    printed = flat(receipt.lines)
    assert "电子证照核验件" in printed and "持证人王秀英" in printed
    assert "证件号码110101********0023" in printed and "核验结果真实有效" in printed
    assert citizen_number(WANG) not in printed
    (document,) = [r.text for r in zxingcpp.read_barcodes(receipt.image)]
    verdict = verify_document(site, document)
    assert verdict["valid"] and verdict["kiosk_id"] == site.config.kiosk_id
    assert verdict["claims"]["case"] == case_number
    assert verdict["claims"]["sub"] == "110101********0023"
    assert verify_document(site, forged(document))["code"] == "bad_signature"

    # The same code shown again, at the next visit: used already.
    tap(qtbot, kiosk, "不评价")
    start_eid_check(qtbot, site)
    site.scanner().scan(code)
    refused_with(qtbot, kiosk, "identify.eid_replayed", "已经使用过")


def test_expired_forged_and_garbage_codes_are_refused_with_a_plain_notice(
    qtbot: QtBot, site: Site
) -> None:
    kiosk, scanner = site.kiosk, site.scanner()
    start_eid_check(qtbot, site)
    expired = (
        platform_issuer(site).issue(citizen_number(WANG), "王秀英", 60, time.time() - 3600).payload
    )
    scanner.scan(expired)
    refused_with(qtbot, kiosk, "identify.eid_expired", "已过期")
    scanner.scan(forged(issue_eid(site)))
    refused_with(qtbot, kiosk, "identify.eid_forged", "无法通过核验")
    scanner.scan("hello, this is no e-ID code")
    refused_with(qtbot, kiosk, "identify.eid_unreadable", "不是电子证照码")
    scanner.scan(forged(issue_eid(site)))  # a different notice in between
    refused_with(qtbot, kiosk, "identify.eid_forged", "无法通过核验")
    scanner.scan(bytes(b for b in range(256) if b not in b"\r\n") * 4)  # binary noise
    refused_with(qtbot, kiosk, "identify.eid_unreadable", "不是电子证照码")
    assert shows_no_full_number(kiosk)

    # 10 kB of junk in one line (a wrong baud rate): the scanner drops it for the technician
    # to see, and nothing breaks (what the citizen is told: the test below).
    scanner.scan(JUNK)
    qtbot.waitUntil(lambda: scanner_status(site).counters.get("dropped", 0) == 1, timeout=WAIT_MS)
    last_error = scanner_status(site).last_error
    assert last_error is not None and last_error.code == "scanner.line_too_long"
    assert kiosk.visit.snapshot.step == "identify"

    # After all that, a genuine code still goes through.
    scanner.scan(issue_eid(site))
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "confirm", timeout=WAIT_MS)
    settle(qtbot, kiosk)
    assert "王秀英" in shown_texts(kiosk.window) and shows_no_full_number(kiosk)


def test_junk_too_long_for_any_code_gets_a_notice(qtbot: QtBot, site: Site) -> None:
    kiosk = site.kiosk
    start_eid_check(qtbot, site)
    site.scanner().scan(JUNK)
    qtbot.waitUntil(lambda: scanner_status(site).counters.get("dropped", 0) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.notice is not None, timeout=3000)
    settle(qtbot, kiosk)
    assert "没有识别到二维码" in "".join(shown_texts(kiosk.window))


def test_a_valid_eid_code_shown_to_the_camera_is_accepted(qtbot: QtBot, site: Site) -> None:
    kiosk = site.kiosk
    start_eid_check(qtbot, site)
    site.camera().show_phone(issue_eid(site), yaw_deg=25.0)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "confirm", timeout=WAIT_MS)
    settle(qtbot, kiosk)
    shown = shown_texts(kiosk.window)
    assert {"王秀英", "110101********0023"} <= set(shown) and shows_no_full_number(kiosk)


# -- 3. 老年人优待证申领, 代办 --------------------

RELATIVE = CITIZENS[1]  # 李明, 35


def test_a_relative_applies_for_a_senior_card_with_the_citizens_consent(
    qtbot: QtBot, site: Site
) -> None:
    kiosk, reader = site.kiosk, site.id_reader()
    open_service(qtbot, kiosk, "老年人优待证申领")
    tap(qtbot, kiosk, "为家人代办")
    assert "代办人：请先放您本人的身份证" in shown_texts(kiosk.window)
    reader.place(RELATIVE)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.case.proxy is not None, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    assert "请把身份证放在读卡区" in shown_texts(kiosk.window)
    hand_over(qtbot, reader, RELATIVE)  # his own card again, not hers
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.notice is not None, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    assert "请放被代办人（家人）的身份证，不是代办人本人的。" in shown_texts(kiosk.window)
    hand_over(qtbot, reader, WANG)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.case.citizen is not None, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    assert not kiosk.visit.snapshot.elder_offer  # the relative is at the screen, not she
    consent = "王秀英，您是否同意由 李明（440106********1239）代您办理此事项？"
    assert consent in shown_texts(kiosk.window)
    assert kiosk.visit.snapshot.step == "identify"  # nothing goes on without her consent
    tap(qtbot, kiosk, "本人同意代办")

    assert kiosk.visit.snapshot.step == "form"  # name, number and address from her card
    assert "请输入：手机号码" in shown_texts(kiosk.window)
    key_in(qtbot, kiosk, "13800000001")
    site.camera().show_face("front")  # her photo, taken here
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "confirm", timeout=WAIT_MS * 2)
    settle(qtbot, kiosk)
    shown = shown_texts(kiosk.window)
    assert {"王秀英", "110101********0023", "李明 440106********1239"} <= set(shown), shown
    assert shows_no_full_number(kiosk)
    case_number = confirm_and_finish(qtbot, kiosk)
    (receipt,) = site.printer().wait_for_receipts(1)
    assert "老年人优待证申领" in flat(receipt.lines)

    qtbot.waitUntil(lambda: len(site.arrived()) == 1, timeout=WAIT_MS)
    (record,) = site.arrived()
    assert (record["kind"], record["status"]) == ("application", "accepted")
    payload = record["payload"]
    assert payload["case_number"] == case_number
    assert payload["subject"]["id_number"] == citizen_number(WANG)
    assert payload["proxy"] == {
        "id_number": citizen_number(RELATIVE),
        "name": "李明",
        "card_type": "resident",
    }
    assert payload["consent"] is True
    # Everything from the citizen's consent on was done by the proxy, and says so.
    assert {entry["actor"] for entry in payload["audit"]} == {"proxy"}
    actions = [entry["action"] for entry in payload["audit"]]
    assert actions[0] == "done:identify" and "done:confirm" in actions
    assert {"answer:phone", "answer:photo"} <= set(actions)
    assert payload["values"]["phone"] == "13800000001" and payload["photo_jpeg"]


def test_a_citizen_under_60_is_told_the_age_the_card_needs(qtbot: QtBot, site: Site) -> None:
    kiosk = site.kiosk
    open_service(qtbot, kiosk, "老年人优待证申领")
    site.id_reader().place(RELATIVE)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.notice is not None, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    notice = kiosk.visit.snapshot.notice
    assert notice is not None and (notice.key, dict(notice.params)) == (
        "identify.too_young",
        {"age": "60"},
    )
    assert "此事项需年满 60 周岁，请到人工窗口咨询。" in shown_texts(kiosk.window)
    assert kiosk.visit.snapshot.case.citizen is None and kiosk.visit.snapshot.step == "identify"
