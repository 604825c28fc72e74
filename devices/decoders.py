"""QR decoding from camera frames and image files: a configurable chain of libraries (DESIGN.md §3).

Backends, by the names the config uses:

- `zxing` (zxing-cpp): the fastest and most robust; tries rotated and inverted codes itself and
  keeps a binary payload's exact bytes.
- `pyzbar` (ZBar): QR only, with a second pass on the inverted image because ZBar misses
  light-on-dark codes. ZBar turns the payload into UTF-8 text by guessing its encoding, so
  binary payloads come out garbled: `raw` is what ZBar gives, not the symbol's bytes.
- `opencv` (`cv2.QRCodeDetectorAruco`, which finds more codes than `cv2.QRCodeDetector` and is
  faster, measured on the sample set): also returns converted text, not the symbol's bytes.

A chain tries its backends in order and stops at the first that finds something, so the later
ones only cost time on frames the first could not read. The default, zxing then pyzbar, decodes
more than either alone at zxing's speed whenever zxing reads the code (`python -m bench decode`).

Any image is accepted: colour, grey or with alpha, any dtype; an empty, tiny or unreadable one
gives no codes, a huge one is scaled down first. Library errors on a strange image are logged
and count as "nothing found", so one bad frame never stops a camera.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import cv2
import numpy as np

from devices.codes import Code

log = logging.getLogger(__name__)

DEFAULT_DECODERS = ("zxing", "pyzbar")
MAX_SIDE_PX = 4096  # larger images are scaled down: decoding time grows with the pixels
MIN_SIDE_PX = 11  # the smallest symbol (Micro QR M1) is 11 modules wide

Point = tuple[int, int]


@dataclass(frozen=True)
class Decoded:
    """A code found in an image, and where: its corners in image pixels (for drawing a box)."""

    code: Code
    corners: tuple[Point, ...]


class DecoderUnavailable(Exception):
    """A configured backend's library is not installed; the message says which and how."""


class Backend(ABC):
    name: ClassVar[str]

    @abstractmethod
    def decode(self, grey: np.ndarray) -> list[Decoded]:
        """Codes in a contiguous 8-bit grey image."""


class ZxingBackend(Backend):
    name = "zxing"

    def __init__(self) -> None:
        self._zxing = _require("zxingcpp", "the zxing-cpp package (pip install zxing-cpp)")

    def decode(self, grey: np.ndarray) -> list[Decoded]:
        zxing = self._zxing
        # Plain text mode: the payload as sent (HRI would reformat GS1 data with parentheses).
        found = zxing.read_barcodes(
            grey, formats=zxing.BarcodeFormat.QRCode, text_mode=zxing.TextMode.Plain
        )
        return [
            Decoded(Code(b.text, bytes(b.bytes), b.format.name), _zxing_corners(b.position))
            for b in found
        ]


class PyzbarBackend(Backend):
    name = "pyzbar"

    def __init__(self) -> None:
        self._pyzbar = _require(
            "pyzbar.pyzbar",
            "the pyzbar package (pip install pyzbar) and the ZBar library (apt install libzbar0)",
        )

    def decode(self, grey: np.ndarray) -> list[Decoded]:
        pyzbar = self._pyzbar
        qr_only = [pyzbar.ZBarSymbol.QRCODE]
        found = pyzbar.decode(grey, symbols=qr_only) or pyzbar.decode(255 - grey, symbols=qr_only)
        return [
            Decoded(
                Code.from_bytes(bytes(symbol.data), "QRCode"),
                tuple((int(p.x), int(p.y)) for p in symbol.polygon),
            )
            for symbol in found
        ]


