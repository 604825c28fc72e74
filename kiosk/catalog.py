"""The service catalog: one TOML file per service in `config/services/` (DESIGN.md §5).

Services are data. A service names the identity it needs, whether it needs the platform online,
its form fields and where they are prefilled from, what it produces, the items a bundle
("一件事") feeds, and the steps the flow engine runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.tomlschema import (
    ConfigError,
    TomlTable,
    load_toml,
    local_lists,
    local_texts,
    non_empty,
    one_of,
)

IDENTITIES = ("none", "id_card", "id_card_face", "eid_code")
STEP_KINDS = ("identify", "verify_face", "fetch", "form", "confirm", "submit", "print")
FIELD_KINDS = ("text", "number", "phone", "date", "choice", "photo")
PRODUCTS = ("printout", "record", "ticket")
MEDIA = ("receipt", "a4")
FACE_OFFLINE = ("queue", "unavailable")  # a face check without the platform: later, or not at all
PREFILL_SOURCES = ("card.", "platform.")
# The identity a service needs decides the identification steps its flow must have.
IDENTITY_STEPS = {
    "none": (),
    "id_card": ("identify",),
    "id_card_face": ("identify", "verify_face"),
    "eid_code": ("identify",),
}

LocalTexts = Mapping[str, str]
LocalLists = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Choice:
    id: str
    label: LocalTexts
    prefix: str = ""  # a queue ticket's letter for this business ("A")
    window_group: LocalTexts | None = None  # the counters that serve it


@dataclass(frozen=True)
class Field:
    id: str
    kind: str
    label: LocalTexts
    prefill: str  # where the value comes from: "card.name", "platform.phone"; "" = the citizen
    required: bool
    options: tuple[Choice, ...]  # for kind "choice"


@dataclass(frozen=True)
class BundleItem:
    id: str
    name: LocalTexts


@dataclass(frozen=True)
class Guide:
    """The plain-language guide (办事指南): what to bring, how long, what it costs."""

    materials: LocalLists
    duration: LocalTexts
    cost: LocalTexts
    notes: LocalLists


@dataclass(frozen=True)
class Service:
    id: str
    order: int
    name: LocalTexts
    summary: LocalTexts
    guide: Guide
    identity: str
    online_required: bool
    produces: tuple[str, ...]
    steps: tuple[str, ...]
    fields: tuple[Field, ...]
    items: tuple[BundleItem, ...]
    min_age: int = 0  # checked from the card
    proxy_allowed: bool = False  # someone else may act for the citizen (代办)
    face_offline: str = "unavailable"  # FACE_OFFLINE
    media: tuple[str, ...] = ("receipt",)  # what it prints on; the citizen picks when several

    def field(self, field_id: str) -> Field:
        return next(f for f in self.fields if f.id == field_id)

    def ready(self, step_kinds: frozenset[str]) -> bool:
        """Whether every step of the flow has a screen in this build."""
        return all(step in step_kinds for step in self.steps)


def load_catalog(directory: Path) -> list[Service]:
    """All services of a directory, in display order. Any bad file stops the load."""
    if not directory.is_dir():
        raise ConfigError(directory, "", "service catalog directory not found")
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ConfigError(directory, "", "no service files (*.toml)")
    services: list[Service] = []
    seen: dict[str, Path] = {}
    for path in paths:
        service = _service(path)
        if service.id in seen:
            raise ConfigError(path, "id", f"{service.id!r} is already used by {seen[service.id]}")
        seen[service.id] = path
        services.append(service)
    return sorted(services, key=lambda s: (s.order, s.id))


def _service(path: Path) -> Service:
    root = load_toml(path)
    guide_t = root.table("guide")
    guide = Guide(
        materials=local_lists(guide_t, "materials"),
        duration=local_texts(guide_t, "duration"),
        cost=local_texts(guide_t, "cost"),
        notes=local_lists(guide_t, "notes"),
    )
    guide_t.finish()
    steps = root.get("steps", list)
    for step in steps:
        if step not in STEP_KINDS:
            raise root.error("steps", f"unknown step {step!r} (known: {', '.join(STEP_KINDS)})")
    produces = root.get("produces", list, default=[])
    for product in produces:
        if product not in PRODUCTS:
            raise root.error("produces", f"unknown product {product!r}")
    service = Service(
        id=root.get("id", str, check=non_empty),
        order=root.get("order", int, default=100),
        name=local_texts(root, "name"),
        summary=local_texts(root, "summary"),
        guide=guide,
        identity=root.get("identity", str, check=one_of(IDENTITIES)),
        online_required=root.get("online_required", bool, default=False),
        produces=tuple(produces),
        steps=tuple(steps),
        fields=tuple(_field(t) for t in _tables(root, "fields")),
        items=tuple(_item(t) for t in _tables(root, "items")),
        min_age=root.get("min_age", int, default=0),
        proxy_allowed=root.get("proxy_allowed", bool, default=False),
        face_offline=root.get(
            "face_offline", str, default="unavailable", check=one_of(FACE_OFFLINE)
        ),
        media=tuple(root.get("media", list, default=["receipt"])),
    )
    root.finish()
    _check_flow(root, service)
    return service


def _check_flow(root: TomlTable, service: Service) -> None:
    needed = IDENTITY_STEPS[service.identity]
    identifying = tuple(s for s in service.steps if s in ("identify", "verify_face"))
    if identifying != needed:
        want = " then ".join(needed) or "no identify or verify_face step"
        raise root.error("steps", f"identity {service.identity!r} needs {want}")
    if "form" in service.steps and not service.fields:
        raise root.error("fields", "a service with a form step needs at least one field")
    if "print" in service.steps and not {"printout", "ticket"} & set(service.produces):
        raise root.error("produces", "a service with a print step produces a printout or ticket")
    if not service.media or any(m not in MEDIA for m in service.media):
        raise root.error("media", f"one or more of {', '.join(MEDIA)}")
    if service.identity == "id_card_face" and service.proxy_allowed:
        raise root.error("proxy_allowed", "a face check cannot be done by someone else")
    ids = [f.id for f in service.fields] + [i.id for i in service.items]
    if len(ids) != len(set(ids)):
        raise root.error("fields", "field and item ids must be unique within a service")


def _tables(root: TomlTable, key: str) -> list[TomlTable]:
    entries = root.get(key, list, default=[])
    tables = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise root.error(f"{key}[{index}]", "must be a table ([[...]])")
        tables.append(TomlTable(root.file, entry, f"{key}[{index}]"))
    return tables


def _field(table: TomlTable) -> Field:
    field = Field(
        id=table.get("id", str, check=non_empty),
        kind=table.get("kind", str, check=one_of(FIELD_KINDS)),
        label=local_texts(table, "label"),
        prefill=table.get("prefill", str, default="", check=_prefill),
        required=table.get("required", bool, default=True),
        options=tuple(_choice(t) for t in _tables(table, "options")),
    )
    table.finish()
    if (field.kind == "choice") != bool(field.options):
        raise table.error("options", "a choice field needs options, and only a choice field")
    return field


def _prefill(value: str) -> str | None:
    ok = not value or value.startswith(PREFILL_SOURCES)
    return None if ok else f"must start with one of {', '.join(PREFILL_SOURCES)}; got {value!r}"


def _choice(table: TomlTable) -> Choice:
    choice = Choice(
        id=table.get("id", str, check=non_empty),
        label=local_texts(table, "label"),
        prefix=table.get("prefix", str, default=""),
        window_group=local_texts(table, "window_group") if "window_group" in table.data else None,
    )
    table.finish()
    return choice


def _item(table: TomlTable) -> BundleItem:
    item = BundleItem(id=table.get("id", str, check=non_empty), name=local_texts(table, "name"))
    table.finish()
    return item
