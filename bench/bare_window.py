"""The start-up baseline: a bare PySide6 window that paints one label, then says so."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QLabel


class Label(QLabel):
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not getattr(self, "painted", False):
            self.painted = True
            QTimer.singleShot(0, lambda: (print("first-paint", flush=True), QApplication.quit()))
        return super().event(event)


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    label = Label("欢迎使用政务服务自助终端")  # the same script the kiosk's first screen needs
    label.resize(1080, 1920)
    label.show()
    sys.exit(app.exec())
