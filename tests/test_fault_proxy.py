"""The fault proxy, between `requests` and a small real upstream, over loopback sockets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from central.fault_proxy import (
    Down,
    Error,
    ErrorAfterForward,
    FaultProxy,
    Hang,
    Huge,
    Malformed,
    ResetMidResponse,
    Slow,
)
from tests.conftest import ROOT
from tests.waiting import wait_until

TIMEOUT = (2.0, 5.0)  # connect, read: far longer than any answer here takes


class Upstream(ThreadingHTTPServer):
    """Echoes each request as JSON and counts what it received, by method and path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EchoHandler)
        self.received: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, method: str, path: str) -> int:
        with self.lock:
            return self.received[method, path]


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def do_GET(self) -> None:
        self.answer(b"")

    def do_HEAD(self) -> None:
        self.answer(b"", send_body=False)

    def do_POST(self) -> None:
        self.answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def answer(self, body: bytes, send_body: bool = True) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.received[self.command, path] += 1
        echo = {"method": self.command, "target": self.path, "body": body.decode()}
        data = json.dumps(echo).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test output stays readable


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.url) as running:
        yield running
    assert proxy_threads() == []


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as client:
        yield client


def post(session: requests.Session, proxy: FaultProxy, **kwargs: object) -> requests.Response:
    options: dict = {"json": {"record": 1}, "timeout": TIMEOUT, **kwargs}
    return session.post(f"{proxy.url}/records", **options)


def proxy_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("fault-proxy")]


# --- passing through -------------------------------------------------------------------------


def test_get_head_and_post_pass_through_unchanged(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    got = session.get(f"{proxy.url}/echo?x=1&y=%E4%B8%AD", timeout=TIMEOUT)
    assert got.status_code == 200
    assert got.json() == {"method": "GET", "target": "/echo?x=1&y=%E4%B8%AD", "body": ""}
    head = session.head(f"{proxy.url}/echo?x=1&y=%E4%B8%AD", timeout=TIMEOUT)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) > 0  # the upstream's, not the empty body's
    posted = post(session, proxy, json={"name": "张三", "seq": 7})
    assert posted.status_code == 200
    assert json.loads(posted.json()["body"]) == {"name": "张三", "seq": 7}
    assert upstream.count("POST", "/records") == 1
    assert proxy.requests_seen == Counter({"/echo": 2, "/records": 1})
    assert [(e.fault, e.reached_upstream, e.status) for e in proxy.exchanges] == [
        (None, True, 200)
    ] * 3


def test_a_session_keeps_one_connection_and_a_closed_one_is_replaced(
    proxy: FaultProxy, session: requests.Session
) -> None:
    for _ in range(5):
        assert post(session, proxy).status_code == 200
    proxy.inject(Error(500))  # an error answer leaves the connection usable
    assert post(session, proxy).status_code == 500
    assert proxy.connections_accepted == 1
    closing = post(session, proxy, headers={"Connection": "close"})
    assert closing.headers["Connection"] == "close"
    assert post(session, proxy).status_code == 200  # requests opens a new connection
    assert proxy.connections_accepted == 2


def test_an_unreachable_upstream_is_a_502_the_client_can_read(session: requests.Session) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nothing_there = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with FaultProxy(nothing_there) as proxy:
        answer = post(session, proxy)
        assert answer.status_code == 502
        assert answer.json()["code"] == "proxy_error"
        assert not proxy.exchanges[0].reached_upstream


# --- each fault, as a client sees it ---------------------------------------------------------


