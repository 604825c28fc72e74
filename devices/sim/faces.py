"""Camera frames of a citizen in front of the kiosk, made from a real face photograph.

The face is scikit-image's astronaut portrait (Eileen Collins, public domain), cut out along
her head and shoulders and placed over the room background of `phone_frames` in a 1280×720
frame, her face about 200 pixels wide (a person about 70 cm from a 720p webcam). A turned
head is the photo's head texture wrapped round a vertical cylinder as wide as the head at
each row and rotated: the face slides towards the side it turns to and narrows, the hair of
the back of the head comes into view, and the outline, neck and shoulders stay where they
were, as on a real head. The frontal detector finds it up to a turn of about 25°, its box
drifting ~1 % of the face width per degree, and loses it from about 30° (measured in rooms
0 to 3).

Sides are the citizen's own: turning to their left moves the face towards the picture's
right, as an unmirrored camera sees it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Literal, get_args

import cv2
import numpy as np

from devices.sim.phone_frames import FRAME_SIZE, background

Pose = Literal["front", "left", "right", "far", "dark", "nobody"]
POSES: tuple[Pose, ...] = get_args(Pose)
Side = Literal["left", "right"]
Script = Sequence[tuple[np.ndarray, float]]  # frames, each shown for so many seconds

TURNED_DEG = 45.0  # "left" and "right": well past where a frontal detector loses the face
TURN_STEPS_DEG = (15.0, 30.0)  # a turn passes through these on its way, as a head does
NEAR_SCALE, FAR_SCALE = 2.0, 1.1  # face ~200 px wide (about 70 cm away) and ~105 px (~1.3 m)
DARK_GAIN = 0.18

# Where things are in the 512×512 portrait.
FACE_CENTRE = (227.0, 115.0)
CHIN_ROW = 170
HEAD_AREA = ((227, 105), (85, 100))  # an ellipse round her hair and face: centre, half-axes
SHOULDERS = [
    (190, 160), (265, 160), (300, 180), (340, 250), (360, 330), (470, 340),
    (512, 400), (512, 512), (20, 512), (40, 300), (110, 200), (150, 175),
]  # fmt: skip


def face_frame(
    pose: Pose = "front", *, yaw_deg: float | None = None, x: float = 0.5, seed: int = 1
) -> np.ndarray:
    """A BGR frame of the citizen in `pose`; `yaw_deg` (positive: to their left) overrides
    the turn of "front"/"left"/"right", `x` is where the face is across the frame (0..1), and
    `seed` picks the room (in rooms 0, 4, 9 and 14 the detector sees a face in the clutter; room
    1, the default, has none). The array is shared and read-only."""
    if pose not in POSES:
        raise ValueError(f"unknown pose {pose!r}: choose one of {', '.join(POSES)}")
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be 0..1 (a fraction of the frame width), not {x}")
    if yaw_deg is None:
        yaw_deg = {"left": TURNED_DEG, "right": -TURNED_DEG}.get(pose, 0.0)
    if not -90.0 < yaw_deg < 90.0:
        raise ValueError(f"yaw_deg must be between -90 and 90, not {yaw_deg}")
    return _frame(pose, float(yaw_deg), float(x), seed)


def turn_script(
    side: Side, *, front_s: float = 2.0, hold_s: float = 1.5, step_s: float = 0.25, seed: int = 1
) -> list[tuple[np.ndarray, float]]:
    """A citizen doing the challenge: facing the camera, turning to `side` through 15° and
    30°, holding the turn, turning back the same way and facing the camera again. The last
    frame (facing) is meant to stay."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    sign = 1.0 if side == "left" else -1.0
    front = face_frame("front", seed=seed)
    on_the_way = [face_frame(side, yaw_deg=sign * deg, seed=seed) for deg in TURN_STEPS_DEG]
    script = [(front, front_s)]
    script += [(frame, step_s) for frame in on_the_way]
    script.append((face_frame(side, seed=seed), hold_s))
    script += [(frame, step_s) for frame in reversed(on_the_way)]
    script.append((front, front_s))
    return script


