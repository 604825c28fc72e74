"""What a long run costs a process, read from Linux's /proc: resident memory, threads, open
file descriptors."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Vitals:
    rss_mb: float
    # The part of rss_mb the process allocated: without the file-backed pages (fonts, libraries)
    # the kernel may drop and read again, which grow as more glyphs are drawn, not with leaks.
    rss_anon_mb: float
    threads: int
    fds: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def vitals(pid: int | None = None) -> Vitals:
    """Of process `pid`; of this one by default."""
    proc = Path("/proc") / (str(pid) if pid else "self")
    fields = dict(
        line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
    )
    return Vitals(
        rss_mb=_megabytes(fields["VmRSS"]),
        rss_anon_mb=_megabytes(fields["RssAnon"]),
        threads=int(fields["Threads"]),
        fds=len(os.listdir(proc / "fd")),
    )


def _megabytes(field: str) -> float:
    return int(field.split()[0]) / 1024  # /proc/PID/status gives kB
