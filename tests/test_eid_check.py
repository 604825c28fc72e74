"""The kiosk's e-ID check against a real `central`: online when connected, offline against the
issuer keys the sync worker cached; forged, expired, replayed and garbage codes refused."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.app import ISSUER_SECRET
from central.eid import EidIssuer, new_issuer_secret
from central.process import CentralProcess
from central.storage import Storage
from offline_queue import wire
from offline_queue.client import PlatformClient
from offline_queue.eid_check import EidChecker, EidResult, save_keys
from offline_queue.outbox import Outbox, QueuePaths
from offline_queue.status import SyncStatus
from offline_queue.sync import SyncSettings
from tests.central_server import post_json
from tests.waiting import wait_until

WANG = "110101195803120023"  # 王秀英, a demo citizen
WANG_NAME = "王秀英"
MASKED = "110101********0023"


def issue(url: str, valid_s: int = 300) -> str:
    answer = post_json(url, "/eid/codes", {"id_number": WANG, "valid_s": valid_s})
    assert answer.status_code == 200, answer.text
    payload: str = answer.json()["payload"]
    return payload


def platform_issuer(central: CentralProcess) -> EidIssuer:
    """The platform's own issuer key, read from its database (to sign codes from the past)."""
    storage = Storage(central.db_path)
    try:
        return EidIssuer(storage.secret(ISSUER_SECRET, new_issuer_secret))
    finally:
        storage.close()


@pytest.fixture
def client(platform: CentralProcess) -> Iterator[PlatformClient]:
    opened = PlatformClient(platform.url, "K-EID-0001", Ed25519PrivateKey.generate())
    yield opened
    opened.close()


@pytest.fixture
def paths(tmp_path: Path, client: PlatformClient) -> QueuePaths:
    """A kiosk's data directory with the issuer keys cached, as sync leaves it."""
    paths = QueuePaths.under(tmp_path)
    save_keys(paths.eid_keys, client.eid_keys())
    return paths


def checker(paths: QueuePaths, client: PlatformClient | None = None) -> EidChecker:
    return EidChecker(paths.eid_keys, paths.eid_used, client)


UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens


def refused(result: EidResult, code: str, checked: str = "offline") -> None:
    assert (result.valid, result.code, result.checked) == (False, code, checked)
    assert result.claims is None and result.name is None


# --- offline -----------------------------------------------------------------------------------


def test_offline_a_genuine_code_is_valid_once(platform: CentralProcess, paths: QueuePaths) -> None:
    payload = issue(platform.url)
    result = checker(paths).check(payload, time.time(), online=False)
    assert (result.valid, result.code, result.checked) == (True, None, "offline")
    assert result.id_number_masked == MASKED and result.name == WANG_NAME
    assert result.claims is not None and result.claims.sub == WANG
    assert result.expires is not None
    refused(checker(paths).check(payload, time.time(), online=False), "replayed")


def test_offline_a_code_past_its_expiry_is_expired(
    platform: CentralProcess, paths: QueuePaths
) -> None:
    payload = issue(platform.url, valid_s=60)
    result = checker(paths).check(payload, time.time() + 61, online=False)
    refused(result, "expired")
    assert result.expires is not None


def test_offline_forged_foreign_and_garbage_codes_get_their_codes(
    platform: CentralProcess, paths: QueuePaths
) -> None:
    genuine = issue(platform.url)
    kid = wire.parse_eid(genuine)[0]
    _, _, signature = genuine.rpartition(".")
    claims = wire.EidClaims(sub=WANG, name=WANG_NAME, iat=0, exp=2**40, jti="forged")
    forged = f"{wire.eid_signed_part(kid, claims)}.{signature}"
    foreign = EidIssuer(new_issuer_secret()).issue(WANG, WANG_NAME, 300, time.time()).payload
    cases = {
        forged: "bad_signature",
        foreign: "unknown_key",
        "": "malformed",
        "hello": "malformed",
        "EID1.a.b.c": "malformed",
        "二维码": "malformed",
        genuine + "x" * wire.EID_MAX_CHARS: "malformed",
        "x" * 10_000_000: "malformed",
    }
    check = checker(paths)
    for text, code in cases.items():
        refused(check.check(text, time.time(), online=False), code)
    assert check.check(genuine, time.time(), online=False).valid  # none of them used it up


def test_offline_without_cached_keys_the_check_needs_the_network(
    platform: CentralProcess, tmp_path: Path
) -> None:
    paths = QueuePaths.under(tmp_path)
    payload = issue(platform.url)
    refused(checker(paths).check(payload, time.time(), online=False), "no_keys")
    for damaged in (b"", b"{not json", b'{"keys": [{"kid": "k", "public_key": "AAAA"}]}'):
        paths.eid_keys.write_bytes(damaged)
        refused(checker(paths).check(payload, time.time(), online=False), "no_keys")


