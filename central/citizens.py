"""Demo citizens (`demo_citizens.json`, loaded on the first start) and identity number checks."""

from __future__ import annotations

import json
from pathlib import Path

from offline_queue.wire import Citizen

DEMO_CITIZENS = Path(__file__).with_name("demo_citizens.json")
ID_NUMBER_PATTERN = r"^\d{17}[\dX]$"  # as wire.EidRequest has it

# GB 11643, ISO 7064 MOD 11-2. The kiosk has its own copy in `devices`; the layer rules keep
# central from importing it, and the standard does not change.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


def load_demo_citizens(path: Path = DEMO_CITIZENS) -> list[Citizen]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Citizen.model_validate(item) for item in data["citizens"]]


def id_number_problem(number: str) -> str | None:
    """Why `number` is not an 18-character identity number, or None if it is one."""
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return "an identity number is 17 digits and a check character (a digit or X)"
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], WEIGHTS, strict=True))
    if number[17] != CHECK_CHARACTERS[total % 11]:
        return "the check character of this identity number is wrong"
    return None
