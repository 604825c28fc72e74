"""Loading and validating the kiosk's TOML configuration.

Every problem is reported as one `ConfigError` naming the file, the key and what is wrong, so
`main.py` can print one line and exit with status 2.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk.i18n import DEFAULT_LANGUAGE, catalog_languages
from kiosk.logs import LEVELS, LogSettings
from kiosk.technician import PinHashError, parse_pin_hash
from kiosk.tomlschema import (
    ConfigError,
    TomlTable,
    load_toml,
    local_texts,
    non_empty,
    one_of,
    positive,
)

__all__ = [
    "Config",
    "ConfigError",
    "DeviceConfig",
    "Panel",
    "TimeLimits",
    "VoiceConfig",
    "load_config",
]
MODES = ("self-service", "window")
DEVICE_KINDS = (
    "id_card_reader",
    "serial_scanner",
    "wedge_scanner",
    "camera",
    "receipt_printer",
    "a4_printer",
)
MIN_WARNING_S = 20  # DESIGN.md §6: at least 20 s to extend a visit
VOICE_ENGINES = ("auto", "qt", "espeak", "silent")  # screens.voice.choose_engine


@dataclass(frozen=True)
class Panel:
    width_mm: float
    height_mm: float
    resolution: tuple[int, int]  # pixels, width x height

    @property
    def px_per_mm(self) -> float:
        return (self.resolution[0] / self.width_mm + self.resolution[1] / self.height_mm) / 2

    @property
    def portrait(self) -> bool:
        return self.resolution[1] > self.resolution[0]


@dataclass(frozen=True)
class TimeLimits:
    idle_s: float  # a screen without a touch for this long raises the time-out warning
    warning_s: float  # the warning counts down this long before the visit ends

    def scaled(self, factor: float) -> TimeLimits:
        return TimeLimits(self.idle_s * factor, self.warning_s * factor)


@dataclass(frozen=True)
class DeviceConfig:
    name: str
    kind: str
    simulated: bool
    port: str  # a pyserial URL, device path, camera index/URL; empty when simulated
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncConfig:
    """How the offline queue talks to the platform (DESIGN.md §4); see config/default.toml."""

    batch_records: int = 500
    batch_bytes: int = 1_000_000
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    heartbeat_s: float = 60.0
    timeout_s: float = 15.0
    retention_days: float = 7.0


@dataclass(frozen=True)
class VoiceConfig:
    """Voice guidance (DESIGN.md §6): which speech engine, and how loud to start."""

    engine: str = "auto"  # Qt TextToSpeech, else espeak-ng, else silence
    volume_step: int = 3  # 1 (quietest) to 5; citizens change it on screen
    guidance_default: bool = False  # speak from the first screen; elder mode always speaks


@dataclass(frozen=True)
class WindowConfig:
    """A staffed service window (`mode = "window"`, issue 7)."""

    number: str  # as the hall calls it: "5"
    staff_id: str
    staff_name: str
    staff_photo: Path | None  # shown to citizens while the window is idle
    prefixes: tuple[str, ...]  # the ticket prefixes served, in order


@dataclass(frozen=True)
class Config:
    path: Path
    site_id: str
    site_name: Mapping[str, str]
    timezone: str  # IANA name: the site's calendar day numbers cases and tickets
    kiosk_id: str
    mode: str
    language: str
    panel: Panel
    elder_mode_default: bool
    elder_offer_age: int
    time_limits: TimeLimits
    elder_time_factor: float
    technician_pin_hash: str
    helpers: Mapping[str, str]  # staff number → scrypt hash of the PIN a helper signs in with
    platform_url: str
    platform_verify_tls: bool
    sync: SyncConfig
    voice: VoiceConfig
    logging: LogSettings
    data_dir: Path
    services_dir: Path
    devices: Mapping[str, DeviceConfig]
    window: WindowConfig | None = None  # present when mode is "window"
    key_dir: Path | None = None  # the queue's keys; None: the data directory's keys/

    def time_limits_for(self, elder: bool) -> TimeLimits:
        return self.time_limits.scaled(self.elder_time_factor) if elder else self.time_limits


SECRET_FIELDS = ("technician_pin_hash",)


def in_force(config: Config) -> list[str]:
    """The config as the kiosk runs it, defaults filled in, one `key = value` line each, for
    the technician's console; PIN hashes are left out (helpers by staff number only)."""
    lines: list[str] = []

    def walk(prefix: str, value: object) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(f"{prefix}{f.name}.", getattr(value, f.name))
        elif isinstance(value, Mapping) and value:
            for key, item in value.items():
                walk(f"{prefix}{key}.", item)
        else:
            shown = repr(str(value.resolve()) if isinstance(value, Path) else value)
            lines.append(f"{prefix.rstrip('.')} = {shown}")

    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in SECRET_FIELDS:
            lines.append(f"{f.name} = <removed>")
        elif f.name == "helpers":
            lines.append(f"helpers = staff {', '.join(sorted(value)) or '-'} (PINs removed)")
        else:
            walk(f"{f.name}.", value)
    return lines


