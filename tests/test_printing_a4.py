"""The A4 printer: PDFs with the CJK font embedded, written to a folder; CUPS missing or a
folder that cannot be written are plain states, not crashes."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import zlib
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from devices.model import DeviceEvent, DeviceState, HealthLevel
from devices.printing.a4 import A4Printer, build
from devices.printing.document import Document, QRCode, Row, Separator, Text, Title
from devices.printing.jobs import PrintFinished

CERTIFICATE = Document(
    (
        Title("居住证明"),
        Separator(),
        Row("姓名", "张三"),
        Row("住址", "山东省济南市历下区泉城路 1 号"),
        Text("兹证明上述人员在本辖区居住。"),
        QRCode("https://zwfw.example.gov.cn/verify/ABC123", caption="扫码验真"),
    ),
    "居住证明",
)


def print_and_wait(printer: A4Printer, document: Document) -> PrintFinished:
    finished: list[PrintFinished] = []
    done = threading.Event()

    def on_event(event: DeviceEvent) -> None:
        if isinstance(event, PrintFinished):
            finished.append(event)
            done.set()

    printer.subscribe(on_event)
    printer.print(document)
    assert done.wait(30)
    return finished[0]


def unicode_in_font_maps(pdf: bytes) -> str:
    """Every character the embedded fonts' ToUnicode maps name (`<glyph> <UTF-16BE>` pairs)."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            text = stream  # fpdf2 leaves the ToUnicode maps uncompressed
        for code in re.findall(rb"<[0-9A-F]{4}> <([0-9A-F]{4})>", text):
            found.append(bytes.fromhex(code.decode()).decode("utf-16-be"))
    return "".join(found)


def test_a_certificate_becomes_a_pdf_with_the_chinese_font_embedded(tmp_path: Path) -> None:
    printer = build("a4", str(tmp_path / "out"), {})
    printer.open()
    try:
        assert printer.state is DeviceState.ONLINE
        finished = print_and_wait(printer, CERTIFICATE)
    finally:
        printer.close()
    assert finished.ok
    pdf = Path(finished.output).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+NotoSansCJKSC", pdf)  # a subset, embedded
    assert b"/FontFile" in pdf
    assert set("居住证明姓名张三山东省济南市兹证明扫码验真") <= set(unicode_in_font_maps(pdf))


@pytest.mark.skipif(shutil.which("gs") is None, reason="needs Ghostscript to read the PDF back")
def test_the_pdf_reads_back_as_text_and_its_qr_code_scans(tmp_path: Path) -> None:
    printer = build("a4", str(tmp_path), {})
    printer.open()
    try:
        finished = print_and_wait(printer, CERTIFICATE)
    finally:
        printer.close()
    gs = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"]
    text = subprocess.run(
        [*gs, "-sDEVICE=txtwrite", "-sOutputFile=-", finished.output],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "居住证明" in text and "山东省济南市历下区泉城路 1 号" in text
    page = tmp_path / "page.png"
    subprocess.run([*gs, "-sDEVICE=pnggray", "-r150", f"-sOutputFile={page}", finished.output])
    with Image.open(page) as picture:
        assert picture.size == (1240, 1754)  # A4 portrait at 150 dpi
        codes = zxingcpp.read_barcodes(picture)
    assert [code.text for code in codes] == ["https://zwfw.example.gov.cn/verify/ABC123"]


def test_a_queue_without_cups_installed_is_no_device_and_jobs_fail_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without `lp`
    printer = build("a4", str(tmp_path), {"queue": "office"})
    printer.open()
    assert printer.state is DeviceState.NO_DEVICE
    assert "`lp` is not installed" in printer.status().detail
    assert "cups-client" in printer.status().detail
    refused = print_and_wait(printer, CERTIFICATE)
    assert refused.problem is not None and refused.problem.code == "printer.not_printed"


def test_a_folder_that_cannot_be_made_is_power_off(tmp_path: Path) -> None:
    (tmp_path / "a file").write_text("")
    printer = build("a4", str(tmp_path / "a file" / "out"), {})
    printer.open()
    assert printer.state is DeviceState.POWER_OFF
    assert "cannot create" in printer.status().detail


def test_health_checks_the_folder_and_writes_a_test_page(tmp_path: Path) -> None:
    printer = build("a4", str(tmp_path), {})
    printer.open()
    try:
        assert printer.check_health(HealthLevel.INTERNAL).ok
        report = printer.check_health(HealthLevel.INTERACTIVE)
    finally:
        printer.close()
    assert report.ok and "check the printout" in report.text()
    (page,) = tmp_path.glob("*.pdf")
    assert str(page) in report.text()
    assert page.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("options", [{"queue": 5}, {"que": "office"}])
def test_bad_options_are_a_config_error(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"^option \w+: "):
        build("a4", "/tmp/pdf", options)
