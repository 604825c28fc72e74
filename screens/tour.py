"""The screenshot tour: every screen in every language and mode, written as PNGs.

`scenes()` is also what the tests walk through to measure sizes, contrast and translations, so
the pictures a person looks at and the screens the tests measure are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from kiosk.case import Case, EidCheck, Person, Ticket
from kiosk.catalog import Field, Service
from kiosk.visit import Notice, Phase, RatePage, VisitSnapshot
from offline_queue.status import SyncStatus
from screens.catalog import page_size
from screens.main_window import MainWindow

if TYPE_CHECKING:
    from offline_queue.wire import Citizen

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
    # "", "technician-pin", "technician-menu", "restarting", or a console page:
    # "console:<page>[:<device>[:<check level>]]"
    overlay: str = ""
    portrait_only: bool = True
    sync: SyncStatus | None = None  # the platform's reachability, as the sync worker says


# A made-up citizen for the pictures (screens show the number masked).
DEMO_PERSON = Person(
    "110101195803120023", "王秀英", "id_card", "resident", date(1958, 3, 12), "2", "北京市东城区"
)
DEMO_PROXY = Person("440106199007151239", "李明", "id_card", "resident", date(1990, 7, 15), "1")


DEMO_ANSWERS = {"baby_name": "王小明", "birth_hospital": "北京市妇产医院"}
DEMO_BY_KIND = {"phone": "13812345678", "date": "20261118", "number": "2"}


def demo_answer(field: Field) -> str:
    if field.kind == "choice":
        return field.options[0].id
    return DEMO_ANSWERS.get(field.id) or DEMO_BY_KIND.get(field.kind, "")


def demo_record() -> Citizen:
    """The platform's record of the demo citizen, as the fetch step brings it."""
    from offline_queue.wire import Citizen  # pydantic: only the tour pays for it

    return Citizen.model_validate(
        {
            "id_number": DEMO_PERSON.id_number,
            "name": DEMO_PERSON.name,
            "phone": None,
            "social_insurance": {
                "status": "insured",
                "insured_since": "1998-07",
                "region": "北京市东城区",
                "contributions": [
                    {"year": year, "months": 12, "employer": "北京市东城区街道办事处"}
                    for year in (2023, 2024, 2025)
                ],
            },
            "pension": {"receiving": True, "monthly_yuan": 4200, "last_certified": "2025-11-20"},
        }
    )


def demo_case(service: Service, step: str) -> Case:
    """What a case holds when it reaches `step` of `service`, for its picture."""
    past_form = step != "form" and "form" in service.steps
    values = {f.id: demo_answer(f) for f in service.fields if past_form and not f.prefill}
    if service.identity == "none":
        ticket = Ticket("A023", "social-security", "1–4 号窗口", 7) if step == "finish" else None
        return Case(values={"business": "social-security"} if step != "form" else {}, ticket=ticket)
    if service.identity == "eid_code":
        return Case(citizen=DEMO_PERSON, eid=EidCheck("online", "2026-11-22T08:05:00.000Z"))
    fetched = "fetch" in service.steps and step not in ("identify", "fetch")
    return Case(
        citizen=DEMO_PERSON,
        values={k: v for k, v in values.items() if v},
        case_number="K-DEMO-0001-20261122-0007",
        platform=demo_record() if fetched else None,
        photo=b"demo" if any(f.kind == "photo" for f in service.fields) and past_form else b"",
    )


def step_scenes(service: Service, snap: Callable[..., VisitSnapshot]) -> Iterator[Scene]:
    """Every step of a service, with its pages and its typical problem."""
    for index, step in enumerate(service.steps):
        name = f"{service.id}-{index + 1}-{step}"
        case = demo_case(service, step)
        at = {"service": service, "step_index": index, "case": case}
        if step == "identify" and service.identity != "eid_code":
            yield Scene(name, snap(Phase.STEP, **{**at, "case": Case()}))
            yield Scene(
                f"{name}-expired",
                snap(Phase.STEP, **{**at, "case": Case()}, notice=Notice("identify.card_expired")),
            )
            if service.proxy_allowed:
                proxy = Case(proxy_mode=True, proxy=DEMO_PROXY, citizen=DEMO_PERSON)
                yield Scene(
                    f"{name}-proxy-consent", snap(Phase.STEP, **{**at, "case": proxy}, page=2)
                )
        elif step == "identify":
            yield Scene(name, snap(Phase.STEP, **{**at, "case": Case()}))
            yield Scene(
                f"{name}-replayed",
                snap(Phase.STEP, **{**at, "case": Case()}, notice=Notice("identify.eid_replayed")),
            )
        elif step == "form":
            asked = [f for f in service.fields if not f.prefill]
            for page, field in enumerate(asked):
                yield Scene(f"{name}-{page + 1}-{field.id}", snap(Phase.STEP, **at, page=page))
            phone = next((p for p, f in enumerate(asked) if f.kind == "phone"), None)
            if phone is not None:
                label = asked[phone].label
                yield Scene(
                    f"{name}-bad-phone",
                    snap(
                        Phase.STEP,
                        **at,
                        page=phone,
                        notice=Notice(
                            "form.bad_phone",
                            {"field": label.get(snap(Phase.ATTRACT).language, label["zh"])},
                        ),
                    ),
                )
        elif step in ("fetch", "submit", "print"):
            yield Scene(name, snap(Phase.STEP, **at, busy=True))
            if step == "print" and len(service.media) > 1:
                yield Scene(f"{name}-choose", snap(Phase.STEP, **at))
            if step == "print":
                yield Scene(
                    f"{name}-no-paper",
                    snap(Phase.STEP, **at, notice=Notice("device.notice.printer_out_of_paper")),
                )
        elif step == "verify_face":
            yield Scene(name, snap(Phase.STEP, **at))
        else:
            yield Scene(name, snap(Phase.STEP, **at))
    finished = demo_case(service, "finish")
    yield Scene(f"{service.id}-finish", snap(Phase.FINISH, service=service, case=finished))


