"""The screenshot tour's technician console: the console pages filled as on a kiosk that needs
a visit (a printer out of paper, the platform unreachable, records waiting), so the pictures
show every part of each page. Part of the composition root; only the tour uses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kiosk.config import Config, in_force
from kiosk.console import ConsoleTools, Unsubscribe


def tour_tools(config: Config) -> ConsoleTools:
    """The screenshot tour's console: a kiosk whose receipt printer is out of paper, whose
    platform cannot be reached and whose queue is waiting, with a phone's code in front of
    the camera (decoded for real, so the boxes are where the decoder found them)."""
    from devices.camera import FrameCaptured
    from devices.decoders import DecoderChain
    from devices.model import DeviceInfo, DeviceState, HealthLevel, HealthReport, Notice, Problem
    from devices.model import DeviceStatus as Status
    from devices.sim.phone_frames import Shot, phone_frame
    from offline_queue.connectivity import Step
    from offline_queue.store import QueueStats, RejectedRecord

    paper_out = Problem(
        "printer.paper_out", "paper end sensor: out of paper", Notice.PRINTER_OUT_OF_PAPER
    )
    online = DeviceState.ONLINE
    statuses = [
        Status(
            "id_reader",
            "id_card_reader",
            online,
            "polling for a card",
            None,
            {"polls": 5120, "reads": 37, "errors": 0},
            DeviceInfo("SAM serial reader", "05.01-20230712-0001234567", "", "/dev/ttyUSB0"),
        ),
        Status(
            "scanner",
            "serial_scanner",
            online,
            "waiting for a code",
            None,
            {"codes": 12, "dropped": 0},
            DeviceInfo(port="/dev/ttyUSB1"),
        ),
        Status(
            "camera",
            "camera",
            online,
            "capturing",
            None,
            {"frames": 91234, "decoded": 12, "decode_ms_median": 6, "decode_ms_p95": 11},
            DeviceInfo("V4L2 camera 1280x720", port="0"),
        ),
        Status(
            "receipt_printer",
            "receipt_printer",
            DeviceState.USER_ERROR,
            paper_out.technician,
            paper_out,
            {"jobs": 40, "errors": 1},
            DeviceInfo("ESC/POS 80 mm", port="/dev/ttyUSB2"),
        ),
        Status(
            "a4_printer",
            "a4_printer",
            online,
            "CUPS queue kiosk-a4 idle",
            None,
            {"jobs": 3},
            DeviceInfo("CUPS kiosk-a4"),
        ),
    ]
    code = "https://zwfw.example.gov.cn/v/DOC1.K-DEMO-0001.9f3a"
    frame = phone_frame(code, Shot(yaw_deg=25.0, pitch_deg=8.0), seed=3)
    found = tuple(DecoderChain(["zxing", "pyzbar"]).decode(frame))

    def watch_camera(camera: str, listener: Callable[[Any], None]) -> Unsubscribe:
        stop = threading.Event()

        def play() -> None:  # ten decoded frames a second, as a real camera gives
            while not stop.wait(0.1):
                listener(FrameCaptured(camera, frame, found))

        threading.Thread(target=play, name="tour-camera", daemon=True).start()
        return stop.set

    def check_health(device: str, level: str) -> HealthReport:
        lines = (
            "state: user_error (paper end sensor: out of paper)",
            "test job 41 failed: paper end sensor: out of paper",
        )
        return HealthReport(device, HealthLevel(level), False, lines, 212.0)

    refused = RejectedRecord(
        118,
        "K-DEMO-0001:118",
        "application",
        "2026-12-02T09:14:03Z",
        "schema",
        "field 'phone': not a phone number",
    )
    stats = QueueStats(
        counts={"pending": 37, "in_flight": 0, "acked": 1204, "rejected": 1},
        oldest_pending="2026-12-03T08:02:11Z",
        next_attempt="2026-12-03T08:31:40Z",
        last_sync="2026-12-03T08:01:57Z",
        last_error="platform unreachable: connection refused",
        blocked=None,
        rejected=[refused],
    )
    steps = [
        Step("dns", True, "zwfw.example.gov.cn is 10.20.0.15", 3.1),
        Step(
            "tcp",
            False,
            "10.20.0.15:443 refused the connection: is the platform running, "
            "and does the firewall let this kiosk through?",
            1.2,
        ),
        Step("tls", None, "not tried: no connection"),
        Step("http", None, "not tried: no connection"),
        Step("clock", None, "not tried: the platform's time is unknown"),
    ]
    logs = [
        "2026-12-03 08:01:57,112 INFO offline_queue.sync: sent 12 records",
        "2026-12-03 08:02:11,540 WARNING devices.printing.receipt: receipt_printer: "
        "printer.paper_out: paper end sensor: out of paper",
        "2026-12-03 08:02:12,003 WARNING offline_queue.sync: sync: platform unreachable: "
        "connection refused",
        "2026-12-03 08:05:40,771 INFO kiosk.visit: visit ended: finished",
    ]
    return ConsoleTools(
        device_statuses=lambda: statuses,
        check_health=check_health,
        cameras=("camera",),
        watch_camera=watch_camera,
        serial_ports=lambda: [
            "/dev/ttyUSB0  CP2102 USB to UART  [USB VID:PID=10C4:EA60]",
            "/dev/ttyUSB1  CH340 serial  [USB VID:PID=1A86:7523]",
            "/dev/ttyUSB2  PL2303 serial  [USB VID:PID=067B:2303]",
        ],
        queue_stats=lambda: stats,
        sync_now=lambda: None,
        unblock_queue=lambda: None,
        check_platform=lambda: steps,
        recent_logs=lambda: logs,
        config_lines=lambda: in_force(config),
    )
