"""What an ESC/POS printer makes of the bytes it receives: an interpreter that draws the paper.

`EscposInterpreter.feed(data)` takes bytes in any pieces (a command may be split between two
reads) and returns the answers a printer sends back (`GS I`); every cut (`GS V`) finishes a
`Receipt`: the job's bytes, the picture of the paper (8 dots per mm, margins included) and the
text of each printed line. `DLE EOT` is answered before interpretation (see
`RealTimeScanner`), as real printers do, so the interpreter only steps over it.

Commands understood: LF, CR, HT, `ESC @ a E ! - d J 2 3 t M G R { V SP`, `GS ! V v0 ( k h w H f
I B L W`, `GS k` Code 128 (other symbologies are stepped over), `FS & . ! C - S W`, `DLE EOT/ENQ
/DC4`. Text is code page 437 outside Chinese mode and GB18030 inside it (`FS &`). Anything else
is skipped and counted in `skipped`; nothing the wire brings raises.
"""

from __future__ import annotations

import codecs
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, ImageDraw
from qrcode.exceptions import DataOverflowError

from devices.printing import layout, raster
from devices.printing.document import Align
from devices.printing.raster import BLACK, FONT_DOTS, LINE_DOTS, WHITE
from devices.printing.status import DLE_EOT

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LATIN_DOTS = FONT_DOTS // 2
MARGIN_DOTS = 32  # paper either side of the printable width, and above the first line
MAX_RASTER_ROWS = 4095
MAX_PAGE_DOTS = 40_000  # 5 m: a job that never cuts is finished as if cut, to bound memory
QR_LEVEL_BY_CODE = {48: "L", 49: "M", 50: "Q", 51: "H"}

# Commands with a fixed number of parameter bytes; those not drawn are accepted and ignored.
ESC_PARAMETERS = {
    b"@": 0, b"a": 1, b"E": 1, b"!": 1, b"-": 1, b"d": 1, b"J": 1, b"2": 0, b"3": 1,
    b"t": 1, b"M": 1, b"G": 1, b"R": 1, b"{": 1, b"V": 1, b" ": 1,
}  # fmt: skip
GS_PARAMETERS = {b"!": 1, b"h": 1, b"w": 1, b"H": 1, b"f": 1, b"I": 1, b"B": 1, b"L": 2, b"W": 2}
FS_PARAMETERS = {b"&": 0, b".": 0, b"!": 1, b"C": 1, b"-": 1, b"S": 2, b"W": 1}
DLE_PARAMETERS = {0x04: 1, 0x05: 1, 0x14: 3}  # EOT n, ENQ n, DC4 fn m t

# GS I n: printer information B (`_` + text + NUL).
IDENTITY = {65: "1.0-sim", 66: "KIOSK", 67: "ESC/POS simulator", 68: "SIM-0001"}


@dataclass(frozen=True)
class Receipt:
    number: int
    data: bytes = field(repr=False)
    image: Image.Image = field(repr=False)
    lines: tuple[str, ...]  # the text of each printed line, for tests and logs
    path: Path | None = None  # where the simulator saved the PNG


@dataclass(frozen=True)
class Style:
    align: Align = Align.LEFT
    bold: bool = False
    width: int = 1
    height: int = 1


