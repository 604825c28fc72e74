"""The message catalogs: every language has every message, with the same placeholders."""

from __future__ import annotations

from devices.model import Notice
from kiosk.i18n import Catalogs, placeholders


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
