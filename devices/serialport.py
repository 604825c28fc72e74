"""Opening ports by pyserial URL (`/dev/ttyUSB0`, `COM3`, `socket://host:port`, `loop://`), so
one adapter drives real hardware, a network bridge and the simulators (DESIGN.md §3)."""

from __future__ import annotations

import serial

from devices.model import DeviceFault, DeviceState, Notice, Problem

try:  # pyserial lets termios.error (not an OSError) out of a tty that vanished
    from termios import error as TermiosError
except ImportError:  # Windows has no termios
    TermiosError = OSError  # type: ignore[assignment,misc]

PortError = (serial.SerialException, OSError, ValueError, TermiosError)


def open_port(url: str, baudrate: int = 115200, timeout_s: float = 0.2) -> serial.SerialBase:
    """Open a port at 8N1, or raise `DeviceFault(POWER_OFF)` saying which port and why."""
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout_s, write_timeout=2)
    except PortError as error:
        raise port_lost(url, error, "cannot open") from error


def port_lost(url: str, error: BaseException, doing: str = "lost") -> DeviceFault:
    """The fault for a port that vanished or failed mid-I/O (unplugged, bridge down)."""
    return DeviceFault(
        DeviceState.POWER_OFF,
        Problem("port.unavailable", f"{doing} port {url}: {error}", Notice.DEVICE_UNAVAILABLE),
    )


def ports_found() -> list[str]:
    """The serial ports this machine has now (USB adapters, built-in ports), one line each:
    device, description and hardware id, for a technician plugging in a reader or a scanner."""
    from serial.tools import list_ports

    return [
        f"{port.device}  {port.description}  [{port.hwid}]"
        for port in sorted(list_ports.comports(), key=lambda p: p.device)
    ]
