"""The platform connectivity check a technician runs: where the way to the platform stops."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from central.process import CentralProcess
from offline_queue.connectivity import Step, check_platform


def by_name(steps: list[Step]) -> dict[str, Step]:
    assert [s.name for s in steps] == ["dns", "tcp", "tls", "http", "clock"]
    return {s.name: s for s in steps}


def test_a_reachable_platform_passes_every_step(central: CentralProcess) -> None:
    steps = by_name(check_platform(central.url))
    assert steps["dns"].ok and "127.0.0.1" in steps["dns"].detail
    assert steps["tcp"].ok
    assert steps["tls"].ok is None and "plain http" in steps["tls"].detail
    assert steps["http"].ok and "answers" in steps["http"].detail
    assert steps["clock"].ok and "this kiosk's" in steps["clock"].detail


def test_a_kiosk_clock_two_minutes_slow_is_named(central: CentralProcess) -> None:
    steps = by_name(check_platform(central.url, clock=lambda: time.time() - 120))
    assert steps["clock"].ok is False
    assert "ahead of this kiosk's" in steps["clock"].detail and "NTP" in steps["clock"].detail


def test_nothing_listening_stops_at_tcp_and_tries_no_further() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    steps = by_name(check_platform(f"http://127.0.0.1:{port}", timeout_s=2))
    assert steps["dns"].ok
    assert steps["tcp"].ok is False and "refused" in steps["tcp"].detail
    assert [steps[n].detail for n in ("tls", "http", "clock")] == ["not tried"] * 3


def test_a_name_that_does_not_resolve_stops_at_dns() -> None:
    steps = by_name(check_platform("https://platform.invalid", timeout_s=2))
    assert steps["dns"].ok is False and "cannot resolve 'platform.invalid'" in steps["dns"].detail
    assert steps["tcp"].detail == "not tried"


def test_a_platform_that_accepts_but_never_answers_times_out_at_http() -> None:
    with socket.socket() as silent:  # the kernel accepts the connection; nobody reads it
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        steps = by_name(check_platform(f"http://127.0.0.1:{port}", timeout_s=0.5))
    assert steps["tcp"].ok
    assert steps["http"].ok is False and "no answer within 0.5 s" in steps["http"].detail
    assert steps["clock"].detail == "not tried"


class _Answer(http.server.BaseHTTPRequestHandler):
    status, body = 200, b"<html>router login</html>"

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(server: http.server.HTTPServer) -> Iterator[int]:
    """`server` answering on its own thread; its port."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def other_server() -> Iterator[int]:
    with serving(http.server.HTTPServer(("127.0.0.1", 0), _Answer)) as port:
        yield port


def test_something_else_at_the_address_is_told_from_the_platform(other_server: int) -> None:
    url = f"http://127.0.0.1:{other_server}"
    steps = by_name(check_platform(url))
    assert steps["http"].ok is False and "not as a kiosk platform does" in steps["http"].detail
    _Answer.status = 503
    try:
        steps = by_name(check_platform(url))
    finally:
        _Answer.status = 200
    assert steps["http"].ok is False and "answered 503" in steps["http"].detail


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[int]:
    """A TLS server on loopback with a self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk-test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as port:
        yield port


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # asked for
def test_a_certificate_nobody_vouches_for_is_refused_unless_told_not_to_check(
    tls_server: int,
) -> None:
    url = f"https://127.0.0.1:{tls_server}"
    steps = by_name(check_platform(url, timeout_s=3))
    assert steps["tls"].ok is False and "certificate refused" in steps["tls"].detail
    assert "self-signed" in steps["tls"].detail
    steps = by_name(check_platform(url, timeout_s=3, verify_tls=False))
    assert steps["tls"].ok and steps["tls"].detail.startswith("TLSv1.3, certificate valid")
    assert steps["http"].ok is False  # an HTTPS server, but not a platform