class RealTimeScanner:
    """Finds `DLE EOT n` (n = 1–4) in a byte stream as it arrives, across read boundaries;
    like a printer with real-time commands enabled, it also finds them inside image data."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, data: bytes) -> list[int]:
        stream = self._tail + data
        found, start = [], 0
        while (at := stream.find(DLE_EOT, start)) != -1 and at + 2 < len(stream):
            if 1 <= stream[at + 2] <= 4:
                found.append(stream[at + 2])
            start = at + 1
        self._tail = stream[-2:]
        return found

    def reset(self) -> None:
        self._tail = b""


class EscposInterpreter:
    # Set by `_reset` (`ESC @`):
    _style: Style
    _line: list[tuple[str, Style]]
    _spacing: int
    _chinese: bool
    _decoder: codecs.IncrementalDecoder
    _qr_module: int
    _qr_level: str
    _qr_data: bytes
    _barcode_height: int
    _barcode_module: int
    _barcode_text: bool

    def __init__(self, paper_dots: int = 576) -> None:
        self.paper_dots = paper_dots
        self.skipped = 0  # bytes that were no command this interpreter knows
        self._pending = bytearray()  # received, not yet interpreted (an incomplete command)
        self._job = bytearray()  # interpreted since the last cut
        self._receipts: list[Receipt] = []
        self._replies: list[bytes] = []
        self._numbers = 0
        self._cut_read = False  # a cut was read: the page ends once its bytes are in the job
        self._strips: list[Image.Image] = []
        self._page_dots = 0
        self._lines: list[str] = []
        self._reset()

    def feed(self, data: bytes) -> list[bytes]:
        """Interpret `data`; returns the bytes to send back."""
        self._pending += data
        position = 0
        while position < len(self._pending):
            used = self._step(position)
            if used == 0:
                break  # incomplete: wait for more
            self._job += self._pending[position : position + used]
            position += used
            if self._cut_read:
                self._finish_page()
        del self._pending[:position]
        replies, self._replies = self._replies, []
        return replies

    def take(self) -> list[Receipt]:
        """The receipts finished since the last call."""
        receipts, self._receipts = self._receipts, []
        return receipts

    def discard(self) -> None:
        """Lose what is not printed yet, as when the paper runs out mid-job."""
        self._pending.clear()
        self._job.clear()
        self._strips, self._page_dots, self._lines = [], 0, []
        self._reset()

    # -- one command --------------------------------------------------------------------------

    def _step(self, at: int) -> int:
        """Interpret the command at `at`; the bytes it used, 0 when it is incomplete."""
        byte = self._pending[at]
        if byte >= 0x20:
            return self._text(at)
        if byte == 0x0A:
            self._print_line(self._spacing)
            return 1
        if byte == 0x09:
            self._add_chars(" ")
            return 1
        if byte == 0x0D:
            return 1
        handlers: dict[int, Callable[[int], int]] = {
            ESC: self._esc,
            GS: self._gs,
            FS: self._fs,
            DLE: self._dle,
        }
        handler = handlers.get(byte)
        if handler is None:
            self.skipped += 1
            return 1
        return handler(at)

    def _text(self, at: int) -> int:
        end = at
        while end < len(self._pending) and self._pending[end] >= 0x20:
            end += 1
        run = bytes(self._pending[at:end])
        self._add_chars(self._decoder.decode(run) if self._chinese else run.decode("cp437"))
        return end - at

    def _fixed(self, at: int, table: dict[bytes, int], act: Callable[[bytes, bytes], None]) -> int:
        """A command `prefix, name, parameters` whose parameter count `table` gives."""
        if at + 1 >= len(self._pending):
            return 0
        name = bytes(self._pending[at + 1 : at + 2])
        count = table.get(name)
        if count is None:
            self.skipped += 2
            return 2
        if at + 2 + count > len(self._pending):
            return 0
        act(name, bytes(self._pending[at + 2 : at + 2 + count]))
        return 2 + count

    def _esc(self, at: int) -> int:
        return self._fixed(at, ESC_PARAMETERS, self._esc_command)

    def _esc_command(self, name: bytes, parameters: bytes) -> None:
        value = parameters[0] if parameters else 0
        match name:
            case b"@":
                self._reset()
            case b"a" if value in (0, 1, 2, 48, 49, 50):
                self._style = replace(self._style, align=list(Align)[value % 48])
            case b"E":
                self._style = replace(self._style, bold=bool(value & 1))
            case b"!":
                size = 1 + bool(value & 0x10), 1 + bool(value & 0x20)
                self._style = replace(
                    self._style, bold=bool(value & 0x08), height=size[0], width=size[1]
                )
            case b"d":
                self._print_line(value * self._spacing)
            case b"J":
                self._print_line(value)
            case b"2":
                self._spacing = LINE_DOTS
            case b"3":
                self._spacing = value

    def _fs(self, at: int) -> int:
        return self._fixed(at, FS_PARAMETERS, self._fs_command)

    def _fs_command(self, name: bytes, parameters: bytes) -> None:
        if name in (b"&", b"."):
            self._chinese = name == b"&"
            self._decoder.reset()

    def _dle(self, at: int) -> int:
        if at + 1 >= len(self._pending):
            return 0
        count = DLE_PARAMETERS.get(self._pending[at + 1])
        if count is None:
            self.skipped += 1
            return 1
        return 2 + count if at + 2 + count <= len(self._pending) else 0

    def _gs(self, at: int) -> int:
        if at + 1 >= len(self._pending):
            return 0
        special = {
            ord("v"): self._raster,
            ord("("): self._function,
            ord("k"): self._barcode,
            ord("V"): self._cut,
        }.get(self._pending[at + 1])
        if special is not None:
            return special(at)
        return self._fixed(at, GS_PARAMETERS, self._gs_command)

    def _gs_command(self, name: bytes, parameters: bytes) -> None:
        value = parameters[0]
        match name:
            case b"!":
                self._style = replace(
                    self._style, width=(value >> 4 & 7) + 1, height=(value & 7) + 1
                )
            case b"h" if value:
                self._barcode_height = value
            case b"w" if 1 <= value <= 6:
                self._barcode_module = value
            case b"H":
                self._barcode_text = value in (1, 2, 3, 49, 50, 51)
            case b"I" if value in IDENTITY:
                self._replies.append(b"_" + IDENTITY[value].encode() + b"\x00")

    # -- pictures -----------------------------------------------------------------------------

    def _raster(self, at: int) -> int:
        """`GS v 0 m xL xH yL yH d1...dk`"""
        header = self._pending[at : at + 8]
        if len(header) < 8:
            return 0
        mode, width_bytes = header[3], header[4] | header[5] << 8
        rows = header[6] | header[7] << 8
        fits = 1 <= width_bytes <= self.paper_dots // 4 and 1 <= rows <= MAX_RASTER_ROWS
        if header[2] != ord("0") or mode not in (0, 1, 2, 3, 48, 49, 50, 51) or not fits:
            self.skipped += 2
            return 2
        size = 8 + width_bytes * rows
        if at + size > len(self._pending):
            return 0
        picture = raster.unpack(width_bytes, rows, bytes(self._pending[at + 8 : at + size]))
        if mode & 1 or mode & 2:  # double width, double height
            picture = picture.resize(
                (picture.width * (1 + (mode & 1)), picture.height * (1 + (mode >> 1 & 1)))
            )
        self._picture(picture)
        return size

    def _function(self, at: int) -> int:
        """`GS ( fn pL pH ...`: QR codes (`GS ( k`, cn = 49) are drawn, the rest stepped over."""
        if at + 5 > len(self._pending):
            return 0
        length = self._pending[at + 3] | self._pending[at + 4] << 8
        if at + 5 + length > len(self._pending):
            return 0
        body = bytes(self._pending[at + 5 : at + 5 + length])
        if self._pending[at + 2] == ord("k") and len(body) >= 2 and body[0] == 49:
            self._qr_function(body[1], body[2:])
        return 5 + length

    def _qr_function(self, function: int, parameters: bytes) -> None:
        value = parameters[0] if parameters else -1
        if function == 67 and 1 <= value <= 16:
            self._qr_module = value
        elif function == 69 and value in QR_LEVEL_BY_CODE:
            self._qr_level = QR_LEVEL_BY_CODE[value]
        elif function == 80 and value == 48:
            self._qr_data = parameters[1:]
        elif function == 81 and self._qr_data:
            try:
                picture = raster.qr_image(self._qr_data, self._qr_module, 0, self._qr_level)
            except DataOverflowError:  # more than a QR code holds: a printer prints nothing
                self.skipped += len(self._qr_data)
                return
            self._picture(picture)

    def _barcode(self, at: int) -> int:
        """`GS k m d1...dk NUL` (m = 0–6) or `GS k m n d1...dn` (m = 65–79)."""
        if at + 3 > len(self._pending):
            return 0
        kind = self._pending[at + 2]
        if kind <= 6:
            end = self._pending.find(b"\x00", at + 3, at + 3 + 256)
            if end == -1:
                if len(self._pending) - at < 3 + 256:
                    return 0
                self.skipped += 3
                return 3
            self.skipped += end + 1 - at  # symbologies this simulator does not draw
            return end + 1 - at
        if not 65 <= kind <= 79:
            self.skipped += 3
            return 3
        if at + 4 > len(self._pending):
            return 0
        size = 4 + self._pending[at + 3]
        if at + size > len(self._pending):
            return 0
        symbol = bytes(self._pending[at + 4 : at + size])
        text = _code128_text(symbol) if kind == 73 else None
        if text is None:
            self.skipped += size
        else:
            self._picture(
                raster.barcode_image(
                    text,
                    self._barcode_module,
                    self._barcode_height,
                    caption=None if self._barcode_text else "",
                )
            )
        return size

    def _cut(self, at: int) -> int:
        """`GS V m` (m = 0, 1, 48, 49) or `GS V m n` (m = 65, 66, 97, 98, 103, 104: feed n)."""
        if at + 3 > len(self._pending):
            return 0
        mode = self._pending[at + 2]
        if mode in (0, 1, 48, 49):
            self._cut_read = True
            return 3
        if mode in (65, 66, 97, 98, 103, 104):
            if at + 4 > len(self._pending):
                return 0
            self._print_line(self._pending[at + 3])
            self._cut_read = True
            return 4
        self.skipped += 3
        return 3

    # -- the paper ----------------------------------------------------------------------------

    def _reset(self) -> None:
        self._style = Style()
        self._line = []
        self._spacing = LINE_DOTS
        self._chinese = False
        self._decoder = codecs.getincrementaldecoder("gb18030")(errors="replace")
        self._qr_module, self._qr_level, self._qr_data = 3, "L", b""
        self._barcode_height, self._barcode_module, self._barcode_text = 162, 3, False

    def _add_chars(self, text: str) -> None:
        for char in text:
            width = layout.char_columns(char) * LATIN_DOTS * self._style.width
            if self._line_dots() + width > self.paper_dots:
                self._print_line(self._spacing)  # the printer wraps a full line
            self._line.append((char, self._style))

    def _line_dots(self) -> int:
        return sum(
            layout.char_columns(char) * LATIN_DOTS * style.width for char, style in self._line
        )

    def _print_line(self, feed_dots: int) -> None:
        """Print the line buffer (if any) and feed `feed_dots`, or the line's height if more."""
        if not self._line:
            if feed_dots:
                self._add_strip(Image.new("L", (self.paper_dots, feed_dots), WHITE))
            return
        tallest = max(FONT_DOTS * style.height for _, style in self._line)
        strip = Image.new("L", (self.paper_dots, max(feed_dots, tallest)), WHITE)
        left = _offset(self._line[0][1].align, self.paper_dots, self._line_dots())
        for char, style in self._line:
            glyph = _glyph(char, style.bold, style.width, style.height)
            strip.paste(glyph, (left, tallest - glyph.height))
            left += glyph.width
        self._lines.append("".join(char for char, _ in self._line))
        self._line = []
        self._add_strip(strip)

    def _picture(self, picture: Image.Image) -> None:
        self._print_line(0)  # pictures start on a fresh line
        strip = Image.new("L", (self.paper_dots, picture.height), WHITE)
        strip.paste(picture, (_offset(self._style.align, self.paper_dots, picture.width), 0))
        self._add_strip(strip)

    def _add_strip(self, strip: Image.Image) -> None:
        self._strips.append(strip)
        self._page_dots += strip.height
        if self._page_dots > MAX_PAGE_DOTS:
            self._finish_page()

    def _finish_page(self) -> None:
        self._cut_read = False
        self._print_line(0)
        margin = MARGIN_DOTS
        page = Image.new("L", (self.paper_dots + 2 * margin, self._page_dots + margin), WHITE)
        top = margin
        for strip in self._strips:
            page.paste(strip, (margin, top))
            top += strip.height
        self._numbers += 1
        self._receipts.append(Receipt(self._numbers, bytes(self._job), page, tuple(self._lines)))
        self._job.clear()
        self._strips, self._page_dots, self._lines = [], 0, []


