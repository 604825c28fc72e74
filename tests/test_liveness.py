"""The head-turn liveness check and the capture's quality, fed by hand-made face presences over
the simulator's frames of a real face photo (the detector itself is exercised end to end in
test_face_session)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import cv2
import numpy as np
import pytest

from devices.face import Box, FaceDetectionUnavailable, FaceDetector, FacePresence
from devices.liveness import (
    MAX_JPEG_BYTES,
    RETURN_WITHIN_S,
    Challenge,
    FaceCapture,
    Guidance,
    LivenessCheck,
    Progress,
)
from devices.sim.faces import face_frame

pytest.importorskip("skimage.data")  # the frames are made from scikit-image's face photo

FACE: Box = (524, 224, 212, 212)  # where the detector finds her face in `face_frame("front")`
STEP_S = 0.125  # eight checks a second
NOBODY = FacePresence(False, None, False, False, 120.0)
TURNS: dict[Challenge, str] = {"turn_left": "left", "turn_right": "right"}
ASKED = {"turn_left": Guidance.TURN_LEFT, "turn_right": Guidance.TURN_RIGHT}


def seen(box: Box = FACE, too_far: bool = False, too_dark: bool = False) -> FacePresence:
    return FacePresence(True, box, too_far, too_dark, 30.0 if too_dark else 140.0)


def shifted(fraction: float, box: Box = FACE) -> Box:
    """`box` moved across the picture by `fraction` of its width (positive: to the right)."""
    x, y, w, h = box
    return x + round(fraction * w), y, w, h


def side_sign(side: str) -> int:
    return 1 if side == "left" else -1  # the citizen's left is the picture's right


class Citizen:
    """Feeds a check at eight frames a second and keeps what it answered."""

    def __init__(self, check: LivenessCheck) -> None:
        self.check, self.now, self.answers = check, 100.0, list[Progress]()

    def show(self, presence: FacePresence, frame: np.ndarray, times: int = 1) -> Progress:
        for _ in range(times):
            self.answers.append(self.check.feed(presence, frame, self.now))
            self.now += STEP_S
        return self.answers[-1]

    def settle(self) -> None:
        self.show(seen(), face_frame("front"), times=3)
        assert self.guidance()[-1] in ASKED.values()

    def turn(self, side: str) -> None:
        """Turn as a head does: seen drifting at 15°, then lost at 30° and 45°."""
        sign = side_sign(side)
        self.show(seen(shifted(0.15 * sign)), face_frame("front", yaw_deg=15 * sign))
        self.show(NOBODY, face_frame("front", yaw_deg=30 * sign))
        self.show(NOBODY, face_frame("front", yaw_deg=45 * sign), times=2)

    def guidance(self) -> list[Guidance]:
        return [answer.guidance for answer in self.answers]


@pytest.mark.parametrize("challenge", ["turn_left", "turn_right"])
def test_a_steady_face_that_turns_the_asked_way_and_looks_back_is_captured(
    challenge: Challenge,
) -> None:
    citizen = Citizen(LivenessCheck(challenge))
    citizen.settle()
    citizen.turn(TURNS[challenge])
    done = citizen.show(seen(), face_frame("front"), times=2)
    ask = ASKED[challenge]
    assert citizen.guidance() == [
        *[Guidance.HOLD_STILL] * 2,
        *[ask] * 3,  # the challenge; the face seen drifting; the first lost frame
        *[Guidance.LOOK_BACK] * 3,  # turned; the turn held; the first frame back
        Guidance.DONE,
    ]
    assert done.capture is not None and done.box == FACE
    assert_a_good_face_picture(done.capture)
    assert done.capture.liveness == challenge
    assert citizen.show(seen(), face_frame("front")) is done  # finished: it stays done


def assert_a_good_face_picture(capture: FaceCapture) -> None:
    assert len(capture.jpeg) <= MAX_JPEG_BYTES
    picture = cv2.imdecode(np.frombuffer(capture.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None
    assert min(picture.shape[:2]) >= 160 and max(picture.shape[:2]) <= 480
    assert isinstance(capture.sharpness, int) and capture.sharpness >= 40
    assert isinstance(capture.brightness, int) and 60 <= capture.brightness <= 220
    try:
        found = FaceDetector().check(picture)
    except FaceDetectionUnavailable:
        return
    assert found.present and found.box is not None
    assert found.box[2] >= picture.shape[1] // 3  # the face fills the picture, with a margin


def test_a_photo_for_a_form_is_taken_once_the_face_is_steady_without_a_challenge() -> None:
    citizen = Citizen(LivenessCheck("photo"))
    taken = citizen.show(seen(), face_frame("front"), times=3)
    assert citizen.guidance() == [Guidance.HOLD_STILL, Guidance.HOLD_STILL, Guidance.DONE]
    assert taken.capture is not None and taken.capture.liveness == ""  # no liveness claimed
    assert_a_good_face_picture(taken.capture)


def test_a_small_turn_the_detector_still_sees_counts_when_held() -> None:
    citizen = Citizen(LivenessCheck("turn_left"))
    citizen.settle()
    turned = citizen.show(seen(shifted(0.25)), face_frame("front", yaw_deg=25), times=2)
    assert turned.guidance is Guidance.LOOK_BACK


def test_one_frame_false_faces_never_start_the_challenge() -> None:
    rng = random.Random(5)
    citizen = Citizen(LivenessCheck("turn_left"))
    room = face_frame("nobody")
    for _ in range(40):  # a false face now and then, somewhere else each time
        citizen.show(NOBODY, room, times=rng.randint(1, 3))
        x, y, size = rng.randint(300, 700), rng.randint(150, 300), rng.randint(180, 260)
        citizen.show(seen((x, y, size, size)), room)
    assert not {Guidance.TURN_LEFT, Guidance.TURN_RIGHT} & set(citizen.guidance())


@pytest.mark.parametrize("challenge", ["turn_left", "turn_right"])
def test_turning_the_wrong_way_keeps_asking_for_the_right_way(challenge: Challenge) -> None:
    citizen = Citizen(LivenessCheck(challenge))
    citizen.settle()
    wrong = "right" if challenge == "turn_left" else "left"
    for _ in range(3):
        citizen.turn(wrong)
        citizen.show(seen(), face_frame("front"), times=3)
    assert set(citizen.guidance()[3:]) == {ASKED[challenge]}


def test_a_photo_slid_sideways_and_back_is_not_a_turn() -> None:
    """A portrait's face and shoulders move together; a turning head's shoulders stay."""
    citizen = Citizen(LivenessCheck("turn_left"))
    citizen.settle()
    for x in (0.53, 0.56, 0.59, 0.62):
        citizen.show(seen(shifted((x - 0.5) * 1280 / FACE[2])), face_frame("front", x=x), times=2)
    citizen.show(NOBODY, face_frame("front", x=0.95), times=3)  # and out of the picture
    for x in (0.62, 0.59, 0.56, 0.53, 0.5):
        citizen.show(seen(shifted((x - 0.5) * 1280 / FACE[2])), face_frame("front", x=x), times=2)
    assert set(citizen.guidance()[3:]) == {Guidance.TURN_LEFT}


def test_a_face_that_does_not_come_back_in_time_starts_over_then_times_out() -> None:
    check = LivenessCheck("turn_right", timeout_s=15.0)
    citizen = Citizen(check)
    citizen.settle()
    citizen.turn("right")
    assert citizen.guidance()[-1] is Guidance.LOOK_BACK
    elsewhere = seen(shifted(-1.2))  # someone else's face, elsewhere: not her coming back
    citizen.show(elsewhere, face_frame("right"), times=round((RETURN_WITHIN_S - 1) / STEP_S))
    assert citizen.guidance()[-1] is Guidance.LOOK_BACK
    citizen.show(NOBODY, face_frame("right"), times=round(2 / STEP_S))
    assert citizen.guidance()[-1] is Guidance.NO_FACE  # started over
    timed_out = citizen.show(NOBODY, face_frame("right"), times=round(15 / STEP_S))
    assert timed_out.guidance is Guidance.TIMED_OUT and timed_out.capture is None
    assert Guidance.DONE not in citizen.guidance()
    assert citizen.show(seen(), face_frame("front")) is timed_out


def test_a_still_photo_never_passes_and_times_out() -> None:
    citizen = Citizen(LivenessCheck("turn_left", timeout_s=10.0))
    citizen.show(seen(), face_frame("front"), times=round(10 / STEP_S) + 2)
    assert set(citizen.guidance()[:-1]) == {Guidance.HOLD_STILL, Guidance.TURN_LEFT}
    assert citizen.guidance()[-1] is Guidance.TIMED_OUT


def blurred(frame: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), sigma)


@pytest.mark.parametrize(
    ("presence", "frame", "guidance"),
    [
        (NOBODY, face_frame("nobody"), Guidance.NO_FACE),
        (seen(too_dark=True), face_frame("dark"), Guidance.TOO_DARK),
        (FacePresence(False, None, False, True, 20.0), face_frame("dark"), Guidance.TOO_DARK),
        (seen((576, 276, 112, 112), too_far=True), face_frame("far"), Guidance.COME_CLOSER),
        (seen((20, 20, 90, 90)), np.full((240, 320, 3), 128, np.uint8), Guidance.COME_CLOSER),
        (seen(shifted(1.5)), face_frame("front", x=0.74), Guidance.CENTRE_FACE),
        (seen(), blurred(face_frame("front"), 3.0), Guidance.HOLD_STILL),
    ],
    ids=["nobody", "dark face", "dark room", "far", "small frame", "off centre", "blurred"],
)
def test_a_poor_picture_is_refused_with_what_to_do(
    presence: FacePresence, frame: np.ndarray, guidance: Guidance
) -> None:
    citizen = Citizen(LivenessCheck("turn_left"))
    citizen.show(presence, frame, times=10)
    assert set(citizen.guidance()) == {guidance}


def capture_of(fronts: Sequence[np.ndarray]) -> FaceCapture:
    citizen = Citizen(LivenessCheck("turn_left"))
    for frame in fronts:
        citizen.show(seen(), frame)
    citizen.turn("left")
    done = citizen.show(seen(), fronts[-1], times=2)
    assert done.capture is not None, citizen.guidance()
    return done.capture


def test_the_capture_is_the_sharpest_good_frame() -> None:
    soft = blurred(face_frame("front"), 1.0)  # soft, but good enough
    only_soft = capture_of([soft] * 4)
    one_sharp = capture_of([soft, soft, face_frame("front"), soft])
    assert one_sharp.sharpness > only_soft.sharpness >= 40


def test_the_challenge_is_random_unless_given() -> None:
    drawn = {LivenessCheck(rng=random.Random(seed)).challenge for seed in range(20)}
    assert drawn == {"turn_left", "turn_right"}
    assert (
        LivenessCheck(rng=random.Random(3)).challenge
        == LivenessCheck(rng=random.Random(3)).challenge
    )
    assert LivenessCheck("turn_right").challenge == "turn_right"
    assert str(Guidance.TURN_LEFT) == "turn_left"  # the screens' text keys


def test_bad_arguments_and_frames_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unknown challenge 'blink'"):
        LivenessCheck("blink")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout_s must be more than 0, not 0"):
        LivenessCheck(timeout_s=0)
    check = LivenessCheck("turn_left")
    grey = np.zeros((720, 1280), np.uint8)
    with pytest.raises(ValueError, match=r"frame must be a BGR image .* not \(720, 1280\)"):
        check.feed(seen(), grey, 0.0)
    with pytest.raises(ValueError, match="not NoneType"):
        check.feed(NOBODY, None, 0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"face box \(1200, 600, 200, 200\) is not inside"):
        check.feed(seen((1200, 600, 200, 200)), face_frame("front"), 0.0)
    assert check.feed(seen(), face_frame("front"), 0.0).guidance is Guidance.HOLD_STILL
