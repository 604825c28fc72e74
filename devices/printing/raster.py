"""Pictures for printers: text lines, QR codes and barcodes drawn with Pillow, and the packing of
a picture into ESC/POS raster rows.

Shared by the receipt encoder (raster text and codes, which every printer can print), the A4
PDF writer (codes as images) and the printer simulator (drawing what a printer would).
"""

from __future__ import annotations

import functools

import barcode
import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont, ImageOps

from devices.printing.document import Align
from devices.printing.fonts import cjk_font

WHITE, BLACK = 255, 0
FONT_DOTS = 24  # font A: a Chinese character is 24 × 24 dots, a Latin one 12 × 24
LINE_DOTS = 30  # the line spacing the encoder sets (ESC 3 30)
BASELINE = 0.88  # of the font size: CJK glyphs fill the em from 0.88 above to 0.12 below it
DOTS_PER_MM = 8  # 203 dpi, the resolution of nearly every receipt printer

# One line of text: segments drawn on the same baseline, each placed by its own alignment
# (a key-value row is `[(key, LEFT), (value, RIGHT)]`).
Line = list[tuple[str, Align]]


@functools.cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    face = cjk_font(bold)
    return ImageFont.truetype(face.path, size, index=face.index)


def text_image(lines: list[Line], width: int, scale: int = 1, bold: bool = False) -> Image.Image:
    """Lines of text in the CJK font, `scale` times the size of font A, one line every
    `LINE_DOTS × scale` dots."""
    face = font(FONT_DOTS * scale, bold)
    line_dots = LINE_DOTS * scale
    image = Image.new("L", (width, line_dots * len(lines)), WHITE)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        baseline = number * line_dots + round(face.size * BASELINE)
        for text, align in line:
            length = face.getlength(text)
            left = {Align.LEFT: 0, Align.CENTER: (width - length) / 2, Align.RIGHT: width - length}
            draw.text((left[align], baseline), text, fill=BLACK, font=face, anchor="ls")
    return image


QR_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_image(data: bytes, module: int, border: int = 4, level: str = "M") -> Image.Image:
    """A QR code (model 2) with `module` dots per module and a quiet zone of `border` modules."""
    code = qrcode.QRCode(error_correction=QR_LEVELS[level], box_size=module, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def qr_modules(data: bytes) -> int:
    """How many modules wide the QR code of `data` is (level M), quiet zone not included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.modules_count


def code128_modules(data: str) -> str:
    """The bars of a Code 128 symbol as "1" (bar) and "0" (space) modules; python-barcode picks
    the code sets (C for runs of digits) and the check symbol."""
    return str(barcode.Code128(data).build()[0])


def barcode_image(data: str, module: int, height: int, caption: str | None = None) -> Image.Image:
    """A Code 128 barcode with a quiet zone of ten modules and its text underneath."""
    bars = code128_modules(data)
    quiet = 10 * module
    text = data if caption is None else caption
    text_dots = LINE_DOTS if text else 0
    image = Image.new("L", (len(bars) * module + 2 * quiet, height + text_dots), WHITE)
    draw = ImageDraw.Draw(image)
    for index, bar in enumerate(bars):
        if bar == "1":
            left = quiet + index * module
            draw.rectangle((left, 0, left + module - 1, height - 1), fill=BLACK)
    if text:
        face = font(FONT_DOTS)
        draw.text(((image.width - face.getlength(text)) / 2, height + 2), text, BLACK, face)
    return image


def fit(picture: Image.Image, width: int, align: Align = Align.CENTER) -> Image.Image:
    """`picture` in grey on white, shrunk to `width` if wider, placed on a `width`-wide strip."""
    picture = _on_white(picture)
    if picture.width > width:
        picture = picture.resize((width, max(1, round(picture.height * width / picture.width))))
    strip = Image.new("L", (width, picture.height), WHITE)
    left = {Align.LEFT: 0, Align.CENTER: (width - picture.width) // 2}.get(
        align, width - picture.width
    )
    strip.paste(picture, (left, 0))
    return strip


def pack(picture: Image.Image, dither: bool = False) -> tuple[int, int, bytes]:
    """(bytes per row, rows, data) of a picture as ESC/POS raster: 1 bit per dot, 1 = black,
    rows padded to whole bytes. Photos want `dither`; text and codes stay sharper without."""
    ink = ImageOps.invert(_on_white(picture))
    if not dither:
        ink = ink.point(lambda level: 255 if level >= 128 else 0)
    bits = ink.convert("1", dither=Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE)
    return (bits.width + 7) // 8, bits.height, bits.tobytes()


def unpack(width_bytes: int, rows: int, data: bytes) -> Image.Image:
    """The picture of ESC/POS raster data (the inverse of `pack`)."""
    bits = Image.frombytes("1", (width_bytes * 8, rows), data)
    return ImageOps.invert(bits.convert("L"))


def _on_white(picture: Image.Image) -> Image.Image:
    """Grey levels, transparent parts white."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("L")
    return picture.convert("L")
