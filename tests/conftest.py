"""Shared fixtures: the real default config and catalog, and real kiosk windows (offscreen)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import main
from kiosk.catalog import Service, load_catalog
from kiosk.config import Config, Panel, load_config
from kiosk.i18n import Catalogs
from kiosk.timers import ManualScheduler
from screens.input_method import prepare_environment
from screens.voice import RecordingEngine, Voice

prepare_environment()  # as main does: before any test creates the QApplication

# `central`: a real platform process; `site`: a kiosk on simulators, queue and platform
pytest_plugins = ["tests.central_server", "tests.kiosk_site"]

ROOT = Path(__file__).resolve().parent.parent
DEMO_PIN = "246810"  # the PIN whose hash config/default.toml carries


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(ROOT / "config" / "default.toml")


@pytest.fixture(scope="session")
def services(config: Config) -> list[Service]:
    return load_catalog(config.services_dir)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.fixture(scope="session")
def font(qapp: object) -> str:
    from screens.fonts import find_cjk_font

    family = find_cjk_font()
    assert family, "no CJK font installed: `make test` installs fonts-noto-cjk"
    return family


def rotated(panel: Panel) -> Panel:
    return Panel(panel.height_mm, panel.width_mm, (panel.resolution[1], panel.resolution[0]))


KioskFactory = Callable[..., main.Kiosk]


@pytest.fixture
def make_kiosk(
    qtbot: object,
    config: Config,
    services: list[Service],
    catalogs: Catalogs,
    font: str,
    tmp_path: Path,
) -> Iterator[KioskFactory]:
    """Builds the real kiosk (core, bridge, window) on a virtual clock, shown offscreen; what
    it keeps on disk (the PIN lock-outs) goes to this test's own folder."""
    built: list[main.Kiosk] = []

    def make(
        portrait: bool = True,
        scheduler: ManualScheduler | None = None,
        service_list: list[Service] | None = None,
        kiosk_mode: bool = False,
        site_config: Config | None = None,
    ) -> main.Kiosk:
        site = site_config or replace(config, data_dir=tmp_path / "kiosk")
        panel = site.panel if portrait else rotated(site.panel)
        kiosk = main.build_kiosk(
            replace(site, panel=panel),
            service_list if service_list is not None else services,
            catalogs,
            scheduler or ManualScheduler(),
            font,
            kiosk_mode=kiosk_mode,
            voice=Voice(RecordingEngine()),  # what would be said, kept; nothing sounds
        )
        kiosk.window.resize(*panel.resolution)
        kiosk.window.show()
        built.append(kiosk)
        return kiosk

    yield make
    for kiosk in built:
        kiosk.bridge.close()
        kiosk.window.close()  # a --kiosk window ignores this; deleteLater still removes it
        kiosk.window.deleteLater()


@pytest.fixture(autouse=True)
def bench_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a benchmark a test runs keeps its JSON: not the team's bench/results/."""
    directory = tmp_path / "bench-results"
    monkeypatch.setenv("KIOSK_BENCH_RESULTS", str(directory))
    return directory
