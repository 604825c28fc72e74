"""What gets printed: an immutable document of blocks, the same for receipts and A4 pages.

The model says *what* a document holds, never how a printer does it: the kiosk builds a
`Document` in the citizen's language, and `escpos` (receipt) and `pdf` (A4) each lay it out for
their medium. Blocks check their own values when built, so a bad document fails where it is
made (`ValueError`), not later on a printer's worker thread.

Text may contain newlines; other control characters are replaced when rendered, so data from a
card or the platform can never smuggle printer commands into a job.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

# A version 40 QR code holds at most 2331 bytes at error correction level M (ISO/IEC 18004).
MAX_QR_BYTES = 2331
MAX_BARCODE_CHARS = 40
MAX_SPACING_LINES = 20


class Align(enum.StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Size(enum.StrEnum):
    NORMAL = "normal"
    LARGE = "large"  # twice as wide and twice as tall


@dataclass(frozen=True)
class Title:
    """The heading of a document (or of a part of it): large, bold, centred."""

    text: str


@dataclass(frozen=True)
class Text:
    text: str
    align: Align = Align.LEFT
    bold: bool = False
    size: Size = Size.NORMAL


@dataclass(frozen=True)
class Row:
    """A key and its value on one line (a table row on A4); consecutive rows form a table."""

    key: str
    value: str


@dataclass(frozen=True)
class QRCode:
    """A QR code; text is encoded as UTF-8, bytes go in unchanged (signed binary payloads)."""

    payload: str | bytes
    caption: str = ""

    def __post_init__(self) -> None:
        if not self.payload:
            raise ValueError("QR code: the payload is empty")
        if len(self.data) > MAX_QR_BYTES:
            raise ValueError(f"QR code: {len(self.data)} bytes, at most {MAX_QR_BYTES} fit")

    @property
    def data(self) -> bytes:
        return self.payload.encode() if isinstance(self.payload, str) else self.payload


@dataclass(frozen=True)
class Barcode:
    """A Code 128 barcode of printable ASCII, with its text printed underneath."""

    data: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.data) <= MAX_BARCODE_CHARS:
            raise ValueError(f"barcode: 1 to {MAX_BARCODE_CHARS} characters, not {len(self.data)}")
        if not all(" " <= char <= "~" for char in self.data):
            raise ValueError(f"barcode: only printable ASCII fits Code 128: {self.data!r}")


@dataclass(frozen=True)
class Image:
    """A picture (a logo, a signature) as PNG bytes; printed at 8 pixels per millimetre,
    shrunk to fit the paper. `Image.from_pil` takes a Pillow image."""

    png: bytes = field(repr=False)

    def __post_init__(self) -> None:
        try:
            with PILImage.open(io.BytesIO(self.png)) as picture:
                picture.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise ValueError(f"image: not a readable picture: {error}") from error

    @classmethod
    def from_pil(cls, picture: PILImage.Image) -> Image:
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        return cls(buffer.getvalue())

    def picture(self) -> PILImage.Image:
        return PILImage.open(io.BytesIO(self.png))


@dataclass(frozen=True)
class Separator:
    """A horizontal rule across the page."""


@dataclass(frozen=True)
class Spacing:
    """Empty lines."""

    lines: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.lines <= MAX_SPACING_LINES:
            raise ValueError(f"spacing: 1 to {MAX_SPACING_LINES} lines, not {self.lines}")


Block = Title | Text | Row | QRCode | Barcode | Image | Separator | Spacing
BLOCK_TYPES = (Title, Text, Row, QRCode, Barcode, Image, Separator, Spacing)


@dataclass(frozen=True)
class Document:
    """Blocks in reading order; `name` labels the job (PDF title, CUPS job, file names)."""

    blocks: Sequence[Block]  # kept as a tuple
    name: str = "document"

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(self.blocks))  # a list is welcome, kept frozen
        for block in self.blocks:
            if not isinstance(block, BLOCK_TYPES):
                raise ValueError(f"document: {type(block).__name__} is not a block")
