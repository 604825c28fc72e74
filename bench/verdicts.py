"""Every benchmark's results in one shape for the report: the measure, its value, the baseline it
is compared with in the same run, their ratio, the target and whether it was met."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    measure: str
    value: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None  # None: reported, no target

    @property
    def mark(self) -> str:
        return {True: "pass", False: "**MISSED**", None: "-"}[self.passed]


def verdicts(name: str, document: Document) -> list[Verdict]:
    return READERS[name](document)


MONTH_OF_VISITS = 10_000  # the soak's goal: a month of a busy kiosk


def _soak(document: Document) -> list[Verdict]:
    """Whether the soak was a month long (one cut short by `--minutes` says so here), then its
    own rows."""
    played, asked = document["visits"], document["options"]["visits"]
    length = Verdict(
        "visits played",
        f"{played:,}",
        f"{asked:,} asked",
        f"{played / asked:.2f}x",
        f"{MONTH_OF_VISITS:,} (a simulated month)",
        played >= MONTH_OF_VISITS,
    )
    return [length, *_standard(document)]


def _startup(document: Document) -> list[Verdict]:
    bare, kiosk = document["rows"]
    return [
        Verdict(
            "start-up to the first painted attract screen (median)",
            f"{kiosk['median_s'] * 1000:.0f} ms",
            f"{bare['median_s'] * 1000:.0f} ms (a bare PySide6 window)",
            f"{kiosk['ratio']:.2f}x",
            kiosk["target"],
            kiosk["pass"],
        )
    ]


def _ui(document: Document) -> list[Verdict]:
    bare, kiosk = document["rows"]
    return [
        Verdict(
            f"tap to painted screen, p95 ({kiosk['measure']})",
            f"{kiosk['p95_ms']:.1f} ms",
            f"{bare['p95_ms']:.1f} ms (a bare window's label replaced)",
            f"{kiosk['p95_ms'] / bare['p95_ms']:.0f}x",
            kiosk["target"],
            kiosk["pass"],
        )
    ]


def _decode(document: Document) -> list[Verdict]:
    rows = document["rows"]
    found: list[Verdict] = []
    for chain in (r for r in rows if r["target"] != "-"):
        singles = [r for r in rows if r["set"] == chain["set"] and r is not chain]
        singles = [r for r in singles if r["target"] == "-" and r["decoder"] != chain["decoder"]]
        best = max(singles, key=lambda r: r["decoded"])
        fastest = min(singles, key=lambda r: r["median_ms"])
        found.append(
            Verdict(
                f"QR codes decoded, {chain['set']} ({chain['images']} images)",
                f"{chain['decoded']} by the chain",
                f"{best['decoded']} by {best['decoder']} alone",
                f"{chain['decoded'] / best['decoded']:.2f}x" if best["decoded"] else "-",
                ">= the best single library",
                chain["decoded"] >= best["decoded"],
            )
        )
        found.append(
            Verdict(
                f"decode time per image, median, {chain['set']}",
                f"{chain['median_ms']:.2f} ms",
                f"{fastest['median_ms']:.2f} ms ({fastest['decoder']} alone)",
                f"{chain['vs_fastest']:.2f}x",
                "<= 1.5x the fastest single library",
                chain["vs_fastest"] <= 1.5,
            )
        )
    return found


def _idcard(document: Document) -> list[Verdict]:
    rows = document["rows"]
    return [
        Verdict(
            f"ID card: {row['measure']}, median",
            f"{row['value_ms']:.1f} ms",
            f"{row['baseline_ms']:.0f} ms on the wire ({row['bytes']} bytes at 115200 baud)",
            f"{row['ratio']:.3f}x",
            "reported against the wire time",
            None,
        )
        for row in rows
    ]


def _standard(document: Document) -> list[Verdict]:
    """Rows that carry value, baseline, ratio, target and pass already (queue, soak)."""
    return [
        Verdict(
            row["measure"],
            _number(row["value"]),
            _number(row["baseline"]),
            f"{row['ratio']:.2f}x" if row.get("ratio") is not None else "-",
            row["target"],
            row["pass"],
        )
        for row in document["rows"]
    ]


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


READERS: dict[str, Callable[[Document], list[Verdict]]] = {
    "startup": _startup,
    "ui": _ui,
    "decode": _decode,
    "idcard": _idcard,
    "queue": _standard,
    "soak": _soak,
}
