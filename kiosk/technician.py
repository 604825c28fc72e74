"""The technician PIN: scrypt-hashed in the config, locked out after repeated failures (§7).

A hash is written `scrypt$N$r$p$salt$key` with salt and key in base64; `python main.py hash-pin`
makes one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from kiosk.lockouts import Lockout, LockoutFile
from kiosk.timers import Scheduler

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
LOCKOUT_S = 300.0


class PinHashError(ValueError):
    pass


@dataclass(frozen=True)
class PinHash:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    key = _derive(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(key).decode()}"


def parse_pin_hash(text: str) -> PinHash:
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise PinHashError("must look like scrypt$N$r$p$salt$key")
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = (base64.b64decode(x, validate=True) for x in parts[4:6])
    except (ValueError, binascii.Error):
        raise PinHashError("has a malformed number or base64 field") from None
    if n < 2**10 or n & (n - 1) or not (1 <= r <= 32 and 1 <= p <= 16) or len(key) < 16:
        raise PinHashError("has scrypt parameters that are too weak or invalid")
    return PinHash(n, r, p, salt, key)


def _derive(pin: str, salt: bytes, n: int, r: int, p: int, length: int = 32) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=length)


class PinGuard:
    """Checks PIN attempts and locks the console after `MAX_FAILURES` failures in a row. With
    `lockouts`, the count and the lock-out are kept there under `name` and outlive a restart."""

    def __init__(
        self,
        pin_hash: str,
        scheduler: Scheduler,
        lockouts: LockoutFile | None = None,
        name: str = "technician",
    ) -> None:
        self._hash = parse_pin_hash(pin_hash)
        self._scheduler = scheduler
        self._lockouts, self._name = lockouts, name
        kept = lockouts.read(name) if lockouts is not None else Lockout()
        self._failures = kept.failures
        self._locked_until = scheduler.now() + min(kept.locked_for_s, LOCKOUT_S)

    def locked_for(self) -> float:
        """Seconds left of a lock-out, 0 when attempts are allowed."""
        return max(0.0, self._locked_until - self._scheduler.now())

    def attempt(self, pin: str) -> bool:
        if self.locked_for() > 0:
            return False
        h = self._hash
        ok = hmac.compare_digest(_derive(pin, h.salt, h.n, h.r, h.p, len(h.key)), h.key)
        if ok:
            if self._failures:
                self._failures = 0
                self._keep()
            return True
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._failures = 0
            self._locked_until = self._scheduler.now() + LOCKOUT_S
        self._keep()
        return False

    def _keep(self) -> None:
        if self._lockouts is not None:
            self._lockouts.write(self._name, Lockout(self._failures, self.locked_for()))