@functools.lru_cache(maxsize=32)
def _frame(pose: Pose, yaw_deg: float, x: float, seed: int) -> np.ndarray:
    frame = background(np.random.default_rng(seed)).astype(np.float32)
    if pose != "nobody":
        person, mask = _turned(yaw_deg) if yaw_deg else _portrait()
        _place(frame, person, mask, NEAR_SCALE if pose != "far" else FAR_SCALE, x)
    if pose == "dark":
        frame *= DARK_GAIN
    frame += np.random.default_rng(seed + 1).normal(0, 3, frame.shape)  # sensor noise
    result = np.clip(frame, 0, 255).astype(np.uint8)
    result.flags.writeable = False  # cached and shared
    return result


def _place(frame: np.ndarray, person: np.ndarray, mask: np.ndarray, scale: float, x: float) -> None:
    """Blend the scaled person into `frame` with the face centred at (x, 46 %) of the frame."""
    height, width = person.shape[:2]
    size = (round(width * scale), round(height * scale))
    person = cv2.resize(person, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha = cv2.resize(cv2.GaussianBlur(mask, (0, 0), 2), size)[..., None]
    frame_w, frame_h = FRAME_SIZE
    left = round(x * frame_w - FACE_CENTRE[0] * scale)
    top = round(0.46 * frame_h - FACE_CENTRE[1] * scale)
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + size[0], frame_w), min(top + size[1], frame_h)
    if x1 <= x0 or y1 <= y0:
        return  # the person is wholly out of the frame
    them = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
    frame[y0:y1, x0:x1] = alpha[them] * person[them] + (1 - alpha[them]) * frame[y0:y1, x0:x1]


@functools.cache
def _portrait() -> tuple[np.ndarray, np.ndarray]:
    """The photo (BGR) and a 0..1 mask of her head and shoulders, without the studio behind."""
    from skimage import data  # a dependency of face detection, imported only when used

    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return photo, np.maximum(_head_mask(photo), _shoulders_mask(photo.shape[:2]))


def _head_mask(photo: np.ndarray) -> np.ndarray:
    # Hair and skin are coloured; the studio backdrop round her head is grey.
    saturation = cv2.cvtColor(photo, cv2.COLOR_BGR2HSV)[..., 1]
    area = np.zeros(photo.shape[:2], np.uint8)
    (cx, cy), (ax, ay) = HEAD_AREA
    cv2.ellipse(area, (cx, cy), (ax, ay), 0, 0, 360, 1, -1)
    coloured = ((saturation > 40) & (area > 0)).astype(np.uint8)
    disc = cv2.getStructuringElement
    closed = cv2.morphologyEx(coloured, cv2.MORPH_CLOSE, disc(cv2.MORPH_ELLIPSE, (25, 25)))
    head = cv2.morphologyEx(closed, cv2.MORPH_OPEN, disc(cv2.MORPH_ELLIPSE, (9, 9)))
    return head.astype(np.float32)


def _shoulders_mask(shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.float32)
    cv2.fillPoly(mask, [np.array(SHOULDERS, np.int32)], 1.0)
    return mask


@functools.lru_cache(maxsize=16)
def _turned(yaw_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The portrait with the head turned by `yaw_deg`, its outline and shoulders unmoved."""
    photo, mask = _portrait()
    head = _head_mask(photo) > 0
    columns = np.arange(photo.shape[1], dtype=np.float32)
    map_x = np.tile(columns, (photo.shape[0], 1))
    yaw = np.radians(yaw_deg)
    for row in range(CHIN_ROW):
        inside = np.flatnonzero(head[row])
        if inside.size < 20:
            continue
        left, right = int(inside[0]), int(inside[-1])
        centre, radius = (left + right) / 2, (right - left) / 2
        seen = columns[left : right + 1]
        angle = np.arcsin(np.clip((seen - centre) / radius, -1, 1)) - yaw
        # Past the outline is the back of the head: hair, from just inside the edge.
        past = np.abs(angle) - np.pi / 2
        source = np.where(past > 0, np.sign(angle) * radius * (1 - past), radius * np.sin(angle))
        weight = min(1.0, (CHIN_ROW - row) / 25)  # the chin blends into the unturned neck
        map_x[row, left : right + 1] = weight * (centre + source) + (1 - weight) * seen
    map_y = np.repeat(np.arange(photo.shape[0], dtype=np.float32)[:, None], photo.shape[1], 1)
    turned = cv2.remap(photo, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return turned, mask
