"""The document model, the column layout and the ESC/POS encoder, with the byte-level facts of
DESIGN.md §3 checked against python-escpos as a reference implementation."""

from __future__ import annotations

import io

import pytest
from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_MASK_PAPER
from escpos.printer import Dummy
from PIL import Image as PILImage
from PIL import ImageDraw

from devices.printing import layout
from devices.printing.document import (
    Align,
    Barcode,
    Document,
    Image,
    QRCode,
    Row,
    Separator,
    Spacing,
    Text,
    Title,
)
from devices.printing.escpos import EscposEncoder, LayoutError, qr_native, raster_image
from devices.printing.status import PrinterStatus, Query


@pytest.mark.parametrize(
    "make",
    [
        lambda: QRCode(""),
        lambda: QRCode(b"x" * 3000),
        lambda: Barcode(""),
        lambda: Barcode("张三"),
        lambda: Barcode("tab\there"),
        lambda: Image(b"not a picture"),
        lambda: Spacing(0),
        lambda: Document(("just a string",)),  # type: ignore[arg-type]
    ],
)
def test_bad_blocks_fail_where_they_are_made(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_documents_are_immutable_and_accept_a_list() -> None:
    document = Document([Title("凭证"), Separator()])
    assert document.blocks == (Title("凭证"), Separator())
    with pytest.raises(AttributeError):
        document.name = "other"  # type: ignore[misc]


def test_a_pillow_image_is_kept_as_png() -> None:
    image = Image.from_pil(PILImage.new("RGB", (10, 5), "red"))
    assert image.png.startswith(b"\x89PNG") and image.picture().size == (10, 5)


def test_chinese_takes_two_columns_and_rows_line_up_on_the_right() -> None:
    assert layout.columns("张三 Li") == 7
    lines = [
        layout.row(key, value, 32)[0] for key, value in [("姓名", "张三"), ("Amount", "¥ 1.00")]
    ]
    assert all(layout.columns(line) == 32 for line in lines)
    assert lines[0].endswith("张三") and lines[1].endswith("¥ 1.00")


def test_long_rows_and_text_wrap_within_the_width() -> None:
    lines = layout.row("一个很长很长的项目名称", "一个同样很长很长的值" * 2, 16)
    assert all(layout.columns(line) <= 16 for line in lines)
    assert lines[-1].endswith("的值") and layout.columns(lines[-1]) == 16
    assert layout.wrap("Please keep this receipt", 10) == ["Please", "keep this", "receipt"]


def test_control_characters_cannot_smuggle_printer_commands() -> None:
    data = EscposEncoder().encode(Document((Text("A\x1bB\x1dV\x00C"), Row("k\x1b@", "v")))).data
    assert b"A B V C" in data and b"k @" in data


def test_native_text_is_gb18030_in_chinese_mode_and_the_job_ends_with_a_cut() -> None:
    data = EscposEncoder(text_mode="native").encode(Document((Text("凭证"),))).data
    assert data.startswith(b"\x1b@")
    assert b"\x1c&" in data  # FS &: Chinese mode
    assert "凭证".encode("gb18030") + b"\n" in data
    assert data.endswith(b"\x1bJ\x78" + b"\x1dV\x00")  # feed 15 mm past the cutter, cut


def test_raster_text_sends_no_text_bytes() -> None:
    data = EscposEncoder(text_mode="raster").encode(Document((Text("凭证"),))).data
    assert "凭证".encode("gb18030") not in data and b"\x1c&" not in data
    assert b"\x1dv0\x00" + (576 // 8).to_bytes(2, "little") in data  # GS v 0, 72 bytes a row


def test_raster_images_match_python_escpos() -> None:
    picture = PILImage.new("L", (100, 40), 255)
    ImageDraw.Draw(picture).ellipse((10, 5, 90, 35), fill=0)
    reference = Dummy(profile="TM-T20II")
    reference.image(picture, impl="bitImageRaster")
    assert raster_image(picture) == reference.output


def test_native_qr_codes_match_python_escpos() -> None:
    reference = Dummy(profile="TM-T20II")
    reference.qr("https://example.gov.cn/?q=1", native=True, size=6, ec=1)  # 1: level M
    assert qr_native(b"https://example.gov.cn/?q=1", 6) == reference.output


def test_status_bits_match_python_escpos_masks() -> None:
    assert PrinterStatus().answer(Query.PAPER) == RT_MASK_PAPER
    assert PrinterStatus(near_end=True).answer(Query.PAPER) == RT_MASK_LOWPAPER
    # An empty roll trips the near-end sensor too (0x7E), as python-escpos' mask test allows.
    assert PrinterStatus(paper_end=True).answer(Query.PAPER) & RT_MASK_NOPAPER == RT_MASK_NOPAPER
    assert PrinterStatus(cover_open=True).answer(Query.PRINTER) & RT_MASK_ONLINE
    assert PrinterStatus.parse(0x12, 0x12, RT_MASK_NOPAPER) == PrinterStatus(paper_end=True)


def test_a_barcode_wider_than_the_paper_is_a_layout_error() -> None:
    with pytest.raises(LayoutError, match="58 mm"):
        EscposEncoder(paper_mm=58).encode(Document((Barcode("X" * 40),)))
    assert EscposEncoder(paper_mm=80).encode(Document((Barcode("X" * 20),))).data


def test_the_encoder_measures_the_paper_it_uses() -> None:
    document = Document((Title("凭证"), Row("a", "b"), Spacing(3), QRCode("x" * 30)))
    native = EscposEncoder().encode(document)
    raster = EscposEncoder(text_mode="raster", code_mode="raster").encode(document)
    assert native.dots == raster.dots
    assert 40 < native.mm < 80


@pytest.mark.parametrize(
    "arguments", [{"paper_mm": 76}, {"text_mode": "fancy"}, {"code_mode": "svg"}]
)
def test_bad_encoder_settings_raise_value_error(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EscposEncoder(**arguments)  # type: ignore[arg-type]


def test_pictures_are_shrunk_to_the_paper() -> None:
    buffer = io.BytesIO()
    PILImage.new("RGBA", (1200, 300), (0, 0, 0, 0)).save(buffer, "PNG")
    data = EscposEncoder(paper_mm=58).encode(Document((Image(buffer.getvalue()),))).data
    assert b"\x1dv0\x00" + (384 // 8).to_bytes(2, "little") + (96).to_bytes(2, "little") in data
    assert Align.CENTER  # pictures are centred by fit(); transparent parts print white
