"""The service catalog: the shipped services are complete, broken files are caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.catalog import Service, load_catalog
from kiosk.i18n import catalog_languages
from kiosk.tomlschema import ConfigError
from tests.conftest import ROOT

GOOD = (ROOT / "config" / "services" / "40-queue-ticket.toml").read_text(encoding="utf-8")


def test_the_shipped_catalog_has_the_six_first_services_in_order(services: list[Service]) -> None:
    assert [s.id for s in services] == [
        "social-insurance-certificate",
        "pension-qualification",
        "senior-preferential-card",
        "queue-ticket",
        "newborn-bundle",
        "eid-code-verification",
    ]
    assert services[0].name["zh"] == "社保参保证明打印"
    bundle = next(s for s in services if s.id == "newborn-bundle")
    assert len(bundle.items) == 3


def test_every_service_speaks_every_language(services: list[Service]) -> None:
    for service in services:
        for texts in (service.name, service.summary, service.guide.duration, service.guide.cost):
            assert set(texts) == set(catalog_languages())
        for lists in (service.guide.materials, service.guide.notes):
            assert {len(items) for items in lists.values()} == {len(lists["zh"])}


def catalog_with(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


BROKEN = [
    ('en = "Take a queue number"', "", "name.en", "missing"),
    (
        'steps = ["form", "submit", "print"]',
        'steps = ["form", "submit", "teleport"]',
        "steps",
        "unknown step",
    ),
    (
        'steps = ["form", "submit", "print"]',
        'steps = ["identify", "form", "submit", "print"]',
        "steps",
        "identity 'none' needs",
    ),
    ('identity = "none"', 'identity = "palm"', "identity", "must be one of"),
    ('produces = ["ticket", "record"]', 'produces = ["record"]', "produces", "print step"),
    ('media = ["receipt"]', 'media = ["fax"]', "media", "receipt, a4"),
    ('prefill = ""', 'prefill = "memory.phone"', "fields[0].prefill", "must start with"),
    ('kind = "choice"', 'kind = "text"', "fields[0].options", "only a choice field"),
    ("order = 40", 'order = "forty"', "order", "whole number"),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"), BROKEN, ids=[b[1] or b[0] for b in BROKEN]
)
def test_a_broken_service_names_its_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    assert old in GOOD
    directory = catalog_with(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as raised:
        load_catalog(directory)
    assert raised.value.key == key and problem in raised.value.problem
    assert raised.value.file == str(directory / "x.toml")


def test_two_services_with_one_id_are_refused(tmp_path: Path) -> None:
    catalog_with(tmp_path, GOOD, "a.toml")
    catalog_with(tmp_path, GOOD, "b.toml")
    with pytest.raises(ConfigError, match="already used"):
        load_catalog(tmp_path)


def test_an_empty_or_missing_catalog_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no service files"):
        load_catalog(tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load_catalog(tmp_path / "missing")
