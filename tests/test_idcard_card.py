"""The text block parser, the identity number check digit, masking, expiry and age."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import card as card_module
from devices.idcard import idnumber
from devices.idcard.card import (
    CardParseError,
    CardType,
    IdCard,
    UnsupportedCardType,
    parse_text,
)
from devices.sim.idcard import CITIZENS, SimCard


def field(text: str, width: int) -> bytes:
    """Built here by hand (not with the simulator's encoder) so offsets are checked twice."""
    raw = text.encode("utf-16-le")
    return raw + b" \x00" * ((width - len(raw)) // 2)


def resident_block(**changes: str) -> bytes:
    values = {
        "name": "张三丰",
        "sex": "1",
        "nation": "01",
        "birth": "19491231",
        "address": "北京市朝阳区建国路1号",
        "number": "11010519491231002X",  # the example of GB 11643
        "authority": "北京市公安局朝阳分局",
        "valid_from": "20100101",
        "valid_to": "长期",
    } | changes
    widths = [30, 2, 4, 16, 70, 36, 30, 16, 16]
    return b"".join(field(v, w) for v, w in zip(values.values(), widths, strict=True)) + field(
        "", 36
    )


def test_a_resident_card_parses_field_by_field() -> None:
    card = parse_text(resident_block(), b"photo", b"prints")
    assert card.type is CardType.RESIDENT
    assert (card.name, card.sex_name, card.nation_name) == ("张三丰", "男", "汉")
    assert card.birth == date(1949, 12, 31)
    assert card.address == "北京市朝阳区建国路1号"
    assert card.number == "11010519491231002X"
    assert card.authority == "北京市公安局朝阳分局"
    assert (card.valid_from, card.valid_to) == (date(2010, 1, 1), None)
    assert (card.photo_wlt, card.fingerprint) == (b"photo", b"prints")


def test_every_layout_fills_256_bytes_with_the_type_flag_at_byte_248() -> None:
    layouts = {
        "resident": card_module.RESIDENT,
        "J": card_module.HMT_RESIDENCE_PERMIT,
        "I": card_module.FOREIGN_PERMANENT_2017,
        "Y": card_module.FOREIGN_PERMANENT_2023,
    }
    for flag, layout in layouts.items():
        assert sum(width for _, width in layout) == 256, flag
        if flag != "resident":
            names = [name for name, _ in layout]
            offset = sum(width for _, width in layout[: names.index("type")])
            assert offset == 248, flag


@pytest.mark.parametrize("index", range(len(CITIZENS)))
def test_the_simulated_cards_carry_their_type_letter_at_byte_248(index: int) -> None:
    letter = CITIZENS[index].text[248:250].decode("utf-16-le")
    assert letter in {" ", "J", "I", "Y"}


def test_the_2023_card_joins_its_english_name_across_the_two_fields() -> None:
    # A space that falls exactly on the seam between the 35- and 11-character fields stays.
    text = CITIZENS[5].text
    names = [name for name, _ in card_module.FOREIGN_PERMANENT_2023]
    widths = dict(card_module.FOREIGN_PERMANENT_2023)
    first = sum(w for n, w in card_module.FOREIGN_PERMANENT_2023[: names.index("english_name")])
    more = sum(w for n, w in card_module.FOREIGN_PERMANENT_2023[: names.index("english_name_more")])
    name = "MONTGOMERY-WHITFIELD, ALEXANDRA JOY ELLEN"  # character 36 is a space
    assert name[35] == " "
    block = bytearray(text)
    block[first : first + widths["english_name"]] = field(name[:35], 70)
    block[more : more + widths["english_name_more"]] = field(name[35:], 22)
    assert parse_text(bytes(block)).english_name == name


# -- identity numbers ----------------------------------------------------------------------------

GOOD_NUMBERS = ["11010519491231002X", "440524188001010014", "110101195803120023"]


@pytest.mark.parametrize("number", GOOD_NUMBERS)
def test_known_good_numbers_pass_the_check_digit(number: str) -> None:
    assert idnumber.is_valid(number)
    assert idnumber.check_digit(number[:17]) == number[17]


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002x",  # lower-case x is not the check character
        "440524188001010015",
        "44052418800101001",  # 17 characters
        "4405241880010100144",  # 19 characters
        "44052418800101001A",
        "４４０５２４１８８００１０１００１４",  # full-width digits
        "",
    ],
)
def test_bad_numbers_are_rejected(number: str) -> None:
    assert not idnumber.is_valid(number)


