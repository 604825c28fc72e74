"""Finding an installed CJK font file through fontconfig, so Chinese never prints as boxes.

The receipt renderer (raster text), the printer simulator and the PDF writer all need a font
*file* (Pillow and fpdf2 load files, not families); `fc-match` gives its path and the face
index inside a `.ttc` collection.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

# In order of preference; any of them covers Simplified Chinese and Latin.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
INSTALL_HINT = "no Chinese font found by fontconfig (Debian: apt-get install fonts-noto-cjk)"
# Where fonts-noto-cjk puts Noto Sans CJK (face 2 is SC), for a system without `fc-match`.
NOTO_FILES = {
    False: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    True: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}


class MissingFont(LookupError):
    pass


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int  # face number inside a TrueType/OpenType collection
    family: str


@functools.cache
def cjk_font(bold: bool = False) -> FontFile:
    """The preferred installed CJK font (its bold face if there is one), or `MissingFont`."""
    style = ":style=Bold" if bold else ""
    for family in CJK_FAMILIES:
        found = _fc_match(f"{family}:lang=zh-cn{style}")
        if found is not None and found.family == family:
            return found
    fallback = _fc_match(f":lang=zh-cn{style}")
    if fallback is not None:
        return fallback
    if Path(NOTO_FILES[bold]).exists():
        return FontFile(NOTO_FILES[bold], 2, CJK_FAMILIES[0])
    raise MissingFont(INSTALL_HINT)


def _fc_match(pattern: str) -> FontFile | None:
    try:
        result = subprocess.run(
            ["fc-match", "--format=%{file}|%{index}|%{family[0]}|%{lang}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path, index, family, languages = [*result.stdout.split("|", 3), "", "", "", ""][:4]
    if not path or "zh-cn" not in languages.split("|"):
        return None
    return FontFile(path, int(index or 0), family)
