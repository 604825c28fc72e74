"""What the six services print, as a citizen holds it: every printout in both languages on a
receipt (the ESC/POS encoder and the printer simulator's paper) and on A4 (the PDF, rendered by
Ghostscript), its QR code scanned back, and no full identity number where it must not be."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from devices.model import DeviceEvent
from devices.printing.document import Document
from devices.printing.escpos import EscposEncoder
from devices.printing.jobs import PrintFinished
from devices.printing.pdf import render_pdf
from devices.printing.receipt import build
from devices.sim.escpos_paper import EscposInterpreter, Receipt
from devices.sim.printer import PrinterSimulator
from kiosk import documents
from kiosk.documents import FULL_ID_NUMBER, Check, Printout, mask_phone
from kiosk.i18n import Catalogs, Translator
from offline_queue.wire import Citizen, mask_id_number
from tests.conftest import ROOT
from tests.waiting import wait_until

LANGUAGES = ("zh", "en")
CASE = "K-DEMO-0001-20261122-0007"
AT = datetime(2026, 11, 22, 9, 5)
SITE = "示例社区政务服务中心"
VERIFY_URL = f"https://zwfw.example.gov.cn/verify/{CASE}"
TICKET_QR = "TICKET:K-DEMO-0001:2026-11-22:A023"
UNKNOWN: Any = "maybe"  # neither an outcome nor a way of checking
DEMO = json.loads((ROOT / "central" / "demo_citizens.json").read_text())["citizens"]
CITIZEN = Citizen.model_validate(DEMO[0])  # 王秀英, 110101195803120023
MASKED = mask_id_number(CITIZEN.id_number)
LONG_NAME = "阿依古丽·买买提·艾尼瓦尔·热合曼·库尔班·吐尔逊·阿布都热依木"
LONG_PLACE = "新疆维吾尔自治区乌鲁木齐市天山区解放北路街道大巴扎社区第三居民小组幸福路 128 号院"
LONG_EMPLOYER = "乌鲁木齐示例国际商贸物流与跨境电子商务综合服务有限责任公司（演示）"


def certificate(tr: Translator, citizen: Citizen = CITIZEN) -> Printout:
    return documents.insurance_certificate(tr, citizen, CASE, AT, VERIFY_URL, SITE)


def pension(tr: Translator) -> Printout:
    return documents.pension_receipt(
        tr, CITIZEN.name, MASKED, CASE, AT, "passed", "demo comparator (not biometric)", SITE
    )


def senior_card(tr: Translator) -> Printout:
    rows = [(tr("doc.name"), CITIZEN.name), (tr("doc.id_number"), MASKED)]
    rows.append((tr("doc.phone"), mask_phone("13812345678")))
    return documents.application_receipt(tr, "老年人优待证申领", CASE, AT, rows, SITE)


def newborn(tr: Translator) -> Printout:
    items = [
        ("出生医学证明", f"{CASE}-1"),
        ("户口登记", f"{CASE}-2"),
        ("医保参保", f"{CASE}-3"),
    ]
    rows = [(tr("doc.name"), CITIZEN.name), (tr("doc.id_number"), MASKED)]
    return documents.application_receipt(
        tr, '新生儿出生"一件事"', CASE, AT, rows, SITE, items, "请于 5 个工作日内留意短信通知。"
    )


def ticket(tr: Translator, waiting: int | None = 5) -> Printout:
    return documents.queue_ticket(
        tr, "A023", "社保医保", "1–4 号窗口", waiting, AT, SITE, TICKET_QR
    )


def verified(tr: Translator) -> Printout:
    return documents.verified_copy(
        tr,
        CITIZEN.name,
        MASKED,
        "online",
        datetime(2026, 11, 22, 9, 10),
        CASE,
        AT,
        VERIFY_URL,
        SITE,
    )


# Each printout and the text its QR code must scan as.
PRINTOUTS: dict[str, tuple[Callable[[Translator], Printout], str]] = {
    "certificate": (certificate, VERIFY_URL),
    "pension": (pension, ""),
    "senior-card": (senior_card, CASE),
    "newborn": (newborn, CASE),
    "ticket": (ticket, TICKET_QR),
    "verified-copy": (verified, VERIFY_URL),
}


@pytest.fixture(params=LANGUAGES)
def tr(request: pytest.FixtureRequest, catalogs: Catalogs) -> Translator:
    return catalogs.translator(request.param)


def on_receipt(
    document: Document, paper_mm: int = 80, text_mode: str = "native", code_mode: str = "native"
) -> Receipt:
    encoder = EscposEncoder(paper_mm, text_mode, code_mode)
    paper = EscposInterpreter(encoder.dots)
    paper.feed(encoder.encode(document).data)
    (receipt,) = paper.take()
    return receipt


def scanned(picture: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(picture)]


def flat(lines: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    """Printed lines joined without the spaces that layout puts in, to find wrapped text."""
    return "".join("".join(lines).split())


needs_gs = pytest.mark.skipif(shutil.which("gs") is None, reason="needs Ghostscript")
GS = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"]


def on_a4(document: Document, folder: Path) -> tuple[str, list[Image.Image]]:
    """The PDF's text and its pages as pictures (150 dpi), as Ghostscript renders them."""
    pdf = folder / "printout.pdf"
    pdf.write_bytes(render_pdf(document))
    text = subprocess.run(
        [*GS, "-sDEVICE=txtwrite", "-sOutputFile=-", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    subprocess.run([*GS, "-sDEVICE=pnggray", "-r150", f"-sOutputFile={folder}/page-%d.png", pdf])
    pages: list[Image.Image] = [Image.open(page) for page in sorted(folder.glob("page-*.png"))]
    return text, pages


# -- every printout, every language, every medium ------------------------------------------


@pytest.mark.parametrize("kind", PRINTOUTS)
@pytest.mark.parametrize(
    ("paper_mm", "text_mode", "code_mode"),
    [(80, "native", "native"), (58, "native", "native"), (80, "raster", "raster")],
)
def test_every_printout_prints_on_a_receipt_and_its_qr_code_scans(
    tr: Translator, kind: str, paper_mm: int, text_mode: str, code_mode: str, tmp_path: Path
) -> None:
    build_printout, qr_text = PRINTOUTS[kind]
    printout = build_printout(tr)

    receipt = on_receipt(printout.document, paper_mm, text_mode, code_mode)

    receipt.image.save(tmp_path / f"{kind}-{tr.language}-{paper_mm}.png")
    assert receipt.image.width == {80: 576, 58: 384}[paper_mm] + 2 * 32  # margins drawn
    assert scanned(receipt.image) == ([qr_text] if qr_text else [])
    if text_mode == "native":  # the printer's own font: the lines are what it printed
        printed = flat(receipt.lines)
        assert (CASE if kind != "ticket" else "A023") in printed
        assert flat([SITE]) in printed


@needs_gs
@pytest.mark.parametrize("kind", PRINTOUTS)
def test_every_printout_lays_out_on_a4_and_its_qr_code_scans(
    tr: Translator, kind: str, tmp_path: Path
) -> None:
    build_printout, qr_text = PRINTOUTS[kind]
    printout = build_printout(tr)

    text, pages = on_a4(printout.document, tmp_path)

    assert len(pages) == 1 and pages[0].size == (1240, 1754)  # one A4 portrait page
    assert scanned(pages[0]) == ([qr_text] if qr_text else [])
    assert flat([SITE]) in flat([text])


def test_the_whole_receipt_path_prints_every_printout_through_the_simulated_printer(
    catalogs: Catalogs, tmp_path: Path
) -> None:
    tr = catalogs.translator("zh")
    finished: list[PrintFinished] = []

    def on_event(event: DeviceEvent) -> None:
        if isinstance(event, PrintFinished):
            finished.append(event)

    with PrinterSimulator(tmp_path) as sim:
        printer = build("receipt", sim.address, {})
        printer.subscribe(on_event)
        printer.open()
        try:
            for build_printout, _ in PRINTOUTS.values():
                printer.print(build_printout(tr).document)
            receipts = sim.wait_for_receipts(len(PRINTOUTS), timeout_s=30)
            wait_until(lambda: len(finished) == len(PRINTOUTS), "every job finished", 30)
        finally:
            printer.close()
    assert all(event.ok for event in finished)
    for receipt, (_, qr_text) in zip(receipts, PRINTOUTS.values(), strict=True):
        assert receipt.path is not None and receipt.path.exists()
        assert scanned(Image.open(receipt.path)) == ([qr_text] if qr_text else [])


def test_every_printout_finds_all_its_texts_in_the_catalogs(
    tr: Translator, caplog: pytest.LogCaptureFixture
) -> None:
    for build_printout, _ in PRINTOUTS.values():
        build_printout(tr)
    assert "text for" not in caplog.text  # no key missing, no fallback to another language


# -- identity numbers ---------------------------------------------------------------------


def test_only_the_certificate_carries_the_full_identity_number(
    tr: Translator, tmp_path: Path
) -> None:
    for kind, (build_printout, _) in PRINTOUTS.items():
        lines = on_receipt(build_printout(tr).document).lines
        printed = flat(lines)
        assert (CITIZEN.id_number in printed) is (kind == "certificate"), kind
        assert (FULL_ID_NUMBER.search("\n".join(lines)) is not None) is (kind == "certificate")
        if kind != "certificate" and kind != "ticket":
            assert MASKED in printed, kind


def test_nothing_spoken_holds_an_identity_number_and_the_case_number_is_its_tail(
    tr: Translator,
) -> None:
    for kind, (build_printout, _) in PRINTOUTS.items():
        spoken = build_printout(tr).spoken
        assert spoken.strip(), kind
        assert FULL_ID_NUMBER.search(spoken) is None, kind
        assert CITIZEN.id_number[-4:] not in spoken and CITIZEN.name not in spoken, kind
        if kind != "ticket":
            assert "0007" in spoken and CASE not in spoken, kind
    assert "A023" in ticket(tr).spoken


@pytest.mark.parametrize(
    "make",
    [
        lambda tr: documents.application_receipt(
            tr, "老年人优待证申领", CASE, AT, [("证件号码", CITIZEN.id_number)], SITE
        ),
        lambda tr: documents.pension_receipt(
            tr, "王秀英", CITIZEN.id_number, CASE, AT, "passed", "", SITE
        ),
        lambda tr: documents.verified_copy(
            tr, "王秀英", "91127619790228001X", "online", AT, CASE, AT, VERIFY_URL, SITE
        ),
        lambda tr: documents.queue_ticket(
            tr, "A001", "社保", "1 号窗口", 0, AT, SITE, CITIZEN.id_number
        ),
        lambda tr: documents.application_receipt(
            tr, "新生儿", CASE, AT, [], SITE, [("出生医学证明", "ABC123456789012")]
        ),
    ],
    ids=["row", "pension", "verified-permit", "ticket-qr", "old-foreign-card"],
)
def test_a_full_identity_number_slipped_into_a_receipt_is_refused_without_repeating_it(
    tr: Translator, make: Callable[[Translator], Printout]
) -> None:
    with pytest.raises(ValueError, match="full identity number") as caught:
        make(tr)
    message = str(caught.value)
    assert FULL_ID_NUMBER.search(message) is None
    assert "mask" in message


def test_receipts_mask_phone_numbers_as_citizens_know_them() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86*******5678"
    assert mask_phone("5678") == "**78"


# -- contents -----------------------------------------------------------------------------


def test_dates_and_times_read_the_way_each_language_writes_them(catalogs: Catalogs) -> None:
    zh, en = catalogs.translator("zh"), catalogs.translator("en")
    assert documents.format_datetime(zh, AT) == "2026年11月22日 09:05"
    assert documents.format_datetime(en, AT) == "22 November 2026, 09:05"
    assert "参保日期1992年7月1日" in flat(on_receipt(certificate(zh).document).lines)
    assert "Insuredsince1July1992" in flat(on_receipt(certificate(en).document).lines)


@pytest.fixture
def shanghai_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("shanghai_time")
def test_a_utc_time_prints_as_the_sites_local_time(catalogs: Catalogs) -> None:
    moment = datetime(2026, 11, 22, 1, 5, tzinfo=UTC)
    assert documents.format_datetime(catalogs.translator("zh"), moment) == "2026年11月22日 09:05"


def test_the_certificate_says_plainly_when_insurance_is_suspended_or_absent(
    catalogs: Catalogs,
) -> None:
    data = json.loads(json.dumps(DEMO[2]))  # 阿依古丽·买买提: suspended
    suspended = flat(
        on_receipt(
            certificate(catalogs.translator("zh"), Citizen.model_validate(data)).document
        ).lines
    )
    assert "参保状态暂停缴费" in suspended and "合计30个月" in suspended
    data["social_insurance"] |= {"status": "none", "insured_since": None, "contributions": []}
    none = Citizen.model_validate(data)
    zh = flat(on_receipt(certificate(catalogs.translator("zh"), none).document).lines)
    assert "参保状态未参保" in zh and "参保日期无记录" in zh and "暂无缴费记录。" in zh
    en = flat(on_receipt(certificate(catalogs.translator("en"), none).document).lines)
    assert "StatusNotinsured" in en and "Nocontributionsonrecord." in en


def test_one_month_of_contributions_is_not_one_months(catalogs: Catalogs) -> None:
    data = json.loads(json.dumps(DEMO[0]))
    data["social_insurance"]["contributions"] = [{"year": 2026, "months": 1, "employer": "甲"}]
    printed = on_receipt(
        certificate(catalogs.translator("en"), Citizen.model_validate(data)).document
    )
    assert "2026 (1 month)" in "\n".join(printed.lines)
    assert "Total" in "\n".join(printed.lines) and "1 months" not in "\n".join(printed.lines)


def test_an_offline_pension_check_says_it_goes_to_the_platform_when_the_network_is_back(
    catalogs: Catalogs,
) -> None:
    for language, result, note in (
        ("zh", "认证结果已受理，待联网核验", "网络恢复后自动上传平台核验"),
        ("en", "ResultReceived,tobecheckedonline", "goestotheplatformtobechecked"),
    ):
        tr = catalogs.translator(language)
        printout = documents.pension_receipt(tr, "王秀英", MASKED, CASE, AT, "pending", "", SITE)
        printed = flat(on_receipt(printout.document).lines)
        assert result in printed and note in printed
        assert printout.spoken != pension(tr).spoken
        assert "0007" in printout.spoken


def test_the_bundle_receipt_lists_each_item_with_its_own_case_number(catalogs: Catalogs) -> None:
    lines = on_receipt(newborn(catalogs.translator("zh")).document).lines
    for number, item in enumerate(("出生医学证明", "户口登记", "医保参保"), 1):
        row = next(line for line in lines if line.startswith(item))
        assert row.endswith(f"{CASE}-{number}")
    assert "请于 5 个工作日内留意短信通知。" in lines


@pytest.mark.parametrize(
    ("waiting", "zh_row", "en_row", "en_spoken"),
    [
        (None, "网络中断，暂无法统计", "Unknown while offline", "Please watch the screen"),
        (0, "无人等候", "Nobody", "Nobody is ahead of you."),
        (1, "1 人", "1 person", "One person is ahead of you."),
        (12, "12 人", "12 people", "12 people are ahead of you."),
    ],
)
def test_a_ticket_says_how_many_are_ahead_or_that_it_is_unknown_offline(
    catalogs: Catalogs, waiting: int | None, zh_row: str, en_row: str, en_spoken: str
) -> None:
    zh_lines = on_receipt(ticket(catalogs.translator("zh"), waiting).document).lines
    assert any(line.startswith("前面等候") and line.endswith(zh_row) for line in zh_lines)
    assert "本号仅限当天使用，过号请到服务台咨询。" in zh_lines
    english = ticket(catalogs.translator("en"), waiting)
    en_lines = on_receipt(english.document).lines
    assert any(line.startswith("Ahead of you") and line.endswith(en_row) for line in en_lines)
    assert en_spoken in english.spoken and "A023" in english.spoken


def test_the_ticket_number_prints_large(catalogs: Catalogs) -> None:
    data = EscposEncoder().encode(ticket(catalogs.translator("zh")).document).data
    assert b"\x1d!\x11\x1b3<A023\n" in data  # GS ! 0x11: twice as wide and twice as tall


def test_a_verified_copy_says_how_it_was_checked(catalogs: Catalogs) -> None:
    said: dict[Check, tuple[str, str]] = {
        "online": ("联网核验（平台确认）", "Online, confirmed by the platform"),
        "offline": ("离线核验（本机验证平台签名）", "the platform's signature checked on this"),
    }
    for checked, texts in said.items():
        for language, expected in zip(LANGUAGES, texts, strict=True):
            tr = catalogs.translator(language)
            printout = documents.verified_copy(
                tr, "王秀英", MASKED, checked, AT, CASE, AT, VERIFY_URL, SITE
            )
            assert flat([expected]) in flat(on_receipt(printout.document).lines)


# -- long texts ---------------------------------------------------------------------------


def long_certificate(tr: Translator) -> Printout:
    data = json.loads(json.dumps(DEMO[2]))
    data["name"] = LONG_NAME
    data["social_insurance"]["region"] = LONG_PLACE
    data["social_insurance"]["contributions"] = [
        {"year": year, "months": 12, "employer": LONG_EMPLOYER} for year in range(1990, 2027)
    ]
    return certificate(tr, Citizen.model_validate(data))


def long_application(tr: Translator) -> Printout:
    rows = [(tr("doc.name"), LONG_NAME), ("居住地址 Home address", LONG_PLACE)]
    return documents.application_receipt(
        tr, "新生儿出生“一件事”联办（出生医学证明、户口登记、医保参保）", CASE, AT, rows,
        LONG_PLACE, [(LONG_EMPLOYER, f"{CASE}-1")], LONG_PLACE * 3,
    )  # fmt: skip


@pytest.mark.parametrize("make", [long_certificate, long_application])
@pytest.mark.parametrize(
    ("paper_mm", "text_mode"), [(58, "native"), (58, "raster"), (80, "native")]
)
def test_long_names_and_addresses_wrap_on_a_receipt_and_nothing_is_cut_off(
    tr: Translator, make: Callable[[Translator], Printout], paper_mm: int, text_mode: str
) -> None:
    receipt = on_receipt(make(tr).document, paper_mm, text_mode, text_mode)
    assert len(scanned(receipt.image)) == 1
    if text_mode == "native":
        printed = flat(receipt.lines)
        for text in (LONG_NAME, LONG_PLACE, LONG_EMPLOYER):
            assert flat([text]) in printed


@needs_gs
@pytest.mark.parametrize("make", [long_certificate, long_application])
def test_long_names_and_addresses_wrap_on_a4(
    catalogs: Catalogs, make: Callable[[Translator], Printout], tmp_path: Path
) -> None:
    text, pages = on_a4(make(catalogs.translator("zh")).document, tmp_path)
    assert sum(len(scanned(page)) for page in pages) == 1
    # A wrapped value's lines come out with its key (centred beside them) in between.
    printed = flat([text])
    for key in ("姓名", "参保地", "居住地址 Home address", "办理地点"):
        printed = printed.replace(flat([key]), "")
    for long_text in (LONG_NAME, LONG_PLACE):
        assert flat([long_text]) in printed


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (
            lambda tr: documents.pension_receipt(tr, "甲", MASKED, CASE, AT, UNKNOWN, "", SITE),
            "outcome 'maybe'",
        ),
        (
            lambda tr: documents.verified_copy(
                tr, "甲", MASKED, UNKNOWN, AT, CASE, AT, VERIFY_URL, SITE
            ),
            "checked 'maybe'",
        ),
        (lambda tr: ticket(tr, waiting=-1), "-1 people waiting"),
        (
            lambda tr: documents.insurance_certificate(tr, CITIZEN, CASE, AT, "", SITE),
            "verify_url is empty",
        ),
        (
            lambda tr: documents.application_receipt(tr, "优待证", " ", AT, [], SITE),
            "case_number is empty",
        ),
        (
            lambda tr: documents.queue_ticket(tr, "A001", "社保", "1 号窗口", 0, AT, SITE, ""),
            "qr_text is empty",
        ),
        (
            lambda tr: documents.insurance_certificate(tr, CITIZEN, CASE, AT, "x" * 3000, SITE),
            "at most 2331 fit",
        ),
    ],
    ids=["outcome", "checked", "waiting", "verify-url", "case", "ticket-qr", "qr-too-long"],
)
def test_bad_values_are_a_clear_error_when_the_printout_is_built(
    tr: Translator, make: Callable[[Translator], Printout], error: str
) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(")):
        make(tr)


def test_control_characters_from_a_card_or_the_platform_print_as_spaces(
    catalogs: Catalogs,
) -> None:
    data = json.loads(json.dumps(DEMO[0]))
    data["name"] = "王秀英\x1bd\x07"  # ESC d would feed paper; BEL would ring
    printout = certificate(catalogs.translator("zh"), Citizen.model_validate(data))
    encoded = EscposEncoder().encode(printout.document).data
    assert b"\x1bd" not in encoded and b"\x07" not in encoded
    lines = on_receipt(printout.document).lines
    assert any(line.startswith("姓名") and "王秀英 d" in line for line in lines)


def printer_columns(line: str) -> int:
    """Columns as a printer in Chinese mode counts them: every double-byte GB18030 character
    prints full width (24 dots), ASCII half width."""
    return sum(1 if len(char.encode("gb18030", errors="replace")) == 1 else 2 for char in line)


def test_a_name_with_a_middle_dot_fits_the_line_as_a_printer_counts_it(
    catalogs: Catalogs,
) -> None:
    name = DEMO[2]["name"]  # 阿依古丽·买买提, a demo citizen's name as the ID card gives it
    printout = documents.pension_receipt(
        catalogs.translator("zh"), name, MASKED, CASE, AT, "passed", "", SITE
    )
    lines = on_receipt(printout.document).lines
    assert max(printer_columns(line) for line in lines) <= 48
