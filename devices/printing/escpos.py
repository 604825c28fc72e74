"""A document as ESC/POS bytes for a receipt printer of 58 mm (384 dots) or 80 mm (576 dots).

Why not python-escpos (DESIGN.md §3 says "use it or justify your own encoder"): the parts this
kiosk needs most are the parts it lacks. Its text goes through single-byte code pages, with no
`FS &` Chinese mode and no GB18030; its native `qr()` takes only text, so a binary payload (a
signed e-ID code) cannot be printed; `image()` and `barcode()` print to stdout and depend on a
printer profile (with the default profile the paper width is unknown, with `POS-5890` `cut()`
sends nothing); and it pulls in PyYAML, appdirs, argcomplete, six and setuptools at run time.
What it would give us is a handful of byte sequences and the packing of raster rows (Pillow
does that in three lines, `raster.pack`). So the commands are written here, and the tests check
the bytes of the raster image and native QR commands against python-escpos itself, as a
reference implementation (it is a dev dependency only).

Commands used (Epson ESC/POS reference; all common on GB18030 printers sold in China):
`ESC @` init, `ESC 3 n` line spacing, `FS &` Chinese mode (GB18030 text), `ESC a` alignment,
`ESC E` emphasis, `GS !` character size, `ESC J n` feed n dots, `GS v 0` raster image,
`GS ( k` QR code (model 2, size, error correction M, store, print), `GS h`/`GS w`/`GS H`/`GS k`
Code 128 barcode (code set C for runs of digits, B otherwise), `GS V 0` full cut after feeding
the paper past the cutter.

Options: `text_mode` "native" (GB18030 text in Chinese mode: small jobs, sharp printer fonts)
or "raster" (text drawn with the CJK font and sent as images: works on every printer, including
those without a Chinese font; about 2 KB per line); `code_mode` "native" (the printer draws
QR codes and barcodes) or "raster" (drawn here and sent as images).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from PIL import Image

from devices.printing import layout, raster
from devices.printing.document import (
    Align,
    Barcode,
    Block,
    Document,
    QRCode,
    Row,
    Separator,
    Size,
    Spacing,
    Text,
    Title,
)
from devices.printing.document import Image as Picture
from devices.printing.raster import DOTS_PER_MM, LINE_DOTS

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CHINESE_MODE = FS + b"&"
CUT = GS + b"V\x00"
LF = b"\n"

PAPER_DOTS = {58: 384, 80: 576}
LATIN_DOTS = 12  # font A is 12 dots wide per column
BAND_ROWS = 256  # raster images go in bands, so no printer's receive buffer overflows
QUIET_DOTS = 32  # white space above and below a code, for the scanners
CUT_FEED_DOTS = 120  # 15 mm: past the cutter, which sits above the print head
BARCODE_HEIGHT_DOTS = 80
QR_SHARE_OF_WIDTH = 0.6
QR_MODULE_DOTS = (2, 8)  # smallest and largest module size (GS ( k function 167 allows 1–16)

MODES = ("native", "raster")


class LayoutError(ValueError):
    """A document that cannot be printed on this paper (a barcode wider than the roll)."""


@dataclass(frozen=True)
class Encoded:
    data: bytes
    dots: int  # length of paper the job uses, cut feed included

    @property
    def mm(self) -> float:
        return self.dots / DOTS_PER_MM


# -- commands -----------------------------------------------------------------------------


def align(how: Align) -> bytes:
    return ESC + b"a" + bytes([(Align.LEFT, Align.CENTER, Align.RIGHT).index(how)])


def emphasis(on: bool) -> bytes:
    return ESC + b"E" + bytes([on])


def char_size(scale: int) -> bytes:
    return GS + b"!" + bytes([(scale - 1) << 4 | (scale - 1)])


def line_spacing(dots: int) -> bytes:
    return ESC + b"3" + bytes([dots])


def feed(dots: int) -> bytes:
    return b"".join(ESC + b"J" + bytes([step]) for step in _steps(dots, 255))


def raster_image(picture: Image.Image, dither: bool = False) -> bytes:
    """`GS v 0` in bands of at most `BAND_ROWS` rows."""
    width_bytes, rows, data = raster.pack(picture, dither)
    commands = []
    for top in range(0, rows, BAND_ROWS):
        band = min(BAND_ROWS, rows - top)
        header = GS + b"v0\x00" + _u16(width_bytes) + _u16(band)
        commands.append(header + data[top * width_bytes : (top + band) * width_bytes])
    return b"".join(commands)


def qr_native(data: bytes, module: int) -> bytes:
    """`GS ( k` with cn = 49 (QR): model 2, module size, error correction M, store, print."""

    def function(fn: int, parameters: bytes) -> bytes:
        return GS + b"(k" + _u16(len(parameters) + 2) + b"1" + bytes([fn]) + parameters

    return b"".join(
        (
            function(65, b"2\x00"),
            function(67, bytes([module])),
            function(69, b"1"),
            function(80, b"0" + data),
            function(81, b"0"),
        )
    )


def code128_native(data: str, module: int) -> bytes:
    """`GS k 73` Code 128, text below (HRI)."""
    symbol, _ = code128_symbol(data)
    return (
        GS + b"h" + bytes([BARCODE_HEIGHT_DOTS])
        + GS + b"w" + bytes([module])
        + GS + b"H\x02"
        + GS + b"k\x49" + bytes([len(symbol)]) + symbol
    )  # fmt: skip


def code128_symbol(data: str) -> tuple[bytes, int]:
    """The data of `GS k 73`: code set C (two digits a byte) for runs of four digits or more,
    code set B elsewhere (`{{` is a `{`); and how many symbol characters (11 modules each) the
    printer draws, start and check included."""
    segments: list[tuple[bytes, str]] = []
    for index, part in enumerate(re.split(r"(\d{4,})", data)):
        digits = index % 2 == 1
        if digits and len(part) % 2:  # an odd run: its first digit goes in code set B
            segments.append((b"B", part[0]))
            part = part[1:]
        if part:
            segments.append((b"C" if digits else b"B", part))
    symbol, characters, current = b"", 2, b""
    for code_set, text in segments:
        if code_set != current:
            symbol += b"{" + code_set
            characters += bool(current)  # the first selection is the start character
            current = code_set
        if code_set == b"C":
            symbol += bytes(int(text[at : at + 2]) for at in range(0, len(text), 2))
            characters += len(text) // 2
        else:
            symbol += text.replace("{", "{{").encode("ascii")
            characters += len(text)
    return symbol, characters


def _u16(number: int) -> bytes:
    return number.to_bytes(2, "little")


def _steps(total: int, most: int) -> Iterator[int]:
    while total > 0:
        yield min(total, most)
        total -= most


# -- the encoder --------------------------------------------------------------------------


class EscposEncoder:
    def __init__(
        self, paper_mm: int = 80, text_mode: str = "native", code_mode: str = "native"
    ) -> None:
        if paper_mm not in PAPER_DOTS:
            raise ValueError(f"paper width {paper_mm} mm: use one of {sorted(PAPER_DOTS)}")
        if text_mode not in MODES:
            raise ValueError(f"text mode {text_mode!r}: use one of {MODES}")
        if code_mode not in MODES:
            raise ValueError(f"code mode {code_mode!r}: use one of {MODES}")
        self.paper_mm, self.text_mode, self.code_mode = paper_mm, text_mode, code_mode
        self.dots = PAPER_DOTS[paper_mm]
        self.columns = self.dots // LATIN_DOTS

    @property
    def needs_font(self) -> bool:
        """Whether jobs draw text here (raster text, the text under raster barcodes)."""
        return "raster" in (self.text_mode, self.code_mode)

    def encode(self, document: Document) -> Encoded:
        """The job's bytes, from `ESC @` to the cut; `LayoutError` if a block cannot fit."""
        job = _Job()
        job.add(INIT + line_spacing(LINE_DOTS))
        if self.text_mode == "native":
            job.add(CHINESE_MODE)
        for block in document.blocks:
            self._block(job, block)
        job.add(feed(CUT_FEED_DOTS) + CUT, CUT_FEED_DOTS)
        return Encoded(b"".join(job.parts), job.dots)

    def _block(self, job: _Job, block: Block) -> None:
        match block:
            case Title(text):
                self._text(job, Text(text, Align.CENTER, bold=True, size=Size.LARGE))
            case Text():
                self._text(job, block)
            case Row(key, value):
                self._row(job, key, value)
            case QRCode():
                self._qr(job, block)
            case Barcode(data):
                self._barcode(job, data)
            case Picture():
                self._picture(job, raster.fit(block.picture(), self.dots), dither=True)
            case Separator():
                self._separator(job)
            case Spacing(lines):
                job.add(feed(lines * LINE_DOTS), lines * LINE_DOTS)

    def _text(self, job: _Job, text: Text) -> None:
        scale = 2 if text.size is Size.LARGE else 1
        lines = layout.wrap(text.text, self.columns // scale)
        if self.text_mode == "raster":
            picture = raster.text_image(
                [[(line, text.align)] for line in lines], self.dots, scale, text.bold
            )
            self._picture(job, picture)
            return
        job.add(align(text.align) + emphasis(text.bold) + char_size(scale))
        job.add(line_spacing(LINE_DOTS * scale))
        for line in lines:
            job.add(_gb18030(line) + LF, LINE_DOTS * scale)
        job.add(line_spacing(LINE_DOTS) + char_size(1) + emphasis(False) + align(Align.LEFT))

    def _row(self, job: _Job, key: str, value: str) -> None:
        key, value = layout.one_line(key), layout.one_line(value)
        lines = layout.row(key, value, self.columns)
        if self.text_mode == "native":
            for line in lines:
                job.add(_gb18030(line) + LF, LINE_DOTS)
            return
        if len(lines) == 1:  # key left, value right, measured in dots, not columns
            segments = [[(key, Align.LEFT), (value, Align.RIGHT)]]
        else:
            segments = [[(line.strip(), Align.LEFT)] for line in layout.wrap(key, self.columns)]
            segments += [[(line, Align.RIGHT)] for line in layout.wrap(value, self.columns)]
        self._picture(job, raster.text_image(segments, self.dots))

    def _separator(self, job: _Job) -> None:
        if self.text_mode == "native":
            job.add(b"-" * self.columns + LF, LINE_DOTS)
            return
        rule = Image.new("L", (self.dots, LINE_DOTS), raster.WHITE)
        rule.paste(raster.BLACK, (0, LINE_DOTS // 2 - 1, self.dots, LINE_DOTS // 2 + 1))
        self._picture(job, rule)

    def _qr(self, job: _Job, code: QRCode) -> None:
        modules = raster.qr_modules(code.data)
        smallest, largest = QR_MODULE_DOTS
        module = min(largest, int(self.dots * QR_SHARE_OF_WIDTH) // modules)
        if module < smallest:
            raise LayoutError(
                f"QR code of {len(code.data)} bytes ({modules} modules) does not fit "
                f"{self.paper_mm} mm paper at {smallest} dots per module"
            )
        job.add(feed(QUIET_DOTS), QUIET_DOTS)
        if self.code_mode == "native":
            job.add(align(Align.CENTER) + qr_native(code.data, module), modules * module)
            job.add(align(Align.LEFT))
        else:
            self._picture(job, raster.fit(raster.qr_image(code.data, module, border=0), self.dots))
        job.add(feed(QUIET_DOTS), QUIET_DOTS)
        if code.caption:
            self._text(job, Text(code.caption, Align.CENTER))

    def _barcode(self, job: _Job, data: str) -> None:
        # 11 modules a symbol character, 13 for the stop
        modules = (
            11 * code128_symbol(data)[1] + 13
            if self.code_mode == "native"
            else len(raster.code128_modules(data))
        )
        module = next((size for size in (3, 2) if (modules + 20) * size <= self.dots), 0)
        if not module:
            raise LayoutError(
                f"barcode {data!r} needs {(modules + 20) * 2} dots; "
                f"{self.paper_mm} mm paper has {self.dots}"
            )
        job.add(feed(QUIET_DOTS), QUIET_DOTS)
        if self.code_mode == "native":
            job.add(align(Align.CENTER) + code128_native(data, module), BARCODE_HEIGHT_DOTS)
            job.add(align(Align.LEFT), LINE_DOTS)  # the text under the bars
        else:
            picture = raster.barcode_image(data, module, BARCODE_HEIGHT_DOTS)
            self._picture(job, raster.fit(picture, self.dots))
        job.add(feed(QUIET_DOTS), QUIET_DOTS)

    def _picture(self, job: _Job, picture: Image.Image, dither: bool = False) -> None:
        job.add(raster_image(picture, dither), picture.height)


@dataclass
class _Job:
    parts: list[bytes] = field(default_factory=list)
    dots: int = 0

    def add(self, data: bytes, dots: int = 0) -> None:
        self.parts.append(data)
        self.dots += dots


def _gb18030(text: str) -> bytes:
    return text.encode("gb18030", errors="replace")
