"""Which console pages there are, in the menu's order, and how each is built. The page modules
load on first use: the console is rare, and the camera page brings OpenCV."""

from __future__ import annotations

from kiosk.console import TechnicianConsole
from screens.console.page import ConsolePage, PageSetup

PAGES = ("devices", "camera", "ports", "queue", "platform", "logs", "config")


def menu_pages(console: TechnicianConsole) -> list[str]:
    """The menu's pages: the camera preview only on a kiosk with a camera."""
    return [p for p in PAGES if p != "camera" or console.tools.cameras]


def build_page(
    page: str,
    at: PageSetup,
    device: str = "",
) -> ConsolePage:
    """The page called `page`; `device` names the device of a device or camera page."""
    tools = at.console.tools
    if page == "devices" and device:
        from screens.console.devices import DeviceDetailPage

        return DeviceDetailPage(at, device)
    if page == "devices":
        from screens.console.devices import DeviceListPage

        return DeviceListPage(at)
    if page == "camera":
        from screens.console.camera import CameraPreviewPage

        return CameraPreviewPage(at, device or tools.cameras[0])
    if page == "queue":
        from screens.console.queue import QueuePage

        return QueuePage(at)
    if page == "platform":
        from screens.console.platform import PlatformPage

        return PlatformPage(at)
    from screens.console.lines import LinesPage

    sources = {"ports": tools.serial_ports, "logs": tools.recent_logs, "config": tools.config_lines}
    if page not in sources:
        raise ValueError(f"no console page {page!r}")
    return LinesPage(at, page, sources[page], scroll_to_end=page == "logs")