def load_config(path: Path | str) -> Config:
    path = Path(path)
    return _parse(path, load_toml(path))


def _at_least(minimum: float, unit: str = "") -> Callable[[float], str | None]:
    return lambda v: None if v >= minimum else f"must be at least {minimum:g}{unit}"


def _sync(table: TomlTable) -> SyncConfig:
    default = SyncConfig()
    sync = SyncConfig(
        batch_records=table.get(
            "batch_records",
            int,
            default=default.batch_records,
            check=lambda v: None if 1 <= v <= 1000 else "must be between 1 and 1000",
        ),
        batch_bytes=table.get(
            "batch_bytes", int, default=default.batch_bytes, check=_at_least(1024, " bytes")
        ),
        backoff_base_s=table.get(
            "backoff_base_s", float, default=default.backoff_base_s, check=_at_least(0.01, " s")
        ),
        backoff_cap_s=table.get(
            "backoff_cap_s", float, default=default.backoff_cap_s, check=_at_least(1, " s")
        ),
        heartbeat_s=table.get(
            "heartbeat_s", float, default=default.heartbeat_s, check=_at_least(1, " s")
        ),
        timeout_s=table.get(
            "timeout_s", float, default=default.timeout_s, check=_at_least(1, " s")
        ),
        retention_days=table.get(
            "retention_days", float, default=default.retention_days, check=_at_least(0, " days")
        ),
    )
    table.finish()
    return sync


def _voice(table: TomlTable) -> VoiceConfig:
    default = VoiceConfig()
    voice = VoiceConfig(
        engine=table.get("engine", str, default=default.engine, check=one_of(VOICE_ENGINES)),
        volume_step=table.get(
            "volume_step",
            int,
            default=default.volume_step,
            check=lambda v: None if 1 <= v <= 5 else "must be between 1 and 5",
        ),
        guidance_default=table.get("guidance_default", bool, default=default.guidance_default),
    )
    table.finish()
    return voice


def _logging(table: TomlTable) -> LogSettings:
    default = LogSettings()
    levels = table.get("levels", dict, default={})
    for name, level in levels.items():
        if level not in LEVELS:
            raise table.error(f"levels.{name}", f"must be one of {', '.join(LEVELS)}")
    settings = LogSettings(
        level=table.get("level", str, default=default.level, check=one_of(LEVELS)),
        levels=levels,
        max_bytes=table.get(
            "max_bytes", int, default=default.max_bytes, check=_at_least(10_000, " bytes")
        ),
        backups=table.get(
            "backups",
            int,
            default=default.backups,
            check=lambda v: None if 1 <= v <= 100 else "must be between 1 and 100",
        ),
    )
    table.finish()
    return settings


def _resolution(value: list[Any]) -> str | None:
    ok = len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 320 for v in value
    )
    return None if ok else "must be [width, height] in pixels, each at least 320"