class OpencvBackend(Backend):
    name = "opencv"

    def __init__(self) -> None:
        self._detector = cv2.QRCodeDetectorAruco()

    def decode(self, grey: np.ndarray) -> list[Decoded]:
        try:
            ok, payloads, points, _ = self._detector.detectAndDecodeBytesMulti(grey)
        except cv2.error as error:  # e.g. "mode 13 not implemented" on some symbols
            log.debug("opencv could not decode: %s", error)
            return []
        if not ok:
            return []
        return [
            Decoded(Code.from_bytes(bytes(payload), "QRCode"), _int_points(corners))
            for payload, corners in zip(payloads, points, strict=True)
            if payload
        ]


BACKENDS: dict[str, type[Backend]] = {
    backend.name: backend for backend in (ZxingBackend, PyzbarBackend, OpencvBackend)
}


class DecoderChain:
    def __init__(self, names: Sequence[str] = DEFAULT_DECODERS) -> None:
        """Raises `ValueError` for an unknown, repeated or missing name and
        `DecoderUnavailable` when a named backend's library is not installed."""
        _check_names(names)
        self.backends = [BACKENDS[name]() for name in names]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(backend.name for backend in self.backends)

    def decode(self, image: np.ndarray, first_only: bool = False) -> list[Decoded]:
        """The codes the first backend to find any finds; `first_only` skips the others (a
        camera's cheap pass between full ones)."""
        grey, scale = _prepare(image)
        if grey is None:
            return []
        for backend in self.backends[:1] if first_only else self.backends:
            try:
                found = backend.decode(grey)
            except Exception:  # a library bug on one image must not stop the camera
                log.exception("decoder %s failed on a %s image", backend.name, grey.shape)
                continue
            if found:
                return [_rescale(decoded, scale) for decoded in found] if scale != 1 else found
        return []


def _check_names(names: Sequence[str]) -> None:
    """Validate a chain's backend names without loading their libraries."""
    if isinstance(names, str) or not names:
        raise ValueError(f"give a list of decoders out of {', '.join(BACKENDS)}")
    for name in names:
        if name not in BACKENDS:
            raise ValueError(f"unknown decoder {name!r}; known: {', '.join(BACKENDS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"a decoder is listed twice in {list(names)}")


def _require(module: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except (ImportError, OSError) as error:
        backend = module.split(".")[0]
        raise DecoderUnavailable(f"decoder {backend!r} needs {what}: {error}") from error


def grey_image(image: np.ndarray) -> np.ndarray | None:
    """Any image as contiguous 8-bit grey: colour (BGR) or with alpha, any numeric dtype; None
    for what is not an image (empty, one-dimensional, two channels...)."""
    if not isinstance(image, np.ndarray) or image.size == 0:
        return None
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))):
        return None
    if image.dtype != np.uint8:
        if image.dtype.kind not in "biuf":  # bool, int, unsigned, float; not complex or object
            return None
        image = _to_uint8(image)
    if image.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(image, code)
    return np.ascontiguousarray(image)


def _prepare(image: np.ndarray) -> tuple[np.ndarray | None, float]:
    """The image as grey (None when it cannot hold a code), and the factor it was scaled by."""
    grey = grey_image(image)
    if grey is None or min(grey.shape) < MIN_SIDE_PX:
        return None, 1.0
    scale = min(1.0, MAX_SIDE_PX / max(grey.shape))
    if scale < 1:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return grey, scale


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Stretch any numeric image (bool, 16-bit, float, with NaNs) to 0..255."""
    values = np.nan_to_num(image.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    stretched = np.zeros(values.shape, dtype=np.uint8)
    cv2.normalize(values, stretched, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
    return stretched


def _rescale(decoded: Decoded, scale: float) -> Decoded:
    corners = tuple((round(x / scale), round(y / scale)) for x, y in decoded.corners)
    return Decoded(decoded.code, corners)


def _zxing_corners(position: Any) -> tuple[Point, ...]:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return tuple((int(p.x), int(p.y)) for p in corners)


def _int_points(points: np.ndarray) -> tuple[Point, ...]:
    return tuple((round(float(x)), round(float(y))) for x, y in points)
