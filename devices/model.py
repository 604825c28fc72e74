"""What every device reports: state, status, problems, health reports, events (DESIGN.md §3).

States use the XFS4IoT `Common.Status.device` names, so integrators recognise them. A `Problem`
carries two texts for two readers: a `Notice` (a key the kiosk's message catalogs turn into a
plain sentence for the citizen) and a precise technician text for the diagnostics screen, the
`doctor` report and the logs. `code` is stable (`idcard.sw3.41`, `printer.paper_out`) so tools
can match on it.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field


class DeviceState(enum.StrEnum):
    STARTING = "starting"
    ONLINE = "online"
    OFFLINE = "offline"  # taken out of service on purpose (closed)
    POWER_OFF = "power_off"  # unplugged or unreachable
    NO_DEVICE = "no_device"  # not configured
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"  # needs a person: paper out, cover open, card left in
    BUSY = "busy"


# States the supervisor tries to leave by reopening the device.
RECOVERABLE = frozenset({DeviceState.POWER_OFF, DeviceState.HARDWARE_ERROR})


class Notice(enum.StrEnum):
    """What a citizen is told; `kiosk/locales/*.toml` has a `device.notice.<value>` for each."""

    PLACE_CARD_AGAIN = "place_card_again"
    CARD_NOT_SUPPORTED = "card_not_supported"
    CARD_INVALID = "card_invalid"
    DEVICE_UNAVAILABLE = "device_unavailable"
    CALL_STAFF = "call_staff"
    CODE_UNREADABLE = "code_unreadable"
    PRINTER_OUT_OF_PAPER = "printer_out_of_paper"
    PRINTER_UNAVAILABLE = "printer_unavailable"


@dataclass(frozen=True)
class Problem:
    code: str
    technician: str
    notice: Notice = Notice.DEVICE_UNAVAILABLE


class DeviceFault(Exception):
    """Raised inside an adapter when the device cannot go on; the base class turns it into a
    state and never lets it escape to callers."""

    def __init__(self, state: DeviceState, problem: Problem) -> None:
        super().__init__(problem.technician)
        self.state, self.problem = state, problem


@dataclass(frozen=True)
class DeviceInfo:
    model: str = ""
    serial: str = ""
    firmware: str = ""
    port: str = ""


@dataclass(frozen=True)
class DeviceStatus:
    name: str
    kind: str
    state: DeviceState
    detail: str  # for the technician: why the device is in this state
    last_error: Problem | None
    counters: Mapping[str, int]
    info: DeviceInfo
    since: float = field(default_factory=time.time)  # when the state was entered (epoch s)


class HealthLevel(enum.StrEnum):
    INTERNAL = "internal"  # no physical effect
    EXTERNAL = "external"  # may act: a test print, a read
    INTERACTIVE = "interactive"  # needs a person at the device


@dataclass(frozen=True)
class HealthReport:
    device: str
    level: HealthLevel
    ok: bool
    lines: tuple[str, ...]
    ms: float

    def text(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return "\n".join((f"{self.device} {self.level} check: {verdict}", *self.lines))


# -- events -------------------------------------------------------------------------------
# Adapters call their listeners on their own worker thread; the composition root forwards
# them to the core's event bus, and the screens get them through the Qt bridge.


@dataclass(frozen=True)
class DeviceEvent:
    device: str


@dataclass(frozen=True)
class StatusChanged(DeviceEvent):
    status: DeviceStatus


@dataclass(frozen=True)
class DeviceError(DeviceEvent):
    """A problem worth telling someone about: a failed read, a jam. The device may stay online."""

    problem: Problem
