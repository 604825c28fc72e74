"""The camera preview: the picture as the decoder sees it, with a box around every code found,
the decoded text, and how many frames per second reach the decoder.

Frames arrive on the camera's thread. There they are shrunk to the preview's size and dropped
while the GUI is still drawing the last one, so a slow screen never slows the scanning.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QSizePolicy
from shiboken6 import isValid

from kiosk.logs import mask_personal
from screens.console.page import ConsolePage, PageSetup, show_raw
from screens.widgets import label

PREVIEW_WIDTH = 640  # pixels of the picture sent to the GUI thread
RATE_EVERY_MS = 1000  # how often the frame rate is worked out and shown
BOX = QColor("#1E7B34")
LABEL_BACKGROUND = QColor(255, 255, 255, 230)


@dataclass(frozen=True)
class PreviewFrame:
    image: np.ndarray  # BGR, PREVIEW_WIDTH wide
    boxes: tuple[tuple[tuple[float, float], ...], ...]  # corners, in the preview's pixels
    texts: tuple[str, ...]


class CameraPreviewPage(ConsolePage):
    framed = Signal(object)  # PreviewFrame, from the camera's thread

    def __init__(
        self,
        at: PageSetup,
        camera: str,
    ) -> None:
        title = at.tr("console.camera.title", camera=camera)
        super().__init__(at, title, raw_parts=(camera,))
        self.camera = camera
        self._picture = QLabel()
        self._picture.setObjectName("CameraPreview")
        self._picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.column.addWidget(self._picture, 1)
        self.rate = label(at.tr("console.camera.waiting"))
        self.decoded = label(at.tr("console.camera.no_code"))
        self.column.addWidget(self.rate)
        self.column.addWidget(self.decoded)
        self.finish_layout()
        self.texts_seen: list[str] = []
        self._frames = 0  # counted on the camera's thread, its only writer
        self._counted = (0, time.monotonic())  # the count and time the rate was last shown
        self._drawing = threading.Event()  # set while a frame waits for the GUI thread
        self._stop = lambda: None
        self.framed.connect(self._draw, Qt.ConnectionType.QueuedConnection)
        self._rate_timer = QTimer(self)
        self._rate_timer.timeout.connect(self._show_rate)
        watch = at.console.tools.watch_camera
        if watch is None:
            self.unavailable("devices")
            return
        self._stop = watch(camera, self._on_frame)
        self._rate_timer.start(RATE_EVERY_MS)

    def closing(self) -> None:
        self._stop()
        self._rate_timer.stop()

    def _on_frame(self, event: Any) -> None:
        """On the camera's thread: count the frame, and pass it on unless one is waiting."""
        if not isValid(self):  # the window went without closing the page
            self._stop()
            return
        self._frames += 1
        if self._drawing.is_set():
            return
        self._drawing.set()
        self.framed.emit(preview_frame(event.frame, event.codes))

    def _draw(self, frame: PreviewFrame) -> None:
        self._drawing.clear()
        if not self.is_open:
            return
        height, width = frame.image.shape[:2]
        image = QImage(frame.image.data, width, height, 3 * width, QImage.Format.Format_BGR888)
        pixmap = QPixmap.fromImage(image.copy())
        painter = QPainter(pixmap)
        painter.setPen(QPen(BOX, max(3, width // 160)))
        font = painter.font()
        font.setPixelSize(max(14, width // 40))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for corners, text in zip(frame.boxes, frame.texts, strict=True):
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
            # The text on a light band above the box, kept inside the picture.
            shown = _short(text)
            band = metrics.boundingRect(shown).adjusted(-4, -2, 4, 2)
            left = min(corners, key=lambda c: c[0])[0]
            top = min(corners, key=lambda c: c[1])[1]
            band.moveTo(
                int(max(0, min(left, width - band.width()))), int(max(0, top - band.height() - 4))
            )
            painter.fillRect(band, LABEL_BACKGROUND)
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, shown)
        painter.end()
        self._picture.setPixmap(
            pixmap.scaled(
                self._picture.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        if frame.texts:
            self.texts_seen = [*frame.texts]
            codes = "  ".join(_short(t) for t in frame.texts)
            show_raw(self.decoded, self._tr("console.camera.read", codes=codes), codes)

    def _show_rate(self) -> None:
        frames, now = self._frames, time.monotonic()
        last_frames, last_time = self._counted
        self._counted = (frames, now)
        fps = (frames - last_frames) / (now - last_time)
        self.rate.setText(self._tr("console.camera.rate", fps=f"{fps:.1f}"))


def preview_frame(frame: np.ndarray, codes: Any) -> PreviewFrame:
    """The frame shrunk to the preview's width, with the codes' corners scaled to match."""
    height, width = frame.shape[:2]
    scale = min(1.0, PREVIEW_WIDTH / width)
    small = (
        frame if scale == 1.0 else cv2.resize(frame, (round(width * scale), round(height * scale)))
    )
    boxes = tuple(tuple((x * scale, y * scale) for x, y in d.corners) for d in codes)
    return PreviewFrame(np.ascontiguousarray(small), boxes, tuple(d.code.text for d in codes))


def _short(text: str, limit: int = 48) -> str:
    """A code as the console shows it: identity numbers masked, long payloads cut."""
    text = mask_personal(text)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
