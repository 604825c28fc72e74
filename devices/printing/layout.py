"""Laying text out in the character columns of a receipt printer.

A receipt printer's font A is 12 dots wide for Latin and 24 dots (two columns) for Chinese. The
text goes to the printer in GB18030, and in Chinese mode it prints every character of more than
one byte full width: so a line is measured by bytes per character, not by Unicode's East Asian
Width, which calls some of them narrow ('·' in a Uyghur name, '°', '±'). Key-value rows put the
key on the left and the value against the right edge, so values line up whatever mix of
Chinese and Latin they hold.
"""

from __future__ import annotations

import unicodedata


def clean(text: str) -> str:
    """Text without control characters, except newlines: tabs and others become spaces, so no
    data can smuggle printer commands into a job."""
    return "".join(
        char if char == "\n" or unicodedata.category(char) != "Cc" else " " for char in text
    )


def one_line(text: str) -> str:
    return clean(text).replace("\n", " ")


def char_columns(char: str) -> int:
    """1 for what GB18030 sends in one byte (ASCII, and "?" for what it cannot send), else 2."""
    return 1 if len(char.encode("gb18030", errors="replace")) == 1 else 2


def columns(text: str) -> int:
    return sum(char_columns(char) for char in text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns: breaks at a space when the line has one, else between
    any two characters (Chinese has no spaces); newlines always break."""
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        line = ""
        for char in paragraph:
            if columns(line) + char_columns(char) <= width:
                line += char
                continue
            head, space, tail = line.rpartition(" ")
            if space and head.strip():
                lines.append(head)
                line = tail + char
            else:
                lines.append(line)
                line = char
        lines.append(line)
    return lines


def row(key: str, value: str, width: int) -> list[str]:
    """`key ..... value` on one line when both fit, else the key's lines and then the value's
    lines pushed against the right edge."""
    key, value = one_line(key), one_line(value)
    gap = width - columns(key) - columns(value)
    if gap >= 1:
        return [key + " " * gap + value]
    return [*wrap(key, width), *(right(line, width) for line in wrap(value, width))]


def right(text: str, width: int) -> str:
    return " " * max(0, width - columns(text)) + text