def test_numbers_are_masked_keeping_the_region_and_the_last_four() -> None:
    assert idnumber.mask("37010219800101123X") == "370102********123X"
    assert idnumber.mask("USA110087051512") == "USA110*****1512"
    assert idnumber.mask("1234") == "**34"


def test_the_card_shows_only_the_masked_number_in_logs() -> None:
    card = parse_text(resident_block())
    assert card.masked_number == "110105********002X"
    assert "11010519491231002X" not in repr(card) and "张三丰" not in repr(card)


# -- expiry and age ------------------------------------------------------------------------------


def test_a_dated_card_is_valid_through_its_last_day() -> None:
    card = parse_text(resident_block(valid_from="20150801", valid_to="20250801"))
    assert not card.is_expired(date(2025, 8, 1))
    assert card.is_expired(date(2025, 8, 2))


def test_a_long_term_card_never_expires() -> None:
    assert not parse_text(resident_block()).is_expired(date(2999, 1, 1))


def test_age_counts_whole_years_to_the_birthday() -> None:
    card = parse_text(resident_block(birth="19641015", number="110105196410150010"))
    assert card.age_on(date(2024, 10, 14)) == 59
    assert card.age_on(date(2024, 10, 15)) == 60


def test_a_29_february_birthday_counts_from_1_march_in_other_years() -> None:
    card = parse_text(resident_block(birth="19640229", number="110105196402290013"))
    assert card.age_on(date(2024, 2, 28)) == 59
    assert card.age_on(date(2023, 2, 28)) == 58
    assert card.age_on(date(2023, 3, 1)) == 59


# -- broken blocks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (resident_block()[:-2], "254 bytes"),
        (resident_block() + b"  ", "258 bytes"),
        (resident_block(birth="19490230", number="110105194902300012"), "birth"),
        (resident_block(valid_from="2010011"), "valid_from"),
        (resident_block(valid_to="永久"), "valid_to"),
        (resident_block(number="110105194912310021"), "check digit"),
        (resident_block(number="110105195001010020"), "birth date"),
        (resident_block(nation="57"), "nation"),
        (resident_block(sex="3"), "sex"),
        (resident_block(name=""), "name is empty"),
        (resident_block(name="张\x07三"), "control characters"),
        (resident_block(valid_from="20300101", valid_to="20250101"), "before valid_from"),
        (resident_block(valid_from="19400101"), "before the birth date"),
        (b"\x00\xd8" + resident_block()[2:], "UCS-2"),  # a lone surrogate
    ],
)
def test_a_broken_block_raises_a_clear_parse_error(block: bytes, reason: str) -> None:
    with pytest.raises(CardParseError, match=reason) as raised:
        parse_text(block)
    assert "11010519491231002" not in str(raised.value)  # never the number in full


def test_an_unknown_type_flag_is_an_unsupported_card() -> None:
    block = bytearray(resident_block())
    block[248:250] = "Z".encode("utf-16-le")
    with pytest.raises(UnsupportedCardType, match="'Z'"):
        parse_text(bytes(block))


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=300))
def test_random_blocks_only_ever_raise_the_parse_error(block: bytes) -> None:
    with contextlib.suppress(CardParseError):
        parse_text(block)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(CITIZENS),
    st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_mutated_cards_parse_to_a_consistent_card_or_raise_the_parse_error(
    citizen: SimCard, changes: list[tuple[int, int]]
) -> None:
    block = bytearray(citizen.text)
    for position, value in changes:
        block[position] = value
    try:
        card = parse_text(bytes(block))
    except CardParseError:
        return
    assert isinstance(card, IdCard)
    if card.type is not CardType.FOREIGN_PERMANENT_2017:
        assert idnumber.is_valid(card.number)
    assert card.valid_to is None or card.valid_from <= card.valid_to
