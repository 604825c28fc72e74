"""`python main.py doctor [--json] [--bundle FILE.zip]`: the kiosk's health in a terminal
(issue 6), for a technician over SSH or a monitoring system. Exit status 1 when something
needs attention. A support bundle holds the report, the config without its secrets, the status
file and the recent logs, every text masked again: no citizen leaves the kiosk in it.

Part of the composition root. It never opens a device or the queue itself: the running kiosk
owns them and reports them in its status file (status_report.py). It checks the way to the
platform itself (offline_queue/connectivity.py).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from adapters import RecordsAdapter
from kiosk.config import Config
from kiosk.logs import LOG_FILE, mask_personal
from offline_queue.connectivity import check_platform
from status_report import EVERY_S, status_path

FRESH_S = 3 * EVERY_S  # an older status file belongs to a kiosk that is gone (or frozen)
HEALTHY_STATES = ("online", "busy")
# Free space on the data disk below which a technician is told: well before the kiosk stops
# taking visits that keep a record (RecordsAdapter.MIN_FREE_BYTES).
LOW_DISK_BYTES = 200 * 2**20


def read_status(path: Path, now: float) -> tuple[dict[str, Any] | None, str]:
    """The running kiosk's status, or None and why there is none."""
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"the kiosk is not running (no {path})"
    except (OSError, ValueError) as error:
        return None, f"the kiosk's status file {path} cannot be read: {error}"
    age = now - float(status.get("written", 0))
    if age > FRESH_S:
        return None, f"the kiosk is not running or is stuck: its status is {age:.0f} s old"
    return status, f"running (pid {status.get('pid')}, status written {age:.0f} s ago)"


def report(config: Config, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    status, kiosk_state = read_status(status_path(config.data_dir.resolve()), now)
    steps = check_platform(
        config.platform_url, timeout_s=config.sync.timeout_s, verify_tls=config.platform_verify_tls
    )
    attention: list[str] = []
    if status is None:
        attention.append(kiosk_state)
    devices = status.get("devices") if status else None
    for device in devices or ():
        if device["state"] not in HEALTHY_STATES:
            attention.append(f"device {device['name']}: {device['state']}: {device['detail']}")
    queue = status.get("queue") if status else None
    if queue:
        if queue["blocked"]:
            attention.append(f"queue: sending is blocked: {queue['blocked']}")
        if queue["counts"].get("rejected"):
            attention.append(
                f"queue: {queue['counts']['rejected']} records refused by the platform"
            )
    for step in steps:
        if step.ok is False:
            attention.append(f"platform: {step.name}: {step.detail}")
    free_mb = _free_mb(config.data_dir)
    if free_mb is None:
        attention.append(f"disk: the data folder {config.data_dir} cannot be read")
    elif free_mb < LOW_DISK_BYTES / 2**20:
        attention.append(
            f"disk: {free_mb:.0f} MB free for {config.data_dir}; with less than "
            f"{RecordsAdapter.MIN_FREE_BYTES // 2**20} MB the kiosk takes no visits that keep a "
            "record: free space (old logs, a4-printouts)"
        )
    return {
        "kiosk": {
            "id": config.kiosk_id,
            "site": config.site_id,
            "config": str(config.path),
            "running": status is not None,
            "state": kiosk_state,
        },
        "devices": devices,
        "queue": queue,
        "platform": {"url": config.platform_url, "steps": [dataclasses.asdict(s) for s in steps]},
        "disk": {"data_dir": str(config.data_dir), "free_mb": free_mb},
        "attention": attention,
    }


def _free_mb(folder: Path) -> float | None:
    """Free space where the kiosk keeps its data (the nearest folder that exists)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free / 2**20
    except OSError:
        return None


def text(found: dict[str, Any]) -> str:
    kiosk, lines = found["kiosk"], []
    lines.append(f"Kiosk {kiosk['id']} at {kiosk['site']} ({kiosk['config']})")
    lines.append(f"  {kiosk['state']}")
    lines.append("Devices")
    if found["devices"] is None:
        lines.append("  unknown: only the running kiosk can see its devices")
    for d in found["devices"] or ():
        mark = "OK" if d["state"] in HEALTHY_STATES else "!!"
        error = f" [{d['last_error']['code']}]" if d.get("last_error") else ""
        lines.append(f"  {mark}  {d['name']} ({d['kind']}): {d['state']}: {d['detail']}{error}")
    lines.append("Queue")
    queue = found["queue"]
    if queue is None:
        lines.append("  unknown: only the running kiosk reads its queue")
    else:
        counts = queue["counts"]
        pending, flying, refused = (counts.get(k, 0) for k in ("pending", "in_flight", "rejected"))
        mark = "!!" if queue["blocked"] or refused else "OK"
        lines.append(
            f"  {mark}  pending {pending}, in flight {flying}, refused {refused}; "
            f"oldest waiting {queue['oldest_pending'] or '-'}; "
            f"last sync {queue['last_sync'] or 'never'}"
        )
    disk = found["disk"]
    free = "unreadable" if disk["free_mb"] is None else f"{disk['free_mb']:,.0f} MB free"
    lines.append(f"Disk {disk['data_dir']}: {free}")
    lines.append(f"Platform {found['platform']['url']}")
    for step in found["platform"]["steps"]:
        mark = {True: "OK", False: "!!", None: "--"}[step["ok"]]
        lines.append(f"  {mark}  {step['name']:<5} {step['detail']}")
    if found["attention"]:
        lines.append("Needs attention:")
        lines += [f"  - {item}" for item in found["attention"]]
    else:
        lines.append("All well.")
    return "\n".join(lines)


# A quoted PIN hash (technician, helpers) anywhere in the config: kept out of bundles.
SECRET = re.compile(r'"scrypt\$[^"]*"')


def write_bundle(config: Config, found: dict[str, Any], path: Path) -> list[str]:
    """The support bundle at `path`; the names of what it holds."""
    files = {
        "report.json": json.dumps(found, ensure_ascii=False, indent=1),
        "report.txt": text(found),
        "config.toml": SECRET.sub('"<removed>"', config.path.read_text(encoding="utf-8")),
    }
    data_dir = config.data_dir.resolve()
    status = status_path(data_dir)
    if status.is_file():
        files["status.json"] = status.read_text(encoding="utf-8")
    for log in sorted((data_dir / "logs").glob(f"{LOG_FILE}*")):
        files[f"logs/{log.name}"] = log.read_text(encoding="utf-8", errors="replace")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in files.items():
            bundle.writestr(name, mask_personal(content))
    return list(files)


def run(config: Config, as_json: bool, bundle: Path | None = None) -> int:
    found = report(config)
    print(json.dumps(found, ensure_ascii=False, indent=1) if as_json else text(found))
    if bundle is not None:
        try:
            names = write_bundle(config, found, bundle)
        except OSError as error:
            print(f"doctor: cannot write the bundle {bundle}: {error}", file=sys.stderr)
            return 2
        print(f"support bundle {bundle}: {', '.join(names)}", file=sys.stderr)
    return 1 if found["attention"] else 0
