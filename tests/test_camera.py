"""The camera adapter through the simulator's real MJPEG-over-HTTP stream, its options, and face
presence."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera import Camera, FrameCaptured, build
from devices.codes import CodeScanned
from devices.decoders import DecoderChain
from devices.face import FaceDetectionUnavailable, FaceDetector
from devices.model import DeviceEvent, DeviceState, HealthLevel
from devices.sim.camera import CameraSimulator
from devices.sim.phone_frames import Shot, background, phone_frame
from devices.supervisor import Supervisor
from tests.conftest import ROOT
from tests.waiting import wait_until

TEXT = "预约号：000123 办理事项：居住证签注"
FAST = {"decode_every_n": 1, "fallback_interval_s": 0.2, "rescan_after_s": 0.6}


@dataclass
class Recorder:
    events: list[DeviceEvent] = field(default_factory=list)
    frames: list[FrameCaptured] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event(self, event: DeviceEvent) -> None:
        with self.lock:
            self.events.append(event)

    def frame(self, event: FrameCaptured) -> None:
        with self.lock:
            self.frames.append(event)

    def scans(self) -> list[CodeScanned]:
        with self.lock:
            return [e for e in self.events if isinstance(e, CodeScanned)]

    def frames_with_codes(self) -> int:
        with self.lock:
            return sum(1 for f in self.frames if f.codes)


@pytest.fixture
def sim() -> Iterator[CameraSimulator]:
    simulator = CameraSimulator(fps=30)
    simulator.blank()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def camera(sim: CameraSimulator) -> Iterator[tuple[Camera, Recorder]]:
    camera = build("camera", sim.address, FAST)
    recorder = Recorder()
    camera.subscribe(recorder.event)
    camera.subscribe_frames(recorder.frame)
    supervisor = Supervisor([camera])
    supervisor.start()
    assert wait_until(lambda: camera.state is DeviceState.ONLINE), camera.status()
    yield camera, recorder
    supervisor.stop()


def test_a_phone_held_at_an_angle_is_one_scan_however_long_it_is_held(
    sim: CameraSimulator, camera: tuple[Camera, Recorder]
) -> None:
    device, recorder = camera
    sim.show_phone(TEXT, yaw_deg=40, pitch_deg=15)
    assert wait_until(lambda: len(recorder.scans()) == 1)
    assert recorder.scans()[0].code.text == TEXT
    assert recorder.scans()[0].device == "camera"
    assert wait_until(lambda: recorder.frames_with_codes() >= 15)  # held for a while
    assert len(recorder.scans()) == 1
    assert device.status().counters["decoded"] == 1


def test_the_same_code_shown_again_after_leaving_the_view_is_a_new_scan(
    sim: CameraSimulator, camera: tuple[Camera, Recorder]
) -> None:
    _, recorder = camera
    sim.show_phone(TEXT, yaw_deg=-30)
    assert wait_until(lambda: len(recorder.scans()) == 1)
    sim.blank()
    time.sleep(1.0)  # longer than rescan_after_s
    sim.show_phone(TEXT, yaw_deg=20)
    assert wait_until(lambda: len(recorder.scans()) == 2)
    assert [s.code.text for s in recorder.scans()] == [TEXT, TEXT]


def test_a_binary_code_on_a_dark_mode_screen_arrives_byte_for_byte(
    sim: CameraSimulator, camera: tuple[Camera, Recorder]
) -> None:
    _, recorder = camera
    payload = bytes(range(255, 95, -1))  # a signed e-ID code is bytes, not text
    sim.show_phone(payload, yaw_deg=25, light_on_dark=True)
    assert wait_until(lambda: len(recorder.scans()) == 1)
    assert recorder.scans()[0].code.raw == payload


def test_preview_frames_go_only_to_frame_subscribers_with_the_code_boxes(
    sim: CameraSimulator, camera: tuple[Camera, Recorder]
) -> None:
    _, recorder = camera
    sim.show_phone(TEXT, yaw_deg=30)
    assert wait_until(lambda: recorder.frames_with_codes() >= 1)
    with recorder.lock:
        frame = next(f for f in recorder.frames if f.codes)
        assert not any(isinstance(e, FrameCaptured) for e in recorder.events)
    assert frame.frame.shape == (720, 1280, 3)
    assert [d.code.text for d in frame.codes] == [TEXT]
    for x, y in frame.codes[0].corners:
        assert 0 <= x < 1280 and 0 <= y < 720


def test_an_unplugged_camera_is_power_off_and_back_online_within_5_s_of_replug(
    sim: CameraSimulator, camera: tuple[Camera, Recorder]
) -> None:
    device, recorder = camera
    sim.unplug()
    assert wait_until(lambda: device.state is DeviceState.POWER_OFF)
    status = device.status()
    assert sim.address in status.detail
    assert status.last_error is not None and status.last_error.code == "camera.unavailable"
    time.sleep(1.0)  # the supervisor retries against a dead port meanwhile
    assert device.state is DeviceState.POWER_OFF
    sim.replug()
    assert wait_until(lambda: device.state is DeviceState.ONLINE, timeout_s=5.0)
    sim.show_phone("after replug", yaw_deg=10)
    assert wait_until(lambda: [s.code.text for s in recorder.scans()] == ["after replug"])


def test_health_checks_report_the_stream_and_wait_for_a_code(
    sim: CameraSimulator, camera: tuple[Camera, Recorder]
) -> None:
    device, _ = camera
    internal = device.check_health(HealthLevel.INTERNAL)
    assert internal.ok and "capture open" in internal.lines
    external = device.check_health(HealthLevel.EXTERNAL)
    assert external.ok
    assert any("picture 1280x720" in line for line in external.lines), external.text()
    sim.show_phone("health check", yaw_deg=15)
    interactive = device.check_health(HealthLevel.INTERACTIVE)
    assert interactive.ok and "read 'health check'" in interactive.lines


def test_a_camera_that_is_not_there_is_power_off_without_raising() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for source in (f"http://127.0.0.1:{port}/stream.mjpg", "/nonexistent/video.mp4"):
        device = build("camera", source, {"timeout_s": 1})
        device.open()
        assert device.state is DeviceState.POWER_OFF
        assert f"cannot open camera {source}" in device.status().detail
        assert not device.check_health(HealthLevel.EXTERNAL).ok
        device.close()


def test_a_video_file_plays_its_codes_and_its_end_is_a_lost_stream(tmp_path: Path) -> None:
    video = tmp_path / "counter.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 10, (1280, 720))
    for frame in [phone_frame("ticket 7", Shot(yaw_deg=20), seed=1)] * 6:
        writer.write(frame)
    writer.release()
    device = build("camera", str(video), {"decode_every_n": 1})
    recorder = Recorder()
    device.subscribe(recorder.event)
    device.open()
    assert wait_until(lambda: device.state is DeviceState.POWER_OFF)
    assert "stream ended" in device.status().detail
    assert [s.code.text for s in recorder.scans()] == ["ticket 7"]
    device.close()


def test_the_simulator_plays_a_folder_of_images_in_turn(
    sim: CameraSimulator, camera: tuple[Camera, Recorder], tmp_path: Path
) -> None:
    _, recorder = camera
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in paths:
        cv2.imwrite(str(path), phone_frame(path.stem, Shot(yaw_deg=-20), seed=2))
    sim.play_images(paths, interval_s=0.4)
    assert wait_until(lambda: {s.code.text for s in recorder.scans()} == {"a", "b"})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"decoders": ["zxing", "zbar"]}, "option decoders: unknown decoder 'zbar'"),
        ({"decoders": "zxing"}, "option decoders: 'zxing' is not a list of strings"),
        ({"decoders": []}, "option decoders: give a list"),
        ({"decode_every_n": 0}, "option decode_every_n: 0 is not a whole number"),
        ({"decode_every_n": True}, "option decode_every_n"),
        ({"timeout_s": 10}, r"option timeout_s: 10 is outside 0.5..4"),
        ({"rescan_after_s": "2"}, "option rescan_after_s: '2' is not a number"),
        ({"fallback_interval_s": 3, "rescan_after_s": 2}, "option rescan_after_s: make it"),
        ({"width": 1280}, "option width: give both width and height"),
        ({"fps": 30}, "option fps: unknown"),
    ],
)
def test_bad_options_are_refused_naming_the_option(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build("camera", "0", options)


def test_build_gives_a_camera_with_the_default_decoder_chain() -> None:
    device = build("camera", "0", {"width": 1280, "height": 720})
    assert device.kind == "camera" and device.chain.names == ("zxing", "pyzbar")
    assert device.state is DeviceState.OFFLINE


def test_the_simulator_command_prints_a_url_that_streams_the_code() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.sim", "camera", "--text", "from the command line"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        capture = cv2.VideoCapture(url)
        ok, frame = capture.read()
        capture.release()
        assert ok
        assert [d.code.text for d in DecoderChain().decode(frame)] == ["from the command line"]
    finally:
        process.terminate()
        process.wait(10)


# -- face presence --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    """A real photograph of a face (Eileen Collins), shipped with scikit-image."""
    data = pytest.importorskip("skimage.data")
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def faces() -> FaceDetector:
    try:
        return FaceDetector()
    except FaceDetectionUnavailable as error:
        pytest.skip(str(error))


def test_a_real_face_is_found_where_it_is(faces: FaceDetector, astronaut: np.ndarray) -> None:
    presence = faces.check(astronaut)
    assert presence.present and not presence.too_dark and not presence.too_far
    assert presence.box is not None
    x, y, w, h = presence.box
    assert 150 <= x + w / 2 <= 300 and 50 <= y + h / 2 <= 200  # her face, not the flag
    assert 60 <= w <= 150


def test_a_face_far_away_or_in_the_dark_is_told_so(
    faces: FaceDetector, astronaut: np.ndarray
) -> None:
    dark = faces.check(astronaut // 6)
    assert dark.present and dark.too_dark
    scene = background(np.random.default_rng(3))
    scene[100:612, 400:912] = astronaut  # a 100-pixel face in a 1280-pixel frame
    far = faces.check(scene)
    assert far.present and far.too_far and not far.too_dark


def test_no_face_on_a_qr_frame_a_blank_frame_or_garbage(faces: FaceDetector) -> None:
    qr_frame = phone_frame(TEXT, Shot(yaw_deg=30), seed=0)
    for frame in (qr_frame, np.full((720, 1280, 3), 128, np.uint8), np.zeros((0, 0), np.uint8)):
        presence = faces.check(frame)
        assert not presence.present and presence.box is None
    assert faces.check(np.zeros((720, 1280, 3), np.uint8)).too_dark
