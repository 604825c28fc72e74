"""What the loudspeaker may say: identity numbers by their last four only, everything else as
written (DESIGN.md §6, §7)."""

from __future__ import annotations

import operator
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard.idnumber import check_digit
from kiosk.speech import contains_identity_number, speakable
from offline_queue.wire import mask_id_number

RESIDENT = "110101199003070023"
OLD = "110101900307002"
FOREIGN = "USA110087051512"


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        (
            f"身份证号{RESIDENT}已读取",
            "身份证号尾号 0 0 2 3已读取",
            "身份证号ending in 0 0 2 3已读取",
        ),
        ("Your number 11010119900307002X is read", None, "Your number ending in 0 0 2 X is read"),
        ("号码 11010119900307002x。", "号码 尾号 0 0 2 X。", None),
        (f"旧号码 {OLD}", "旧号码 尾号 7 0 0 2", None),
        (f"permit {FOREIGN}", None, "permit ending in 1 5 1 2"),
        ("110101********0023", "尾号 0 0 2 3", "ending in 0 0 2 3"),
        ("USA110*****1512", "尾号 1 5 1 2", None),
        ("号码 110101 19900307 0023，请核对", "号码 尾号 0 0 2 3，请核对", None),
        ("1 1 0 1 0 1 1 9 9 0 0 3 0 7 0 0 2 3", "尾号 0 0 2 3", None),
        ("USA 1100 8705 1512", None, "ending in 1 5 1 2"),
        ("USA 110087051512", None, "ending in 1 5 1 2"),
        ("１１０１０１１９９００３０７００２３", "尾号 0 0 2 3", None),
        ("ID110101199003070023", None, "ID ending in 0 0 2 3"),
        # A pause keeps the digits that follow from sounding like part of the tail.
        (f"{RESIDENT} 1234 5678 901", "尾号 0 0 2 3， 1234 5678 901", None),
    ],
)
def test_identity_numbers_are_spoken_by_their_last_four(
    text: str, zh: str | None, en: str | None
) -> None:
    assert contains_identity_number(text) == ("*" not in text)
    for language, expected in (("zh", zh), ("en", en)):
        if expected is not None:
            assert speakable(text, language) == expected
        assert not contains_identity_number(speakable(text, language))


@pytest.mark.parametrize(
    "text",
    [
        "请拨打13812345678或 138 1234 5678 咨询",
        "您的受理编号是 K-DEMO-0001-20261122-0007，请保存",
        "Case K-DEMO-0001-20261122-0007-2 of 3, ticket A023 at windows 1 to 4",
        "日期 2026-11-22，时间 10:30，金额 1234.50 元",
        "1234567890123456",  # 16 digits: a card number perhaps, not an identity number
        "11010119900307002",  # 17 digits
    ],
)
def test_other_numbers_stay_readable(text: str) -> None:
    assert speakable(text, "zh") == text
    assert not contains_identity_number(text)


def test_an_unknown_language_still_masks_in_english_words() -> None:
    assert speakable(RESIDENT, "fr") == "ending in 0 0 2 3"
    assert speakable(RESIDENT, "zh-Hans") == "尾号 0 0 2 3"
    assert speakable(RESIDENT, "") == "ending in 0 0 2 3"


# --- properties ----------------------------------------------------------------------------


@st.composite
def resident_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110101", "370102", "440305", "510104", "650102"]))
    born = draw(st.dates(date(1900, 1, 1), date(2025, 12, 31)))
    first = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first + check_digit(first)


@st.composite
def old_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110101", "370102", "440305"]))
    born = draw(st.dates(date(1900, 1, 1), date(1999, 12, 31)))
    return f"{region}{born:%y%m%d}{draw(st.integers(0, 999)):03d}"


foreign_numbers = st.builds(
    operator.add,
    st.sampled_from(["USA", "GBR", "CAN", "FRA", "JPN", "KOR"]),
    st.from_regex(r"[0-9]{12}", fullmatch=True),
)
numbers = st.one_of(resident_numbers(), old_numbers(), foreign_numbers)


@st.composite
def spaced(draw: st.DrawFn, number: str) -> str:
    """In groups of one to eight, as on a printed form, or digit by digit."""
    groups, rest = [], number
    if number[0].isalpha():
        groups, rest = [number[:3]], number[3:]
    while rest:
        size = draw(st.integers(1, 8))
        groups.append(rest[:size])
        rest = rest[size:]
    return draw(st.sampled_from([" ", "\u3000", "\u00a0"])).join(groups)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@st.composite
def written(draw: st.DrawFn, number: str) -> str:
    form = draw(st.sampled_from(["plain", "masked", "spaced", "full-width", "lower-x"]))
    if form == "masked":
        return mask_id_number(number)
    if form == "spaced":
        return draw(spaced(number))
    if form == "full-width":
        return full_width(number)
    return number.lower() if form == "lower-x" and number[0].isdigit() else number


before = st.sampled_from(
    ["", "身份证号", "您的证件号码是 ", "Your ID number is ", "ID", "（", "13812345678 ", "号码："]
)
after = st.sampled_from(
    ["", "。", "已读取", " has been read.", "）", ", phone 13812345678", " 138 1234 5678", "，谢谢"]
)


@settings(max_examples=500, deadline=None)
@given(st.data(), numbers, before, after, st.sampled_from(["zh", "en"]))
def test_no_identity_number_survives_in_any_form(
    data: st.DataObject, number: str, head: str, tail: str, language: str
) -> None:
    shown = data.draw(written(number))
    spoken = speakable(head + shown + tail, language)
    assert not contains_identity_number(spoken)
    squeezed = spoken.replace(" ", "").replace("\u3000", "").replace("\u00a0", "")
    assert number[:-4] not in squeezed and number[:-4].lower() not in squeezed
    assert speakable(spoken, language) == spoken
    # The citizen can still tell which number it was, unless more digit groups follow the
    # groups of a number, and nothing tells where it ends: then it is masked all the same.
    if not (len(shown.split()) > 1 and tail.startswith(" 1")):
        assert " ".join(number[-4:].upper()) in spoken


@settings(max_examples=300, deadline=None)
@given(st.data(), numbers, before, after)
def test_a_full_number_is_found_in_every_form_but_masked(
    data: st.DataObject, number: str, head: str, tail: str
) -> None:
    shown = data.draw(written(number))
    assert contains_identity_number(head + shown + tail) == ("*" not in shown)


phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
case_numbers = st.builds(
    "K-{}-{:04d}-{:%Y%m%d}-{:04d}{}".format,
    st.sampled_from(["DEMO", "BJ", "SH01"]),
    st.integers(1, 9999),
    st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    st.integers(1, 9999),
    st.sampled_from(["", "-1", "-2", "-3"]),
)
words = st.sampled_from(["请拨打", "受理编号", "窗口", "您好", "Call", "case", "ticket A023", "号"])
small_numbers = st.integers(0, 9999).map(str)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(phones, case_numbers, words, small_numbers), min_size=1, max_size=8))
def test_phone_and_case_numbers_are_read_as_written(parts: list[str]) -> None:
    # Numbers in prompts are set off by words or punctuation, as the catalogs write them.
    text = "，".join(parts)
    assert speakable(text, "zh") == text
    assert speakable(text, "en") == text
