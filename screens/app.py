"""Creating the Qt application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def create_application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("kiosk")
    app.setOrganizationName("kiosk-terminal")
    return app
