"""The ID card benchmark runs and reports each read against its wire time (numbers: bench/)."""

from __future__ import annotations

import pytest

from bench import idcard


def test_the_idcard_benchmark_reports_reads_against_the_wire_time() -> None:
    rows = idcard.run(reads=2)
    assert [row["measure"] for row in rows] == [
        "find + select + read card (30 01)",
        "find + select + read card with fingerprint (30 10)",
        "card placed -> CardRead event (polling every 0.3 s)",
    ]
    # Three commands of 10 bytes; answers of 15 (find), 19 (select) and 1295 (read) bytes.
    assert rows[0]["bytes"] == 1359
    for row in rows:
        assert number(row, "baseline_ms") == pytest.approx(number(row, "bytes") * 10 / 115.2)
        assert number(row, "ratio") == pytest.approx(
            number(row, "value_ms") / number(row, "baseline_ms")
        )
        assert "pty does not throttle" in str(row["baseline"])


def number(row: dict[str, object], key: str) -> float:
    value = row[key]
    assert isinstance(value, int | float)
    return value