def test_codes_used_here_are_forgotten_after_they_expire(
    platform: CentralProcess, paths: QueuePaths
) -> None:
    check = checker(paths)
    short, long = issue(platform.url, valid_s=60), issue(platform.url, valid_s=3600)
    assert check.check(short, time.time(), online=False).valid
    assert check.check(long, time.time() + 120, online=False).valid
    used = json.loads(paths.eid_used.read_text())["used"]
    assert list(used) == [wire.parse_eid(long)[1].jti]
    assert paths.eid_used.stat().st_mode & 0o077 == 0


def test_a_damaged_list_of_used_codes_does_not_stop_the_checks(
    platform: CentralProcess, paths: QueuePaths, caplog: pytest.LogCaptureFixture
) -> None:
    paths.eid_used.write_text('{"used": ["not", "a", "map"]}')
    assert checker(paths).check(issue(platform.url), time.time(), online=False).valid
    assert "unreadable" in caplog.text


# --- online ------------------------------------------------------------------------------------


def test_online_the_platform_decides_and_catches_a_code_used_at_another_kiosk(
    platform: CentralProcess, paths: QueuePaths, client: PlatformClient, tmp_path: Path
) -> None:
    payload = issue(platform.url)
    result = checker(paths, client).check(payload, time.time(), online=True)
    assert (result.valid, result.checked, result.id_number_masked) == (True, "online", MASKED)
    assert result.claims is not None and result.claims.sub == WANG
    # Another kiosk, which never saw the code, hears from the platform that it was used.
    other = QueuePaths.under(tmp_path / "other")
    save_keys(other.eid_keys, client.eid_keys())
    refused(checker(other, client).check(payload, time.time(), online=True), "replayed", "online")


def test_online_forged_and_expired_codes_are_refused_by_the_platform(
    platform: CentralProcess, paths: QueuePaths, client: PlatformClient
) -> None:
    genuine = issue(platform.url)
    kid = wire.parse_eid(genuine)[0]
    claims = wire.EidClaims(sub=WANG, name=WANG_NAME, iat=0, exp=2**40, jti="forged-online")
    forged = f"{wire.eid_signed_part(kid, claims)}.{genuine.rpartition('.')[2]}"
    expired = platform_issuer(platform).issue(WANG, WANG_NAME, 60, time.time() - 3600).payload
    check = checker(paths, client)
    refused(check.check(forged, time.time(), online=True), "bad_signature", "online")
    refused(check.check(expired, time.time(), online=True), "expired", "online")
    refused(check.check("garbage", time.time(), online=True), "malformed", "offline")


def test_a_code_accepted_offline_here_is_refused_here_once_online(
    platform: CentralProcess, paths: QueuePaths, client: PlatformClient
) -> None:
    payload = issue(platform.url)
    assert checker(paths).check(payload, time.time(), online=False).valid
    # The platform never saw it, but this kiosk remembers.
    refused(checker(paths, client).check(payload, time.time(), online=True), "replayed")


def test_when_the_platform_cannot_be_reached_the_kiosk_checks_the_code_itself(
    platform: CentralProcess, paths: QueuePaths
) -> None:
    payload = issue(platform.url)
    gone = PlatformClient(UNREACHABLE, "K-EID-0001", Ed25519PrivateKey.generate())
    try:
        result = checker(paths, gone).check(payload, time.time(), online=True)
    finally:
        gone.close()
    assert (result.valid, result.checked) == (True, "offline")


def test_results_and_logs_never_hold_the_holders_number_or_name(
    platform: CentralProcess, paths: QueuePaths, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = issue(platform.url)
    gone = PlatformClient(UNREACHABLE, "K-EID-0001", Ed25519PrivateKey.generate())
    try:
        result = checker(paths, gone).check(payload, time.time(), online=True)
        again = checker(paths, gone).check(payload, time.time(), online=True)
    finally:
        gone.close()
    for text in (repr(result), repr(again), caplog.text):
        assert WANG not in text and WANG_NAME not in text


# --- the sync worker caches the keys -----------------------------------------------------------


def test_the_sync_worker_caches_the_issuer_keys_once_it_reaches_the_platform(
    tmp_path: Path, central: CentralProcess
) -> None:
    url = central.url
    central.stop()
    paths = QueuePaths.under(tmp_path / "kiosk")
    statuses: list[SyncStatus] = []
    outbox = Outbox.open(
        paths,
        kiosk_id="K-EID-SYNC",
        site_id="东城区",
        platform_url=url,
        verify_tls=True,
        publish=lambda e: statuses.append(e) if isinstance(e, SyncStatus) else None,
        settings=SyncSettings(backoff_base_s=0.05, backoff_cap_s=0.4),
    )
    try:
        wait_until(lambda: any(s.connected is False for s in statuses), "tried the platform")
        assert not paths.eid_keys.exists()
        central.start()
        wait_until(paths.eid_keys.exists, "the keys cached", 30)
        served = requests.get(f"{central.url}/v1/eid/keys", timeout=10).json()
        assert json.loads(paths.eid_keys.read_text()) == served
        # Now offline, a code issued meanwhile is checked with the cached keys.
        payload = issue(central.url)
        central.stop()
        check = EidChecker(paths.eid_keys, paths.eid_used, outbox.platform)
        result = check.check(payload, time.time(), online=True)
        assert (result.valid, result.checked) == (True, "offline")
    finally:
        outbox.close()
