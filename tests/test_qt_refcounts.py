"""A kiosk runs for weeks: the Qt binding must not leak references with every signal.

PySide6 6.12.0 dropped a reference to `True` on every `emit()` and to `None` on every call
that returns nothing; on Python 3.11 the process aborted (`Fatal Python error: bool_dealloc`)
after a few thousand signals. pyproject.toml excludes that release; this test keeps any other
release with the same fault out. It runs in a child process because the fault aborts it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CALLS = 20_000  # well past the few thousand that aborted a kiosk

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Source(QObject):
        tick = Signal()
        flag = Signal(bool)

    app = QCoreApplication([])
    source = Source()
    source.tick.connect(lambda: None)
    source.flag.connect(lambda value: None)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range({CALLS}):
        source.tick.emit()
        source.flag.emit(True)
        source.setObjectName("source")  # a wrapped call that returns nothing
    after = sys.getrefcount(True), sys.getrefcount(None)
    print(after[0] - before[0], after[1] - before[1])
    """
)


def test_signals_and_void_calls_keep_true_and_none_alive() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    true_drift, none_drift = map(int, result.stdout.split())
    # Python 3.12+ makes True and None immortal (their counts are fixed), so the drift there
    # is 0 even with a leaking binding; on 3.11 a leak shows as thousands.
    assert abs(true_drift) < 100 and abs(none_drift) < 100, (true_drift, none_drift)
