"""The sync worker against a real `central` over loopback, through a fault-injecting proxy.

Whatever the platform does (down, 500, 503 with Retry-After, hanging, resetting mid-answer,
malformed or slow answers, 4xx), every record reaches it exactly once, in order, with its chain
intact, and a record it rejects stays on the kiosk with the platform's reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.fault_proxy import (
    Down,
    Error,
    ErrorAfterForward,
    Fault,
    Hang,
    Huge,
    Malformed,
    ResetMidResponse,
    Slow,
)
from central.fault_proxy import FaultProxy as Proxy
from central.process import CentralProcess, stored_records
from devices.sim.idcard import with_check_digit
from offline_queue import wire
from offline_queue.client import MAX_ANSWER_BYTES, PlatformClient, Refused
from offline_queue.keys import public_key_b64
from offline_queue.outbox import Outbox, QueuePaths
from offline_queue.status import SyncStatus
from offline_queue.sync import SyncSettings
from tests.central_server import assert_chain_intact
from tests.waiting import wait_until

KIOSK = "K-SYNC-0001"
SYNC_WAIT_S = 30.0  # generous: a few faults, each costing a 1 s timeout or a short backoff
FAST = SyncSettings(
    batch_records=8, backoff_base_s=0.05, backoff_cap_s=0.4, heartbeat_s=60, purge_every_s=60
)


@dataclass
class Kiosk:
    """A kiosk's queue syncing through the proxy, and the status events it published."""

    outbox: Outbox
    statuses: list[SyncStatus] = field(default_factory=list)

    def submit(self, count: int, kind: str = "audit", start: int = 0) -> list[int]:
        futures = [
            self.outbox.submit(kind, {"number": f"A{start + i:03d}", "window_group": "综合"})
            for i in range(count)
        ]
        return [f.result(timeout=10).seq for f in futures]

    def drained(self) -> bool:
        counts = self.outbox.stats().result().counts
        return counts["pending"] == 0 and counts["in_flight"] == 0


@pytest.fixture
def proxy(central: CentralProcess) -> Iterator[Proxy]:
    with Proxy(central.url) as running:
        yield running


def open_kiosk(
    tmp_path: Path, url: str, settings: SyncSettings = FAST, timeout_s: float = 1.0
) -> Kiosk:
    statuses: list[SyncStatus] = []

    def publish(event: object) -> None:
        if isinstance(event, SyncStatus):
            statuses.append(event)

    outbox = Outbox.open(
        QueuePaths.under(tmp_path / "kiosk"),
        kiosk_id=KIOSK,
        site_id="test-site",
        platform_url=url,
        verify_tls=True,
        publish=publish,
        device_health=lambda: [
            wire.DeviceHealth(
                name="printer", kind="receipt_printer", state="user_error", detail="paper out"
            )
        ],
        settings=settings,
        timeout_s=timeout_s,
    )
    return Kiosk(outbox, statuses)


@pytest.fixture
def kiosk(tmp_path: Path, proxy: Proxy) -> Iterator[Kiosk]:
    """A kiosk that has enrolled and sent its first heartbeat: from here on, faults injected
    into the proxy hit batches (the next heartbeat is a minute away)."""
    opened = open_kiosk(tmp_path, proxy.url)
    wait_until(lambda: any(s.connected for s in opened.statuses), "enrolled")
    yield opened
    opened.outbox.close()


def assert_exactly_once_in_order(central: CentralProcess, count: int) -> None:
    records = stored_records(central.url, KIOSK)
    assert len(records) == count
    assert_chain_intact(records, KIOSK)


def test_records_made_offline_sync_when_the_platform_comes_back(
    tmp_path: Path, proxy: Proxy, central: CentralProcess
) -> None:
    proxy.set_mode(Down())
    kiosk = open_kiosk(tmp_path, proxy.url)  # starts offline: it cannot even enrol
    try:
        offline_then_back(kiosk, proxy, central)
    finally:
        kiosk.outbox.close()


