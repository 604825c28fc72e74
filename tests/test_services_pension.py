"""养老金资格认证 (ID card + face → an authentication record → a receipt) end to end: the real
window, the device simulators (card reader, camera, printer), the encrypted queue and a real
central platform, online, with the platform down, and with a face check that does not finish."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import requests
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

import main
from central.fault_proxy import FaultProxy
from central.process import CentralProcess
from devices import face_session
from devices.camera import Camera
from devices.face import FaceDetectionUnavailable, FaceDetector
from devices.idcard.card import RESIDENT
from devices.model import DeviceState
from devices.sim.faces import Side, turn_script
from devices.sim.idcard import CITIZENS, SimCard, text_block, with_check_digit
from kiosk.config import Config
from kiosk.visit import Phase
from offline_queue import wire
from tests.central_server import assert_chain_intact
from tests.conftest import KioskFactory
from tests.kiosk_site import FULL_NUMBER, WAIT_MS, Site, citizen_number, rate_fully, wired_site
from tests.test_window import buttons, settle, shown_texts, tap

PENSION, CERTIFICATE = "养老金资格认证", "社保参保证明打印"
NEEDS_NETWORK_TILE = "需联网，暂不可用"  # catalog.needs_network
NEEDS_NETWORK_GUIDE = "此事项需要联网，网络暂时不通，请到人工窗口办理或稍后再试。"
FACE_WAIT_MS = 90_000  # settle, turn, look back: a few seconds of frames, on 2 slow cores
SYNC_WAIT_MS = 30_000
ELDER = CITIZENS[0]  # 王秀英, born 1958: a pensioner, and a demo citizen of the platform
TURN_PROMPTS: dict[str, Side] = {"请慢慢向左转头。": "left", "请慢慢向右转头。": "right"}
# How long the turn passes through each of 15° and 30°. The check must see the face on its way
# out (it is lost from ~30°), and here, on 2 busy cores, it checks a frame every ~0.4 s (a
# check takes ~165 ms): the simulator's default 0.25 s steps were missed so often that about
# 1 visit in 3 timed out after 30 s.
SLOW_TURN_STEP_S = 0.75


@pytest.fixture(autouse=True)
def face_detection() -> None:
    try:
        FaceDetector()  # also pays the detector's first import before the visit's clock runs
    except FaceDetectionUnavailable as error:
        pytest.skip(str(error))


# -- what the citizen does -----------------------------------------------------------------------


def tile(kiosk: main.Kiosk, name: str) -> str:
    """What the catalog's tile of service `name` says (its name, summary and any reason)."""
    (said,) = [text for text in buttons(kiosk.window) if text.startswith(name)]
    return said


def open_catalog_when_online(qtbot: QtBot, kiosk: main.Kiosk) -> None:
    """The catalog, once the kiosk has reached the platform and the printer is ready: the
    online-only certificate and the pension check are both offered."""
    tap(qtbot, kiosk, "开始办理")
    qtbot.waitUntil(
        lambda: (
            NEEDS_NETWORK_TILE not in tile(kiosk, CERTIFICATE)
            and tile(kiosk, PENSION).endswith(tile_summary(kiosk, PENSION))
        ),
        timeout=SYNC_WAIT_MS,
    )


def tile_summary(kiosk: main.Kiosk, name: str) -> str:
    service = next(s for s in kiosk.visit.services if s.name["zh"] == name)
    return service.summary["zh"]


def identify_the_elder(qtbot: QtBot, site: Site) -> None:
    """From the pension guide: start, place her card, decline elder mode (she is 68)."""
    kiosk = site.kiosk
    tap(qtbot, kiosk, "开始办理")
    assert kiosk.visit.snapshot.step == "identify"
    site.id_reader().place(ELDER)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.elder_offer, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    tap(qtbot, kiosk, "不用了")
    assert kiosk.visit.snapshot.step == "verify_face"
    assert "人脸核验" in shown_texts(kiosk.window)


