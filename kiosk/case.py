"""What one visit knows about the citizen and their case; dropped whole when the visit ends.

Everything here is immutable and lives only in the visit's snapshot (DESIGN.md §6, §7): ending
a visit replaces the snapshot, so the card's data, the form, the photo and the case number go
with it. `repr` shows masked numbers only, so a log line never carries a name or a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from devices.idcard.idnumber import mask as mask_id_number

if TYPE_CHECKING:
    from offline_queue.wire import Citizen

EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, repr=False)
class Person:
    """Who a card or an e-ID code says someone is."""

    id_number: str
    name: str
    source: str  # "id_card" or "eid_code"
    card_type: str = ""  # devices.idcard.CardType value for a card
    birth: date | None = None
    sex: str = ""
    address: str = ""
    expired: bool = False

    @property
    def masked_number(self) -> str:
        return mask_id_number(self.id_number)

    def age_on(self, day: date) -> int | None:
        if self.birth is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth.month, self.birth.day)
        return day.year - self.birth.year - before_birthday

    def card_value(self, key: str) -> str:
        """A prefill source `card.<key>`: name, id_number, address."""
        return {"name": self.name, "id_number": self.id_number, "address": self.address}.get(
            key, ""
        )

    def __repr__(self) -> str:
        return f"Person({self.source}, {self.masked_number})"


@dataclass(frozen=True)
class FaceResult:
    liveness: str  # the challenge passed, e.g. "turn_left"
    match: bool | None  # None: taken offline, the platform compares it later
    comparator: str = ""
    photo: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class EidCheck:
    checked: str  # "online" or "offline"
    expires: str


@dataclass(frozen=True)
class AuditEntry:
    at: str  # UTC timestamp
    actor: str  # "helper:<staff id>" or "proxy"
    action: str


@dataclass(frozen=True)
class Rating:
    level: int | None = None  # 1 非常不满意 … 5 非常满意; None until the citizen picks one
    indicators: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    reason: str = ""
    callback: str = ""


@dataclass(frozen=True)
class Ticket:
    number: str
    business: str
    window_group: str
    waiting: int | None  # None: the platform could not say (offline)


@dataclass(frozen=True, repr=False)
class Case:
    citizen: Person | None = None
    proxy: Person | None = None  # the relative or helper acting for the citizen (代办)
    proxy_mode: bool = False
    consent: bool = False
    eid: EidCheck | None = None
    platform: Citizen | None = None  # the citizen's record fetched from the platform
    values: Mapping[str, str] = field(
        default_factory=lambda: EMPTY
    )  # answers and prefilled form values by field id
    photo: bytes = field(default=b"", repr=False)
    face: FaceResult | None = None
    face_attempts: int = 0
    case_number: str = ""
    ticket: Ticket | None = None
    print_medium: str = ""  # "receipt" or "a4" when the service lets the citizen choose
    printed: bool = False
    spoken_receipt: str = ""  # what the printout says, read aloud on the finish screen
    rating: Rating = field(default_factory=Rating)
    audit: tuple[AuditEntry, ...] = ()

    def with_value(self, field_id: str, value: str) -> Case:
        return replace(self, values=MappingProxyType({**self.values, field_id: value}))

    def __repr__(self) -> str:
        who = repr(self.citizen) if self.citizen else "nobody"
        return f"Case({who}, {self.case_number or 'no case number'})"
