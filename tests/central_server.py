"""The real central platform for tests, and a kiosk identity that signs for it.

The `central` fixture gives a fresh `CentralProcess` (central/process.py) per test.

`ChainKiosk` builds a kiosk's hash chain with `wire.record_hash`, signs batch heads and requests
with a real Ed25519 key, and sends them with requests.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.process import CentralProcess
from offline_queue import wire


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralProcess]:
    """One platform for the tests of a module; each test uses kiosks of its own."""
    with CentralProcess(tmp_path_factory.mktemp("central") / "central.sqlite") as server:
        yield server


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralProcess]:
    """A fresh platform with its own database, stopped after the test."""
    with CentralProcess(tmp_path / "central.sqlite") as server:
        yield server


# --- a kiosk that signs ------------------------------------------------------------------------


class ChainKiosk:
    """A kiosk's identity and chain, as the offline queue builds them, without the queue."""

    _numbers = itertools.count(1)

    def __init__(self, kiosk_id: str | None = None, site_id: str = "测试网点-1") -> None:
        self.kiosk_id = kiosk_id or f"kiosk-{next(self._numbers)}-{uuid.uuid4().hex[:8]}"
        self.site_id = site_id
        self.key = Ed25519PrivateKey.generate()
        self.records: list[wire.Record] = []

    @property
    def public_key(self) -> str:
        return wire.b64encode(self.key.public_key().public_bytes_raw())

    def enrol(self, url: str) -> requests.Response:
        body = {"kiosk_id": self.kiosk_id, "site_id": self.site_id, "public_key": self.public_key}
        return requests.post(f"{url}{wire.API}/enrolments", json=body, timeout=10)

    def write(self, count: int = 1, kind: str = "audit", **payload: Any) -> list[wire.Record]:
        """The next `count` records of the chain (payload: the given fields and a number)."""
        written = []
        for _ in range(count):
            seq = len(self.records) + 1
            prev_hash = self.records[-1].hash if self.records else wire.GENESIS_HASH
            body = {"number": seq, **payload}
            record = self.record(seq, kind, body, prev_hash)
            self.records.append(record)
            written.append(record)
        return written

    def record(
        self, seq: int, kind: str, payload: dict[str, Any], prev_hash: str, created: str = ""
    ) -> wire.Record:
        """A record hashed right, not added to the chain (for alternative histories)."""
        created = created or wire.utc_timestamp()
        record = wire.Record(
            idempotency_key=wire.idempotency_key(self.kiosk_id, seq),
            seq=seq,
            kind=kind,
            created=created,
            payload=payload,
            prev_hash=prev_hash,
            hash=wire.record_hash(prev_hash, self.kiosk_id, seq, kind, created, payload),
        )
        return record

    def batch(self, records: list[wire.Record], key: Ed25519PrivateKey | None = None) -> bytes:
        """The JSON body of a batch of `records`, its head signed (with `key` if given)."""
        batch = wire.signed_batch(self.kiosk_id, records, (key or self.key).sign)
        return batch.model_dump_json().encode()

    def send(self, url: str, records: list[wire.Record]) -> requests.Response:
        return post_json(url, "/batches", self.batch(records))

    def signed_headers(
        self, method: str, path: str, body: bytes = b"", timestamp: int | None = None
    ) -> dict[str, str]:
        """`path` is what follows the host, e.g. /v1/heartbeats."""
        now = int(time.time()) if timestamp is None else timestamp
        signature = self.key.sign(wire.request_message(method, path, now, body))
        return {
            wire.KIOSK_HEADER: self.kiosk_id,
            wire.TIME_HEADER: str(now),
            wire.SIGNATURE_HEADER: wire.b64encode(signature),
        }

    def signed(
        self, url: str, method: str, path: str, body: bytes = b"", timestamp: int | None = None
    ) -> requests.Response:
        """A signed request to `wire.API + path`."""
        full_path = wire.API + path
        headers = self.signed_headers(method, full_path, body, timestamp)
        if body:
            headers["Content-Type"] = "application/json"
        return requests.request(method, url + full_path, data=body, headers=headers, timeout=10)


def post_json(url: str, path: str, body: bytes | str | dict[str, Any]) -> requests.Response:
    """POST to `wire.API + path`: a dict as JSON, bytes or text as they are."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    return requests.post(
        f"{url}{wire.API}{path}",
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


def assert_chain_intact(stored: list[dict[str, Any]], kiosk_id: str) -> None:
    """Every record exactly once, in sequence, each linked to the one before and hashed right."""
    assert [record["seq"] for record in stored] == list(range(1, len(stored) + 1))
    prev_hash = wire.GENESIS_HASH
    for record in stored:
        assert record["prev_hash"] == prev_hash
        assert record["hash"] == wire.record_hash(
            prev_hash,
            kiosk_id,
            record["seq"],
            record["kind"],
            record["created"],
            record["payload"],
        )
        prev_hash = record["hash"]


def kiosk_summary(url: str, kiosk_id: str) -> dict[str, Any]:
    answer = requests.get(f"{url}{wire.API}/kiosks", timeout=10)
    answer.raise_for_status()
    return next(kiosk for kiosk in answer.json()["kiosks"] if kiosk["kiosk_id"] == kiosk_id)
