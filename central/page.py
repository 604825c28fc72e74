"""The kiosk list as a plain HTML page, for people at the platform (read-only).

Everything shown comes from kiosks (site names, device details, alerts), so all of it is escaped.
"""

from __future__ import annotations

from html import escape

from offline_queue.wire import DeviceHealth, KioskSummary, QueueHealth

REFRESH_S = 10

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #888; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eee; }
.alert { color: #a00; }
ul { margin: 0; padding-left: 1.2rem; }
"""

COLUMNS = (
    "终端 Kiosk",
    "网点 Site",
    "注册 Enrolled",
    "心跳 Last heartbeat",
    "链头 Head",
    "接收 Accepted",
    "拒收 Rejected",
    "告警 Alerts",
    "设备 Devices",
    "队列 Queue",
)


def render(kiosks: list[KioskSummary], now: str) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in COLUMNS)
    rows = "".join(_row(kiosk) for kiosk in kiosks) or (
        f'<tr><td colspan="{len(COLUMNS)}">尚无终端注册 No kiosk has enrolled yet.</td></tr>'
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_S}">
<title>中心平台 · 终端 Central platform · kiosks</title>
<style>{STYLE}</style>
</head>
<body>
<h1>终端 Kiosks</h1>
<p>{escape(now)} · {len(kiosks)} · JSON: <a href="/v1/kiosks">/v1/kiosks</a></p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def _row(kiosk: KioskSummary) -> str:
    cells = (
        escape(kiosk.kiosk_id),
        escape(kiosk.site_id),
        escape(kiosk.enrolled),
        escape(kiosk.last_heartbeat or "—"),
        f"{kiosk.head.seq} <code>{escape(kiosk.head.hash[:12])}</code>",
        str(kiosk.accepted),
        str(kiosk.rejected),
        _list([f'<span class="alert">{escape(alert)}</span>' for alert in kiosk.alerts]),
        _list([_device(device) for device in kiosk.devices]),
        _queue(kiosk.queue),
    )
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>\n"


def _list(items: list[str]) -> str:
    if not items:
        return "—"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _device(device: DeviceHealth) -> str:
    detail = f" ({escape(device.detail)})" if device.detail else ""
    return f"{escape(device.name)} [{escape(device.kind)}]: {escape(device.state)}{detail}"


def _queue(queue: QueueHealth | None) -> str:
    if queue is None:
        return "—"
    oldest = f", oldest {escape(queue.oldest_pending)}" if queue.oldest_pending else ""
    blocked = (
        f'<br><span class="alert">sync stopped: {escape(queue.blocked)}</span>'
        if queue.blocked
        else ""
    )
    return (
        f"pending {queue.pending}, in flight {queue.in_flight}, rejected {queue.rejected}"
        f"{oldest}{blocked}"
    )
