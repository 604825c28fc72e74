"""Checking an electronic-ID code at the kiosk: by the platform when connected, else here.

Online, the platform decides: it has seen every kiosk's codes, so it also catches a code
replayed at another kiosk. When it cannot be reached, or the kiosk is offline, the kiosk checks
the code itself against the issuer keys the sync worker cached (`save_keys`): its form, key,
signature and expiry, and replay against the codes this kiosk accepted before (kept in a file
until they expire). That is the limit of an offline check: a code accepted offline here is not
known to other kiosks until it expires.

The holder's identity number and name are in `EidResult.claims`, for the kiosk's flow only:
nothing here logs them, and the result's repr leaves them out.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from offline_queue.client import PlatformClient, PlatformError
from offline_queue.durable_file import write_replacing
from offline_queue.wire import (
    EID_MAX_CHARS,
    EidClaims,
    EidFormatError,
    EidKeys,
    EidVerdict,
    b64decode,
    mask_id_number,
    parse_eid,
    utc_timestamp,
)

log = logging.getLogger(__name__)

CheckedBy = Literal["online", "offline"]


@dataclass(frozen=True)
class EidResult:
    """The verdict on a code. `code` when refused: malformed, unknown_key, bad_signature,
    expired, replayed, or no_keys (offline, and no issuer keys cached yet: the kiosk says the
    check needs the network)."""

    valid: bool
    code: str | None
    checked: CheckedBy  # who decided: the platform, or this kiosk
    id_number_masked: str | None = None
    expires: str | None = None
    name: str | None = field(default=None, repr=False)
    claims: EidClaims | None = field(default=None, repr=False)  # when valid


class EidChecker:
    """Checks codes against `keys_file` (written by sync) and remembers accepted ones in
    `used_file`; asks `platform` first when given one and told the kiosk is online.

    Safe to call from several threads; `check` blocks on the network, so not from the GUI's.
    Make one per kiosk: two checkers on one `used_file` would not see each other's codes.
    """

    def __init__(
        self, keys_file: Path, used_file: Path, platform: PlatformClient | None = None
    ) -> None:
        self._keys_file, self._used_file, self._platform = keys_file, used_file, platform
        self._lock = threading.Lock()
        self._used = _load_used(used_file)  # jti -> expiry, unix seconds

    def check(self, payload: str, now: float, online: bool) -> EidResult:
        """The verdict on the text of a scanned code at unix time `now`."""
        if len(payload) > EID_MAX_CHARS:
            return EidResult(valid=False, code="malformed", checked="offline")
        try:
            kid, claims, signed, signature = parse_eid(payload)
        except EidFormatError as error:
            return EidResult(valid=False, code=error.code, checked="offline")
        if online and self._platform is not None:
            try:
                verdict = self._platform.verify_eid(payload.strip())
            except PlatformError as error:
                log.info("e-ID code checked on the kiosk, the platform failed: %s", error)
            else:
                return self._online(verdict, claims, now)
        return self._offline(kid, claims, signed, signature, now)

    def _online(self, verdict: EidVerdict, claims: EidClaims, now: float) -> EidResult:
        if not verdict.valid:
            return EidResult(
                valid=False, code=verdict.code, checked="online", expires=verdict.expires
            )
        # The platform has not seen the codes this kiosk accepted while offline.
        if not self._first_use(claims, now):
            return EidResult(valid=False, code="replayed", checked="offline")
        return _accepted(claims, "online")

    def _offline(
        self, kid: str, claims: EidClaims, signed: bytes, signature: bytes, now: float
    ) -> EidResult:
        keys = load_keys(self._keys_file)
        if not keys:
            return EidResult(valid=False, code="no_keys", checked="offline")
        key = keys.get(kid)
        if key is None:
            return EidResult(valid=False, code="unknown_key", checked="offline")
        try:
            key.verify(signature, signed)
        except InvalidSignature:
            return EidResult(valid=False, code="bad_signature", checked="offline")
        expires = utc_timestamp(_moment(claims.exp))
        if now > claims.exp:
            return EidResult(valid=False, code="expired", checked="offline", expires=expires)
        if not self._first_use(claims, now):
            return EidResult(valid=False, code="replayed", checked="offline", expires=expires)
        return _accepted(claims, "offline")

    def _first_use(self, claims: EidClaims, now: float) -> bool:
        """Remembers the code as used here; False if it was used here before."""
        with self._lock:
            self._used = {jti: exp for jti, exp in self._used.items() if exp >= now}
            if claims.jti in self._used:
                return False
            self._used[claims.jti] = claims.exp
            try:
                write_replacing(self._used_file, json.dumps({"used": self._used}).encode())
            except OSError as error:  # accepted anyway: the citizen is not to blame for a disk
                log.error("cannot keep the used e-ID codes in %s: %s", self._used_file, error)
        return True


def _accepted(claims: EidClaims, checked: CheckedBy) -> EidResult:
    return EidResult(
        valid=True,
        code=None,
        checked=checked,
        id_number_masked=mask_id_number(claims.sub),
        expires=utc_timestamp(_moment(claims.exp)),
        name=claims.name,
        claims=claims,
    )


# --- the files -----------------------------------------------------------------------------


def save_keys(path: Path, keys: EidKeys) -> bool:
    """Caches the issuer keys in `path` (atomically); False when it held them already."""
    data = keys.model_dump_json(indent=1).encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_replacing(path, data)
    return True


def load_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """The cached issuer keys by kid; none when there is no cache or it is damaged."""
    try:
        keys = EidKeys.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValidationError) as error:
        log.warning("the cached e-ID keys in %s cannot be used: %s", path, error.__class__.__name__)
        return {}
    usable = {}
    for key in keys.keys:
        try:
            usable[key.kid] = Ed25519PublicKey.from_public_bytes(b64decode(key.public_key))
        except ValueError:
            log.warning("cached e-ID key %r is not an Ed25519 public key", key.kid)
    return usable


def _load_used(path: Path) -> dict[str, int]:
    try:
        used = json.loads(path.read_bytes())["used"]
        if isinstance(used, dict) and all(isinstance(exp, int) for exp in used.values()):
            return {str(jti): exp for jti, exp in used.items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    # Starting afresh only forgets which codes were used here; the platform still knows
    # the ones it checked.
    log.warning("the used e-ID codes in %s are unreadable; starting a new list", path)
    return {}


def _moment(unix_s: int) -> datetime:
    return datetime.fromtimestamp(unix_s, UTC)
