"""The message catalogs: every language has every message, with the same placeholders."""

from __future__ import annotations

import re

from devices.idcard.sw3 import CODES
from devices.model import Notice
from kiosk.i18n import Catalogs, placeholders
from screens.console.devices import problem_summary
from tests.conftest import ROOT

# A problem's code as the device layer writes it: "printer.paper_out", first in its call.
PROBLEM_CODE = re.compile(r'"((?:camera|port|device|idcard|printer|scanner|wedge)\.[a-z_]+)"')


def test_every_language_has_every_message_with_the_same_placeholders(catalogs: Catalogs) -> None:
    reference = catalogs.messages["zh"]
    for language in catalogs.languages:
        messages = catalogs.messages[language]
        assert set(messages) == set(reference), language
        for key, text in messages.items():
            assert text.strip(), (language, key)
            assert placeholders(text) == placeholders(reference[key]), (language, key)


def test_a_missing_message_falls_back_to_chinese_instead_of_failing(caplog) -> None:
    catalogs = Catalogs({"zh": {"a": "甲 {n}"}, "en": {}})
    assert catalogs.text("en", "a", n=1) == "甲 1"
    assert "no 'en' text for 'a'" in caplog.text


def test_data_texts_are_picked_by_language(catalogs: Catalogs) -> None:
    tr = catalogs.translator("en")
    assert tr.pick({"zh": "取号", "en": "Take a number"}) == "Take a number"
    assert tr("catalog.page", page=1, pages=2) == "Page 1 of 2"


def test_every_device_notice_has_a_plain_text_in_every_language(catalogs: Catalogs) -> None:
    for language in catalogs.languages:
        for notice in Notice:
            assert f"device.notice.{notice}" in catalogs.messages[language], (language, notice)


def test_every_device_problem_has_a_text_for_the_technician_in_every_language(
    catalogs: Catalogs,
) -> None:
    """The codes are found in the device layer's source, where each is written once."""
    codes = {
        match
        for path in (ROOT / "devices").rglob("*.py")
        if "sim" not in path.relative_to(ROOT / "devices").parts
        for match in PROBLEM_CODE.findall(path.read_text(encoding="utf-8"))
    }
    assert {"printer.paper_out", "idcard.no_answer", "port.unavailable"} <= codes
    for language in catalogs.languages:
        tr = catalogs.translator(language)
        for code in sorted(codes):
            assert problem_summary(tr, code), (language, code)
        for sw3 in CODES:
            assert f"{sw3:02X}" in problem_summary(tr, f"idcard.sw3.{sw3:02x}")