def test_an_error_answers_without_reaching_the_upstream(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.inject(Error(503, headers={"Retry-After": "2"}))
    proxy.inject(Error(401, body=b'{"code": "bad_signature", "detail": "who?"}'))
    busy = post(session, proxy)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2"
    assert busy.json()["code"] == "injected_fault"  # a wire Problem, as the platform sends
    refused = post(session, proxy)
    assert (refused.status_code, refused.json()["code"]) == (401, "bad_signature")
    assert upstream.count("POST", "/records") == 0
    assert proxy.requests_seen["/records"] == 2
    assert not any(exchange.reached_upstream for exchange in proxy.exchanges)


def test_an_error_after_forward_lets_the_upstream_commit_so_a_retry_duplicates(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.inject(ErrorAfterForward(500))
    assert post(session, proxy).status_code == 500
    assert upstream.count("POST", "/records") == 1
    assert post(session, proxy).status_code == 200  # the kiosk's retry
    assert upstream.count("POST", "/records") == 2
    assert proxy.requests_seen["/records"] == 2
    assert proxy.exchanges[0].reached_upstream


def test_a_hang_makes_the_read_timeout_fire_and_the_next_request_works(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.inject(Hang())
    with pytest.raises(requests.ReadTimeout):
        post(session, proxy, timeout=(2.0, 0.3))
    assert upstream.count("POST", "/records") == 0
    assert post(session, proxy).status_code == 200


@pytest.mark.parametrize(
    ("after_bytes", "seen_as"),
    [
        (0, requests.ConnectionError),
        (10, requests.ConnectionError),  # in the status line
        (3000, requests.exceptions.ChunkedEncodingError),  # in the body
    ],
    ids=["nothing", "status-line", "body"],
)
def test_a_reset_mid_response_reaches_the_upstream_and_breaks_the_answer(
    proxy: FaultProxy,
    upstream: Upstream,
    session: requests.Session,
    after_bytes: int,
    seen_as: type[Exception],
) -> None:
    proxy.inject(ResetMidResponse(after_bytes))
    with pytest.raises(seen_as, match="reset by peer"):
        post(session, proxy, json={"padding": "p" * 10_000})
    assert upstream.count("POST", "/records") == 1
    assert post(session, proxy).status_code == 200  # a new connection


@pytest.mark.parametrize("forward", [True, False])
def test_a_malformed_answer_is_200_but_not_json(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session, forward: bool
) -> None:
    proxy.inject(Malformed(forward=forward))
    answer = post(session, proxy)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.JSONDecodeError):
        answer.json()
    assert upstream.count("POST", "/records") == int(forward)


def test_a_slow_answer_arrives_late_or_times_out_after_the_upstream_committed(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.inject(Slow(0.2))
    assert post(session, proxy).json()["method"] == "POST"
    proxy.inject(Slow(3.0))
    with pytest.raises(requests.ReadTimeout):
        post(session, proxy, timeout=(2.0, 0.3))
    assert upstream.count("POST", "/records") == 2


def test_a_dribbled_body_keeps_a_per_read_timeout_from_firing(
    proxy: FaultProxy, session: requests.Session
) -> None:
    # 16 pieces 0.1 s apart: 1.6 s in all, never 1 s without a byte.
    proxy.inject(Slow(0.0, dribble_s=1.6))
    answer = post(session, proxy, json={"padding": "p" * 1000}, timeout=(2.0, 1.0))
    assert len(answer.json()["body"]) > 1000


def test_down_refuses_connections_then_up_serves_again_on_the_same_port(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    assert post(session, proxy).status_code == 200  # a pooled connection to be cut
    url = proxy.url
    proxy.down()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2.0).close()
    with pytest.raises(requests.ConnectionError, match="refused"):
        post(session, proxy)
    proxy.up()
    assert proxy.url == url
    assert post(session, proxy).status_code == 200
    assert upstream.count("POST", "/records") == 2


def test_down_as_a_mode_and_any_other_mode_brings_it_back(
    proxy: FaultProxy, session: requests.Session
) -> None:
    proxy.set_mode(Down())
    with pytest.raises(requests.ConnectionError):
        post(session, proxy)
    proxy.set_mode(Error(503))
    assert post(session, proxy).status_code == 503


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_a_huge_answer_is_that_many_bytes_of_json(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session, chunked: bool
) -> None:
    size = 3_000_000
    proxy.inject(Huge(size, chunked=chunked))
    answer = post(session, proxy)
    assert len(answer.content) == size
    assert answer.json()["padding"].startswith("xxx")
    assert ("Content-Length" in answer.headers) is not chunked
    assert upstream.count("POST", "/records") == 0


def test_a_client_that_stops_reading_a_huge_answer_leaves_the_proxy_serving(
    proxy: FaultProxy, session: requests.Session
) -> None:
    proxy.inject(Huge(50_000_000))
    with post(session, proxy, stream=True) as answer:
        assert len(answer.raw.read(65536)) == 65536
    assert post(session, proxy).status_code == 200


# --- choosing faults -------------------------------------------------------------------------


def test_one_shot_faults_are_used_in_order_then_traffic_passes(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    proxy.inject(Error(500))
    proxy.inject(Error(503), times=2)
    proxy.inject(ErrorAfterForward(429))
    assert len(proxy.pending) == 4
    statuses = [post(session, proxy).status_code for _ in range(6)]
    assert statuses == [500, 503, 503, 429, 200, 200]
    assert proxy.pending == ()
    assert upstream.count("POST", "/records") == 3


def test_one_shot_faults_go_before_the_standing_mode_which_lasts_until_cleared(
    proxy: FaultProxy, session: requests.Session
) -> None:
    proxy.set_mode(Error(503))
    proxy.inject(Error(429))
    assert [post(session, proxy).status_code for _ in range(3)] == [429, 503, 503]
    proxy.inject(Error(500), times=3)
    proxy.clear()
    assert (proxy.mode, proxy.pending) == (None, ())
    assert post(session, proxy).status_code == 200


def test_faults_set_from_other_threads_while_traffic_flows_are_all_used(
    proxy: FaultProxy, session: requests.Session
) -> None:
    injectors = [threading.Thread(target=proxy.inject, args=(Error(503), 5)) for _ in range(4)]
    for injector in injectors:
        injector.start()
    for injector in injectors:
        injector.join()
    statuses = Counter(post(session, proxy).status_code for _ in range(25))
    assert statuses == Counter({503: 20, 200: 5})


def test_wrong_faults_and_settings_are_refused_with_a_clear_error(upstream: Upstream) -> None:
    proxy = FaultProxy(upstream.url)
    with pytest.raises(ValueError, match="standing mode"):
        proxy.inject(Down())
    with pytest.raises(ValueError, match="at least 1"):
        proxy.inject(Hang(), times=0)
    with pytest.raises(TypeError, match="not a fault"):
        proxy.inject("hang")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="200 to 599"):
        Error(99)
    with pytest.raises(ValueError, match="header"):
        Error(503, headers={"Retry-After": "2\r\nSet-Cookie: x"})
    with pytest.raises(ValueError, match="at least"):
        Huge(3)
    with pytest.raises(ValueError, match="negative"):
        Slow(-1.0)
    with pytest.raises(ValueError, match="upstream must look like"):
        FaultProxy("ftp://127.0.0.1:21")
    with pytest.raises(RuntimeError, match="start"):
        _ = proxy.url


def test_a_port_in_use_is_a_clear_error(upstream: Upstream) -> None:
    with FaultProxy(upstream.url) as first, pytest.raises(OSError, match="another program"):
        FaultProxy(upstream.url, port=first.port).start()


# --- requests the proxy cannot pass on -------------------------------------------------------


def raw_exchange(proxy: FaultProxy, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


def raw_exchange_half_closed(proxy: FaultProxy, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        return conn.recv(65536)


def test_garbage_gets_a_400_and_a_closed_connection(proxy: FaultProxy) -> None:
    answer = raw_exchange(proxy, b"HELLO THERE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in answer
    assert b"proxy_error" in answer


def test_a_chunked_request_body_gets_a_411_naming_the_fix(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    answer = session.post(f"{proxy.url}/records", data=iter([b"a", b"b"]), timeout=TIMEOUT)
    assert answer.status_code == 411
    assert "Content-Length" in answer.json()["detail"]
    assert upstream.count("POST", "/records") == 0


def test_a_client_leaving_mid_body_is_not_forwarded(proxy: FaultProxy, upstream: Upstream) -> None:
    partial = b"POST /records HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this"
    assert raw_exchange_half_closed(proxy, partial) == b""
    assert upstream.count("POST", "/records") == 0


# --- stopping --------------------------------------------------------------------------------


def test_stop_ends_every_thread_even_with_a_hang_and_a_slow_answer_in_progress(
    upstream: Upstream,
) -> None:
    proxy = FaultProxy(upstream.url).start()
    proxy.inject(Hang())
    proxy.inject(Slow(60.0))
    outcomes: list[BaseException | int] = []

    def client() -> None:
        try:
            outcomes.append(requests.post(f"{proxy.url}/records", json={}, timeout=30).status_code)
        except requests.RequestException as error:
            outcomes.append(error)

    clients = [threading.Thread(target=client) for _ in range(2)]
    for thread in clients:
        thread.start()
    wait_until(lambda: len(proxy.exchanges) == 2, "the hang and the slow answer under way")
    idle = requests.Session()
    idle.get(f"{proxy.url}/echo", timeout=TIMEOUT)  # leaves an idle keep-alive connection

    proxy.stop()

    assert proxy_threads() == []
    for thread in clients:
        thread.join(timeout=10)
    assert len(outcomes) == 2
    assert all(isinstance(outcome, requests.ConnectionError) for outcome in outcomes)
    with pytest.raises(requests.ConnectionError):
        idle.get(f"{proxy.url}/echo", timeout=TIMEOUT)
    idle.close()


# --- the command line ------------------------------------------------------------------------


def test_the_command_line_takes_faults_on_stdin(upstream: Upstream) -> None:
    command = [sys.executable, "-m", "central.fault_proxy", "--upstream", upstream.url]
    with subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdin and process.stdout
        banner = process.stdout.readline()
        url = banner.split()[3].rstrip(",")
        assert url.startswith("http://127.0.0.1:")

        process.stdin.write("error 503 2\n")
        process.stdin.flush()
        assert process.stdout.readline().startswith("ok:")
        answer = requests.get(f"{url}/echo", timeout=TIMEOUT)
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "2")

        process.stdin.write("explode now\n")
        process.stdin.flush()
        assert "unknown command 'explode'" in process.stdout.readline()

        process.stdin.close()  # end of input: the proxy stops
        assert process.wait(timeout=10) == 0


def test_the_command_line_refuses_a_wrong_upstream_with_usage() -> None:
    command = [sys.executable, "-m", "central.fault_proxy", "--upstream", "localhost:8000"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "upstream must look like http://127.0.0.1:8000" in result.stderr
