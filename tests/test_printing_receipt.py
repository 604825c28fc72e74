"""The receipt printer adapter driving the ESC/POS simulator over a real pseudo-terminal (and a
real TCP socket): what prints, what the citizen and the technician see when it cannot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from devices.model import DeviceError, DeviceEvent, DeviceState, HealthLevel, Notice, Problem
from devices.printing import layout
from devices.printing.document import Align, Barcode, Document, QRCode, Row, Separator, Text, Title
from devices.printing.jobs import PrintFinished
from devices.printing.receipt import TEST_QR, ReceiptPrinter, build
from devices.sim.escpos_paper import EscposInterpreter, Receipt
from devices.sim.printer import PrinterSimulator
from devices.supervisor import Supervisor
from tests.waiting import wait_until

WAIT_S = 10.0
PAYLOAD = "https://zwfw.example.gov.cn/check?id=2024-000123&name=张三"

RECEIPT = Document(
    (
        Title("社保缴费凭证"),
        Text("Social insurance payment", Align.CENTER),
        Separator(),
        Row("姓名 Name", "张三"),
        Row("金额 Amount", "¥ 1,234.00"),
        Text("请妥善保管本凭证。", bold=True),
        QRCode(PAYLOAD, caption="扫码查验"),
        Barcode("ZW-2024-000123"),
    ),
    "payment receipt",
)


class Recorder:
    """Every event a device emits, and waits for the ones a test expects."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: DeviceEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def finished(self, job: str) -> PrintFinished:
        with self._changed:
            assert self._changed.wait_for(lambda: self._find(job) is not None, WAIT_S), job
            found = self._find(job)
            assert found is not None
            return found

    def problems(self, code: str) -> list[Problem]:
        return [
            e.problem for e in self.events if isinstance(e, DeviceError) and e.problem.code == code
        ]

    def _find(self, job: str) -> PrintFinished | None:
        return next((e for e in self.events if isinstance(e, PrintFinished) and e.job == job), None)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "sim", tcp_port=0) as simulator:
        yield simulator


PrinterFactory = Callable[..., tuple[ReceiptPrinter, Recorder]]


@pytest.fixture
def open_printer(sim: PrinterSimulator) -> Iterator[PrinterFactory]:
    printers: list[ReceiptPrinter] = []

    def make(port: str | None = None, **options: object) -> tuple[ReceiptPrinter, Recorder]:
        printer = build("receipt", port or sim.address, options)
        recorder = Recorder()
        printer.subscribe(recorder)
        printer.open()
        printers.append(printer)
        return printer, recorder

    yield make
    for printer in printers:
        printer.close()


def decoded_codes(receipt: Receipt) -> dict[str, bytes]:
    return {code.format.name: code.bytes for code in zxingcpp.read_barcodes(receipt.image)}


@pytest.mark.parametrize(
    ("text_mode", "qr_mode"), [("native", "native"), ("raster", "raster"), ("native", "raster")]
)
def test_a_chinese_receipt_prints_and_its_codes_scan_back(
    sim: PrinterSimulator, open_printer: PrinterFactory, text_mode: str, qr_mode: str
) -> None:
    printer, recorder = open_printer(text_mode=text_mode, qr_mode=qr_mode)
    assert printer.state is DeviceState.ONLINE

    job = printer.print(RECEIPT)

    assert recorder.finished(job).ok
    (receipt,) = sim.wait_for_receipts(1)
    assert receipt.path is not None and receipt.path.exists()
    assert Image.open(receipt.path).width == 576 + 2 * 32  # 80 mm paper, margins drawn
    codes = decoded_codes(receipt)
    assert codes["QRCode"] == PAYLOAD.encode()
    assert codes["Code128"] == b"ZW-2024-000123"
    if text_mode == "native":  # the printer's own font: its text is what it decoded (GB18030)
        assert receipt.lines[0] == "社保缴费凭证"
        name_row = next(line for line in receipt.lines if line.startswith("姓名"))
        assert name_row.endswith("张三") and layout.columns(name_row) == 48
        assert "请妥善保管本凭证。" in receipt.lines
    counters = printer.status().counters
    assert (counters["jobs"], counters["printed"]) == (1, 1)
    assert 100 < counters["paper_mm"] < 200


