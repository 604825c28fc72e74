"""What the rest of the kiosk sees of the queue: submit a record, read the statistics.

`Outbox.open` assembles the layer from a data directory: the encrypted store, the key files
beside it, the platform client and the sync worker. Records are durable once the future of
`submit` is done; the sync worker is told at once, so a connected kiosk sends them within a
round trip, and an offline one keeps them until the platform is back.

`Outbox.platform` is the client for what a citizen waits on (e-ID, face, queue status,
documents): its own connection and short timeouts, apart from the sync worker's.
`sign_document` signs the text of a document's QR code with the kiosk's enrolled key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import JsonValue

from offline_queue import wire
from offline_queue.client import PlatformClient
from offline_queue.keys import load_or_create_signing_key, public_key_b64
from offline_queue.store import Enqueued, QueueStats, QueueStore
from offline_queue.sync import DeviceHealthSource, SyncSettings, SyncWorker
from offline_queue.wire import ChainHead

T = TypeVar("T")


@dataclass(frozen=True)
class QueuePaths:
    """Where a kiosk keeps its queue. The keys live apart from the database, owner-only, so
    a copy of the database alone reveals nothing."""

    database: Path
    data_key: Path
    signing_key: Path
    eid_keys: Path  # the e-ID issuer keys, cached by sync for offline checks
    eid_used: Path  # e-ID codes this kiosk accepted, refused when shown again

    @classmethod
    def under(cls, data_dir: Path, key_dir: Path | None = None) -> QueuePaths:
        """The queue in `data_dir`; its keys in `key_dir` (default: `data_dir`/keys). Keys on
        other storage than the data (DESIGN.md §7) leave a stolen data disk unreadable."""
        keys = key_dir if key_dir is not None else data_dir / "keys"
        return cls(
            database=data_dir / "queue.sqlite",
            data_key=keys / "queue.key",
            signing_key=keys / "kiosk-ed25519.pem",
            eid_keys=data_dir / "eid-keys.json",
            eid_used=data_dir / "eid-used.json",
        )


class Outbox:
    def __init__(
        self,
        store: QueueStore,
        sync: SyncWorker,
        platform: PlatformClient,
        signing_key: Ed25519PrivateKey,
    ) -> None:
        self._store, self._sync, self._signing_key = store, sync, signing_key
        self.platform = platform
        self.kiosk_id = platform.kiosk_id

    @classmethod
    def open(
        cls,
        paths: QueuePaths,
        *,
        kiosk_id: str,
        site_id: str,
        platform_url: str,
        verify_tls: bool,
        publish: Callable[[object], None],
        device_health: DeviceHealthSource = lambda: (),
        settings: SyncSettings | None = None,
        timeout_s: float = 15.0,
        interactive_timeout_s: float = 5.0,
        software: str = "kiosk-terminal",
    ) -> Outbox:
        """Open (or create) the queue and start syncing. Raises `QueueKeyError` and
        `KeyFileError` with a message for the technician when a key is missing or wrong.

        `timeout_s` bounds the sync worker's reads, `interactive_timeout_s` those of
        `Outbox.platform`."""
        signing_key = load_or_create_signing_key(paths.signing_key)
        store = QueueStore(paths.database, paths.data_key, kiosk_id)
        client = PlatformClient(
            platform_url, kiosk_id, signing_key, verify_tls=verify_tls, read_timeout_s=timeout_s
        )
        interactive = PlatformClient(
            platform_url,
            kiosk_id,
            signing_key,
            verify_tls=verify_tls,
            connect_timeout_s=min(3.0, interactive_timeout_s),
            read_timeout_s=interactive_timeout_s,
        )
        sync = SyncWorker(
            store,
            client,
            site_id=site_id,
            public_key_b64=public_key_b64(signing_key),
            publish=publish,
            device_health=device_health,
            settings=settings,
            software=software,
            eid_keys_path=paths.eid_keys,
        )
        sync.start()
        return cls(store, sync, interactive, signing_key)

    def submit(self, kind: str, payload: Mapping[str, JsonValue]) -> Future[Enqueued]:
        """Queue a record; the future is done once it is on disk (or failed: bad payload)."""
        return self._notify_when_done(self._store.enqueue(kind, payload))

    def submit_all(
        self, items: Sequence[tuple[str, Mapping[str, JsonValue]]]
    ) -> Future[list[Enqueued]]:
        """Queue linked records (a "一件事" bundle) in one transaction: all or none."""
        return self._notify_when_done(self._store.enqueue_many(items))

    def stats(self) -> Future[QueueStats]:
        return self._store.stats()

    def sync_now(self) -> None:
        """Try the platform at once, backoff forgotten (a technician's "sync now")."""
        self._sync.sync_now()

    def unblock(self) -> Future[None]:
        """Let sync go on after a technician dealt with what blocked it (the platform's view
        of the chain, a key conflict); if the cause is still there, it blocks again, saying so."""
        future = self._store.set_blocked(None)
        future.add_done_callback(lambda _: self._sync.sync_now())
        return future

    def head(self) -> Future[ChainHead]:
        """The last record queued (seq and hash)."""
        return self._store.head()

    def sign_document(self, claims: Mapping[str, JsonValue]) -> str:
        """`DOC1.<kiosk_id>.<claims>.<signature>`, signed with the key enrolled with the
        platform, for a printout's QR code (`wire.document_url`). Anyone holding the paper can
        read the claims: put in a case number and a masked identity number, never a full one.
        ValueError for floats in the claims or a code longer than `wire.DOC_MAX_CHARS`."""
        signed = wire.document_signed_part(self.kiosk_id, claims)
        payload = wire.signed_payload(signed, self._signing_key.sign(signed.encode("ascii")))
        if len(payload) > wire.DOC_MAX_CHARS:
            raise ValueError(
                f"a document code has at most {wire.DOC_MAX_CHARS} characters, these claims "
                f"make {len(payload)}: sign less"
            )
        return payload

    def close(self) -> None:
        self._sync.stop()
        self.platform.close()
        self._store.close()

    def _notify_when_done(self, future: Future[T]) -> Future[T]:
        future.add_done_callback(lambda _: self._sync.notify())
        return future