def turn_as_asked(qtbot: QtBot, site: Site) -> None:
    """She faces the camera and, once the kiosk asks, turns her head that way, slowly as an
    elder does (the kiosk checks a few frames a second), and looks back; again and again."""
    kiosk, camera = site.kiosk, site.camera()
    camera.show_face("front")
    asked: list[Side] = []

    def prompted() -> bool:
        shown = shown_texts(kiosk.window)
        asked[:] = [side for prompt, side in TURN_PROMPTS.items() if prompt in shown]
        return bool(asked)

    qtbot.waitUntil(prompted, timeout=FACE_WAIT_MS)
    turn = turn_script(asked[0], step_s=SLOW_TURN_STEP_S)[1:]  # facing already: turn now
    camera.play_frames(turn, loop=True)


def finish_the_face_check(qtbot: QtBot, site: Site) -> None:
    """The face step, done as asked, until the visit is finished (receipt printed)."""
    kiosk = site.kiosk
    turn_as_asked(qtbot, site)
    try:
        qtbot.waitUntil(lambda: kiosk.visit.snapshot.phase is Phase.FINISH, timeout=FACE_WAIT_MS)
    except qtbot.TimeoutError as error:
        s = kiosk.visit.snapshot
        where = f"step {s.step}, busy {s.busy}, notice {s.notice}"
        raise AssertionError(f"not finished: {where}; shown {shown_texts(kiosk.window)}") from error
    settle(qtbot, kiosk)


def records_of(site: Site, kind: str) -> list[dict[str, Any]]:
    return [r for r in site.arrived() if r["kind"] == kind]


def receipt_text(site: Site) -> str:
    (receipt,) = site.printer().wait_for_receipts(1, timeout_s=WAIT_MS / 1000)
    return "\n".join(receipt.lines)


# -- online --------------------------------------------------------------------------------------


def test_a_pensioner_confirms_by_card_and_face_and_the_platform_gets_the_record(
    qtbot: QtBot, site: Site
) -> None:
    kiosk = site.kiosk
    comparator = requests.get(f"{site.central.url}{wire.API}/faces/comparator", timeout=10)
    comparator.raise_for_status()
    comparator_name = comparator.json()["name"]  # the platform says which one it runs

    site.camera().show_face("nobody")
    open_catalog_when_online(qtbot, kiosk)
    tap(qtbot, kiosk, PENSION)
    assert "需要准备" in shown_texts(kiosk.window)
    identify_the_elder(qtbot, site)
    finish_the_face_check(qtbot, site)

    case_number = kiosk.visit.snapshot.case.case_number
    assert case_number
    shown = shown_texts(kiosk.window)
    assert "办理完成" in shown and f"回执编号：{case_number}" in shown
    assert not any(citizen_number(ELDER) in text for text in shown)

    printed = receipt_text(site)
    assert "养老金领取资格认证回执" in printed and case_number in printed
    assert "王秀英" in printed and comparator_name in printed and "认证通过" in printed
    assert citizen_number(ELDER) not in printed and not FULL_NUMBER.search(printed)

    qtbot.waitUntil(lambda: bool(records_of(site, "authentication")), timeout=SYNC_WAIT_MS)
    (record,) = records_of(site, "authentication")
    payload = record["payload"]
    assert payload["service_id"] == "pension-qualification"
    assert payload["case_number"] == case_number
    assert payload["subject"]["id_number"] == citizen_number(ELDER)
    assert payload["identified_by"] == "id_card"
    face = payload["face"]
    assert face["match"] is True and face["comparator"] == comparator_name
    assert face["liveness"] in ("turn_left", "turn_right")
    assert "photo_jpeg" not in face  # compared already: no picture of her goes to the queue

    rate_fully(qtbot, kiosk, "非常满意")
    qtbot.waitUntil(lambda: bool(records_of(site, "rating")), timeout=SYNC_WAIT_MS)
    (rating,) = records_of(site, "rating")
    assert rating["payload"]["case_number"] == case_number
    assert rating["payload"]["service_id"] == "pension-qualification"
    assert rating["payload"]["level"] == 5
    assert kiosk.visit.snapshot.phase is Phase.ATTRACT


