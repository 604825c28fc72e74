"""A fault-injecting HTTP proxy between a kiosk and the platform, over real sockets.

Tests and the soak benchmark put it in front of `central` to make the platform misbehave the way
real networks and platforms do: errors with or without the platform having committed, hangs,
resets in the middle of an answer, bodies that are not JSON, slow or huge answers, and a platform
that refuses connections. Faults can be set from any thread and apply to the next requests: first
the one-shot faults, in the order they were injected, then the standing mode.

    with FaultProxy(central_url) as proxy:
        proxy.inject(ErrorAfterForward(500))  # central commits, the kiosk sees a 500
        proxy.down()                          # connections refused, until...
        proxy.up()                            # ...it listens again, on the same port

One thread per connection; HTTP/1.1 keep-alive, request bodies framed by Content-Length; a new
upstream connection for each request. `python -m central.fault_proxy --help` for manual demos.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import re
import selectors
import socket
import struct
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import ClassVar
from urllib.parse import urlsplit

from offline_queue.wire import Problem

HOST = "127.0.0.1"
# Far above the platform's own limit, so that the platform, not the proxy, answers 413.
MAX_REQUEST_BODY_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
EXCHANGES_KEPT = 10_000  # bounded, so a soak run does not grow the proxy without end
DRIBBLE_PIECES = 16
HUGE_PIECE_BYTES = 64 * 1024
HUGE_OPEN, HUGE_CLOSE = b'{"padding": "', b'"}'
JOIN_TIMEOUT_S = 5.0
# Headers about one connection, never passed on (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset(
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ]
)
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


# --- faults ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _InjectedError:
    status: int = 500
    body: bytes | None = None  # None: a wire `Problem` saying the fault proxy answered
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"an injected error needs a status from 200 to 599, got {self.status}")
        for name, value in self.headers.items():
            if not TOKEN.match(name) or "\r" in value or "\n" in value or not value.isascii():
                raise ValueError(f"not a valid HTTP header: {name!r}: {value!r}")

    def answer(self) -> _Answer:
        body = self.body
        if body is None:
            detail = f"The fault proxy answered {self.status} in place of the platform."
            body = _problem_body("injected_fault", detail)
        headers = list(self.headers.items())
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return _Answer(self.status, tuple(headers), body)


@dataclass(frozen=True)
class Error(_InjectedError):
    """Answers `status` without forwarding: the platform never sees the request."""

    forwards: ClassVar[bool] = False


@dataclass(frozen=True)
class ErrorAfterForward(_InjectedError):
    """Forwards (the platform commits), then answers `status` instead of the platform's answer:
    the kiosk sees a failure for something that succeeded, and its retry is a duplicate."""

    forwards: ClassVar[bool] = True


@dataclass(frozen=True)
class Hang:
    """Reads the request and never answers, until the client gives up or the proxy stops."""

    forwards: ClassVar[bool] = False


@dataclass(frozen=True)
class ResetMidResponse:
    """Forwards, sends the first `after_bytes` of the platform's answer (never all of it), then
    resets the connection: the client sees ECONNRESET."""

    after_bytes: int = 64
    forwards: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.after_bytes < 0:
            raise ValueError(f"after_bytes cannot be negative, got {self.after_bytes}")


@dataclass(frozen=True)
class Malformed:
    """Answers 200 `application/json` with `body`, which is not JSON (truncated by default),
    after forwarding (the platform committed) or, with `forward=False`, without."""

    forward: bool = True
    body: bytes = b'{"results": [{"key": "k1:1", "status": "acc'

    @property
    def forwards(self) -> bool:
        return self.forward


@dataclass(frozen=True)
class Slow:
    """Forwards, waits `delay_s` before answering, then spreads the body over `dribble_s`
    (in small pieces, so a client's per-read timeout does not fire, only a total deadline)."""

    delay_s: float = 1.0
    dribble_s: float = 0.0
    forwards: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.delay_s < 0 or self.dribble_s < 0:
            raise ValueError(f"delays cannot be negative, got {self.delay_s}, {self.dribble_s}")


@dataclass(frozen=True)
class Down:
    """A standing mode only: the proxy stops listening, so connects are refused, and cuts the
    open connections; `up()` (or any other mode) listens again on the same port."""

    forwards: ClassVar[bool] = False


@dataclass(frozen=True)
class Huge:
    """Answers 200 with `size_bytes` of valid JSON (one long string) without forwarding,
    with a Content-Length or, with `chunked=True`, with no announced length at all."""

    size_bytes: int
    chunked: bool = False
    forwards: ClassVar[bool] = False

    def __post_init__(self) -> None:
        smallest = len(HUGE_OPEN) + len(HUGE_CLOSE)
        if self.size_bytes < smallest:
            raise ValueError(f"a Huge body has at least {smallest} bytes, got {self.size_bytes}")


Fault = Error | ErrorAfterForward | Hang | ResetMidResponse | Malformed | Slow | Down | Huge


@dataclass(frozen=True)
class Exchange:
    """What the proxy did with one request."""

    method: str
    path: str  # without the query
    fault: Fault | None
    reached_upstream: bool  # the request was sent to the platform in full
    status: int | None  # the status the client was sent; None: no complete answer


# --- HTTP messages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        tokens = {
            token.strip().lower()
            for name, value in self.headers
            if name.lower() == "connection"
            for token in value.split(",")
        }
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    reason: str = ""
    sized: bool = True  # False: no Content-Length added (HEAD, 204, 304 keep the platform's own)

    def head(self, keep_alive: bool) -> bytes:
        reason = self.reason or _reason(self.status)
        lines = [f"HTTP/1.1 {self.status} {reason}", *(f"{n}: {v}" for n, v in self.headers)]
        if self.sized:
            lines.append(f"Content-Length: {len(self.body)}")
        lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def encode(self, keep_alive: bool) -> bytes:
        return self.head(keep_alive) + self.body


