"""Logging for technicians (DESIGN.md §7, issue 6): rotating files in the data directory, one
line per event with its time, level and component, and no identity or phone number in full.

Every handler formats through `MaskingFormatter`, which masks the finished line, the traceback
included (an exception's message may quote a bad value, and that value may be a number).
Names cannot be told from other words by their shape: they stay out of the logs by design
(`Case`, `Person` and `IdCard` print masked), and tests grep whole visits' logs for them.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE = "kiosk.log"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Resident and residence-permit numbers (18 characters, GB 11643), first-generation cards (15
# digits), 2017 foreign permanent resident cards (3 letters, 12 digits), mainland mobile
# numbers. Not inside longer runs of digits or letters, so hashes and timestamps stay whole.
_ID_18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID_15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{5}(\d{4})(?![0-9A-Za-z])")
_FOREIGN = re.compile(r"(?<![0-9A-Za-z])([A-Z]{3})\d{8}(\d{4})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def mask_personal(text: str) -> str:
    """`text` with identity and mobile numbers cut to their head and tail."""
    text = _ID_18.sub(r"\1********\2", text)
    text = _ID_15.sub(r"\1*****\2", text)
    text = _FOREIGN.sub(r"\1********\2", text)
    return _MOBILE.sub(r"\1****\2", text)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_personal(super().format(record))


@dataclass(frozen=True)
class LogSettings:
    """`[logging]` in the config."""

    level: str = "INFO"
    levels: Mapping[str, str] = field(default_factory=dict)  # component (logger name) → level
    max_bytes: int = 5_000_000
    backups: int = 5


def configure_logging(settings: LogSettings, directory: Path | None) -> Path | None:
    """Log to stderr and, with a `directory`, to rotating files there; the file's path, or
    None when it cannot be written (the kiosk goes on, logging to stderr, and says why)."""
    formatter = MaskingFormatter(LINE_FORMAT)
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    root.addHandler(console)
    root.setLevel(settings.level)
    for name, level in settings.levels.items():
        logging.getLogger(name).setLevel(level)
    if directory is None:
        return None
    path = directory / LOG_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        file = RotatingFileHandler(
            path, maxBytes=settings.max_bytes, backupCount=settings.backups, encoding="utf-8"
        )
    except OSError as error:
        logging.getLogger(__name__).error("cannot write logs to %s: %s", directory, error)
        return None
    file.setFormatter(formatter)
    root.addHandler(file)
    return path


TAIL_BYTES = 256_000


def recent_lines(directory: Path, count: int = 200) -> list[str]:
    """The last `count` lines of the kiosk's log (masked once more: a line another tool put
    there unmasked is caught here too); [] when there is no log file."""
    path = directory / LOG_FILE
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - TAIL_BYTES))
            data = file.read()
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    if len(data) == TAIL_BYTES and lines:
        lines = lines[1:]  # the first was cut by the tail
    return [mask_personal(line) for line in lines[-count:]]