# -- the platform goes down ----------------------------------------------------------------------


@pytest.fixture
def proxy(central: CentralProcess) -> Iterator[FaultProxy]:
    """Between the kiosk and the platform: `down()` is a platform that cannot be reached."""
    with FaultProxy(central.url) as running:
        yield running


@pytest.fixture
def proxied_site(
    make_kiosk: KioskFactory,
    config: Config,
    central: CentralProcess,
    proxy: FaultProxy,
    tmp_path: Path,
) -> Iterator[Site]:
    """As the `site` fixture, but the kiosk reaches the platform through `proxy`, and its
    site config beats every second and retries within a second, so a test sees it notice
    an outage and a recovery quickly."""
    sync = replace(
        config.sync, heartbeat_s=1.0, backoff_base_s=0.05, backoff_cap_s=1.0, timeout_s=2.0
    )
    local = replace(config, platform_url=proxy.url, data_dir=tmp_path, sync=sync)
    with wired_site(make_kiosk, local, central) as running:
        yield running


def waiting_in_queue(site: Site) -> int:
    counts = site.outbox.stats().result(10).counts
    return counts["pending"] + counts["in_flight"]


def test_with_the_platform_down_online_services_say_so_and_the_pension_check_is_kept(
    qtbot: QtBot, proxied_site: Site, proxy: FaultProxy
) -> None:
    site = proxied_site
    kiosk = site.kiosk
    site.camera().show_face("nobody")
    open_catalog_when_online(qtbot, kiosk)  # the kiosk has reached the platform

    proxy.down()  # the network to the platform fails; the kiosk finds out by itself
    qtbot.waitUntil(lambda: NEEDS_NETWORK_TILE in tile(kiosk, CERTIFICATE), timeout=SYNC_WAIT_MS)
    assert NEEDS_NETWORK_TILE not in tile(kiosk, PENSION)  # it can queue the face
    assert any("网络暂时不通" in text for text in shown_texts(kiosk.window))  # the banner
    tap(qtbot, kiosk, CERTIFICATE)
    assert NEEDS_NETWORK_GUIDE in shown_texts(kiosk.window)
    assert "开始办理" not in buttons(kiosk.window)  # she cannot start it, and knows why first
    tap(qtbot, kiosk, "返回")

    tap(qtbot, kiosk, PENSION)
    identify_the_elder(qtbot, site)
    finish_the_face_check(qtbot, site)
    case_number = kiosk.visit.snapshot.case.case_number
    assert f"回执编号：{case_number}" in shown_texts(kiosk.window)
    printed = receipt_text(site)
    assert "养老金领取资格认证回执" in printed and case_number in printed
    assert "已受理，待联网核验" in printed and "认证通过" not in printed  # she is told the truth
    rate_fully(qtbot, kiosk, "基本满意")

    # Kept on the kiosk, not at the platform: the authentication and the rating.
    assert site.outbox.stats().result(10).counts["acked"] == 0
    assert waiting_in_queue(site) == 2
    assert site.arrived() == []

    proxy.up()
    qtbot.waitUntil(lambda: waiting_in_queue(site) == 0, timeout=SYNC_WAIT_MS)
    stored = site.arrived()
    assert [r["kind"] for r in stored] == ["authentication", "rating"]  # each exactly once
    assert_chain_intact(stored, site.config.kiosk_id)
    authentication, rating = (r["payload"] for r in stored)
    assert authentication["case_number"] == rating["case_number"] == case_number
    face = authentication["face"]
    assert face["match"] is None and face["liveness"] in ("turn_left", "turn_right")
    assert face["photo_jpeg"]  # for the platform to compare, now that it has it
    verdict = stored[0]["face_verdict"]  # and it did, as her receipt said it would
    assert verdict["match"] is True and verdict["comparator"] == "demo"

    open_catalog_when_online(qtbot, kiosk)  # the next citizen can have her certificate again


# -- a face check that does not finish -----------------------------------------------------------

