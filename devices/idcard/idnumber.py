"""Identity numbers: the GB 11643 check digit, and masking for screens and logs (DESIGN.md §7).

The check digit is ISO 7064 MOD 11-2 over the first 17 digits. Resident ID cards, Hong Kong/
Macau/Taiwan residence permits and 2023 foreign permanent resident cards all use it.
"""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
KEEP_HEAD, KEEP_TAIL = 6, 4  # 370102********123X, as DESIGN.md §7 shows


def check_digit(first_17: str) -> str:
    if len(first_17) != 17 or not (first_17.isascii() and first_17.isdigit()):
        raise ValueError(f"need 17 digits, got {first_17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def is_valid(number: str) -> bool:
    """An 18-character number whose last character is the right check digit."""
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    return number[17] == check_digit(number[:17])


def mask(number: str) -> str:
    """Keep the region head and the last four; a short number keeps only its last two."""
    if len(number) <= KEEP_HEAD + KEEP_TAIL:
        return "*" * max(0, len(number) - 2) + number[-2:]
    return number[:KEEP_HEAD] + "*" * (len(number) - KEEP_HEAD - KEEP_TAIL) + number[-KEEP_TAIL:]
