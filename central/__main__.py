"""`python -m central [--host H] [--port P] [--db FILE] [--face-comparator NAME]` serves the
platform until SIGTERM/Ctrl-C; `python -m central openapi` prints the API's OpenAPI document
(what `docs/openapi.json` holds).

Once it listens it prints one line to stdout, `central listening on http://HOST:PORT`, so
scripts and tests can wait for it (`--port 0` picks a free port). Logs go to stderr; there is
no access log, since paths carry identity numbers.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
from pathlib import Path
from typing import NoReturn

import uvicorn

from central.app import create_app, openapi_document
from central.faces import COMPARATORS, DEFAULT_COMPARATOR
from central.storage import StorageError

log = logging.getLogger("central")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"central: {message} (see python -m central --help)\n")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m central", description="The reference central platform.")
    parser.add_argument(
        "command",
        nargs="?",
        choices=("serve", "openapi"),
        default="serve",
        help="serve (the default), or print the OpenAPI document",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8700, help="0 picks a free port")
    parser.add_argument("--db", type=Path, default=Path("central.sqlite"), help="SQLite file")
    parser.add_argument(
        "--face-comparator",
        choices=sorted(COMPARATORS),
        default=DEFAULT_COMPARATOR,
        help=f"who decides face verifications (default {DEFAULT_COMPARATOR}: no biometric "
        "matching, any readable photo passes; reject: every face fails)",
    )
    return parser


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            print(f"central listening on {self.url}", flush=True)


def _listen(host: str, port: int) -> socket.socket:
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def serve(host: str, port: int, db: Path, face_comparator: str = DEFAULT_COMPARATOR) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app = create_app(db, face_comparator)
    except StorageError as e:
        print(f"central: {e}", file=sys.stderr)
        return 2
    try:
        sock = _listen(host, port)
    except OSError as e:
        print(f"central: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 2
    log.info("face comparator: %s", COMPARATORS[face_comparator].description)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{sock.getsockname()[1]}"
    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=5)
    # uvicorn re-raises the signal that stopped it after its graceful shutdown; ignored then,
    # it lets the process end with code 0 instead of dying of it.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)
    _AnnouncingServer(config, url).run(sockets=[sock])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "openapi":
        print(json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    return serve(args.host, args.port, args.db, args.face_comparator)


if __name__ == "__main__":
    sys.exit(main())
