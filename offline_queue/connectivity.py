"""Can this kiosk reach its platform, and if not, where does it stop (issue 6)?

`check_platform(url)` walks the way a request goes: the name (DNS), a connection (TCP), the
TLS handshake and certificate, an HTTP answer from `/v1/health`, and the clock against the
platform's (e-ID codes and signed requests carry times). Each step says what it found in words
a technician can act on; the first that fails ends the walk, and the steps after it are
reported as not tried. Nothing here raises for a network problem.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError

from offline_queue.wire import API, Health

MAX_SKEW_S = 30.0  # signed requests and e-ID codes are checked against the time


@dataclass(frozen=True)
class Step:
    name: str  # dns, tcp, tls, http, clock
    ok: bool | None  # None: not tried, or not needed (plain http on this machine)
    detail: str
    elapsed_ms: float = 0.0


def check_platform(
    url: str,
    timeout_s: float = 5.0,
    verify_tls: bool = True,
    clock: Callable[[], float] = time.time,
) -> list[Step]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    steps: list[Step] = []

    def step(name: str, probe: Callable[[], tuple[bool | None, str]]) -> bool:
        start = time.perf_counter()
        ok, detail = probe()
        steps.append(Step(name, ok, detail, (time.perf_counter() - start) * 1000))
        return ok is not False

    addresses: list[str] = []
    server_time: list[float] = []

    def dns() -> tuple[bool | None, str]:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            return False, f"cannot resolve {host!r}: {error}"
        addresses.extend(dict.fromkeys(str(info[4][0]) for info in found))
        return True, f"{host} is {', '.join(addresses)}"

    def tcp() -> tuple[bool | None, str]:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                return True, f"connected to {host}:{port}"
        except TimeoutError:
            return False, f"no answer from {host}:{port} within {timeout_s:g} s (firewall?)"
        except OSError as error:
            return False, f"cannot connect to {host}:{port}: {error.strerror or error}"

    def tls() -> tuple[bool | None, str]:
        if parts.scheme != "https":
            return None, "plain http: allowed only for a platform on this machine"
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        try:
            with (
                socket.create_connection((host, port), timeout=timeout_s) as raw,
                context.wrap_socket(raw, server_hostname=host) as secure,
            ):
                expires = _days_left(secure.getpeercert())
                return True, f"{secure.version()}, certificate valid{expires}"
        except ssl.SSLCertVerificationError as error:
            return False, f"certificate refused: {error.verify_message}"
        except (ssl.SSLError, OSError) as error:
            return False, f"TLS handshake failed: {error}"

    def http() -> tuple[bool | None, str]:
        target = f"{url.rstrip('/')}{API}/health"
        try:
            answer = requests.get(target, timeout=timeout_s, verify=verify_tls)
        except requests.Timeout:
            return False, f"{target} gave no answer within {timeout_s:g} s"
        except requests.RequestException as error:
            return False, f"{target} failed: {error}"
        if answer.status_code != 200:
            return False, f"{target} answered {answer.status_code} {answer.reason}"
        try:
            health = Health.model_validate_json(answer.content)
        except ValidationError:
            return False, f"{target} answered, but not as a kiosk platform does"
        server_time.append(_seconds(health.time))
        return True, f"the platform answers ({answer.elapsed.total_seconds() * 1000:.0f} ms)"

    def skew() -> tuple[bool | None, str]:
        difference = server_time[0] - clock()
        ahead = "ahead of" if difference > 0 else "behind"
        text = f"the platform's clock is {abs(difference):.1f} s {ahead} this kiosk's"
        if abs(difference) > MAX_SKEW_S:
            return False, f"{text}: set the time (NTP); signed requests and codes will fail"
        return True, text

    for name, probe in (("dns", dns), ("tcp", tcp), ("tls", tls), ("http", http)):
        if not step(name, probe):
            break
    if server_time:
        step("clock", skew)
    tried = {s.name for s in steps}
    steps += [
        Step(n, None, "not tried") for n in ("dns", "tcp", "tls", "http", "clock") if n not in tried
    ]
    return steps


def _days_left(certificate: Mapping[str, object] | None) -> str:
    if not certificate or "notAfter" not in certificate:
        return ""
    expires = ssl.cert_time_to_seconds(str(certificate["notAfter"]))
    return f" for {int((expires - time.time()) // 86400)} more days"


def _seconds(timestamp: str) -> float:
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
