"""Plain HTML pages: the kiosk list for people at the platform, and a document's check for
whoever scans its QR code (read-only).

Everything shown comes from kiosks (site names, device details, alerts, document claims), so
all of it is escaped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape

from pydantic import JsonValue

from offline_queue.wire import (
    DeviceHealth,
    DocumentVerdict,
    FaceComparator,
    KioskSummary,
    QueueHealth,
)

REFRESH_S = 10

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #888; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eee; }
.alert { color: #a00; }
.genuine { color: #060; }
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


def render(kiosks: list[KioskSummary], now: str, comparator: FaceComparator) -> str:
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
<p>人脸比对 Face comparator: <b>{escape(comparator.name)}</b> — {escape(comparator.description)}</p>
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


# --- a document's check ----------------------------------------------------------------------

REASONS = {
    "malformed": "这不是本平台终端签发的文件码 This is not the code of a document from our kiosks.",
    "unknown_kiosk": "签发终端未在本平台登记 The kiosk it names is not enrolled on this platform.",
    "bad_signature": "签名不符：文件码被改动或伪造 The signature does not match: the code was "
    "altered or forged.",
}


def render_document(verdict: DocumentVerdict) -> str:
    if verdict.valid:
        claims = verdict.claims or {}
        title = "真实文件 Genuine document"
        summary = (
            f'<p class="genuine"><b>✓ {title}</b></p>\n<p>由终端 issued by kiosk '
            f"<b>{escape(verdict.kiosk_id or '')}</b>, 网点 site <b>{escape(verdict.site_id or '')}"
            f"</b>, {escape(_issued(claims.get('iat')))}"
            f"{_case(claims.get('case'))}</p>\n"
            "<p>请核对纸面内容与下列信息一致 Check that the paper says the same:</p>\n"
            f"{_claims(claims)}"
        )
    else:
        title = "无法确认 Not a genuine document"
        reason = REASONS.get(verdict.code or "", verdict.code or "")
        named = f" ({escape(verdict.kiosk_id)})" if verdict.kiosk_id else ""
        summary = f'<p class="alert"><b>✗ {title}</b></p>\n<p>{escape(reason)}{named}</p>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>文件核验 Document check</h1>
{summary}
</body>
</html>
"""


def _issued(iat: JsonValue) -> str:
    if not isinstance(iat, int) or isinstance(iat, bool) or not 0 <= iat < 2**35:
        return "签发时间不详 time of issue not given"
    return f"签发于 issued {datetime.fromtimestamp(iat, UTC):%Y-%m-%d %H:%M} UTC"


def _case(case: JsonValue) -> str:
    return f", 业务编号 case <b>{escape(str(case))}</b>" if isinstance(case, str | int) else ""


def _claims(claims: dict[str, JsonValue]) -> str:
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(_text(value))}</td></tr>"
        for name, value in sorted(claims.items())
    )
    return f"<table>{rows}</table>"


def _text(value: JsonValue) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


HALL_REFRESH_S = 2
HALL_CALLS = 6

HALL_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2rem;
       background: #0b1f3a; color: #fff; }
.now { font-size: 9vw; font-weight: bold; margin: 0 0 2rem 0; }
.earlier { font-size: 4vw; color: #cfd8e6; list-style: none; padding: 0; }
"""


def render_hall(site_id: str, calls: list[tuple[str, str, str]]) -> str:
    """The hall board of a site: the latest call large, the ones before it below; it reloads
    itself every two seconds (a browser on the hall's screen shows it)."""

    def call(ticket: str, window: str) -> str:
        return f"请 {escape(ticket)} 号到 {escape(window)} 号窗口"

    now = call(*calls[0][:2]) if calls else "请留意叫号 Please wait for your number"
    earlier = "".join(f"<li>{call(t, w)}</li>" for t, w, _ in calls[1:HALL_CALLS])
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{HALL_REFRESH_S}">
<title>叫号 {escape(site_id)}</title>
<style>{HALL_STYLE}</style>
</head>
<body>
<p class="now">{now}</p>
<ul class="earlier">{earlier}</ul>
</body>
</html>
"""