class _BadRequest(Exception):
    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _problem_body(code: str, detail: str) -> bytes:
    return Problem(code=code, detail=detail).model_dump_json().encode()


def _proxy_problem(status: HTTPStatus, detail: str) -> _Answer:
    body = _problem_body("proxy_error", detail)
    return _Answer(status, (("Content-Type", "application/json"),), body)


def _read_request(reader: io.BufferedReader) -> _Request | None:
    """The next request on a connection; None when the client closed it between requests."""
    line = reader.readline(MAX_LINE_BYTES + 1)
    while line in (b"\r\n", b"\n"):  # blank lines before a request are tolerated (RFC 9112 §2.2)
        line = reader.readline(MAX_LINE_BYTES + 1)
    if not line:
        return None
    if len(line) > MAX_LINE_BYTES:
        raise _BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is too long")
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not TOKEN.match(parts[0]) or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
        raise _BadRequest(HTTPStatus.BAD_REQUEST, f"not an HTTP/1.x request line: {line[:80]!r}")
    try:
        message = http.client.parse_headers(reader)
    except http.client.HTTPException as error:
        raise _BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, str(error)) from error
    headers = tuple(message.items())
    for name, _ in headers:
        if not TOKEN.match(name):
            raise _BadRequest(HTTPStatus.BAD_REQUEST, f"not a valid header name: {name!r}")
    if message.get("Transfer-Encoding"):
        raise _BadRequest(
            HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not chunked"
        )
    lengths = set(message.get_all("Content-Length") or ["0"])
    if len(lengths) != 1 or not (length := lengths.pop().strip()).isdigit():
        raise _BadRequest(HTTPStatus.BAD_REQUEST, f"not a valid Content-Length: {sorted(lengths)}")
    if int(length) > MAX_REQUEST_BODY_BYTES:
        raise _BadRequest(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"bodies above {MAX_REQUEST_BODY_BYTES} B"
        )
    body = reader.read(int(length))
    if len(body) < int(length):
        return None  # the client left in the middle of its body
    return _Request(parts[0], parts[1], parts[2], headers, body)


