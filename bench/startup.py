"""Start-up to the first painted attract screen, against a bare PySide6 window (issue 2).

Both are measured the same way: from just before the process is started to the moment it
reports its first paint has been flushed; runs alternate so machine noise hits both alike.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.5
COMMANDS = {
    "bare PySide6 window": [sys.executable, str(ROOT / "bench" / "bare_window.py")],
    "kiosk attract screen": [sys.executable, str(ROOT / "main.py"), "--exit-after-first-paint"],
}


def time_to_first_paint(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("first-paint"):
                elapsed = time.perf_counter() - start
                break
        else:
            raise RuntimeError(f"{command} exited without painting (status {process.wait()})")
        process.wait(timeout=30)
    return elapsed


def compile_sources() -> None:
    """Bytecode for the kiosk's own modules, as an installed kiosk has it (pip compiles what it
    installs). Without it, and with PYTHONDONTWRITEBYTECODE set as on this machine, every
    start compiles ~60 modules from source: ~45 ms that no installed kiosk pays."""
    for name in ("kiosk", "devices", "offline_queue", "screens", "central"):
        compileall.compile_dir(ROOT / name, quiet=1)
    for module in ("main.py", "adapters.py"):
        compileall.compile_file(ROOT / module, quiet=1)


def run(runs: int) -> list[dict[str, object]]:
    compile_sources()
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = env.get("QT_QPA_PLATFORM", "offscreen")
    for command in COMMANDS.values():  # warm the file cache and font cache
        time_to_first_paint(command, env)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            samples[name].append(time_to_first_paint(command, env))
    baseline = statistics.median(samples["bare PySide6 window"])
    rows: list[dict[str, object]] = []
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / baseline
        is_kiosk = name.startswith("kiosk")
        rows.append(
            {
                "measure": name,
                "median_s": median,
                "min_s": min(values),
                "max_s": max(values),
                "runs": len(values),
                "ratio": ratio,
                "target": f"<= {TARGET_RATIO}x" if is_kiosk else "baseline",
                "pass": (ratio <= TARGET_RATIO) if is_kiosk else "",
            }
        )
    return rows
