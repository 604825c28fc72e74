"""The card's 256-byte text block (UCS-2 little-endian) parsed into an immutable model.

Four layouts share the block; byte 248 tells them apart (blank on a resident card). Widths in
bytes, two per character; text fields are padded with spaces.

- Resident ID card (居民身份证), GA 467 / GA/T 490: name 30, sex 2, nation 4, birth 16,
  address 70, number 36, authority 30, valid from 16, valid to 16 (date or 长期), reserved 36.
- 'J' Hong Kong/Macau/Taiwan residence permit (港澳台居民居住证): the resident layout with an
  empty nation field; its reserved area holds pass number 18, issue count 4, reserved 6,
  type flag 2, reserved 6. Source: 港澳台居民居住证机读信息规范 as restated in reader code
  (github.com/Johann356/readinfo, PCSCGetData.h, `t_idcardinfor`).
- 'I' 2017 foreign permanent resident ID card (外国人永久居留身份证): English name 120, sex 2,
  number 30 (15 characters: 3 letters, 12 digits), nationality 6 (GB/T 2659 alpha-3),
  Chinese name 30, valid from 16, valid to 16, birth 16, card version 4, authority code 8,
  type flag 2, reserved 6. Source: the 2017 card's chip data table (外国人永久居留身份证芯片
  机读数据项表, as published by reader vendors) and readinfo's `t_idforeigner`.
- 'Y' 2023 foreign permanent resident ID card: Chinese name 30, sex 2, renewal count 4,
  birth 16, English name 70, number 36 (18 digits starting with 9, GB 11643 check digit),
  reserved 30, valid from 16, valid to 16, English name continued 22, nationality 6, type
  flag 2, link to the holder's 2017-card number 6. Source: readinfo's `t_idforeigner2023`,
  after 新版外国人永久居留身份证机读信息规则 (2023版).

Anything that does not fit raises `CardParseError` (never another exception): a clear reason,
with the identity number masked, that the adapter turns into a problem for the technician.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from devices.idcard import idnumber
from devices.idcard.tables import NATIONS, SEXES
from devices.model import DeviceEvent

TEXT_LENGTH = 256
TYPE_FLAG_OFFSET = 248
NO_EXPIRY = "长期"


class CardParseError(ValueError):
    """The text block is not a card this parser understands: damaged, altered or garbled."""


class UnsupportedCardType(CardParseError):
    """The type flag names a card type this parser does not know."""


class CardType(enum.StrEnum):
    RESIDENT = "resident"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CardType.RESIDENT: "resident ID card (居民身份证)",
    CardType.HMT_RESIDENCE_PERMIT: "Hong Kong/Macau/Taiwan residence permit (港澳台居民居住证)",
    CardType.FOREIGN_PERMANENT_2017: "foreign permanent resident card, 2017 (外国人永久居留身份证)",
    CardType.FOREIGN_PERMANENT_2023: "foreign permanent resident card, 2023 (外国人永久居留身份证)",
}


@dataclass(frozen=True, repr=False)
class IdCard:
    type: CardType
    number: str
    name: str  # Chinese name; may be empty on a foreign card
    sex: str  # GB/T 2261.1 code: 0, 1, 2, 9
    birth: date
    valid_from: date
    valid_to: date | None  # None: 长期, the card does not expire
    english_name: str = ""  # foreign cards
    nation: str = ""  # resident card: GB/T 3304 code ("01")
    nationality: str = ""  # foreign cards: 3-character country code
    address: str = ""
    authority: str = ""  # issuing authority; on the 2017 foreign card its code
    pass_number: str = ""  # J: the holder's travel permit number
    issue_count: int | None = None  # J: times issued (签发次数); Y: times renewed (换证次数)
    card_version: str = ""  # I
    previous_number_link: str = ""  # Y: ties the holder to a 2017-card number
    photo_wlt: bytes = b""
    fingerprint: bytes = b""  # two templates when read with fingerprint, else empty

    @property
    def sex_name(self) -> str:
        return SEXES[self.sex]

    @property
    def nation_name(self) -> str:
        return NATIONS.get(self.nation, "")

    @property
    def display_name(self) -> str:
        return self.name or self.english_name

    @property
    def masked_number(self) -> str:
        return idnumber.mask(self.number)

    def is_expired(self, today: date) -> bool:
        """Valid through `valid_to` itself; a 长期 card never expires."""
        return self.valid_to is not None and today > self.valid_to

    def age_on(self, day: date) -> int:
        """Whole years completed on `day` (a 29 February birthday counts from 1 March)."""
        before_birthday = (day.month, day.day) < (self.birth.month, self.birth.day)
        return day.year - self.birth.year - before_birthday

    def __repr__(self) -> str:  # logs get the masked number and nothing else personal
        return f"IdCard({self.type}, {self.masked_number})"


@dataclass(frozen=True)
class CardRead(DeviceEvent):
    card: IdCard
    photo: bytes | None = field(default=None, repr=False)  # decoded image, if a decoder could


def parse_text(block: bytes, photo_wlt: bytes = b"", fingerprint: bytes = b"") -> IdCard:
    """The card in a 256-byte text block, with its photo and fingerprint bytes attached."""
    if len(block) != TEXT_LENGTH:
        raise CardParseError(f"text block of {len(block)} bytes, expected {TEXT_LENGTH}")
    flag = _decode(block[TYPE_FLAG_OFFSET : TYPE_FLAG_OFFSET + 2], "type flag")
    parse = _PARSERS.get(flag)
    if parse is None:
        raise UnsupportedCardType(f"card type flag {flag!r} at byte 248 is not J, I, Y or blank")
    return replace(parse(block), photo_wlt=photo_wlt, fingerprint=fingerprint)


# -- layouts ---------------------------------------------------------------------------------

Layout = tuple[tuple[str, int], ...]

RESIDENT: Layout = (
    ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70), ("number", 36),
    ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36),
)  # fmt: skip
HMT_RESIDENCE_PERMIT: Layout = (
    *RESIDENT[:-1],
    ("pass_number", 18), ("issue_count", 4), ("reserved", 6), ("type", 2), ("reserved_2", 6),
)  # fmt: skip
FOREIGN_PERMANENT_2017: Layout = (
    ("english_name", 120), ("sex", 2), ("number", 30), ("nationality", 6), ("name", 30),
    ("valid_from", 16), ("valid_to", 16), ("birth", 16), ("card_version", 4),
    ("authority", 8), ("type", 2), ("reserved", 6),
)  # fmt: skip
FOREIGN_PERMANENT_2023: Layout = (
    ("name", 30), ("sex", 2), ("issue_count", 4), ("birth", 16), ("english_name", 70),
    ("number", 36), ("reserved", 30), ("valid_from", 16), ("valid_to", 16),
    ("english_name_more", 22), ("nationality", 6), ("type", 2), ("previous_number_link", 6),
)  # fmt: skip

_COUNTRY = re.compile(r"[A-Z0-9]{3}")
_NUMBER_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")


def _resident(block: bytes) -> IdCard:
    fields = _fields(block, RESIDENT)
    birth, valid_from, valid_to = _dates(fields)
    nation = fields["nation"]
    if nation not in NATIONS:
        raise CardParseError(f"nation code {nation!r} is not in GB/T 3304")
    return IdCard(
        type=CardType.RESIDENT,
        number=_gb11643_number(fields),
        name=_required(fields, "name"),
        sex=_sex(fields),
        birth=birth,
        nation=nation,
        address=fields["address"],
        authority=fields["authority"],
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _hmt_residence_permit(block: bytes) -> IdCard:
    fields = _fields(block, HMT_RESIDENCE_PERMIT)
    birth, valid_from, valid_to = _dates(fields)
    return IdCard(
        type=CardType.HMT_RESIDENCE_PERMIT,
        number=_gb11643_number(fields),
        name=_required(fields, "name"),
        sex=_sex(fields),
        birth=birth,
        address=fields["address"],
        authority=fields["authority"],
        pass_number=_required(fields, "pass_number"),
        issue_count=_count(fields, "issue_count"),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _foreign_permanent_2017(block: bytes) -> IdCard:
    fields = _fields(block, FOREIGN_PERMANENT_2017)
    number = fields["number"]
    if not _NUMBER_2017.fullmatch(number):
        raise CardParseError(
            f"number {idnumber.mask(number)!r} is not 3 capital letters and 12 digits"
        )
    birth, valid_from, valid_to = _dates(fields)
    return IdCard(
        type=CardType.FOREIGN_PERMANENT_2017,
        number=number,
        name=fields["name"],
        english_name=_required(fields, "english_name"),
        sex=_sex(fields),
        birth=birth,
        nationality=_country(fields),
        authority=fields["authority"],
        card_version=fields["card_version"],
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _foreign_permanent_2023(block: bytes) -> IdCard:
    fields = _fields(block, FOREIGN_PERMANENT_2023)
    number = fields["number"]
    if not (idnumber.is_valid(number) and number.startswith("9")):
        raise CardParseError(
            f"number {idnumber.mask(number)!r} is not 18 characters starting with 9 "
            "with a valid GB 11643 check digit"
        )
    # The name runs on into a second field: join the raw fields, so a space at the seam stays.
    english_name = _decode(
        _raw(block, FOREIGN_PERMANENT_2023, "english_name")
        + _raw(block, FOREIGN_PERMANENT_2023, "english_name_more"),
        "english_name",
    )
    if not english_name:
        raise CardParseError("english_name is empty")
    birth, valid_from, valid_to = _dates(fields)
    return IdCard(
        type=CardType.FOREIGN_PERMANENT_2023,
        number=number,
        name=fields["name"],
        english_name=english_name,
        sex=_sex(fields),
        birth=birth,
        nationality=_country(fields),
        issue_count=_count(fields, "issue_count"),
        previous_number_link=fields["previous_number_link"],
        valid_from=valid_from,
        valid_to=valid_to,
    )


_PARSERS: dict[str, Callable[[bytes], IdCard]] = {
    "": _resident,
    "J": _hmt_residence_permit,
    "I": _foreign_permanent_2017,
    "Y": _foreign_permanent_2023,
}


# -- fields ----------------------------------------------------------------------------------


def _raw(block: bytes, layout: Layout, name: str) -> bytes:
    offset = 0
    for field_name, width in layout:
        if field_name == name:
            return block[offset : offset + width]
        offset += width
    raise KeyError(name)


def _fields(block: bytes, layout: Layout) -> dict[str, str]:
    """Every field but the reserved ones, whose bytes nobody defines."""
    return {
        name: _decode(_raw(block, layout, name), name)
        for name, _ in layout
        if not name.startswith("reserved")
    }


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError as error:
        raise CardParseError(f"{name} is not UCS-2 text: {error.reason}") from error
    text = text.strip(" \x00")
    if any(unicodedata.category(character) == "Cc" for character in text):
        raise CardParseError(f"{name} holds control characters")
    return text


def _required(fields: dict[str, str], name: str) -> str:
    if not fields[name]:
        raise CardParseError(f"{name} is empty")
    return fields[name]


def _date(fields: dict[str, str], name: str) -> date:
    text = fields[name]
    if len(text) == 8 and text.isascii() and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise CardParseError(f"{name} {text!r} is not a date YYYYMMDD")


def _dates(fields: dict[str, str]) -> tuple[date, date, date | None]:
    """Birth, valid from, and valid to (None: 长期), in an order that makes sense."""
    birth = _date(fields, "birth")
    valid_from = _date(fields, "valid_from")
    valid_to = None if fields["valid_to"] == NO_EXPIRY else _date(fields, "valid_to")
    if valid_from < birth:
        raise CardParseError(f"valid_from {valid_from} is before the birth date {birth}")
    if valid_to is not None and valid_to < valid_from:
        raise CardParseError(f"valid_to {valid_to} is before valid_from {valid_from}")
    return birth, valid_from, valid_to


def _sex(fields: dict[str, str]) -> str:
    if fields["sex"] not in SEXES:
        raise CardParseError(f"sex code {fields['sex']!r} is not in GB/T 2261.1 (0, 1, 2, 9)")
    return fields["sex"]


def _country(fields: dict[str, str]) -> str:
    if not _COUNTRY.fullmatch(fields["nationality"]):
        raise CardParseError(f"nationality {fields['nationality']!r} is not a 3-character code")
    return fields["nationality"]


def _count(fields: dict[str, str], name: str) -> int:
    text = fields[name]
    if not (text.isascii() and text.isdigit()):
        raise CardParseError(f"{name} {text!r} is not a number")
    return int(text)


def _gb11643_number(fields: dict[str, str]) -> str:
    """A citizen identity number (GB 11643): check digit right, birth date inside it."""
    number = fields["number"]
    if not idnumber.is_valid(number):
        raise CardParseError(
            f"number {idnumber.mask(number)!r} is not 18 characters with a valid check digit"
        )
    if number[6:14] != fields["birth"]:
        raise CardParseError(f"number {idnumber.mask(number)!r} does not carry the birth date")
    return number
