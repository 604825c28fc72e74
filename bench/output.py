"""Printing a benchmark's rows as a table or JSON, and keeping the JSON in bench/results/ (or
in $KIOSK_BENCH_RESULTS: the tests keep theirs apart from the team's measurements)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(os.environ.get("KIOSK_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


def emit(
    name: str,
    rows: Sequence[Mapping[str, Any]],
    as_json: bool,
    details: Mapping[str, Any] | None = None,
) -> None:
    """`details`: more of what the run saw, kept in the JSON only (series for charts)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"benchmark": name, "rows": list(rows), **(details or {})}
    text = json.dumps(document, ensure_ascii=False, indent=2)
    (RESULTS / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    if as_json:
        print(text)
        return
    columns = list(rows[0])
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def _cell(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def provenance() -> dict[str, str]:
    """When a run ended and at which commit of the code."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {"ended": f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", "commit": commit}
