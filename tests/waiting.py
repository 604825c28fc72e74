"""Waiting for what a device does on its own thread, with a deadline instead of a sleep."""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT_S = 5.0


def wait_until(condition: Callable[[], object], what: str = "", timeout_s: float = WAIT_S) -> bool:
    """True as soon as `condition()` holds; an AssertionError naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what or 'the condition'}")
        time.sleep(0.01)
    return True
