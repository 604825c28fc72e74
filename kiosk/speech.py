"""What the loudspeaker may say: identity numbers only by their last four (DESIGN.md §6, §7).

A screen shows `370102********123X` to the citizen alone; a loudspeaker is heard by the whole
hall, so speech says only "尾号 1 2 3 X". Covered, also masked with `*` and also written in
space-separated groups: resident numbers (18 characters, the last a digit or X), pre-1999
numbers (15 digits) and 2017 foreign permanent resident numbers (3 capital letters, 12 digits).
Phone numbers (11 digits) and case numbers (`K-DEMO-0001-20261122-0007`) stay readable.
When in doubt the rules mask more, never less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from devices.idcard.idnumber import is_valid

# Citizens type full-width digits with some input methods; speech reads both alike.
_ASCII = {
    ord(wide): ord(wide) - 0xFEE0
    for wide in "＊０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺｘ"
}

# The three forms, masked or not; a masked one still ends in four visible characters.
_ID_FORM = re.compile(r"[0-9*]{14}[0-9]{3}[0-9Xx]|[0-9*]{11}[0-9]{4}|[A-Z]{3}[0-9*]{8}[0-9]{4}")
_MAX_LENGTH = 18

# Written in one piece (nationality letters may stand apart): no digit or `*` may touch it, or
# it is part of a longer number.
_CONTIGUOUS = re.compile(
    r"(?<![0-9*])(?:[0-9*]{14}[0-9]{3}[0-9Xx]|[0-9*]{11}[0-9]{4})(?![0-9*])"
    r"|[A-Z]{3}[ \u00a0\u3000]?[0-9*]{8}[0-9]{4}(?![0-9*])"
)

# Written in groups: `110101 19900307 0023`, `USA 1100 8705 1512`, or digit by digit. Groups
# are at most eight long, so an 11-digit phone number never joins a run.
_SEPARATOR = "[ \u00a0\u3000]"
_GROUP = "[0-9Xx*]{1,8}"
_SPACED = re.compile(
    rf"(?<![0-9*])(?:[A-Z]{{3}}{_SEPARATOR})?{_GROUP}(?:{_SEPARATOR}{_GROUP})+(?![0-9*])"
)
_GROUP_IN_RUN = re.compile(r"[^ \u00a0\u3000]+")

# After the spoken tail, a pause keeps following digits from reading as part of it.
_FOLLOWED_BY_DIGITS = re.compile(rf"{_SEPARATOR}*[0-9Xx*]")

_ENDING_IN = {"zh": "尾号", "en": "ending in"}
_PAUSE = {"zh": "，", "en": ","}
_FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    tail: str  # the last four characters, the only ones that may be spoken
    masked: bool


def speakable(text: str, language: str) -> str:
    """`text` with every identity number replaced by words saying only its last four."""
    text = text.translate(_ASCII)
    words = _language(language)
    spoken: list[str] = []
    position = 0
    for found in _identity_numbers(text):
        before = text[position : found.start]
        spoken.append(before)
        if before and before[-1].isascii() and before[-1].isalnum():
            spoken.append(" ")
        spoken.append(f"{_ENDING_IN[words]} {' '.join(found.tail.upper())}")
        if _FOLLOWED_BY_DIGITS.match(text, found.end):
            spoken.append(_PAUSE[words])
        position = found.end
    spoken.append(text[position:])
    return "".join(spoken)


def contains_identity_number(text: str) -> bool:
    """Whether `text` holds an identity number in full (not masked with `*`)."""
    return any(not found.masked for found in _identity_numbers(text.translate(_ASCII)))


def _language(language: str) -> str:
    base = re.split(r"[-_]", language, maxsplit=1)[0].lower()
    return base if base in _ENDING_IN else _FALLBACK_LANGUAGE


def _identity_numbers(text: str) -> list[_Found]:
    found = [
        _Found(m.start(), m.end(), m.group()[-4:], "*" in m.group())
        for m in _CONTIGUOUS.finditer(text)
    ]
    for run in _SPACED.finditer(text):
        in_run = _in_run(run.group())
        if in_run is not None:
            start, end, tail, masked = in_run
            found.append(_Found(run.start() + start, run.start() + end, tail, masked))
    # Numbers in one piece are 15 characters or more, runs have groups of at most eight: the
    # two never overlap, and sorting puts them in reading order.
    return sorted(found, key=lambda f: f.start)


def _in_run(run: str) -> tuple[int, int, str, bool] | None:
    """One span over every number the run's groups spell, so no part of any is left spoken."""
    groups = [(m.start(), m.end(), m.group()) for m in _GROUP_IN_RUN.finditer(run)]
    spans: list[tuple[int, int, str]] = []
    for first in range(len(groups)):
        joined = ""
        for last in range(first, len(groups)):
            joined += groups[last][2]
            if len(joined) > _MAX_LENGTH:
                break
            if _ID_FORM.fullmatch(joined):
                spans.append((groups[first][0], groups[last][1], joined))
    if not spans:
        return None
    # Digits next to a number may spell another by accident; the tail spoken is the
    # likeliest number's.
    likeliest = max(spans, key=lambda span: (*_plausibility(span[2]), -span[0], span[1]))
    return (
        min(span[0] for span in spans),
        max(span[1] for span in spans),
        likeliest[2][-4:],
        all("*" in span[2] for span in spans),
    )


def _plausibility(number: str) -> tuple[bool, bool]:
    """Whether the birth date and the check digit are right; nationality letters never come
    about by accident, so a foreign number counts as right."""
    if number[0].isalpha():
        return True, True
    birth = number[6:14] if len(number) == 18 else "19" + number[6:12]
    return _is_date(birth), is_valid(number.upper())


def _is_date(digits: str) -> bool:
    """A birth date of someone alive: digits that only happen to spell a date rarely are."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:  # also for masked digits
        return False
    return 1900 <= born.year < 2100
