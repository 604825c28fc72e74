"""The platform's OpenAPI document is valid, committed, and kept by the live server; its CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation

from central.process import CentralProcess
from tests.conftest import ROOT

OPENAPI = ROOT / "docs" / "openapi.json"

schema = schemathesis.openapi.from_path(OPENAPI)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralProcess]:
    with CentralProcess(tmp_path_factory.mktemp("central") / "central.sqlite") as server:
        yield server


def run_central(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_served_document_is_valid_openapi_and_the_committed_one(
    platform: CentralProcess,
) -> None:
    served = requests.get(f"{platform.url}/openapi.json", timeout=10).json()
    validate(served)
    assert served == json.loads(OPENAPI.read_text("utf-8")), (
        "docs/openapi.json is out of date: python -m central openapi > docs/openapi.json"
    )


def test_the_openapi_command_prints_the_committed_document() -> None:
    printed = run_central("openapi")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == OPENAPI.read_text("utf-8")


# One test per operation, named by it: `schema.parametrize()` gives them all the same id, which
# pytest-xdist cannot tell apart.
def operations() -> list[APIOperation]:
    found = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the committed document does not load: say why
        found.append(result.ok())
    return found


OPERATIONS = operations()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_no_request_makes_the_platform_fail(
    operation: APIOperation, data: st.DataObject, platform: CentralProcess
) -> None:
    case = data.draw(operation.as_strategy())
    case.call_and_validate(base_url=platform.url, checks=[not_a_server_error], timeout=10)


# --- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["--port", "http"], ["--port", "70000"], ["--verbose"], ["serve", "now"]]
)
def test_bad_arguments_get_one_clear_line(args: list[str]) -> None:
    result = run_central(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("central: ")
    assert "Traceback" not in result.stderr


def test_a_database_it_cannot_write_gets_one_clear_line(tmp_path: Path) -> None:
    for db in (tmp_path / "missing" / "central.sqlite", tmp_path):
        result = run_central("--port", "0", "--db", db)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and str(db) in result.stderr, result.stderr
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database, " * 100)
    result = run_central("--port", "0", "--db", not_sqlite)
    assert result.returncode == 2 and "not a database" in result.stderr


def test_a_port_in_use_gets_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_central("--port", taken.getsockname()[1], "--db", tmp_path / "c.sqlite")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot listen" in result.stderr


def test_a_stopped_platform_exits_cleanly(tmp_path: Path) -> None:
    server = CentralProcess(tmp_path / "central.sqlite")
    server.start()
    assert server.stop() == 0
    assert "Traceback" not in server.log()
