"""The central platform as a child process: for `make run`, the tests and the benchmarks.

`CentralProcess(db_path)` runs `python -m central --port 0 --db ...` and waits for its
listening line; `stop()` (SIGTERM), `kill()` (SIGKILL) and `restart()` keep the database and
the port, so a client keeps its URL across them.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests

from offline_queue import wire

ROOT = Path(__file__).resolve().parent.parent  # where `python -m central` runs from
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
LISTENING = "central listening on "


class CentralProcess:
    def __init__(
        self,
        db_path: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Path | None = None,
        face_comparator: str = "demo",
    ) -> None:
        self.db_path = db_path
        self.face_comparator = face_comparator
        self.log_path = log_path or db_path.with_suffix(".log")
        self.host, self.port = host, port
        self._process: subprocess.Popen[bytes] | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the central server is not running: start() it first")
        return self._url

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running and self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Starts the server (on the port it had before, if it ran) and waits until it listens."""
        if self.running:
            raise RuntimeError("the central server is running already")
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "central", "--host", self.host),
                    *("--port", str(self.port), "--db", str(self.db_path)),
                    *("--face-comparator", self.face_comparator),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        line = self._read_line(self._process)
        if not line.startswith(LISTENING):
            self._process.kill()
            self._process.wait()
            raise RuntimeError(f"central did not start: {line!r}\n{self.log()}")
        self._url = line.removeprefix(LISTENING).strip()
        self.port = int(self._url.rsplit(":", 1)[1])

    def _read_line(self, process: subprocess.Popen[bytes]) -> str:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return f"no listening line within {START_TIMEOUT_S} s"
            ready, _, _ = select.select([process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(process.stdout.fileno(), 1024)
                if not chunk:
                    return f"exited with code {process.wait()}"
                line += chunk
        return line.decode("utf-8", "replace")

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        return self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash or a power cut, nothing is flushed or closed."""
        self._end(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _end(self, how: signal.Signals) -> int:
        process, self._process, self._url = self._process, None, None
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(how)
        try:
            code = process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return code

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def __enter__(self) -> CentralProcess:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_if_absent(url: str, db_path: Path) -> CentralProcess | None:
    """A local platform for `url` when it names this machine and nothing answers there yet
    (so a newcomer's `make run` shows records syncing); None when one runs or it is remote."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme != "http" or host not in ("127.0.0.1", "localhost", "::1"):
        return None
    try:
        socket.create_connection((host, port), timeout=1).close()
        return None  # something listens there already: use it
    except OSError:
        pass
    db_path.parent.mkdir(parents=True, exist_ok=True)
    central = CentralProcess(db_path, host, port)
    central.start()
    print(f"central platform started at {central.url} (kiosk list: {central.url}/)", flush=True)
    return central


def stored_records(url: str, kiosk_id: str) -> list[dict[str, Any]]:
    """Every record the platform holds for the kiosk, in seq order."""
    records: list[dict[str, Any]] = []
    while True:
        answer = requests.get(
            f"{url}{wire.API}/kiosks/{kiosk_id}/records",
            params={"after": records[-1]["seq"] if records else 0, "limit": 1000},
            timeout=10,
        )
        answer.raise_for_status()
        page = answer.json()["records"]
        if not page:
            return records
        records.extend(page)
