"""Demo e-ID codes: the platform as issuer signs what a citizen's phone would show as a QR code.

The issuer key is made on the first start and kept in the database, so codes issued before a
restart still verify after it. Whether a code was used before is the caller's question
(`Storage.first_use`): `check` looks only at the code itself.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from offline_queue.wire import (
    EidClaims,
    EidCode,
    EidFormatError,
    EidKey,
    EidKeys,
    EidVerdict,
    b64decode,
    b64encode,
    eid_signed_part,
    mask_id_number,
    parse_eid,
    signed_payload,
    utc_timestamp,
)


def new_issuer_secret() -> str:
    """A fresh issuer key, as the text `Storage.secret` keeps."""
    return b64encode(Ed25519PrivateKey.generate().private_bytes_raw())


class EidIssuer:
    def __init__(self, secret: str) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(b64decode(secret))
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._public = public
        self.kid = "central-" + hashlib.sha256(public).hexdigest()[:16]

    def keys(self) -> EidKeys:
        return EidKeys(keys=[EidKey(kid=self.kid, public_key=b64encode(self._public))])

    def issue(self, id_number: str, name: str, valid_s: int, now: float) -> EidCode:
        issued = int(now)
        claims = EidClaims(
            sub=id_number,
            name=name,
            iat=issued,
            exp=issued + valid_s,
            jti=secrets.token_urlsafe(16),
        )
        signed = eid_signed_part(self.kid, claims)
        return EidCode(
            payload=signed_payload(signed, self._key.sign(signed.encode("ascii"))),
            expires=_timestamp(claims.exp),
        )

    def check(self, payload: str, now: float) -> tuple[EidVerdict, EidClaims | None]:
        """The verdict on a code's form, issuer, signature and expiry, and its claims if valid."""
        try:
            kid, claims, signed, signature = parse_eid(payload)
        except EidFormatError as e:
            return EidVerdict(valid=False, code=e.code), None
        if kid != self.kid:
            return EidVerdict(valid=False, code="unknown_key"), None
        try:
            self._key.public_key().verify(signature, signed)
        except InvalidSignature:
            return EidVerdict(valid=False, code="bad_signature"), None
        expires = _timestamp(claims.exp)
        if now > claims.exp:
            return EidVerdict(valid=False, code="expired", expires=expires), None
        verdict = EidVerdict(
            valid=True,
            name=claims.name,
            id_number_masked=mask_id_number(claims.sub),
            expires=expires,
        )
        return verdict, claims


def _timestamp(unix_s: int) -> str:
    return utc_timestamp(datetime.fromtimestamp(unix_s, UTC))
