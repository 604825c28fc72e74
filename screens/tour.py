"""The screenshot tour: every screen in every language and mode, written as PNGs.

`scenes()` is also what the tests walk through to measure sizes, contrast and translations, so
the pictures a person looks at and the screens the tests measure are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.catalog import Service
from kiosk.visit import Phase, VisitSnapshot
from offline_queue.status import SyncStatus
from screens.catalog import page_size
from screens.main_window import MainWindow

WARNING_SHOWN_S = 25.0  # seconds left on the time-out warning in its picture
OFFLINE = SyncStatus(
    connected=False,
    waiting=37,
    rejected=0,
    last_sync=None,
    last_error="platform unreachable (Connection refused)",
    blocked=None,
)


@dataclass(frozen=True)
class Scene:
    name: str
    snapshot: VisitSnapshot
    overlay: str = ""  # "", "technician-pin" or "technician-menu"
    portrait_only: bool = True
    sync: SyncStatus | None = None  # the platform's reachability, as the sync worker says


def scenes(services: Sequence[Service], language: str, elder: bool, now: float) -> Iterator[Scene]:
    def snap(phase: Phase, **changes: object) -> VisitSnapshot:
        return VisitSnapshot(phase, language, elder, **changes)  # type: ignore[arg-type]

    first = services[0]
    yield Scene("attract", snap(Phase.ATTRACT), portrait_only=False)
    pages = -(-len(services) // min(page_size(elder, portrait) for portrait in (True, False)))
    for page in range(pages):
        yield Scene(f"catalog-{page + 1}", snap(Phase.CATALOG, catalog_page=page))
    for service in services:
        yield Scene(f"guide-{service.id}", snap(Phase.GUIDE, service=service))
    with_confirm = next(s for s in services if "confirm" in s.steps)
    yield Scene(
        "step-confirm",
        snap(Phase.STEP, service=with_confirm, step_index=with_confirm.steps.index("confirm")),
    )
    yield Scene("finish", snap(Phase.FINISH, service=first))
    yield Scene("rate", snap(Phase.RATE, service=first))
    yield Scene("help", snap(Phase.CATALOG, help_requested=True))
    yield Scene("offline", snap(Phase.CATALOG), portrait_only=False, sync=OFFLINE)
    yield Scene("timeout", snap(Phase.GUIDE, service=first, warning_until=now + WARNING_SHOWN_S))
    yield Scene("technician-pin", snap(Phase.ATTRACT), overlay="technician-pin")
    yield Scene("technician-menu", snap(Phase.ATTRACT), overlay="technician-menu")


def show(window: MainWindow, scene: Scene) -> None:
    """Put the window into the scene and let Qt lay it out."""
    window.show_snapshot(scene.snapshot)
    if scene.sync is not None:
        window.show_sync_status(scene.sync)
    if scene.overlay == "technician-pin":
        window.open_technician_pin()
    elif scene.overlay == "technician-menu":
        window.open_technician_pin().unlocked.emit()
    QApplication.processEvents()


def write_tour(
    directory: Path,
    windows: Callable[[bool], MainWindow],  # a fresh window, portrait (True) or landscape
    services: Sequence[Service],
    languages: Sequence[str],
    now: float,
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for portrait in (True, False):
        orientation = "portrait" if portrait else "landscape"
        for language in languages:
            for elder in (False, True):
                mode = "elder" if elder else "normal"
                for scene in scenes(services, language, elder, now):
                    if not portrait and scene.portrait_only:
                        continue
                    window = windows(portrait)
                    window.show()
                    show(window, scene)
                    path = directory / f"{scene.name}-{language}-{mode}-{orientation}.png"
                    if not window.grab().save(str(path)):
                        raise OSError(f"cannot write {path}")
                    written.append(path)
                    window.close()
                    window.deleteLater()
    return written