def scenes(services: Sequence[Service], language: str, elder: bool, now: float) -> Iterator[Scene]:
    def snap(phase: Phase, **changes: object) -> VisitSnapshot:
        # Elder mode speaks, so its screens show the voice controls.
        return VisitSnapshot(phase, language, elder, elder, **changes)  # type: ignore[arg-type]

    first = services[0]
    yield Scene("attract", snap(Phase.ATTRACT), portrait_only=False)
    pages = -(-len(services) // min(page_size(elder, portrait) for portrait in (True, False)))
    for page in range(pages):
        yield Scene(f"catalog-{page + 1}", snap(Phase.CATALOG, catalog_page=page))
    for service in services:
        yield Scene(f"guide-{service.id}", snap(Phase.GUIDE, service=service))
    for service in services:
        yield from step_scenes(service, snap)
    yield Scene("elder-offer", snap(Phase.STEP, service=first, elder_offer=True))
    yield Scene("rate", snap(Phase.RATE, service=first))
    yield Scene("rate-reason", snap(Phase.RATE, service=first, page=RatePage.REASON))
    yield Scene("rate-callback", snap(Phase.RATE, service=first, page=RatePage.CALLBACK))
    yield Scene("rate-indicators", snap(Phase.RATE, service=first, page=RatePage.INDICATORS))
    yield Scene("help", snap(Phase.CATALOG, help_requested=True))
    yield Scene("offline", snap(Phase.CATALOG), portrait_only=False, sync=OFFLINE)
    yield Scene("timeout", snap(Phase.GUIDE, service=first, warning_until=now + WARNING_SHOWN_S))
    yield Scene("technician-pin", snap(Phase.ATTRACT), overlay="technician-pin")
    yield Scene("restarting", snap(Phase.GUIDE, service=first), overlay="restarting")
    if elder:  # the console is the technician's, always at the normal sizes
        return
    yield Scene("technician-menu", snap(Phase.ATTRACT), overlay="technician-menu")
    for name, overlay in CONSOLE_SCENES:
        yield Scene(
            name, snap(Phase.ATTRACT), overlay=overlay, portrait_only=name != "console-devices"
        )


CONSOLE_SCENES = (
    ("console-devices", "console:devices"),
    ("console-device", "console:devices:receipt_printer:external"),
    ("console-camera", "console:camera:camera"),
    ("console-ports", "console:ports"),
    ("console-queue", "console:queue"),
    ("console-platform", "console:platform"),
    ("console-logs", "console:logs"),
    ("console-config", "console:config"),
)
CONSOLE_SETTLE_S = 3.0  # how long a console page may take to show what its workers read


def show(window: MainWindow, scene: Scene) -> None:
    """Put the window into the scene and let Qt lay it out."""
    window.show_snapshot(scene.snapshot)
    if scene.sync is not None:
        window.show_sync_status(scene.sync)
    if scene.overlay == "technician-pin":
        window.technician.open_pin()
    elif scene.overlay == "technician-menu":
        window.technician.open_pin().unlocked.emit()
    elif scene.overlay == "restarting":
        window.show_restarting()
    elif scene.overlay.startswith("console:"):
        show_console_page(window, *scene.overlay.split(":")[1:])
    QApplication.processEvents()


def show_console_page(window: MainWindow, page: str, device: str = "", check: str = "") -> None:
    """Open a console page, run a device's check if asked, and wait for what it reads."""
    from screens.console.devices import DeviceDetailPage

    shown = window.technician.open_page(page, device)
    if check and isinstance(shown, DeviceDetailPage):
        shown.check(check)
    deadline = time.monotonic() + CONSOLE_SETTLE_S
    camera_frames = 0.0 if page != "camera" else time.monotonic() + 1.2  # a rate to show
    while time.monotonic() < deadline and (shown.pending or time.monotonic() < camera_frames):
        QApplication.processEvents()
        time.sleep(0.01)


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
