"""The kiosk's key files, kept outside the queue database and readable by their owner only.

The data key (32 random bytes) seals queued payloads at rest; the Ed25519 signing key signs
batch heads and requests. A key file that others could read is refused rather than used: a key
that has leaked protects nothing, and the person installing the kiosk can fix the mode.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from offline_queue import wire

DATA_KEY_BYTES = 32


class KeyFileError(Exception):
    """A key file that cannot be used; the message says what is wrong and what to do."""

    def __init__(self, path: Path, problem: str, what_to_do: str) -> None:
        super().__init__(f"key file {path}: {problem}, {what_to_do}")
        self.path = path


def load_or_create_data_key(path: Path, *, create: bool) -> bytes:
    """The data key in `path`; a new one is written first when missing and `create` is set."""
    data = _read_private(path)
    if data is None:
        if not create:
            raise KeyFileError(
                path, "missing", "restore it from the kiosk's backup (or point the config at it)"
            )
        data = _create_private(path, secrets.token_bytes(DATA_KEY_BYTES))
    if len(data) != DATA_KEY_BYTES:
        raise KeyFileError(
            path,
            f"holds {len(data)} bytes instead of {DATA_KEY_BYTES}",
            "restore the original key file from the kiosk's backup",
        )
    return data


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The kiosk's Ed25519 key in `path` (PEM, PKCS8); a new one is written when missing."""
    data = _read_private(path)
    if data is None:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        data = _create_private(path, pem)
    try:
        loaded = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyFileError(
            path,
            "is not an unencrypted Ed25519 private key in PEM (PKCS8)",
            "restore it from the kiosk's backup, or remove it and enrol the kiosk again",
        )
    return loaded


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key in base64, as enrolment sends it."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return wire.b64encode(raw)


def _read_private(path: Path) -> bytes | None:
    """The bytes of an owner-only regular file, or None when there is no file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise KeyFileError(path, f"cannot be examined ({e.strerror})", "check the path") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(path, "is not a regular file", "point the config at the key file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise KeyFileError(
            path,
            f"can be read or written by group or others (mode {mode:04o})",
            f"run `chmod 600 {path}` and make sure nobody else has copied it",
        )
    try:
        return path.read_bytes()
    except OSError as e:
        raise KeyFileError(
            path, f"cannot be read ({e.strerror})", "run the kiosk as the key file's owner"
        ) from None


def _create_private(path: Path, data: bytes) -> bytes:
    """Write `data` to a new owner-only file at `path` atomically, in a 0700 directory if new.

    Written to a temporary file and linked into place, so a crash leaves either no key file
    or a whole one, and a key that appeared meanwhile is kept (and returned) instead.
    """
    directory = path.parent
    try:
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=True)
            directory.chmod(0o700)  # mkdir's mode is filtered by the umask
        temporary = directory / f".{path.name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        _fsync_directory(directory)
    except OSError as e:
        raise KeyFileError(
            path,
            f"cannot be created ({e.strerror})",
            f"make {directory} writable by the kiosk's user",
        ) from None
    existing = _read_private(path)
    assert existing is not None  # just linked, or linked by someone else
    return existing


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
