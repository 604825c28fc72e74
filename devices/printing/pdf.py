"""A document as an A4 portrait PDF (fpdf2), with the CJK font embedded (subset), so the PDF
prints and displays the same everywhere, Chinese included.

Layout: 20 mm margins; the title large, bold and centred; text at 11 pt (LARGE 16 pt);
consecutive rows as one two-column table; QR codes 40 mm wide, centred; barcodes and pictures
at the receipt printer's 8 dots per millimetre, so a logo has the same size on both.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align as FpdfAlign
from fpdf.enums import XPos, YPos

from devices.printing import layout, raster
from devices.printing.document import (
    Align,
    Barcode,
    Block,
    Document,
    Image,
    QRCode,
    Row,
    Separator,
    Size,
    Spacing,
    Text,
    Title,
)
from devices.printing.fonts import cjk_font
from devices.printing.raster import DOTS_PER_MM

FAMILY = "cjk"
MARGIN_MM = 20
LINE_MM = 6
QR_MM = 40
KEY_SHARE = 35  # of the table's width, for the key column
ALIGN = {Align.LEFT: "L", Align.CENTER: "C", Align.RIGHT: "R"}


def render_pdf(document: Document) -> bytes:
    """The PDF's bytes; `MissingFont` when no CJK font is installed."""
    regular, bold = cjk_font(), cjk_font(bold=True)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, MARGIN_MM)
    pdf.add_font(FAMILY, "", regular.path, collection_font_number=regular.index)
    pdf.add_font(FAMILY, "B", bold.path, collection_font_number=bold.index)
    pdf.set_title(document.name)
    pdf.set_creator("kiosk terminal")
    pdf.add_page()
    rows: list[Row] = []
    for block in document.blocks:
        if isinstance(block, Row):
            rows.append(block)
            continue
        _table(pdf, rows)
        rows = []
        _block(pdf, block)
    _table(pdf, rows)
    return bytes(pdf.output())


def _block(pdf: FPDF, block: Block) -> None:
    match block:
        case Title(text):
            _text(pdf, text, Align.CENTER, bold=True, points=18)
            pdf.ln(2)
        case Text(text, align, bold, size):
            _text(pdf, text, align, bold, points=16 if size is Size.LARGE else 11)
        case QRCode():
            pdf.ln(2)
            pdf.image(raster.qr_image(block.data, module=8), x=FpdfAlign.C, w=QR_MM)
            if block.caption:
                _text(pdf, block.caption, Align.CENTER, bold=False, points=10)
        case Barcode(data):
            picture = raster.barcode_image(data, module=3, height=12 * DOTS_PER_MM)
            pdf.ln(2)
            pdf.image(picture, x=FpdfAlign.C, w=picture.width / DOTS_PER_MM)
            pdf.ln(2)
        case Image():
            picture = block.picture()
            pdf.image(picture, x=FpdfAlign.C, w=min(pdf.epw, picture.width / DOTS_PER_MM))
            pdf.ln(2)
        case Separator():
            pdf.ln(2)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
            pdf.ln(2)
        case Spacing(lines):
            pdf.ln(lines * LINE_MM)


def _text(pdf: FPDF, text: str, align: Align, bold: bool, points: int) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", points)
    pdf.multi_cell(
        0, points * 0.5, layout.clean(text), align=ALIGN[align], new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def _table(pdf: FPDF, rows: list[Row]) -> None:
    if not rows:
        return
    pdf.set_font(FAMILY, "", 11)
    pdf.ln(1)
    with pdf.table(
        col_widths=(KEY_SHARE, 100 - KEY_SHARE), first_row_as_headings=False, line_height=7
    ) as table:
        for row in rows:
            cells = table.row()
            cells.cell(layout.one_line(row.key))
            cells.cell(layout.one_line(row.value))
    pdf.ln(2)