def offline_then_back(kiosk: Kiosk, proxy: Proxy, central: CentralProcess) -> None:
    kiosk.submit(20)
    wait_until(lambda: any(s.connected is False and s.waiting == 20 for s in kiosk.statuses))
    offline = next(s for s in kiosk.statuses if s.connected is False and s.waiting == 20)
    assert offline.offline and "refused" in (offline.last_error or "")

    proxy.up()
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 20)
    wait_until(lambda: kiosk.statuses[-1].connected and kiosk.statuses[-1].waiting == 0)
    assert kiosk.statuses[-1].last_sync is not None


FAULTS: dict[str, Fault] = {
    "500": Error(500),
    "500 after the platform committed": ErrorAfterForward(500),
    "503 with Retry-After": Error(503, headers={"Retry-After": "1"}),
    "no answer": Hang(),
    "reset mid-answer": ResetMidResponse(after_bytes=40),
    "malformed JSON after commit": Malformed(forward=True),
    "malformed JSON": Malformed(forward=False),
    "slow answer": Slow(delay_s=0.3),
    "huge answer": Huge(MAX_ANSWER_BYTES + 1, chunked=True),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_platform_faults_lose_nothing_and_duplicate_nothing(
    kiosk: Kiosk, proxy: Proxy, central: CentralProcess, fault: Fault
) -> None:
    proxy.inject(fault, times=3)
    kiosk.submit(20)
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 20)
    hit = [e for e in proxy.exchanges if e.fault is not None]
    assert [e.path for e in hit] == [f"{wire.API}/batches"] * 3
    stats = kiosk.outbox.stats().result()
    assert stats.counts["acked"] == 20 and stats.counts["rejected"] == 0


def test_retry_after_is_honoured(kiosk: Kiosk, proxy: Proxy, central: CentralProcess) -> None:
    proxy.set_mode(Error(503, headers={"Retry-After": "3"}))
    refused_at = datetime.now(UTC)
    kiosk.submit(1)
    wait_until(lambda: kiosk.outbox.stats().result().next_attempt is not None)
    next_attempt = wire.parse_timestamp(kiosk.outbox.stats().result().next_attempt or "")
    assert (next_attempt - refused_at).total_seconds() >= 2.9
    proxy.set_mode(None)
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 1)


def test_sync_now_sends_at_once_what_the_backoff_held_back(
    kiosk: Kiosk, proxy: Proxy, central: CentralProcess
) -> None:
    proxy.set_mode(Error(503, headers={"Retry-After": "600"}))
    kiosk.submit(3)
    wait_until(lambda: kiosk.outbox.stats().result().next_attempt is not None)
    proxy.set_mode(None)  # the platform is back; the kiosk would wait ten minutes to see it
    kiosk.outbox.sync_now()  # a technician's "sync now"
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 3)


def test_a_rejected_record_stays_visible_with_its_reason_and_the_rest_goes_on(
    kiosk: Kiosk, central: CentralProcess
) -> None:
    kiosk.submit(2)
    bad = kiosk.outbox.submit("rating", {"level": 9, "case": "C-1"}).result(timeout=10)
    kiosk.submit(2, start=2)
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    stats = kiosk.outbox.stats().result()
    assert stats.counts["acked"] == 4
    [rejected] = stats.rejected
    assert rejected.seq == bad.seq and rejected.code == "invalid_content"
    assert "level" in (rejected.reason or "")
    assert kiosk.statuses[-1].rejected == 1
    assert [r["seq"] for r in stored_records(central.url, KIOSK)] == [1, 2, 3, 4, 5]