def test_a_binary_qr_payload_prints_unchanged_and_status_still_reads(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    # A signed payload can hold anything, here even the bytes of a status request (DLE EOT 1).
    payload = bytes(range(256)) + b"\x10\x04\x01\x10\x04\x02"
    printer, recorder = open_printer()
    assert recorder.finished(printer.print(Document((QRCode(payload),)))).ok
    (receipt,) = sim.wait_for_receipts(1)
    assert decoded_codes(receipt)["QRCode"] == payload
    assert printer.check_health(HealthLevel.INTERNAL).ok


def test_58_mm_paper_lays_out_in_32_columns(tmp_path: Path, open_printer: PrinterFactory) -> None:
    with PrinterSimulator(tmp_path / "narrow", paper_mm=58) as narrow:
        printer, recorder = open_printer(narrow.address, paper_width=58)
        assert recorder.finished(printer.print(RECEIPT)).ok
        (receipt,) = narrow.wait_for_receipts(1)
        printer.close()
    assert receipt.image.width == 384 + 2 * 32
    assert all(layout.columns(line) <= 32 for line in receipt.lines)
    assert decoded_codes(receipt)["QRCode"] == PAYLOAD.encode()


def test_paper_out_is_a_user_error_a_job_fails_plainly_and_a_refill_recovers(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    printer, recorder = open_printer()
    sim.paper_out()
    wait_until(lambda: printer.state is DeviceState.USER_ERROR)
    status = printer.status()
    assert status.last_error is not None
    assert status.last_error.notice is Notice.PRINTER_OUT_OF_PAPER
    assert "out of paper" in status.detail

    refused = recorder.finished(printer.print(RECEIPT))  # no exception, and not lost
    assert refused.problem is not None and refused.problem.notice is Notice.PRINTER_OUT_OF_PAPER
    assert printer.status().counters["failed"] == 1

    sim.refill()
    wait_until(lambda: printer.state is DeviceState.ONLINE)
    assert recorder.finished(printer.print(RECEIPT)).ok
    assert len(sim.wait_for_receipts(1)) == 1 and len(sim.receipts) == 1


def test_paper_near_end_stays_online_and_is_reported_once(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    printer, recorder = open_printer()
    sim.paper_near_end()
    wait_until(lambda: "paper near end" in printer.status().detail)
    assert printer.state is DeviceState.ONLINE
    time.sleep(2.5)  # a few more polls
    assert len(recorder.problems("printer.paper_near_end")) == 1
    assert recorder.finished(printer.print(RECEIPT)).ok


def test_an_open_cover_needs_staff_and_closing_it_recovers(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    printer, recorder = open_printer()
    sim.open_cover()
    wait_until(lambda: printer.state is DeviceState.USER_ERROR)
    assert recorder.problems("printer.cover_open")[0].notice is Notice.CALL_STAFF
    assert not recorder.finished(printer.print(RECEIPT)).ok
    sim.close_cover()
    wait_until(lambda: printer.state is DeviceState.ONLINE)


def test_an_offline_printer_is_a_hardware_error_and_a_silent_one_is_off(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    printer, _ = open_printer()
    sim.go_offline()
    wait_until(lambda: printer.state is DeviceState.HARDWARE_ERROR)
    assert "offline" in printer.status().detail
    sim.go_online()
    printer.reopen()
    assert printer.state is DeviceState.ONLINE

    sim.power_off()
    wait_until(lambda: printer.state is DeviceState.POWER_OFF)
    assert "no answer to DLE EOT" in printer.status().detail


def test_unplug_is_power_off_and_replug_recovers_under_the_supervisor(
    sim: PrinterSimulator,
) -> None:
    printer = build("receipt", sim.address, {})
    recorder = Recorder()
    printer.subscribe(recorder)
    supervisor = Supervisor([printer])
    supervisor.start()
    try:
        wait_until(lambda: printer.state is DeviceState.ONLINE)
        sim.unplug()
        wait_until(lambda: printer.state is DeviceState.POWER_OFF)
        refused = recorder.finished(printer.print(RECEIPT))
        assert refused.problem is not None and refused.problem.code == "printer.not_printed"

        sim.replug()
        wait_until(lambda: printer.state is DeviceState.ONLINE, timeout_s=5.0)
        assert recorder.finished(printer.print(RECEIPT)).ok
        assert len(sim.wait_for_receipts(1)) == 1
    finally:
        supervisor.stop()


def test_a_network_printer_prints_over_a_socket_url(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    printer, recorder = open_printer(sim.url)
    assert printer.state is DeviceState.ONLINE
    assert recorder.finished(printer.print(RECEIPT)).ok
    (receipt,) = sim.wait_for_receipts(1)
    assert receipt.lines[0] == "社保缴费凭证"


def test_a_file_output_gets_the_same_job_bytes(
    tmp_path: Path, open_printer: PrinterFactory
) -> None:
    output = tmp_path / "lp0"
    printer, recorder = open_printer(str(output), transport="file", status=False)
    assert printer.state is DeviceState.ONLINE and "no status" in printer.status().detail
    assert recorder.finished(printer.print(RECEIPT)).ok
    interpreter = EscposInterpreter()
    interpreter.feed(output.read_bytes())
    (receipt,) = interpreter.take()
    assert receipt.lines[0] == "社保缴费凭证"
    assert decoded_codes(receipt)["QRCode"] == PAYLOAD.encode()


def test_a_document_that_cannot_fit_fails_alone(
    tmp_path: Path, open_printer: PrinterFactory
) -> None:
    with PrinterSimulator(tmp_path / "narrow", paper_mm=58) as narrow:
        printer, recorder = open_printer(narrow.address, paper_width=58)
        too_wide = recorder.finished(printer.print(Document((Barcode("X" * 40),))))
        assert too_wide.problem is not None and too_wide.problem.code == "printer.layout"
        assert "dots" in too_wide.problem.technician
        assert printer.state is DeviceState.ONLINE
        assert recorder.finished(printer.print(RECEIPT)).ok
        assert len(narrow.wait_for_receipts(1)) == 1
        printer.close()


def test_status_names_the_printer_it_asked(open_printer: PrinterFactory) -> None:
    printer, _ = open_printer()
    info = printer.status().info
    assert (info.model, info.firmware, info.serial) == (
        "KIOSK ESC/POS simulator",
        "1.0-sim",
        "SIM-0001",
    )


def test_health_checks_ask_status_print_a_slip_and_a_test_page(
    sim: PrinterSimulator, open_printer: PrinterFactory
) -> None:
    printer, _ = open_printer()
    internal = printer.check_health(HealthLevel.INTERNAL)
    assert internal.ok and "DLE EOT status: ready" in internal.text()
    assert not sim.receipts  # no physical effect

    assert printer.check_health(HealthLevel.EXTERNAL).ok
    interactive = printer.check_health(HealthLevel.INTERACTIVE)
    assert interactive.ok and "check the printout" in interactive.text()
    _, page = sim.wait_for_receipts(2)
    assert decoded_codes(page)["QRCode"] == TEST_QR.encode()

    sim.paper_out()
    assert not printer.check_health(HealthLevel.INTERNAL).ok


@pytest.mark.parametrize(
    "options",
    [
        {"paper_width": 70},
        {"paper_width": "80"},
        {"text_mode": "fancy"},
        {"qr_mode": True},
        {"baudrate": "9600"},
        {"baudrate": 12},
        {"status": "yes"},
        {"transport": "usb"},
        {"transport": "file", "status": True},
        {"papr_width": 80},
    ],
)
def test_bad_options_are_a_config_error_naming_the_option(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"^option \w+: "):
        build("receipt", "/dev/null", options)
