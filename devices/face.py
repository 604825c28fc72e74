"""Is a face in front of the camera, where, and is it too far or too dark (for guiding a citizen).

How, and why this way: the OpenCV 5 wheel no longer has `cv2.CascadeClassifier` nor its Haar
data, and its `cv2.FaceDetectorYN` needs a YuNet ONNX model that no maintained PyPI package
ships. scikit-image (maintained, on PyPI) ships OpenCV's LBP frontal-face cascade and a
detector for it (`skimage.feature.Cascade`), which works offline; it is used here on a frame
scaled down to 320 pixels wide (~60 ms per 720p frame). Limits: frontal faces only, faces
narrower than ~6 % of the frame width are not found, and cluttered backgrounds give occasional
false faces (2 in 40 synthetic frames), so a caller should want a face in a few frames in a row
before acting on it. scikit-image is an optional dependency: without it `FaceDetector()` raises
`FaceDetectionUnavailable` saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from devices.decoders import grey_image

Box = tuple[int, int, int, int]  # x, y, width, height in frame pixels
WORK_WIDTH_PX = 320
MIN_FACE_PX = 20  # at the working width


@dataclass(frozen=True)
class FacePresence:
    present: bool
    box: Box | None  # the largest face: the person in front of the kiosk
    too_far: bool  # the face is narrower than `near_fraction` of the frame: come closer
    too_dark: bool  # the face (without one, the whole frame) is darker than `dark_below`
    brightness: float  # mean grey level, 0..255, of the face or the whole frame


class FaceDetectionUnavailable(Exception):
    pass


class FaceDetector:
    """Not thread-safe: one per thread (the camera's worker has its own)."""

    def __init__(self, near_fraction: float = 0.12, dark_below: float = 50.0) -> None:
        # A face 12 % of a 720p webcam's width is a person about 1 m away.
        self.near_fraction, self.dark_below = near_fraction, dark_below
        self._cascade = _load_cascade()

    def check(self, frame: np.ndarray) -> FacePresence:
        grey = grey_image(frame)
        if grey is None:
            return FacePresence(False, None, False, False, 0.0)
        box = self._largest_face(grey)
        x, y, w, h = box if box else (0, 0, grey.shape[1], grey.shape[0])
        brightness = float(grey[y : y + h, x : x + w].mean())
        too_dark = brightness < self.dark_below
        if box is None:
            return FacePresence(False, None, False, too_dark, brightness)
        too_far = w < self.near_fraction * grey.shape[1]
        return FacePresence(True, box, too_far, too_dark, brightness)

    def _largest_face(self, grey: np.ndarray) -> Box | None:
        scale = min(1.0, WORK_WIDTH_PX / grey.shape[1])
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if min(small.shape) < MIN_FACE_PX:
            return None
        # Equalised, so a dim face is still found and can be reported as too dark.
        found = self._cascade.detect_multi_scale(
            img=cv2.equalizeHist(small),
            scale_factor=1.2,
            step_ratio=1.0,
            min_size=(MIN_FACE_PX, MIN_FACE_PX),
            max_size=(min(small.shape), min(small.shape)),
        )
        if not found:
            return None
        best = max(found, key=lambda face: face["width"] * face["height"])
        return (
            round(best["c"] / scale),
            round(best["r"] / scale),
            round(best["width"] / scale),
            round(best["height"] / scale),
        )


def _load_cascade() -> Any:
    try:
        from skimage import data, feature
    except ImportError as error:
        raise FaceDetectionUnavailable(
            f"face detection needs scikit-image (pip install scikit-image): {error}"
        ) from error
    return feature.Cascade(data.lbp_frontal_face_cascade_filename())
