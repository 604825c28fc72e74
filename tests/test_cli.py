"""The kiosk as a user starts it: a subprocess, with its exit codes and one-line messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from kiosk.technician import PinGuard
from kiosk.timers import ManualScheduler
from tests.conftest import ROOT


def kiosk(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        env={**base, **(env or {})},
    )


def test_the_kiosk_starts_and_paints_its_first_screen() -> None:
    result = kiosk("--exit-after-first-paint", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "first-paint" in result.stdout


def test_without_a_display_it_says_how_to_get_one() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in env.items() if k != "DISPLAY"},
    )
    assert result.returncode == 4
    assert "make run" in result.stderr and "Traceback" not in result.stderr


def test_without_a_chinese_font_it_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts.conf").write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "fonts"}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    result = kiosk(
        "--exit-after-first-paint",
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"),
            "QT_QPA_FONTDIR": str(tmp_path / "fonts"),
        },
    )
    assert result.returncode == 3
    assert "fonts-noto-cjk" in result.stderr and "Traceback" not in result.stderr


def test_the_tour_writes_every_screen_in_both_languages_modes_and_orientations(
    tmp_path: Path,
) -> None:
    result = kiosk("--tour", str(tmp_path))
    assert result.returncode == 0, result.stderr
    pictures = sorted(tmp_path.glob("*.png"))
    names = {p.name for p in pictures}
    for language in ("zh", "en"):
        for mode in ("normal", "elder"):
            assert f"attract-{language}-{mode}-landscape.png" in names
            for screen in (
                "attract",
                "catalog-1",
                "guide-newborn-bundle",
                "newborn-bundle-3-confirm",
                "queue-ticket-finish",
                "rate",
                "help",
                "timeout",
                "technician-pin",
            ):
                assert f"{screen}-{language}-{mode}-portrait.png" in names
            for step in ("idle", "called", "serving", "rating"):  # a service window
                assert f"window-citizen-{step}-{language}-{mode}-landscape.png" in names
                if mode == "normal":
                    assert f"window-staff-{step}-{language}-{mode}-landscape.png" in names
        for page in ("devices", "device", "camera", "ports", "queue", "platform", "logs", "config"):
            assert f"console-{page}-{language}-normal-portrait.png" in names  # technicians'
    for picture in pictures:
        image = QImage(str(picture))
        size = (image.width(), image.height())
        assert size == ((1920, 1080) if "landscape" in picture.name else (1080, 1920))
        assert (
            len({image.pixel(x, y) for x in range(0, size[0], 37) for y in range(0, size[1], 37)})
            > 2
        )


def test_hash_pin_prints_a_hash_that_accepts_the_pin() -> None:
    result = kiosk("hash-pin", stdin="975310\n")
    assert result.returncode == 0
    assert PinGuard(result.stdout.strip(), ManualScheduler()).attempt("975310")
    assert kiosk("hash-pin", stdin="12\n").returncode == 2