def test_a_refusal_the_kiosk_cannot_fix_keeps_the_records_and_says_why(
    kiosk: Kiosk, proxy: Proxy, central: CentralProcess
) -> None:
    problem = b'{"code": "maintenance", "detail": "platform read-only until 02:00"}'
    proxy.set_mode(Error(403, body=problem))
    kiosk.submit(3)
    wait_until(lambda: "read-only" in (kiosk.outbox.stats().result().last_error or ""))
    counts = kiosk.outbox.stats().result().counts
    # Kept: waiting, or taken for the next try at this moment; none dropped, none refused.
    assert counts["pending"] + counts["in_flight"] == 3 and counts["rejected"] == 0
    proxy.set_mode(None)
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 3)


def test_a_batch_too_large_for_the_platform_is_split(
    kiosk: Kiosk, proxy: Proxy, central: CentralProcess
) -> None:
    proxy.inject(Error(413, body=b'{"code": "too_large", "detail": "body over 8 MiB"}'))
    kiosk.submit(8)
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 8)


def test_heartbeats_carry_device_and_queue_status(kiosk: Kiosk, central: CentralProcess) -> None:
    def listed() -> dict[str, object] | None:
        kiosks = requests.get(f"{central.url}/v1/kiosks", timeout=5).json()["kiosks"]
        return next((k for k in kiosks if k["kiosk_id"] == KIOSK and k["last_heartbeat"]), None)

    wait_until(lambda: listed() is not None)
    summary = listed()
    assert summary is not None
    assert summary["devices"] == [
        {"name": "printer", "kind": "receipt_printer", "state": "user_error", "detail": "paper out"}
    ]


def test_concurrent_submits_all_arrive_in_one_gapless_chain(
    kiosk: Kiosk, central: CentralProcess
) -> None:
    threads = [threading.Thread(target=kiosk.submit, args=(15,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
    assert_exactly_once_in_order(central, 60)


def test_names_and_identity_numbers_are_nowhere_on_disk_or_in_the_logs(
    tmp_path: Path, proxy: Proxy, central: CentralProcess, caplog: pytest.LogCaptureFixture
) -> None:
    people = [
        ("王秀英", "11010119580312002X", "13800138000", "北京市东城区景山前街4号"),
        ("李明", "440106199007151234", "13912345678", "广州市天河区体育西路191号"),
    ]
    caplog.set_level(logging.DEBUG)
    kiosk = open_kiosk(tmp_path, proxy.url)
    try:
        proxy.inject(Error(500), times=2)
        proxy.inject(Malformed(forward=True))
        for name, number, phone, address in people:
            payload = {"name": name, "id_number": number, "phone": phone, "address": address}
            kiosk.outbox.submit("application", payload).result(timeout=10)
        kiosk.outbox.submit("rating", {"level": 0, "holder": people[0][0]}).result(timeout=10)
        wait_until(kiosk.drained, "the queue drained", SYNC_WAIT_S)
        while_open = {f.name: f.read_bytes() for f in (tmp_path / "kiosk").glob("queue.sqlite*")}
    finally:
        kiosk.outbox.close()
    after = {f.name: f.read_bytes() for f in (tmp_path / "kiosk").glob("queue.sqlite*")}
    assert {"queue.sqlite", "queue.sqlite-wal"} <= set(while_open)
    logs = caplog.text
    assert "platform error 500" in logs  # the logs were written, and looked at
    for value in (part for person in people for part in person):
        for name, data in [*while_open.items(), *after.items()]:
            assert value.encode() not in data, (value, name)
        assert value not in logs


def test_the_client_fetches_citizens_with_signed_requests_and_the_e_id_keys(
    central: CentralProcess,
) -> None:
    key = Ed25519PrivateKey.generate()
    client = PlatformClient(central.url, KIOSK, key)
    try:
        client.enrol("test-site", public_key_b64(key))
        citizen = client.citizen("110101195803120023")
        assert citizen.name == "王秀英" and citizen.pension.receiving
        with pytest.raises(Refused) as unknown:
            client.citizen(with_check_digit("11010119000101001"))
        assert unknown.value.status == 404 and unknown.value.problem.code == "unknown_citizen"
        assert client.eid_keys().keys
    finally:
        client.close()
