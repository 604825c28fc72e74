"""The technician console's tools (kiosk/console.py: ConsoleTools) on the real parts, handed
over as each part comes up: the logs, config, serial ports and the platform check at once,
the devices once they are built, the queue once it is open.

Part of the composition root with `main.py` and `adapters.py` (DESIGN.md §2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kiosk.config import Config, in_force
from kiosk.console import ConsoleTools, Unsubscribe
from kiosk.logs import recent_lines

if TYPE_CHECKING:  # loaded with the devices and the queue, after the first paint
    from devices.model import HealthReport
    from devices.supervisor import Supervisor
    from offline_queue.outbox import Outbox
    from offline_queue.store import QueueStats

PLATFORM_CHECK_TIMEOUT_S = 5.0  # a technician waits for each step at most this long
QUEUE_READ_TIMEOUT_S = 10.0
LOG_LINES = 300


def site_tools(config: Config) -> ConsoleTools:
    """What the console has before the devices and the queue are up."""

    def check() -> list[Any]:
        from offline_queue.connectivity import check_platform

        timeout = min(config.sync.timeout_s, PLATFORM_CHECK_TIMEOUT_S)
        return check_platform(
            config.platform_url, timeout_s=timeout, verify_tls=config.platform_verify_tls
        )

    def serial_ports() -> list[str]:
        from devices.serialport import ports_found

        return ports_found()

    return ConsoleTools(
        check_platform=check,
        serial_ports=serial_ports,
        recent_logs=lambda: recent_lines(config.data_dir / "logs", LOG_LINES),
        config_lines=lambda: in_force(config),
    )


def with_devices(tools: ConsoleTools, supervisor: Supervisor) -> ConsoleTools:
    from devices.camera import Camera
    from devices.model import HealthLevel

    devices = supervisor.devices
    cameras = {name: d for name, d in devices.items() if isinstance(d, Camera)}

    def check_health(device: str, level: str) -> HealthReport:
        return devices[device].check_health(HealthLevel(level))

    def watch_camera(camera: str, listener: Callable[[Any], None]) -> Unsubscribe:
        return cameras[camera].subscribe_frames(listener)

    found = tools.serial_ports or list

    def serial_ports() -> list[str]:
        used = [f"{s.name} ({s.kind}): {s.info.port or '-'}" for s in supervisor.statuses()]
        return ["The devices' ports:", *used, "", "Serial ports on this machine:", *found()]

    return replace(
        tools,
        device_statuses=supervisor.statuses,
        check_health=check_health,
        cameras=tuple(cameras),
        watch_camera=watch_camera,
        serial_ports=serial_ports,
    )


def with_queue(tools: ConsoleTools, outbox: Outbox) -> ConsoleTools:
    def stats() -> QueueStats:
        return outbox.stats().result(QUEUE_READ_TIMEOUT_S)

    def unblock() -> None:
        outbox.unblock().result(QUEUE_READ_TIMEOUT_S)

    return replace(tools, queue_stats=stats, sync_now=outbox.sync_now, unblock_queue=unblock)