TIMED_OUT = "没有完成核验，请按“再试一次”，或按“求助”。"  # face.guide.timed_out
SHORT_CHECK_S = 8.0  # the first check's, instead of a citizen's 30 s: the test waits less


def shorten_first_face_check(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The camera wired as `main.connect_devices` wires it, but the first check ends after
    SHORT_CHECK_S; those after it (try again) get the real time."""
    real = face_session.FaceSession
    made: list[object] = []

    class FirstShort(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if not made:
                kwargs["timeout_s"] = SHORT_CHECK_S
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(face_session, "FaceSession", FirstShort)
    site.kiosk.window.use_faces(main.face_source(camera_device(site)))
    monkeypatch.setattr(face_session, "FaceSession", real)


def camera_device(site: Site) -> Camera:
    return next(d for d in site.devices.supervisor.devices.values() if isinstance(d, Camera))


def time_out(qtbot: QtBot, kiosk: main.Kiosk) -> None:
    """Wait for the check to run out: said plainly, with a way on, the visit still there."""
    qtbot.waitUntil(lambda: "再试一次" in buttons(kiosk.window), timeout=FACE_WAIT_MS)
    assert TIMED_OUT in shown_texts(kiosk.window)
    assert "求助" in buttons(kiosk.window)
    s = kiosk.visit.snapshot
    assert (s.phase, s.step, s.case.face) == (Phase.STEP, "verify_face", None)
    assert s.case.citizen is not None and s.case.citizen.name == "王秀英"


def test_nobody_in_front_of_the_camera_times_out_and_try_again_starts_a_new_check(
    qtbot: QtBot, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk = site.kiosk
    site.camera().show_face("nobody")
    shorten_first_face_check(site, monkeypatch)
    open_catalog_when_online(qtbot, kiosk)
    tap(qtbot, kiosk, PENSION)
    identify_the_elder(qtbot, site)
    assert "请正对摄像头，让脸出现在框内。" in shown_texts(kiosk.window)
    time_out(qtbot, kiosk)
    assert not preview(kiosk).pixmap().isNull()  # the camera works: she sees what it sees

    tap(qtbot, kiosk, "再试一次")
    assert "再试一次" not in buttons(kiosk.window)
    finish_the_face_check(qtbot, site)
    case_number = kiosk.visit.snapshot.case.case_number
    assert f"回执编号：{case_number}" in shown_texts(kiosk.window)
    qtbot.waitUntil(lambda: bool(records_of(site, "authentication")), timeout=SYNC_WAIT_MS)
    (record,) = records_of(site, "authentication")
    assert record["payload"]["case_number"] == case_number
    assert record["payload"]["face"]["match"] is True


def test_a_face_that_never_turns_times_out_and_help_calls_staff(
    qtbot: QtBot, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A photograph held up (or a citizen who does not follow): asked to turn, it never does."""
    kiosk = site.kiosk
    site.camera().show_face("front")
    shorten_first_face_check(site, monkeypatch)
    open_catalog_when_online(qtbot, kiosk)
    tap(qtbot, kiosk, PENSION)
    identify_the_elder(qtbot, site)
    qtbot.waitUntil(
        lambda: any(prompt in shown_texts(kiosk.window) for prompt in TURN_PROMPTS),
        timeout=FACE_WAIT_MS,
    )
    time_out(qtbot, kiosk)

    tap(qtbot, kiosk, "求助")
    assert "已呼叫工作人员" in shown_texts(kiosk.window)
    qtbot.waitUntil(lambda: bool(records_of(site, "assist_request")), timeout=SYNC_WAIT_MS)
    (assist,) = records_of(site, "assist_request")
    assert assist["payload"]["service_id"] == "pension-qualification"
    assert records_of(site, "authentication") == []  # nothing was confirmed

    tap(qtbot, kiosk, "返回继续办理")
    assert kiosk.visit.snapshot.step == "verify_face"
    assert "人脸核验" in shown_texts(kiosk.window)
    finish_the_face_check(qtbot, site)  # with staff beside her, she turns as asked
    assert kiosk.visit.snapshot.case.face is not None


def preview(kiosk: main.Kiosk) -> QLabel:
    label = kiosk.window.findChild(QLabel, "FacePreview")
    assert label is not None
    return label


CAMERA_LOST = "摄像头出了故障，请按“求助”呼叫工作人员，或稍后按“再试一次”。"  # face.guide


def test_a_camera_unplugged_during_the_check_is_said_at_once_and_try_again_works_once_back(
    qtbot: QtBot, site: Site
) -> None:
    """The camera dies while she faces it: she is told so, not left for the check's 30 s; once
    the camera is back, one tap starts the check again and the visit goes on."""
    kiosk, camera = site.kiosk, site.camera()
    camera.show_face("front")
    open_catalog_when_online(qtbot, kiosk)
    tap(qtbot, kiosk, PENSION)
    identify_the_elder(qtbot, site)
    qtbot.waitUntil(
        lambda: (
            "请保持不动。" in shown_texts(kiosk.window)
            or any(prompt in shown_texts(kiosk.window) for prompt in TURN_PROMPTS)
        ),
        timeout=FACE_WAIT_MS,
    )
    camera.unplug()
    qtbot.waitUntil(lambda: "再试一次" in buttons(kiosk.window), timeout=FACE_WAIT_MS)
    assert CAMERA_LOST in shown_texts(kiosk.window) and TIMED_OUT not in shown_texts(kiosk.window)
    assert "求助" in buttons(kiosk.window)
    assert preview(kiosk).pixmap().isNull()  # no last picture, as if the camera still saw her
    s = kiosk.visit.snapshot
    assert (s.phase, s.step, s.case.face) == (Phase.STEP, "verify_face", None)

    camera.replug()
    qtbot.waitUntil(lambda: camera_device(site).state is DeviceState.ONLINE, timeout=WAIT_MS)
    tap(qtbot, kiosk, "再试一次")
    finish_the_face_check(qtbot, site)
    qtbot.waitUntil(lambda: bool(records_of(site, "authentication")), timeout=SYNC_WAIT_MS)
    (record,) = records_of(site, "authentication")
    assert record["payload"]["case_number"] == kiosk.visit.snapshot.case.case_number


def test_a_citizen_the_platform_has_no_photo_of_is_sent_to_a_counter(
    qtbot: QtBot, site: Site
) -> None:
    """The platform has nothing to compare her face with: the kiosk says so plainly, instead of
    asking her to try again and again."""
    kiosk = site.kiosk
    stranger = SimCard(
        "resident unknown to the platform, aged 62",
        text_block(
            RESIDENT,
            {
                "name": "赵桂兰",
                "sex": "2",
                "nation": "01",
                "birth": "19640101",
                "address": "北京市东城区东四北大街1号",
                "number": with_check_digit("11010119640101004"),
                "authority": "北京市公安局东城分局",
                "valid_from": "20140101",
                "valid_to": "20340101",
            },
        ),
        photo=bytes(1024),
    )
    site.camera().show_face("nobody")
    open_catalog_when_online(qtbot, kiosk)
    tap(qtbot, kiosk, PENSION)
    tap(qtbot, kiosk, "开始办理")
    site.id_reader().place(stranger)
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.step == "verify_face", timeout=WAIT_MS)
    # What the face step hands on once the liveness challenge is passed: her picture.
    ok, jpeg = cv2.imencode(".jpg", np.full((480, 480, 3), 128, np.uint8))
    assert ok
    kiosk.flow.face_captured(jpeg.tobytes(), "turn_left")
    qtbot.waitUntil(lambda: kiosk.visit.snapshot.notice is not None, timeout=WAIT_MS)
    settle(qtbot, kiosk)
    notice = kiosk.visit.snapshot.notice
    assert notice is not None and notice.key == "face.no_reference"
    assert any("平台上没有您的比对照片" in text for text in shown_texts(kiosk.window))
    assert kiosk.visit.snapshot.step == "verify_face" and not kiosk.visit.snapshot.case.face
