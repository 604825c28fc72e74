"""What a long run costs a process, read from Linux's /proc: resident memory, threads, open
file descriptors."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Vitals:
    rss_mb: float
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
    rss_kb = int(fields["VmRSS"].split()[0])
    return Vitals(
        rss_mb=rss_kb / 1024, threads=int(fields["Threads"]), fds=len(os.listdir(proc / "fd"))
    )