def _reset_on_close(conn: socket.socket) -> None:
    """Closing sends an RST instead of a FIN: the peer's next read fails with ECONNRESET."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _huge_body(fault: Huge) -> Iterator[bytes]:
    yield HUGE_OPEN
    filler = b"x" * HUGE_PIECE_BYTES
    remaining = fault.size_bytes - len(HUGE_OPEN) - len(HUGE_CLOSE)
    while remaining > 0:
        piece = filler[:remaining]
        remaining -= len(piece)
        yield piece
    yield HUGE_CLOSE


# --- the proxy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Listening:
    wake: socket.socket  # closing it tells the accept thread to close the listener and end
    thread: threading.Thread


class FaultProxy:
    """Listens on 127.0.0.1 and passes requests to `upstream`, or misbehaves as told."""

    def __init__(self, upstream: str, port: int = 0, upstream_timeout_s: float = 30.0) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"upstream must look like http://127.0.0.1:8000, got {upstream!r}")
        self.upstream = f"http://{parts.netloc}"
        self._upstream_host, self._upstream_port = parts.hostname, parts.port or 80
        self._upstream_timeout_s = upstream_timeout_s
        self._port = port
        self._lock = threading.Lock()  # faults, counters, sockets, threads: short holds only
        self._transitions = threading.Lock()  # start, stop, down, up: one at a time
        self._stopping = threading.Event()
        self._running = False
        self._listening: _Listening | None = None
        self._queue: deque[Fault] = deque()
        self._mode: Fault | None = None
        self._seen: Counter[str] = Counter()
        self._exchanges: deque[Exchange] = deque(maxlen=EXCHANGES_KEPT)
        self._connections_accepted = 0
        self._sockets: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()

    # --- lifecycle ---

    def start(self) -> FaultProxy:
        with self._transitions:
            if self._running:
                return self
            self._stopping.clear()
            self._listen()
            self._running = True
            if isinstance(self._mode, Down):
                self._stop_listening()
        return self

    def stop(self) -> None:
        """Stops listening, cuts every connection (hung ones too) and waits for its threads."""
        with self._transitions:
            if not self._running:
                return
            self._running = False
            self._stopping.set()
            self._stop_listening()
            self._cut_connections()
            with self._lock:
                threads = list(self._threads)
            for thread in threads:
                thread.join(JOIN_TIMEOUT_S)
            if stuck := [thread.name for thread in threads if thread.is_alive()]:
                raise RuntimeError(f"fault proxy threads still running after stop: {stuck}")

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the fault proxy has no port yet: start() it first")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # --- faults ---

    def inject(self, fault: Fault, times: int = 1) -> None:
        """Applies `fault` to the next `times` requests, after the faults already injected."""
        _check_fault(fault)
        if isinstance(fault, Down):
            raise ValueError("Down is a standing mode, not a one-shot fault: use down(), then up()")
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._queue.extend([fault] * times)

    def set_mode(self, fault: Fault | None) -> None:
        """Applies `fault` to every request once the one-shot faults are used up; None: none."""
        if fault is not None:
            _check_fault(fault)
        with self._transitions:
            with self._lock:
                self._mode = fault
            if isinstance(fault, Down):
                self._stop_listening()
                self._cut_connections()  # a crashed platform keeps no connection open either
            elif self._running and self._listening is None:
                self._listen()

    def down(self) -> None:
        self.set_mode(Down())

    def up(self) -> None:
        """Listens again after `down()`; no standing mode."""
        self.set_mode(None)

    def clear(self) -> None:
        """Drops the injected faults not used yet and the standing mode (listening again)."""
        with self._lock:
            self._queue.clear()
        self.set_mode(None)

    @property
    def mode(self) -> Fault | None:
        with self._lock:
            return self._mode

    @property
    def pending(self) -> tuple[Fault, ...]:
        """The one-shot faults not used yet, next first."""
        with self._lock:
            return tuple(self._queue)

    @property
    def requests_seen(self) -> Counter[str]:
        """How many requests the proxy read, by path (without the query), faulted or not."""
        with self._lock:
            return Counter(self._seen)

    @property
    def exchanges(self) -> list[Exchange]:
        """The last requests (up to EXCHANGES_KEPT), oldest first."""
        with self._lock:
            return list(self._exchanges)

    @property
    def connections_accepted(self) -> int:
        with self._lock:
            return self._connections_accepted

    # --- listening ---

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Coming back up on the same port must work while old connections are in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((HOST, self._port))
            listener.listen(128)
        except OSError as error:
            listener.close()
            raise OSError(
                error.errno,
                f"the fault proxy cannot listen on {HOST}:{self._port} ({error.strerror}):"
                " is another program using that port?",
            ) from error
        listener.setblocking(False)
        self._port = listener.getsockname()[1]
        wake, woken = socket.socketpair()
        thread = threading.Thread(
            target=self._accept, args=(listener, woken), name="fault-proxy-accept", daemon=True
        )
        self._listening = _Listening(wake, thread)
        thread.start()

    def _stop_listening(self) -> None:
        """Once this returns the listening socket is closed: connects are refused."""
        if self._listening is None:
            return
        self._listening.wake.close()
        self._listening.thread.join()
        self._listening = None

    def _accept(self, listener: socket.socket, woken: socket.socket) -> None:
        with selectors.DefaultSelector() as selector, listener, woken:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(woken, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if woken in ready:
                    return
                try:
                    conn, _ = listener.accept()
                except (BlockingIOError, ConnectionAbortedError):
                    continue  # the client gave up before it was accepted
                conn.setblocking(True)
                # Dribbled pieces go out when written, not when Nagle's algorithm lets them.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                thread = threading.Thread(
                    target=self._serve, args=(conn,), name="fault-proxy-connection", daemon=True
                )
                with self._lock:
                    self._connections_accepted += 1
                    self._sockets.add(conn)
                    self._threads = {alive for alive in self._threads if alive.is_alive()}
                    self._threads.add(thread)
                thread.start()

    def _cut_connections(self) -> None:
        # Only shutdown() here: each socket's own thread closes it, so no descriptor is reused
        # under a thread still holding it.
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # its thread closed it already
                sock.shutdown(socket.SHUT_RDWR)

    def _track(self, sock: socket.socket | None, *, open_: bool) -> None:
        if sock is None:
            return
        with self._lock:
            if open_:
                self._sockets.add(sock)
            else:
                self._sockets.discard(sock)

    # --- serving ---

    def _serve(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while True:
                try:
                    request = _read_request(reader)
                except _BadRequest as error:
                    conn.sendall(_proxy_problem(error.status, str(error)).encode(keep_alive=False))
                    return
                if request is None or not self._handle(conn, reader, request):
                    return
        except OSError:
            return  # the client left, or stop() or down() cut the connection
        finally:
            self._track(conn, open_=False)
            reader.close()
            conn.close()

    def _handle(self, conn: socket.socket, reader: io.BufferedReader, request: _Request) -> bool:
        """Answers one request as the fault says; True when the connection can carry another."""
        with self._lock:
            self._seen[request.path] += 1
            fault = self._queue.popleft() if self._queue else self._mode
        keep_alive = request.keep_alive
        if isinstance(fault, Down):  # a request that slipped in while going down
            self._record(request, fault, False, None)
            _reset_on_close(conn)
            return False  # _serve closes it
        if isinstance(fault, Hang):
            self._record(request, fault, False, None)
            while reader.read1(MAX_LINE_BYTES):
                pass  # until the client gives up, or stop() cuts the connection
            return False
        reached, upstream = (
            self._forward(request) if fault is None or fault.forwards else (False, None)
        )
        if isinstance(fault, Huge):
            self._record(request, fault, reached, HTTPStatus.OK)
            return self._send_huge(conn, fault, keep_alive)
        if isinstance(fault, _InjectedError):
            answer = fault.answer()
        elif isinstance(fault, Malformed):
            answer = _Answer(HTTPStatus.OK, (("Content-Type", "application/json"),), fault.body)
        else:
            assert upstream is not None  # the remaining faults all forward
            answer = upstream
        if isinstance(fault, ResetMidResponse):
            self._record(request, fault, reached, None)
            data = answer.encode(keep_alive)
            conn.sendall(data[: min(fault.after_bytes, len(data) - 1)])
            _reset_on_close(conn)
            return False
        self._record(request, fault, reached, answer.status)
        if isinstance(fault, Slow):
            return self._send_slowly(conn, answer, keep_alive, fault)
        conn.sendall(answer.encode(keep_alive))
        return keep_alive

    def _record(
        self, request: _Request, fault: Fault | None, reached: bool, status: int | None
    ) -> None:
        # Recorded before the client gets anything, so a client that has its answer sees it here.
        exchange = Exchange(request.method, request.path, fault, reached, status)
        with self._lock:
            self._exchanges.append(exchange)

    def _forward(self, request: _Request) -> tuple[bool, _Answer]:
        """Whether the request reached the platform in full, and the answer: the platform's,
        or 502/504 from the proxy when the platform could not be reached or did not answer."""
        upstream = http.client.HTTPConnection(
            self._upstream_host, self._upstream_port, timeout=self._upstream_timeout_s
        )
        sent = False
        sock = None
        try:
            upstream.connect()
            sock = upstream.sock
            self._track(sock, open_=True)
            upstream.putrequest(
                request.method, request.target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers:
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            if not any(name.lower() == "host" for name, _ in request.headers):
                upstream.putheader("Host", f"{self._upstream_host}:{self._upstream_port}")
            upstream.endheaders(request.body or None)
            sent = True
            response = upstream.getresponse()
            body = response.read()
        except TimeoutError:
            detail = f"{self.upstream} did not answer within {self._upstream_timeout_s} s"
            return sent, _proxy_problem(HTTPStatus.GATEWAY_TIMEOUT, detail)
        except (OSError, http.client.HTTPException) as error:
            detail = f"{self.upstream} failed: {error!r}"
            return sent, _proxy_problem(HTTPStatus.BAD_GATEWAY, detail)
        finally:
            self._track(sock, open_=False)
            upstream.close()
        bodiless = request.method == "HEAD" or response.status in (204, 304)
        headers = tuple(
            (name, value)
            for name, value in response.getheaders()
            if name.lower() not in HOP_BY_HOP and (bodiless or name.lower() != "content-length")
        )
        return sent, _Answer(response.status, headers, body, response.reason, sized=not bodiless)

    def _send_slowly(
        self, conn: socket.socket, answer: _Answer, keep_alive: bool, fault: Slow
    ) -> bool:
        if self._stopping.wait(fault.delay_s):
            return False
        if not fault.dribble_s:
            conn.sendall(answer.encode(keep_alive))
            return keep_alive
        conn.sendall(answer.head(keep_alive))
        size = max(1, -(-len(answer.body) // DRIBBLE_PIECES))
        pieces = [answer.body[at : at + size] for at in range(0, len(answer.body), size)]
        for piece in pieces:
            if self._stopping.wait(fault.dribble_s / len(pieces)):
                return False
            conn.sendall(piece)
        return keep_alive

    def _send_huge(self, conn: socket.socket, fault: Huge, keep_alive: bool) -> bool:
        framing = (
            ("Transfer-Encoding", "chunked")
            if fault.chunked
            else ("Content-Length", str(fault.size_bytes))
        )
        headers = (("Content-Type", "application/json"), framing)
        conn.sendall(_Answer(HTTPStatus.OK, headers, sized=False).head(keep_alive))
        for piece in _huge_body(fault):
            conn.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if fault.chunked else piece)
        if fault.chunked:
            conn.sendall(b"0\r\n\r\n")
        return keep_alive


def _check_fault(fault: object) -> None:
    if not isinstance(fault, Fault):
        raise TypeError(f"not a fault: {fault!r}; use one of {Fault}")


# --- manual demos ----------------------------------------------------------------------------


def _build(name: str, args: list[str]) -> Fault:
    builders: dict[str, Callable[[], Fault]] = {
        "error": lambda: Error(
            int(args[0]), headers={"Retry-After": args[1]} if len(args) > 1 else {}
        ),
        "after": lambda: ErrorAfterForward(int(args[0]) if args else 500),
        "hang": Hang,
        "reset": lambda: ResetMidResponse(int(args[0])) if args else ResetMidResponse(),
        "malformed": lambda: Malformed(forward=args[:1] != ["local"]),
        "slow": lambda: Slow(*(float(arg) for arg in args)),
        "huge": lambda: Huge(int(args[0]), chunked=args[1:2] == ["chunked"]),
    }
    if name not in builders:
        raise ValueError(f"unknown command {name!r}\n{USAGE}")
    try:
        return builders[name]()
    except (IndexError, TypeError, ValueError) as error:
        raise ValueError(f"{error}\n{USAGE}") from error


USAGE = """commands, one per line (a fault applies once; "always FAULT" makes it the standing mode):
  error STATUS [RETRY_AFTER_S]   answer STATUS, not forwarded
  after [STATUS]                 forward, then answer STATUS (500)
  hang                           never answer
  reset [BYTES]                  forward, send BYTES (64) of the answer, reset the connection
  malformed [local]              answer 200 with broken JSON, after forwarding (not if local)
  slow SECONDS [DRIBBLE_S]       forward, wait, then send the body over DRIBBLE_S
  huge BYTES [chunked]           answer 200 with BYTES of JSON, not forwarded
  down | up | clear | status     refuse connections | listen again | drop all faults | show"""


def _command(proxy: FaultProxy, line: str) -> str:
    words = line.split()
    always = words[:1] == ["always"]
    if always:
        words = words[1:]
    name, args = (words[0], words[1:]) if words else ("status", [])
    if name == "down":
        proxy.down()
    elif name == "up":
        proxy.up()
    elif name == "clear":
        proxy.clear()
    elif name != "status":
        fault = _build(name, args)
        if always:
            proxy.set_mode(fault)
        else:
            proxy.inject(fault)
    return f"ok: mode {proxy.mode}, next {list(proxy.pending)}, seen {dict(proxy.requests_seen)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m central.fault_proxy",
        description="A proxy in front of the platform that misbehaves when told on stdin.",
        epilog=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--upstream", required=True, help="the platform, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--port", type=int, default=0, help="where to listen (default: any free)")
    args = parser.parse_args(argv)
    try:
        proxy = FaultProxy(args.upstream, port=args.port).start()
    except (ValueError, OSError) as error:
        parser.error(str(error))
    try:
        print(f"fault proxy on {proxy.url}, in front of {proxy.upstream}", flush=True)
        for line in sys.stdin:
            try:
                print(_command(proxy, line), flush=True)
            except ValueError as error:
                print(f"error: {error}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
