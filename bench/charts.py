"""The report's charts, drawn with matplotlib (off-screen, into PNG files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt

SIZE = (8, 5)


def soak_vitals(samples: list[dict[str, float]], path: Path) -> None:
    """Resident memory, threads and open files of the kiosk over a soak's visits."""
    visits = [s["visit"] for s in samples]
    figure, (memory, counts) = plt.subplots(2, 1, figsize=SIZE, sharex=True)
    lines = {
        memory: {
            "kiosk process": "rss_mb",
            "kiosk, allocated (anonymous)": "rss_anon_mb",
            "central (reference)": "central_rss_mb",
        },
        counts: {"threads": "threads", "open files": "fds"},
    }
    for axis, series in lines.items():
        for label, key in series.items():
            if all(key in s for s in samples):  # soaks before rss_anon_mb was kept lack it
                axis.plot(visits, [s[key] for s in samples], label=label)
        axis.set_ylim(bottom=0)
        axis.legend(loc="lower right")
        axis.grid(alpha=0.3)
    memory.set_ylabel("resident memory (MB)")
    counts.set_xlabel("visits played")
    figure.suptitle("Soak: the kiosk over its visits")
    _save(figure, path)


def decode_rates(rows: list[dict[str, Any]], path: Path) -> None:
    """Per image set: the share decoded and the median time, for each library and the chain."""
    sets = [s for s in dict.fromkeys(r["set"] for r in rows) if s != "empty-720p"]
    decoders = list(dict.fromkeys(r["decoder"] for r in rows))
    by = {(r["set"], r["decoder"]): r for r in rows}
    figure, (share, speed) = plt.subplots(1, 2, figsize=(SIZE[0] * 1.4, SIZE[1]))
    width = 0.8 / len(decoders)
    for n, decoder in enumerate(decoders):
        xs = [i + n * width for i in range(len(sets))]
        found = [by[s, decoder] for s in sets]
        share.bar(xs, [100 * r["decoded"] / r["images"] for r in found], width, label=decoder)
        speed.bar(xs, [r["median_ms"] for r in found], width, label=decoder)
    middle = [i + width * (len(decoders) - 1) / 2 for i in range(len(sets))]
    for axis, label in ((share, "images decoded (%)"), (speed, "median time per image (ms)")):
        axis.set_xticks(middle, sets)
        axis.set_ylabel(label)
        axis.grid(axis="y", alpha=0.3)
    share.set_ylim(0, 100)
    speed.set_yscale("log")
    share.legend(loc="lower right")
    figure.suptitle("QR decoding: the chain against each library alone")
    _save(figure, path)


def drain(progress: list[list[float]], target_s: float, full: int, path: Path) -> None:
    """Records accepted by the platform while a backlog drains, against the target's pace."""
    seconds = [p[0] for p in progress]
    accepted = [p[1] for p in progress]
    figure, axis = plt.subplots(figsize=SIZE)
    axis.plot(seconds, accepted, label="accepted by central")
    pace = full / target_s
    axis.plot([0, seconds[-1]], [0, pace * seconds[-1]], "--", label=f"target pace ({pace:,.0f}/s)")
    axis.set_xlabel("seconds since the queue started sending")
    axis.set_ylabel("records accepted")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    axis.set_title("Backlog drain to a local central")
    _save(figure, path)


def _save(figure: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
