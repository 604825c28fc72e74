"""The kiosk's key files and the sealing of payloads at rest."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_queue import wire
from offline_queue.keys import (
    KeyFileError,
    load_or_create_data_key,
    load_or_create_signing_key,
    public_key_b64,
)
from offline_queue.sealing import Sealer, SealError, key_check, verify_key_check


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the data key ------------------------------------------------------------------------------


def test_a_new_data_key_is_owner_only_in_an_owner_only_directory(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "keys" / "queue.key"
    key = load_or_create_data_key(path, create=True)
    assert len(key) == 32
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert load_or_create_data_key(path, create=False) == key  # the same key next time
    assert [p.name for p in path.parent.iterdir()] == ["queue.key"]  # no temporary file left


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    load_or_create_data_key(tmp_path / "queue.key", create=True)
    assert mode(tmp_path) == 0o755  # the key file itself is what must be owner-only


def test_two_kiosks_get_different_keys(tmp_path: Path) -> None:
    first = load_or_create_data_key(tmp_path / "a.key", create=True)
    assert first != load_or_create_data_key(tmp_path / "b.key", create=True)


def test_a_missing_key_is_not_created_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "queue.key"
    with pytest.raises(KeyFileError, match="missing, restore it") as caught:
        load_or_create_data_key(path, create=False)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"key file {path}: ")
    assert not path.exists()


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660])
def test_a_key_others_can_reach_is_refused(tmp_path: Path, loose: int) -> None:
    path = tmp_path / "queue.key"
    load_or_create_data_key(path, create=True)
    path.chmod(loose)
    with pytest.raises(KeyFileError, match=f"mode {loose:04o}.*chmod 600 {path}"):
        load_or_create_data_key(path, create=True)
    assert mode(path) == loose  # refused, not silently "fixed" or replaced


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_key_of_the_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "queue.key"
    path.write_bytes(b"k" * size)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match=f"holds {size} bytes instead of 32"):
        load_or_create_data_key(path, create=True)
    assert path.read_bytes() == b"k" * size


def test_a_directory_in_place_of_the_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "queue.key"
    path.mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match="not a regular file"):
        load_or_create_data_key(path, create=True)


# --- the signing key ---------------------------------------------------------------------------


def test_a_new_signing_key_is_owner_only_pem_and_stays_the_same(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "kiosk-ed25519.pem"
    key = load_or_create_signing_key(path)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = load_or_create_signing_key(path)
    assert public_key_b64(again) == public_key_b64(key)


def test_the_public_key_is_raw_base64_and_verifies_signatures(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path / "kiosk.pem")
    raw = wire.b64decode(public_key_b64(key))
    assert len(raw) == 32
    Ed25519PublicKey.from_public_bytes(raw).verify(key.sign(b"head"), b"head")


def test_a_signing_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.pem"
    load_or_create_signing_key(path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_signing_key(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"],
)
def test_a_damaged_signing_key_is_refused_not_replaced(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kiosk.pem"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="not an unencrypted Ed25519 private key"):
        load_or_create_signing_key(path)
    assert path.read_bytes() == content


# --- sealing -----------------------------------------------------------------------------------


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(bytes(range(32)))


def test_a_sealed_payload_opens_with_its_key_and_associated_data(sealer: Sealer) -> None:
    plaintext = "张三 110105194912310025".encode()
    blob = sealer.seal(plaintext, b"kiosk-01:1\x00application")
    assert plaintext not in blob
    assert len(blob) == len(plaintext) + 28
    assert sealer.open(blob, b"kiosk-01:1\x00application") == plaintext


def test_the_same_plaintext_seals_differently_each_time(sealer: Sealer) -> None:
    assert sealer.seal(b"same", b"") != sealer.seal(b"same", b"")


def test_a_wrong_key_altered_bytes_or_another_place_do_not_open(sealer: Sealer) -> None:
    blob = sealer.seal(b"payload", b"kiosk-01:1\x00application")
    altered = bytearray(blob)
    altered[20] ^= 1
    with pytest.raises(SealError):
        Sealer(bytes(32)).open(blob, b"kiosk-01:1\x00application")
    with pytest.raises(SealError):
        sealer.open(bytes(altered), b"kiosk-01:1\x00application")
    with pytest.raises(SealError):
        sealer.open(blob, b"kiosk-01:2\x00application")
    with pytest.raises(SealError, match="at least 28 bytes"):
        sealer.open(blob[:10], b"kiosk-01:1\x00application")


def test_a_key_check_tells_the_right_key_from_a_wrong_one(sealer: Sealer) -> None:
    check = key_check(sealer)
    assert verify_key_check(sealer, check)
    assert not verify_key_check(Sealer(bytes(32)), check)
    assert not verify_key_check(sealer, check[:-1] + bytes([check[-1] ^ 1]))


def test_only_aes_256_keys_are_taken() -> None:
    with pytest.raises(ValueError, match="32 bytes, not 16"):
        Sealer(bytes(16))
