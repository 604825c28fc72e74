"""Services end to end on the real window, the device simulators, the encrypted queue and a
real central platform: what a citizen does, what prints, what the platform receives."""

from __future__ import annotations

import gc
import itertools
import logging

import pytest
import requests
import zxingcpp
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import main
from devices.sim.idcard import CITIZENS
from kiosk.case import Case, Person
from kiosk.visit import Phase
from offline_queue import wire
from tests.kiosk_site import (
    FULL_NUMBER,
    WAIT_MS,
    Site,
    citizen_number,
    key_in,
    open_service,
    rate_fully,
    take_a_ticket,
)
from tests.test_window import settle, shown_texts, tap


def test_a_queue_ticket_is_printed_queued_and_rated(qtbot: QtBot, site: Site) -> None:
    kiosk = site.kiosk
    assert take_a_ticket(qtbot, kiosk) == "A001"
    assert "您的号码：A001" in shown_texts(kiosk.window)

    receipt = site.printer().wait_for_receipts(1)[0]
    decoded = [r.text for r in zxingcpp.read_barcodes(receipt.image)]
    assert decoded == [f"{site.config.site_id}/{receipt_date(kiosk)}/A001"]

    case_number = kiosk.visit.snapshot.case.case_number
    tap(qtbot, kiosk, "评价本次服务")
    tap(qtbot, kiosk, "非常满意")
    tap(qtbot, kiosk, "提交评价")

    qtbot.waitUntil(lambda: len(site.arrived()) == 2, timeout=WAIT_MS)
    ticket, rating = site.arrived()
    assert ticket["kind"] == "ticket" and ticket["payload"]["ticket"] == "A001"
    assert rating["kind"] == "rating" and rating["payload"]["level"] == 5
    assert rating["payload"]["case_number"] == case_number == ticket["payload"]["case_number"]


def receipt_date(kiosk: main.Kiosk) -> str:
    return kiosk.flow.today().isoformat()


def test_an_elder_prints_her_certificate_guided_by_voice(qtbot: QtBot, site: Site) -> None:
    """Elder mode from the first screen: every screen of the visit speaks, the receipt is read
    out, and the loudspeaker never says the whole identity number."""
    kiosk, citizen = site.kiosk, CITIZENS[0]  # 王秀英, 68: her platform record is a demo one
    engine = site.voice()
    tap(qtbot, kiosk, "长辈模式")
    open_service(qtbot, kiosk, "社保参保证明打印")
    assert kiosk.visit.snapshot.step == "identify"
    site.id_reader().place(citizen)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "confirm", timeout=WAIT_MS)
    settle(qtbot, kiosk)
    assert not kiosk.visit.snapshot.elder_offer  # she is in elder mode already
    shown = shown_texts(kiosk.window)
    assert "王秀英" in shown and not any(citizen_number(citizen) in text for text in shown)
    tap(qtbot, kiosk, "确认办理")
    tap(qtbot, kiosk, "小票打印")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.phase is Phase.FINISH, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    case_number = kiosk.visit.snapshot.case.case_number
    receipt_words = kiosk.visit.snapshot.case.spoken_receipt
    assert f"回执编号：{case_number}" in shown_texts(kiosk.window) and receipt_words

    receipt = site.printer().wait_for_receipts(1)[0]
    (code,) = [r.text for r in zxingcpp.read_barcodes(receipt.image)]
    verdict = requests.post(
        f"{site.central.url}{wire.API}/documents/verify", json={"payload": code}, timeout=10
    ).json()
    assert verdict["valid"] and verdict["kiosk_id"] == site.config.kiosk_id

    rate_fully(qtbot, kiosk, "非常满意")
    qtbot.waitUntil(lambda: "rating" in [r["kind"] for r in site.arrived()], timeout=WAIT_MS)
    (rating,) = [r for r in site.arrived() if r["kind"] == "rating"]
    assert rating["payload"]["case_number"] == case_number

    said = [u.text for u in engine.utterances]
    assert all(a != b for a, b in itertools.pairwise(said)), said  # no stutter
    for prompt in ("请把身份证放在读卡区", "请确认", "请选择打印方式", "办理完成", "请评价"):
        assert any(prompt in text for text in said), f"{prompt!r} was never spoken: {said}"
    assert any(receipt_words in text for text in said)  # the receipt is read out to her
    assert not any(FULL_NUMBER.search(text) for text in said), said
    assert not any(citizen_number(citizen) in text for text in said)


