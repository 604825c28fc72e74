"""Finding an installed CJK font, so Chinese never shows as boxes."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF

# In order of preference; any of them covers Simplified Chinese and Latin.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
)

INSTALL_HINT = (
    "no Chinese font is installed, so Chinese text would show as boxes. Install one of: "
    + ", ".join(CJK_FAMILIES)
    + " (Debian: apt-get install fonts-noto-cjk)"
)


def find_cjk_font() -> str | None:
    """The preferred installed family that can write Simplified Chinese, or None."""
    installed = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in installed and QFontDatabase.WritingSystem.SimplifiedChinese in (
            QFontDatabase.writingSystems(family)
        ):
            return family
    return None


def cap_height_ratio(family: str) -> float:
    """Cap height as a fraction of the pixel size, to size text by cap height (DESIGN.md §6)."""
    font = QFont(family)
    font.setPixelSize(1000)
    return QFontMetricsF(font).capHeight() / 1000