def _parse(path: Path, root: TomlTable) -> Config:
    base = path.parent

    site = root.table("site")
    site_id = site.get("id", str, check=non_empty)
    site_name = local_texts(site, "name")
    timezone = site.get("timezone", str, default="Asia/Shanghai", check=_timezone)
    site.finish()

    kiosk = root.table("kiosk")
    kiosk_id = kiosk.get("id", str, check=non_empty)
    mode = kiosk.get("mode", str, default="self-service", check=one_of(MODES))
    language = kiosk.get("language", str, default=DEFAULT_LANGUAGE)
    kiosk.finish()

    panel_t = root.table("panel")
    panel = Panel(
        width_mm=panel_t.get("width_mm", float, check=positive),
        height_mm=panel_t.get("height_mm", float, check=positive),
        resolution=tuple(panel_t.get("resolution", list, check=_resolution)),
    )
    panel_t.finish()

    access = root.table("accessibility", required=False)
    elder_default = access.get("elder_mode_default", bool, default=False)
    elder_age = access.get(
        "elder_offer_age",
        int,
        default=65,
        check=lambda v: None if 50 <= v <= 100 else "must be between 50 and 100",
    )
    elder_factor = access.get(
        "elder_time_factor",
        float,
        default=2.0,
        check=lambda v: None if v >= 1 else "must be at least 1",
    )
    access.finish()

    limits_t = root.table("time_limits", required=False)
    limits = TimeLimits(
        idle_s=limits_t.get(
            "idle_s",
            float,
            default=60.0,
            check=lambda v: None if v >= 10 else "must be at least 10 seconds",
        ),
        warning_s=limits_t.get(
            "warning_s",
            float,
            default=30.0,
            check=lambda v: (
                None
                if v >= MIN_WARNING_S
                else f"must be at least {MIN_WARNING_S} seconds (DESIGN.md §6)"
            ),
        ),
    )
    limits_t.finish()

    tech = root.table("technician")
    pin_hash = tech.get("pin_hash", str, check=_pin_hash)
    tech.finish()

    helpers_t = root.table("helpers", required=False)
    helpers = {
        staff: helpers_t.get(staff, str, check=_pin_hash)
        for staff in list(helpers_t.data)
        if _staff_number(helpers_t, staff)
    }
    helpers_t.finish()

    platform = root.table("platform")
    platform_url = platform.get("url", str, check=_http_url)
    verify_tls = platform.get(
        "verify_tls",
        bool,
        default=True,
        check=lambda v: (
            None
            if v or is_loopback(urlsplit(platform_url).hostname or "")
            else "may be false only for a platform on this machine (127.0.0.1 or localhost)"
        ),
    )
    platform.finish()
    sync = _sync(root.table("sync", required=False))
    voice = _voice(root.table("voice", required=False))
    log_settings = _logging(root.table("logging", required=False))

    data = root.table("data", required=False)
    data_dir = base / data.get("directory", str, default="var", check=non_empty)
    keys = data.get("keys", str, default="", check=non_empty_if_given)
    data.finish()

    services = root.table("services", required=False)
    services_dir = base / services.get("directory", str, default="services", check=non_empty)
    services.finish()

    devices_t = root.table("devices", required=False)
    devices = {name: _device(devices_t, name) for name in list(devices_t.data)}
    devices_t.finish()
    window = _window(root.table("window")) if mode == "window" else None
    root.finish()

    if language not in catalog_languages():
        raise ConfigError(
            path,
            "kiosk.language",
            f"no catalog for {language!r} (have: {', '.join(catalog_languages())})",
        )
    return Config(
        path=path,
        site_id=site_id,
        site_name=site_name,
        timezone=timezone,
        kiosk_id=kiosk_id,
        mode=mode,
        language=language,
        panel=panel,
        elder_mode_default=elder_default,
        elder_offer_age=elder_age,
        time_limits=limits,
        elder_time_factor=elder_factor,
        technician_pin_hash=pin_hash,
        helpers=helpers,
        platform_url=platform_url,
        platform_verify_tls=verify_tls,
        sync=sync,
        voice=voice,
        logging=log_settings,
        data_dir=data_dir,
        services_dir=services_dir,
        devices=devices,
        window=window,
        key_dir=base / keys if keys else None,
    )


def non_empty_if_given(value: str) -> str | None:
    return None if value == "" or value.strip() else "must name a directory"


def _window(table: TomlTable) -> WindowConfig:
    photo = table.get("staff_photo", str, default="")
    photo_path = Path(table.file).parent / photo if photo else None
    if photo_path is not None and not photo_path.is_file():
        raise table.error("staff_photo", f"no picture at {photo_path}")
    prefixes = table.get("prefixes", list, check=_prefixes)
    window = WindowConfig(
        number=table.get("number", str, check=non_empty),
        staff_id=table.get("staff_id", str, check=non_empty),
        staff_name=table.get("staff_name", str, check=non_empty),
        staff_photo=photo_path,
        prefixes=tuple(prefixes),
    )
    table.finish()
    return window


def _prefixes(value: list[Any]) -> str | None:
    ok = value and all(isinstance(v, str) and v.isascii() and v.isupper() for v in value)
    return None if ok else 'must list ticket prefixes in capitals, e.g. ["A", "B"]'


def _device(devices: TomlTable, name: str) -> DeviceConfig:
    table = devices.table(name)
    kind = table.get("kind", str, check=one_of(DEVICE_KINDS))
    simulated = table.get("simulated", bool, default=False)
    port = table.get("port", str, default="")
    if not simulated and not port:
        raise table.error("port", "missing (or set simulated = true)")
    options = table.get("options", dict, default={})
    table.finish()
    return DeviceConfig(name=name, kind=kind, simulated=simulated, port=port, options=options)


def _timezone(name: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (an IANA name like Asia/Shanghai)"
    return None


def _staff_number(table: TomlTable, staff: str) -> bool:
    if not (staff.isascii() and staff.isdigit() and 3 <= len(staff) <= 12):
        raise table.error(staff, "a staff number is 3 to 12 digits (typed on the keypad)")
    return True


def _pin_hash(value: str) -> str | None:
    try:
        parse_pin_hash(value)
    except PinHashError as e:
        return f"{e} (make one with: python main.py hash-pin)"
    return None


def _http_url(value: str) -> str | None:
    url = urlsplit(value)
    if url.scheme not in ("http", "https") or not url.hostname:
        return f"must be an http:// or https:// URL; got {value!r}"
    if url.scheme == "http" and not is_loopback(url.hostname):
        return (
            "must be https:// (citizens' records cross the network); "
            "http:// is only for a platform on this machine"
        )
    return None


def is_loopback(host: str) -> bool:
    """Is `host` this machine (where a local platform runs without TLS)?"""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
