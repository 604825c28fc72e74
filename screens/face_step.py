"""Live face capture with guidance: the face verification step and a form's photo field.

The camera's worker thread reports progress (devices.face_session); a signal brings it to the
GUI thread, where the preview is drawn with a face outline and the guidance is shown and spoken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy

from screens.context import ScreenContext
from screens.widgets import Screen, button

Captured = Callable[[bytes, str], None]  # jpeg, liveness challenge passed ("" for a photo)
# The session's last guidance when it ended with no picture (devices.liveness.Guidance values;
# screens do not import the device layer).
CAMERA_LOST = "camera_lost"
ENDED_WITHOUT_A_PICTURE = ("timed_out", CAMERA_LOST)


class FaceCapture(Screen):
    progressed = Signal(object)  # FaceProgress, from the camera thread

    def __init__(self, ctx: ScreenContext, title: str, challenge: str, captured: Captured) -> None:
        super().__init__(*ctx.screen_args())
        self._tr, self._captured, self._challenge = ctx.tr, captured, challenge
        self._faces = ctx.faces
        self._stop: Callable[[], None] | None = None
        self._guidance = ""
        self.add(title, "title")
        self._preview = QLabel()
        self._preview.setObjectName("FacePreview")
        self._preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.column.addWidget(self._preview, 1)
        self._hint = self.add(ctx.tr("face.guide.no_face"), "heading", center=True, speak=False)
        self.add_notice(ctx.notice_text())
        self.progressed.connect(self._show, Qt.ConnectionType.QueuedConnection)
        if ctx.snapshot.busy:
            self.add(ctx.tr("face.checking"), "muted")
            return
        if ctx.faces is None:
            self.add_notice(ctx.tr("face.camera_down"))
            return
        if ctx.snapshot.notice is not None:  # after a refusal: try again on a tap
            self._offer_retry()
            return
        self._start()

    def _start(self) -> None:
        assert self._faces is not None
        self._stop = self._faces(self._challenge, self.progressed.emit)
        self.destroyed.connect(self._stop)

    def _offer_retry(self) -> None:
        """A "try again" button: a new capture after a refusal or a timed-out check."""

        def again() -> None:
            retry.hide()
            retry.deleteLater()
            self._start()

        retry = button(self._tr("face.again"), again)
        self.column.addWidget(retry)

    def _show(self, progress: Any) -> None:
        guidance = str(progress.guidance)
        if guidance != self._guidance:
            self._guidance = guidance
            text = self._tr(f"face.guide.{guidance}")
            self._hint.setText(text)
            self.say.emit(text)
        if progress.preview is not None:
            self._draw(progress)
        if progress.capture is not None and self._stop is not None:
            self._stop()
            self._stop = None
            self._captured(progress.capture.jpeg, progress.capture.liveness)
        elif guidance in ENDED_WITHOUT_A_PICTURE and self._stop is not None:
            self._stop = None
            if guidance == CAMERA_LOST:
                self._preview.clear()  # its last picture would look like a camera still working
            self._offer_retry()  # the hint says: press "Try again", or Help

    def _draw(self, progress: Any) -> None:
        frame = progress.preview
        height, width = frame.shape[:2]
        image = QImage(frame.data, width, height, 3 * width, QImage.Format.Format_BGR888).copy()
        pixmap = QPixmap.fromImage(image)
        painter = QPainter(pixmap)
        # The outline shows where the face should be; it turns green when one is found there.
        colour = QColor("#1E7B34") if progress.box else QColor("#FFFFFF")
        painter.setPen(QPen(colour, max(3, width // 120)))
        painter.drawEllipse(QRect(width * 3 // 10, height // 8, width * 2 // 5, height * 3 // 4))
        painter.end()
        area = self._preview.size()
        self._preview.setPixmap(
            pixmap.scaled(
                area, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
            )
        )


class FaceStep(FaceCapture):
    def __init__(self, ctx: ScreenContext) -> None:
        flow = ctx.flow
        assert flow is not None
        super().__init__(ctx, ctx.tr("face.title"), "turn", flow.face_captured)
