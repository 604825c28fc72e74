"""Sizes in millimetres, converted through the configured panel, and colours per mode (§6).

Normal mode: body text cap height ≥ 4.8 mm, touch targets ≥ 15 mm, contrast ≥ 4.5:1.
Elder mode: cap height ≥ 7.3 mm, targets ≥ 20 mm with ≥ 4 mm gaps, contrast ≥ 7:1.
The values below keep a small margin over those limits; tests measure the rendered widgets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiosk.config import Panel


@dataclass(frozen=True)
class Colors:
    background: str
    surface: str  # tiles, cards, secondary buttons
    text: str
    muted: str  # secondary text, still above the mode's contrast minimum
    border: str
    primary: str  # primary buttons' fill, links and secondary buttons' text
    on_primary: str
    header: str
    on_header: str
    notice: str  # "coming soon" badges, the time-out warning
    on_notice: str
    disabled: str
    on_disabled: str
    scrim: str  # behind overlays


@dataclass(frozen=True)
class Limits:
    """The §6 minimums a mode must meet; tests check rendered widgets against them."""

    body_cap_mm: float
    target_mm: float
    gap_mm: float
    contrast: float


NORMAL_LIMITS = Limits(body_cap_mm=4.8, target_mm=15.0, gap_mm=2.0, contrast=4.5)
ELDER_LIMITS = Limits(body_cap_mm=7.3, target_mm=20.0, gap_mm=4.0, contrast=7.0)

NORMAL_COLORS = Colors(
    background="#F2F5FA",
    surface="#FFFFFF",
    text="#17202E",
    muted="#3F4A5C",
    border="#8A96A8",
    primary="#0B57A4",
    on_primary="#FFFFFF",
    header="#0A3A73",
    on_header="#FFFFFF",
    notice="#FFF1C9",
    on_notice="#5A3E00",
    disabled="#DDE2EA",
    on_disabled="#3F4A5C",
    scrim="#0A1A33",
)

ELDER_COLORS = Colors(
    background="#FFFFFF",
    surface="#FFFFFF",
    text="#000000",
    muted="#1E1E1E",
    border="#000000",
    primary="#002D66",
    on_primary="#FFFFFF",
    header="#001F47",
    on_header="#FFFFFF",
    notice="#FFE680",
    on_notice="#000000",
    disabled="#E6E6E6",
    on_disabled="#1E1E1E",
    scrim="#000000",
)


@dataclass(frozen=True)
class Theme:
    panel: Panel
    elder: bool
    font_family: str
    cap_ratio: float  # the font's cap height / pixel size

    @property
    def limits(self) -> Limits:
        return ELDER_LIMITS if self.elder else NORMAL_LIMITS

    @property
    def colors(self) -> Colors:
        return ELDER_COLORS if self.elder else NORMAL_COLORS

    def px(self, mm: float) -> int:
        return math.ceil(mm * self.panel.px_per_mm)

    def font_px(self, cap_mm: float) -> int:
        """The pixel size whose capital letters stand `cap_mm` tall on this panel."""
        return math.ceil(cap_mm * self.panel.px_per_mm / self.cap_ratio)

    # Every size below keeps about 5 % over the §6 minimum, so rounding never drops under it.
    @property
    def body_px(self) -> int:
        return self.font_px(self.limits.body_cap_mm * 1.05)

    @property
    def heading_px(self) -> int:
        return self.font_px(self.limits.body_cap_mm * 1.3)

    @property
    def title_px(self) -> int:
        return self.font_px(self.limits.body_cap_mm * 1.6)

    @property
    def target_px(self) -> int:
        return self.px(self.limits.target_mm * 1.05)

    @property
    def gap_px(self) -> int:
        return self.px(max(self.limits.gap_mm * 1.25, 3.0))

    @property
    def margin_px(self) -> int:
        return self.px(8.0 if self.elder else 6.0)

    @property
    def radius_px(self) -> int:
        return self.px(2.0)

    def stylesheet(self) -> str:
        c = self.colors
        border = max(2, self.px(0.6))
        pad = self.px(3.0)
        return f"""
        QWidget#MainWindow, QWidget#Screen, QScrollArea, QScrollArea > QWidget > QWidget {{
            background: {c.background};
        }}
        QWidget {{ font-family: "{self.font_family}"; font-size: {self.body_px}px; }}
        QLabel {{ color: {c.text}; background: transparent; }}
        QLabel[role="title"] {{ font-size: {self.title_px}px; font-weight: bold; }}
        QLabel[role="heading"] {{ font-size: {self.heading_px}px; font-weight: bold; }}
        QLabel[role="muted"] {{ color: {c.muted}; }}
        QLabel[role="notice"] {{
            background: {c.notice}; color: {c.on_notice};
            border-radius: {self.radius_px}px; padding: {pad // 2}px {pad}px;
        }}
        QPushButton {{
            background: {c.primary}; color: {c.on_primary};
            border: {border}px solid {c.primary}; border-radius: {self.radius_px}px;
            min-height: {self.target_px}px; min-width: {self.target_px}px;
            padding: 0px {pad}px;
        }}
        QPushButton[role="secondary"] {{ background: {c.surface}; color: {c.primary}; }}
        QPushButton:disabled {{
            background: {c.disabled}; color: {c.on_disabled}; border-color: {c.border};
        }}
        QPushButton#ServiceTile {{
            background: {c.surface}; border-color: {c.border}; padding: {pad}px;
        }}
        QWidget#Header {{ background: {c.header}; }}
        QWidget#Header QLabel {{ color: {c.on_header}; }}
        QWidget#Header QPushButton {{
            background: {c.header}; color: {c.on_header}; border-color: {c.on_header};
        }}
        QWidget#Scrim {{ background: {c.scrim}; }}
        QWidget#Dialog {{
            background: {c.surface}; border: {border}px solid {c.border};
            border-radius: {self.radius_px}px;
        }}
        QWidget#Dialog QLabel[role="notice"] {{ background: {c.notice}; }}
        QLabel#KeypadDisplay {{
            background: {c.surface}; color: {c.text}; border: {border}px solid {c.border};
            border-radius: {self.radius_px}px; font-size: {self.title_px}px;
            min-height: {self.target_px}px; padding: 0px {pad}px;
        }}
        """
