"""A head-turn liveness challenge and the pick of the best face picture, for face verification.

Fed one `FacePresence` and its frame at a time (no camera, no clock of its own), the check
answers what to tell the citizen and, at the end, the picture to send to the platform's
comparator. The steps:

1. Settle: a face, bright, near, centred and sharp enough, in `STEADY_CHECKS` checks in a row
   at about the same place (the detector sees an occasional false face for one frame).
2. Turn: the citizen is asked to turn their head to their left or right (chosen at random
   unless given). A frontal-face detector cannot see a turned face, so a turn is read from
   what it can see: the face box drifts towards the asked side and is then lost, or stays
   clearly off to that side (a small turn), for `TURNED_CHECKS` checks, while the shoulders
   below the face stay where they were. Sides are the citizen's own: turning to their left
   moves their face towards the right of an unmirrored camera's picture.
3. Look back: the frontal face must come back to where it was, at the same size, within
   `RETURN_WITHIN_S`; otherwise the check starts again from step 1.
4. Done: the sharpest good frontal frame (from steps 1 and 3) becomes the capture, a JPEG of
   the face with a margin. The whole check ends as `TIMED_OUT` after `timeout_s`.

The "photo" challenge (a picture for an application form, not verification) stops after step
1: no liveness at all, and its capture says so with `liveness == ""`.

What this stops: a photograph or a screen held still in front of the camera; a portrait photo
slid sideways (its face and shoulders move together, as a turning head's do not); someone
who does not follow the spoken instruction (a recording that turns the wrong way is asked
again). What it does not stop: a video of the person turning the asked way, played on a
screen (half of all one-way recordings pass); a face-only photo slid or tilted over a still
background; a mask; and it does not prove that the turned head and the captured face are the
same person beyond their place in the picture. It is a presence-and-cooperation check, not
presentation-attack detection (ISO/IEC 30107-3); the platform's comparator should do its own.

Where it may fail a real citizen: a turn so quick that no check sees the face on its way
(checks run ~8 times a second) is not counted, and neither is a turn without a measurable
body below the face (the face at the bottom of the picture, a plain top on a plain wall); the
citizen is asked again and the check may time out. The thresholds come from the detector's
measured drift (~1 % of the face width per degree, lost from about 30°) on the simulator's turned
heads (`devices.sim.faces`), not from real people: check them at a site with its camera.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

import cv2
import numpy as np

from devices.face import Box, FacePresence

Challenge = Literal["turn_left", "turn_right", "photo"]
CHALLENGES: tuple[Challenge, ...] = get_args(Challenge)
TURNS: tuple[Challenge, ...] = ("turn_left", "turn_right")  # drawn from when none is given

STEADY_CHECKS = 3  # a face in this many checks in a row before the challenge
TURNED_CHECKS = 2  # the turn seen in this many checks in a row
BACK_CHECKS = 2  # the face back in place in this many checks in a row
RETURN_WITHIN_S = 5.0
SAME_PLACE = 0.25  # boxes this close (fraction of the face width) are the same face held still
BACK_IN_PLACE = 0.3  # how close to its place before the turn the face must come back
TURNED_SHIFT = 0.2  # a face still seen this far to the asked side is a small turn (~20°)
SLIPPED_SHIFT = 0.1  # a face lost after drifting this far to the asked side has turned
BODY_STILL = 0.12  # the shoulders may move this much (fraction of the face width) in a turn
MIN_BODY_MATCH = 0.1  # below this phase-correlation response the shoulders are not measured
BODY_SCALE_DOWN = 2  # the shoulders are compared at half size: enough, and cheaper
MIN_SHARPNESS = 40  # Laplacian variance of the face at 128 px; 2-px defocus at 720p gives ~28
CENTRE_TOLERANCE = (0.2, 0.2)  # the face centre may be this far from the frame's centre
MARGIN = 0.5  # the capture: the face box and this fraction of its width on each side
MIN_CAPTURE_PX, MAX_CAPTURE_PX = 160, 480
MAX_JPEG_BYTES = 100 * 1024
JPEG_QUALITIES = (90, 80, 70, 60)
SHARPNESS_WIDTH_PX = 128


class Guidance(StrEnum):
    """What to tell the citizen now (the screens word it and speak it); str() is the value."""

    NO_FACE = "no_face"  # look at the camera, inside the outline
    TOO_DARK = "too_dark"  # the face (or, with none found, the picture) is too dark
    COME_CLOSER = "come_closer"
    CENTRE_FACE = "centre_face"  # move into the middle of the outline
    HOLD_STILL = "hold_still"  # checking a steady face; also: the picture is blurred
    TURN_LEFT = "turn_left"  # the citizen's own left
    TURN_RIGHT = "turn_right"
    LOOK_BACK = "look_back"  # turned: now face the camera again
    DONE = "done"
    TIMED_OUT = "timed_out"
    CAMERA_LOST = "camera_lost"  # the camera went down during the check (a session's, not ours)

    @property
    def final(self) -> bool:
        return self in (Guidance.DONE, Guidance.TIMED_OUT, Guidance.CAMERA_LOST)


@dataclass(frozen=True)
class FaceCapture:
    """The picture for the comparator; ints, not floats, as it goes on the wire."""

    jpeg: bytes  # the face with a margin, 160..480 px a side, at most 100 KiB
    liveness: str  # the challenge passed: "turn_left" or "turn_right"; "" for a "photo"
    sharpness: int  # variance of the Laplacian of the face scaled to 128 px wide
    brightness: int  # mean grey level of the face, 0..255


@dataclass(frozen=True)
class Progress:
    guidance: Guidance
    box: Box | None  # the face found in this frame, in frame pixels (for the outline)
    capture: FaceCapture | None = None  # with DONE


@dataclass(frozen=True, eq=False)  # eq=False: holds an array
class _Candidate:
    crop: np.ndarray  # BGR, the face with its margin
    sharpness: int
    brightness: int


class LivenessCheck:
    """One citizen's challenge. Not thread-safe: feed it from one thread."""

    def __init__(
        self,
        challenge: Challenge | None = None,
        *,
        rng: random.Random | None = None,
        timeout_s: float = 30.0,
        min_sharpness: int = MIN_SHARPNESS,
    ) -> None:
        if challenge is None:
            challenge = (rng or random.SystemRandom()).choice(TURNS)
        if challenge not in CHALLENGES:
            raise ValueError(f"unknown challenge {challenge!r}: choose one of {CHALLENGES}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be more than 0, not {timeout_s}")
        self.challenge: Challenge = challenge
        self.timeout_s, self.min_sharpness = timeout_s, min_sharpness
        self._ask = Guidance.TURN_LEFT if challenge == "turn_left" else Guidance.TURN_RIGHT
        # Turning to the citizen's left moves their face to the picture's right.
        self._side = 1 if challenge == "turn_left" else -1
        self._started_at: float | None = None
        self._final: Progress | None = None
        self._restart()

    def feed(self, presence: FacePresence, frame: np.ndarray, now: float) -> Progress:
        """The guidance for this frame (BGR, the one `presence` was found in) at `now`, in
        seconds on any steady clock; `timeout_s` counts from the first frame fed."""
        if not (isinstance(frame, np.ndarray) and frame.ndim == 3 and frame.shape[2] == 3):
            raise ValueError(f"frame must be a BGR image (height, width, 3), not {_shape(frame)}")
        box = presence.box if presence.present else None
        if box is not None and not _inside(box, frame.shape):
            raise ValueError(f"face box {box} is not inside the {_shape(frame)} frame")
        if self._final is not None:
            return self._final
        if self._started_at is None:
            self._started_at = now
        if now - self._started_at > self.timeout_s:
            self._final = Progress(Guidance.TIMED_OUT, box)
            return self._final
        if self._phase == "returning" and now - self._turned_at > RETURN_WITHIN_S:
            self._restart()
        if self._phase == "settling":
            guidance = self._settle(presence, frame)
        elif self._phase == "turning":
            guidance = self._turn(box, frame, now)
        else:
            guidance = self._look_back(presence, frame)
        if guidance is Guidance.DONE:
            self._final = Progress(guidance, box, self._capture())
            self._restart()  # holds no picture of the citizen beyond the capture
            return self._final
        return Progress(guidance, box)

    # -- the steps -------------------------------------------------------------------------

    def _restart(self) -> None:
        self._phase: Literal["settling", "turning", "returning"] = "settling"
        self._steady, self._turned, self._back = 0, 0, 0
        self._last_box: Box | None = None
        self._reference: Box | None = None  # the face as it was when the challenge began
        self._body: np.ndarray | None = None  # the shoulders below it, then
        self._drift = 0.0  # how far the face last seen in the turn was off to the side
        self._turned_at = 0.0
        self._best: _Candidate | None = None

    def _settle(self, presence: FacePresence, frame: np.ndarray) -> Guidance:
        box = presence.box
        problem = self._problem(presence, frame)
        if problem is not None or box is None:
            self._steady, self._last_box = 0, None
            return problem or Guidance.NO_FACE
        held = self._last_box is not None and _near(box, self._last_box, SAME_PLACE)
        self._steady = self._steady + 1 if held else 1
        self._last_box = box
        if self._steady >= 2:  # not a one-frame false face
            self._consider(frame, box)
        if self._steady < STEADY_CHECKS:
            return Guidance.HOLD_STILL
        if self.challenge == "photo":
            return Guidance.DONE
        self._phase, self._reference = "turning", box
        self._body = _body_patch(frame, box)
        return self._ask

    def _turn(self, box: Box | None, frame: np.ndarray, now: float) -> Guidance:
        reference = self._reference
        assert reference is not None
        face = box if box is not None and _same_face(box, reference) else None
        if face is not None:
            self._drift = _offset(face, reference)[0]
            turned = self._drift * self._side >= TURNED_SHIFT
        else:  # lost: it turned if it was slipping away to the asked side
            turned = self._drift * self._side >= SLIPPED_SHIFT
        turned = turned and self._body_still(frame, reference)
        self._turned = self._turned + 1 if turned else 0
        if self._turned < TURNED_CHECKS:
            return self._ask
        self._phase, self._turned_at = "returning", now
        return Guidance.LOOK_BACK

    def _look_back(self, presence: FacePresence, frame: np.ndarray) -> Guidance:
        assert self._reference is not None
        box = presence.box
        back = box is not None and _near(box, self._reference, BACK_IN_PLACE)
        self._back = self._back + 1 if back else 0
        if back and box is not None and self._problem(presence, frame) is None:
            self._consider(frame, box)
        if self._back >= BACK_CHECKS and self._best is not None:
            return Guidance.DONE
        return Guidance.LOOK_BACK

    # -- quality ---------------------------------------------------------------------------

    def _problem(self, presence: FacePresence, frame: np.ndarray) -> Guidance | None:
        """What keeps this frame's face from being a good picture, as guidance; None if good."""
        if presence.too_dark:
            return Guidance.TOO_DARK
        if presence.box is None:
            return Guidance.NO_FACE
        x, y, w, h = presence.box
        crop = _with_margin(presence.box, frame.shape)
        if presence.too_far or min(crop[2], crop[3]) < MIN_CAPTURE_PX:
            return Guidance.COME_CLOSER
        height, width = frame.shape[:2]
        off_x = abs(x + w / 2 - width / 2) / width
        off_y = abs(y + h / 2 - height / 2) / height
        if off_x > CENTRE_TOLERANCE[0] or off_y > CENTRE_TOLERANCE[1]:
            return Guidance.CENTRE_FACE
        if _sharpness(frame, presence.box) < self.min_sharpness:
            return Guidance.HOLD_STILL
        return None

    def _consider(self, frame: np.ndarray, box: Box) -> None:
        sharpness = _sharpness(frame, box)
        if self._best is not None and sharpness <= self._best.sharpness:
            return
        x, y, w, h = box
        cx, cy, cw, ch = _with_margin(box, frame.shape)
        brightness = round(
            float(cv2.cvtColor(frame[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY).mean())
        )
        self._best = _Candidate(frame[cy : cy + ch, cx : cx + cw].copy(), sharpness, brightness)

    def _capture(self) -> FaceCapture:
        best = self._best
        assert best is not None
        liveness = "" if self.challenge == "photo" else self.challenge
        return FaceCapture(_jpeg(best.crop), liveness, best.sharpness, best.brightness)

    def _body_still(self, frame: np.ndarray, reference: Box) -> bool:
        """Did the shoulders below the face stay put since the challenge began?"""
        if self._body is None:
            return False
        now = _body_patch(frame, reference)
        if now is None or now.shape != self._body.shape:
            return False
        window = cv2.createHanningWindow((now.shape[1], now.shape[0]), cv2.CV_32F)
        (dx, dy), response = cv2.phaseCorrelate(self._body, now, window)
        moved = float(np.hypot(dx, dy)) * BODY_SCALE_DOWN / reference[2]
        return response >= MIN_BODY_MATCH and moved < BODY_STILL


def _body_patch(frame: np.ndarray, face: Box) -> np.ndarray | None:
    """The neck and shoulders below `face`, grey and scaled down; None when mostly off the frame."""
    x, y, w, h = face
    left, right = max(0, x - w // 3), min(frame.shape[1], x + w + w // 3)
    top, bottom = y + h + h // 4, min(frame.shape[0], y + 2 * h)
    if bottom - top < h // 4 or right - left < w:
        return None
    grey = cv2.cvtColor(frame[top:bottom, left:right], cv2.COLOR_BGR2GRAY)
    scale = 1 / BODY_SCALE_DOWN
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA).astype(
        np.float32
    )


def _sharpness(frame: np.ndarray, box: Box) -> int:
    x, y, w, h = box
    grey = cv2.cvtColor(frame[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY)
    size = (SHARPNESS_WIDTH_PX, max(1, round(h * SHARPNESS_WIDTH_PX / w)))
    scaled = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)  # the same scale for any face
    return round(float(cv2.Laplacian(scaled, cv2.CV_64F).var()))


def _with_margin(box: Box, shape: tuple[int, ...]) -> Box:
    x, y, w, h = box
    margin = round(MARGIN * w)
    left, top = max(0, x - margin), max(0, y - margin)
    right, bottom = min(shape[1], x + w + margin), min(shape[0], y + h + margin)
    return left, top, right - left, bottom - top


def _jpeg(crop: np.ndarray) -> bytes:
    scale = MAX_CAPTURE_PX / max(crop.shape[:2])
    if scale < 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    for quality in JPEG_QUALITIES:
        ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and encoded.size <= MAX_JPEG_BYTES:
            return encoded.tobytes()
    raise RuntimeError(f"a {crop.shape} face crop did not fit in {MAX_JPEG_BYTES} bytes")


def _offset(box: Box, reference: Box) -> tuple[float, float]:
    """How far `box`'s centre is from `reference`'s, in reference face widths."""
    x, y, w, h = box
    rx, ry, rw, rh = reference
    return ((x + w / 2) - (rx + rw / 2)) / rw, ((y + h / 2) - (ry + rh / 2)) / rw


def _near(box: Box, reference: Box, tolerance: float) -> bool:
    dx, dy = _offset(box, reference)
    size = box[2] / reference[2]
    return abs(dx) <= tolerance and abs(dy) <= tolerance and abs(size - 1) <= tolerance


def _same_face(box: Box, reference: Box) -> bool:
    """Could `box` be the reference face, turned part way (not another face in the room)?"""
    dx, dy = _offset(box, reference)
    return abs(dx) <= 0.75 and abs(dy) <= 0.4 and 0.7 <= box[2] / reference[2] <= 1.4


def _inside(box: Box, shape: tuple[int, ...]) -> bool:
    x, y, w, h = box
    return w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= shape[1] and y + h <= shape[0]


def _shape(value: object) -> str:
    return str(value.shape) if isinstance(value, np.ndarray) else type(value).__name__
