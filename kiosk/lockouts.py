"""Wrong-PIN counts and lock-outs kept on disk (§7), so pulling the kiosk's plug does not give
a guesser five more tries: the technician's PIN and each helper's.

One small JSON file: per guard ("technician", "helper 1024"), the wrong PINs in a row and the
wall-clock second its lock-out ends. A clock set back cannot stretch a lock-out past its
length (the guard caps what is left); a file that cannot be read starts a new one, with a
warning in the log, since a kiosk that refused every PIN for good would lock its own staff out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, TypeGuard

from offline_queue.durable_file import write_replacing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lockout:
    failures: int = 0  # wrong PINs in a row
    locked_for_s: float = 0.0  # what is left of a lock-out


class LockoutFile:
    def __init__(self, path: Path, wall: Callable[[], float] = time.time) -> None:
        self.path, self._wall = path, wall
        self._lock = threading.Lock()
        self._entries = _load(path)

    def read(self, guard: str) -> Lockout:
        entry = self._entries.get(guard)
        if entry is None:
            return Lockout()
        return Lockout(entry["failures"], max(0.0, entry["locked_until"] - self._wall()))

    def write(self, guard: str, lockout: Lockout) -> None:
        """Kept before it returns; an `OSError` is logged, and the lock-out holds in memory."""
        with self._lock:
            self._entries[guard] = {
                "failures": lockout.failures,
                "locked_until": self._wall() + lockout.locked_for_s,
            }
            data = json.dumps(self._entries, sort_keys=True).encode()
            try:
                write_replacing(self.path, data)
            except OSError as error:
                log.error("lock-outs: cannot write %s: %s", self.path, error)


class Entry(TypedDict):
    failures: int
    locked_until: float  # wall clock, seconds since the epoch


Entries = dict[str, Entry]


def _load(path: Path) -> Entries:
    try:
        stored = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("lock-outs: %s is unreadable (%s); starting a new file", path, error)
        return {}
    if not _well_formed(stored):
        log.warning("lock-outs: %s does not hold lock-outs; starting a new file", path)
        return {}
    return stored


def _well_formed(stored: object) -> TypeGuard[Entries]:
    if not isinstance(stored, dict):
        return False
    for entry in stored.values():
        if not isinstance(entry, dict) or set(entry) != {"failures", "locked_until"}:
            return False
        failures, until = entry["failures"], entry["locked_until"]
        if type(failures) is not int or failures < 0:
            return False
        if type(until) not in (int, float) or until != until:  # NaN
            return False
    return True