def _offset(align: Align, width: int, used: int) -> int:
    room = max(0, width - used)
    return {Align.LEFT: 0, Align.CENTER: room // 2, Align.RIGHT: room}[align]


@functools.lru_cache(maxsize=4096)
def _glyph(char: str, bold: bool, width: int, height: int) -> Image.Image:
    """A character in its cell, as a printer's font has it: 12 or 24 dots wide and 24 tall,
    times the size multipliers; a glyph wider than its cell is narrowed to fit."""
    size = FONT_DOTS * height
    cell_width = layout.char_columns(char) * LATIN_DOTS * width
    if not cell_width:
        return Image.new("L", (1, size), WHITE)
    face = raster.font(size, bold)
    drawn = Image.new("L", (max(cell_width, math.ceil(face.getlength(char))), size), WHITE)
    ImageDraw.Draw(drawn).text(
        (drawn.width / 2, round(size * raster.BASELINE)), char, BLACK, face, anchor="ms"
    )
    return drawn.resize((cell_width, size)) if drawn.width != cell_width else drawn


def _code128_text(symbol: bytes) -> str | None:
    """The text of a `GS k 73` symbol: code sets `{A`, `{B` (characters) and `{C` (pairs of
    digits as one byte each); `{{` is a `{`. None if it does not start with a code set."""
    if len(symbol) < 2 or symbol[0] != ord("{") or symbol[1] not in b"ABC":
        return None
    text, code_set, at = [], symbol[1], 2
    while at < len(symbol):
        byte = symbol[at]
        if byte == ord("{") and at + 1 < len(symbol):
            following = symbol[at + 1]
            if following in b"ABC":
                code_set = following
            elif following == ord("{"):
                text.append("{")
            at += 2
            continue
        text.append(f"{byte:02d}" if code_set == ord("C") and byte < 100 else chr(byte))
        at += 1
    printable = "".join(text)
    return printable if printable and all(" " <= char <= "~" for char in printable) else None