def test_an_abandoned_visit_warns_extends_then_forgets_the_citizen(
    qtbot: QtBot, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk, citizen = site.kiosk, CITIZENS[0]
    name, number = "王秀英", citizen_number(citizen)
    before = alive_about(number)
    open_service(qtbot, kiosk, "老年人优待证申领")
    site.id_reader().place(citizen)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.elder_offer, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    tap(qtbot, kiosk, "不用了")
    assert kiosk.visit.snapshot.step == "form"
    assert kiosk.visit.snapshot.case.citizen is not None
    for digit in "138":
        tap(qtbot, kiosk, digit)

    limits = site.config.time_limits
    site.clock.advance(limits.idle_s + 0.5)
    settle(qtbot, kiosk)
    assert "您还需要更多时间吗？" in shown_texts(kiosk.window)
    tap(qtbot, kiosk, "需要，继续办理")
    assert kiosk.visit.snapshot.step == "form"  # nothing lost by asking for more time
    assert "您还需要更多时间吗？" not in shown_texts(kiosk.window)

    site.clock.advance(limits.idle_s + limits.warning_s + 1)
    settle(qtbot, kiosk)
    assert kiosk.visit.snapshot.phase is Phase.ATTRACT
    assert kiosk.visit.snapshot.case == Case()
    qtbot.wait(50)  # the old screens are deleted on the next turn of the event loop
    texts = [w.text() for w in kiosk.window.findChildren(QWidget) if hasattr(w, "text")]
    assert not [t for t in texts if name in t or number in t or "138" in t]
    assert not [r.getMessage() for r in caplog.records if name in r.getMessage()]
    assert not [r.getMessage() for r in caplog.records if number in r.getMessage()]
    held = alive_about(number) - before  # the tour's demo citizen has the same number
    assert not held, "a Person or Case of the ended visit is still alive"


def alive_about(number: str) -> set[int]:
    """The ids of the live `Person` and `Case` objects about the holder of `number`."""

    def about(o: Person | Case) -> bool:
        person = o if isinstance(o, Person) else o.citizen
        return person is not None and person.id_number == number

    gc.collect()
    return {id(o) for o in gc.get_objects() if isinstance(o, (Person, Case)) and about(o)}


def test_help_calls_staff_and_a_helper_takes_over_with_a_pin(qtbot: QtBot, site: Site) -> None:
    """The help button rings and queues an assist request; a helper signs in with staff number
    and PIN (a wrong PIN is refused); each attempt reaches the platform for the audit."""
    kiosk, voice = site.kiosk, site.voice()
    open_service(qtbot, kiosk, "老年人优待证申领")
    tap(qtbot, kiosk, "求助")
    assert "已呼叫工作人员" in shown_texts(kiosk.window)
    qtbot.waitUntil(lambda: len(voice.chimes) == 1, timeout=WAIT_MS)

    tap(qtbot, kiosk, "工作人员接管")
    key_in(qtbot, kiosk, "1001")
    key_in(qtbot, kiosk, "000000")
    assert "工号或密码不对，请重试。" in shown_texts(kiosk.window)
    assert kiosk.visit.snapshot.helper == ""
    tap(qtbot, kiosk, "工作人员接管")
    key_in(qtbot, kiosk, "1001")
    key_in(qtbot, kiosk, "135790")
    settle(qtbot, kiosk)
    assert kiosk.visit.snapshot.helper == "1001" and kiosk.visit.snapshot.step == "identify"
    assert "工作人员 1001 正在协助您" in shown_texts(kiosk.window)

    def kinds() -> list[tuple[str, str]]:
        return [(r["kind"], r["payload"].get("action", "")) for r in site.arrived()]

    expected = [
        ("assist_request", ""),
        ("audit", "helper_sign_in_failed"),
        ("audit", "helper_sign_in"),
    ]
    qtbot.waitUntil(lambda: kinds() == expected, timeout=WAIT_MS)
    request = site.arrived()[0]["payload"]
    assert request["service_id"] == "senior-preferential-card" and request["phase"] == "step"
    assert all(r["payload"].get("staff_id") == "1001" for r in site.arrived()[1:])
