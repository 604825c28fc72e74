"""Qt's virtual keyboard as the application's input method, chosen before the application
starts (Qt picks its input method once, as it starts).

Only QtCore here: main calls `prepare_environment()` before the first paint, and the keyboard
itself (screens/text_entry.py, QML) loads when a text question is first shown.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from functools import cache
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QPluginLoader

IM_MODULE = "qtvirtualkeyboard"


def prepare_environment(env: MutableMapping[str, str] = os.environ) -> bool:
    """Make Qt's virtual keyboard the input method of the QApplication created after this call.

    Returns whether it will be available: False when it is not installed, or when the
    application exists already (Qt chooses its input method once, as it starts).
    """
    if QCoreApplication.instance() is not None or not _installed():
        return False
    env["QT_IM_MODULE"] = IM_MODULE
    env["QT_VIRTUALKEYBOARD_DESKTOP_DISABLE"] = "1"  # never a floating keyboard window
    env.setdefault("QT_QUICK_BACKEND", "software")  # draws without a GPU (Xvfb, VNC)
    # Partial updates in a QQuickWidget drew only what changed onto a cleared image: while a key
    # was held (a press Qt delivers itself, as from touch), every other key vanished (Qt 6.12).
    env.setdefault("QSG_SOFTWARE_RENDERER_FORCE_PARTIAL_UPDATES", "0")
    return True


def virtual_keyboard_available() -> bool:
    """Whether a TextEntry works here: the keyboard is installed, loads, and is the input method
    (see `prepare_environment`). Cheap after the first call."""
    return os.environ.get("QT_IM_MODULE") == IM_MODULE and _installed()


@cache
def _installed() -> bool:
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    imports = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.QmlImportsPath))
    libraries = (
        plugins / "platforminputcontexts" / "libqtvirtualkeyboardplugin.so",
        imports / "QtQuick" / "VirtualKeyboard" / "Plugins" / "Pinyin" / "libqtvkbpinyinplugin.so",
    )
    # PySide6-Essentials ships the input method plugin; the library it needs and the QML
    # module come with PySide6-Addons, so loading it is the test.
    return all(path.is_file() and QPluginLoader(str(path)).load() for path in libraries)
