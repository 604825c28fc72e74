"""Hostile input, generated (issue 8): codes read from a camera or a scanner and config files
may hold anything. Each parser answers with its own error naming what is wrong, never
another exception, and a kiosk-level check of a code never raises at all. Bounded: a few
hundred examples each, so `make test` stays quick."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import ConfigError, load_config
from offline_queue import wire
from offline_queue.wire import DocumentFormatError, EidFormatError

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
B64URL = string.ascii_letters + string.digits + "-_"


def code_like(prefix: str) -> st.SearchStrategy[str]:
    """Texts shaped like a signed code (prefix and dot-separated parts), with any content."""
    part = st.one_of(st.text(alphabet=B64URL, max_size=80), st.text(max_size=40))
    return st.lists(part, min_size=0, max_size=6).map(lambda parts: ".".join([prefix, *parts]))


ANY_TEXT = st.one_of(
    st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
)


@FUZZ
@given(st.one_of(ANY_TEXT, code_like(wire.EID_PREFIX)))
def test_an_e_id_parse_fails_only_with_its_own_error(text: str) -> None:
    try:
        wire.parse_eid(text)
    except EidFormatError as error:
        assert str(error)


@FUZZ
@given(
    st.one_of(
        ANY_TEXT,
        code_like(wire.DOC_PREFIX),
        code_like(wire.DOC_PREFIX).map(lambda c: wire.document_url("https://p.example", c)),
    )
)
def test_a_document_parse_fails_only_with_its_own_error(text: str) -> None:
    try:
        wire.parse_document(text)
    except DocumentFormatError as error:
        assert str(error)


def test_oversized_codes_are_refused_by_their_length_first() -> None:
    for parse, error, prefix in (
        (wire.parse_eid, EidFormatError, wire.EID_PREFIX),
        (wire.parse_document, DocumentFormatError, wire.DOC_PREFIX),
    ):
        huge = prefix + "." + "A" * 1_000_000
        try:
            parse(huge)
        except error as refused:
            assert "too long" in str(refused)
        else:
            raise AssertionError(f"{parse.__name__} took a megabyte")


CONFIG_WORDS = st.sampled_from(
    ["[site]", "[kiosk]", "[panel]", "[devices.x]", "id", "=", '"', "[", "]", "{", "}",
     "\n", "mode", "kind", "port", "1e999", "-1", "true", "\x00", "键", "'''"]
)  # fmt: skip


@FUZZ
@given(st.one_of(st.binary(max_size=400), st.lists(CONFIG_WORDS, max_size=60).map("".join)))
def test_a_config_file_of_anything_is_one_config_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes | str
) -> None:
    path: Path = tmp_path_factory.mktemp("config") / "site.toml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    try:
        load_config(path)
    except ConfigError as error:
        assert str(path) in str(error)
