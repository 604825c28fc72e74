"""Face capture end to end: the camera simulator's MJPEG stream, the camera adapter, the face
detector and the liveness check, as the kiosk runs them."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest

from devices.camera import Camera, build
from devices.face import FaceDetectionUnavailable, FaceDetector, FacePresence
from devices.face_session import FaceProgress, FaceSession
from devices.liveness import Guidance
from devices.model import DeviceState
from devices.sim.camera import CameraSimulator
from devices.sim.faces import turn_script
from devices.supervisor import Supervisor
from tests.conftest import ROOT
from tests.test_liveness import assert_a_good_face_picture
from tests.waiting import wait_until

pytest.importorskip("skimage.data")


@dataclass
class Listener:
    progress: list[FaceProgress] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, progress: FaceProgress) -> None:
        with self.lock:
            self.progress.append(progress)

    def guidance(self) -> list[Guidance]:
        with self.lock:
            return [p.guidance for p in self.progress]

    def last(self) -> FaceProgress | None:
        with self.lock:
            return self.progress[-1] if self.progress else None

    def finished(self) -> bool:
        last = self.last()
        return last is not None and last.guidance.final


class CountingDetector(FaceDetector):
    checks = 0

    def check(self, frame: np.ndarray) -> FacePresence:
        CountingDetector.checks += 1
        return super().check(frame)


@pytest.fixture
def sim() -> Iterator[CameraSimulator]:
    simulator = CameraSimulator(fps=15)
    simulator.show_face("nobody")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def camera(sim: CameraSimulator) -> Iterator[Camera]:
    camera = build("camera", sim.address, {"decode_every_n": 1})
    supervisor = Supervisor([camera])
    supervisor.start()
    assert wait_until(lambda: camera.state is DeviceState.ONLINE), camera.status()
    yield camera
    supervisor.stop()


@pytest.fixture
def detector() -> None:
    try:
        FaceDetector()
    except FaceDetectionUnavailable as error:
        pytest.skip(str(error))


@pytest.mark.usefixtures("detector")
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_citizen_who_turns_and_looks_back_is_captured_with_a_face_picture(
    sim: CameraSimulator, camera: Camera, side: str
) -> None:
    listener = Listener()
    session = FaceSession(camera, listener, challenge=f"turn_{side}")  # type: ignore[arg-type]
    sim.show_face("front")
    session.start()
    # Left, then right, again and again (the wrong one is ignored), at an elder's pace: a busy
    # machine checks a frame every few tenths of a second (as in test_services_pension).
    slow = [turn_script(turn, front_s=4.0, step_s=0.75) for turn in ("left", "right")]
    sim.play_frames([shot for script in slow for shot in script], loop=True)
    assert wait_until(listener.finished, "the session's end", timeout_s=30)
    done = listener.last()
    assert done is not None and done.guidance is Guidance.DONE, listener.guidance()
    assert done.capture is not None and done.capture.liveness == f"turn_{side}"
    assert_a_good_face_picture(done.capture)
    said = listener.guidance()
    ask = Guidance.TURN_LEFT if side == "left" else Guidance.TURN_RIGHT
    firsts = [said.index(g) for g in (Guidance.HOLD_STILL, ask, Guidance.LOOK_BACK)]
    assert firsts == sorted(firsts)
    assert said.count(Guidance.DONE) == 1  # and it stopped itself
    count = len(said)
    time.sleep(0.5)
    assert len(listener.guidance()) == count


@pytest.mark.usefixtures("detector")
def test_a_still_photo_is_never_done_and_times_out(sim: CameraSimulator, camera: Camera) -> None:
    listener = Listener()
    session = FaceSession(camera, listener, challenge="turn_left", timeout_s=4)
    sim.show_face("front")
    session.start()
    assert wait_until(listener.finished, "the session's end", timeout_s=15)
    said = listener.guidance()
    assert Guidance.TURN_LEFT in said and Guidance.DONE not in said
    last = listener.last()
    assert last is not None and last.guidance is Guidance.TIMED_OUT and last.capture is None


@pytest.mark.usefixtures("detector")
def test_a_photo_for_a_form_is_taken_from_a_steady_face(
    sim: CameraSimulator, camera: Camera
) -> None:
    listener = Listener()
    session = FaceSession(camera, listener, challenge="photo")
    sim.show_face("front")
    session.start()
    assert wait_until(listener.finished, "the session's end", timeout_s=15)
    taken = listener.last()
    assert taken is not None and taken.guidance is Guidance.DONE
    assert taken.capture is not None and taken.capture.liveness == ""
    assert_a_good_face_picture(taken.capture)


@pytest.mark.usefixtures("detector")
@pytest.mark.parametrize(
    ("pose", "guidance"),
    [("dark", Guidance.TOO_DARK), ("far", Guidance.COME_CLOSER), ("nobody", Guidance.NO_FACE)],
)
def test_the_citizen_is_told_what_is_wrong_with_the_picture(
    sim: CameraSimulator, camera: Camera, pose: str, guidance: Guidance
) -> None:
    listener = Listener()
    session = FaceSession(camera, listener)
    sim.show_face(pose)  # type: ignore[arg-type]
    session.start()
    assert wait_until(lambda: listener.guidance().count(guidance) >= 3, str(guidance))
    session.stop()
    count = len(listener.guidance())
    time.sleep(0.5)
    assert len(listener.guidance()) == count  # nothing after stop()


@pytest.mark.usefixtures("detector")
def test_every_frame_gets_a_small_preview_but_checks_skip_frames(
    sim: CameraSimulator, camera: Camera
) -> None:
    listener = Listener()
    CountingDetector.checks = 0
    session = FaceSession(camera, listener, detector_factory=CountingDetector)
    sim.show_face("front")
    session.start()
    assert wait_until(lambda: len(listener.guidance()) >= 30, "30 frames")
    session.stop()
    with listener.lock:
        progress = list(listener.progress)
    assert 1 <= CountingDetector.checks < len(progress)  # the camera is not held back
    face = next(p for p in progress if p.box is not None)
    assert face.frame_size == (1280, 720)
    x, y, w, h = face.box or (0, 0, 0, 0)
    assert x >= 0 and x + w <= 1280 and y >= 0 and y + h <= 720
    for each in progress:
        assert each.preview is not None and each.preview.shape == (270, 480, 3)


@pytest.mark.usefixtures("detector")
def test_a_camera_unplugged_during_the_check_ends_it_saying_so_not_at_the_time_out(
    sim: CameraSimulator, camera: Camera
) -> None:
    listener = Listener()
    session = FaceSession(camera, listener, challenge="turn_right")  # a citizen's 30 s
    sim.show_face("front")
    session.start()
    assert wait_until(lambda: listener.last() is not None)
    sim.unplug()
    assert wait_until(listener.finished, "the session's end", timeout_s=20)
    last = listener.last()
    assert last is not None and last.guidance is Guidance.CAMERA_LOST
    assert last.preview is not None and last.capture is None  # the last picture seen
    assert listener.guidance().count(Guidance.CAMERA_LOST) == 1  # and it stopped itself


def test_a_camera_down_when_the_check_starts_ends_it_at_once(
    sim: CameraSimulator, camera: Camera
) -> None:
    sim.unplug()
    assert wait_until(lambda: camera.state is DeviceState.POWER_OFF, "the camera seen gone")
    listener = Listener()
    FaceSession(camera, listener, detector_factory=CountingDetector).start()
    assert listener.guidance() == [Guidance.CAMERA_LOST]
    last = listener.last()
    assert last is not None and last.preview is None and last.frame_size == (0, 0)


def test_a_camera_that_never_sends_a_frame_ends_the_check_at_its_time_out() -> None:
    camera = build("camera", "0", {})  # not opened: neither down nor sending
    listener = Listener()
    session = FaceSession(camera, listener, timeout_s=0.5, detector_factory=CountingDetector)
    session.start()
    assert wait_until(listener.finished, "the session's end", timeout_s=10)
    assert listener.guidance() == [Guidance.TIMED_OUT]


def test_without_face_detection_start_says_so_and_listens_to_nothing(
    sim: CameraSimulator, camera: Camera
) -> None:
    def unavailable() -> FaceDetector:
        raise FaceDetectionUnavailable("face detection needs scikit-image (pip install ...)")

    listener = Listener()
    session = FaceSession(camera, listener, detector_factory=unavailable)
    with pytest.raises(FaceDetectionUnavailable, match="needs scikit-image"):
        session.start()
    sim.show_face("front")
    time.sleep(0.5)
    assert listener.guidance() == []


def test_bad_arguments_are_refused_clearly(sim: CameraSimulator) -> None:
    camera = build("camera", "0", {})  # not opened
    with pytest.raises(ValueError, match="unknown challenge 'nod'"):
        FaceSession(camera, Listener(), challenge="nod")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_checks_per_s must be more than 0"):
        FaceSession(camera, Listener(), max_checks_per_s=0)
    with pytest.raises(ValueError, match="unknown pose 'sideways': choose one of front, left"):
        sim.show_face("sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"x must be 0\.\.1"):
        sim.show_face("front", x=1.5)
    with pytest.raises(ValueError, match="side must be 'left' or 'right', not 'up'"):
        sim.play_face_turn("up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="play_frames needs at least one frame"):
        sim.play_frames([])


@pytest.mark.usefixtures("detector")
def test_the_simulator_command_streams_a_face() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.sim", "camera", "--face", "turn-left"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        capture = cv2.VideoCapture(url)
        ok, frame = capture.read()
        capture.release()
        assert ok and frame.shape == (720, 1280, 3)
        assert FaceDetector().check(frame).present  # the script begins facing the camera
    finally:
        process.terminate()
        process.wait(10)
