"""A pseudo-terminal that a simulator serves and an adapter opens like a USB serial port.

The adapter gets a stable path (a symlink, as udev gives `/dev/serial/by-id/...`). `unplug()`
closes the master side, so the adapter's next read or write fails as with a pulled cable, and
removes the link; `replug()` makes a new pty behind the same path.

The master is only used, and only closed, under one lock: a thread still reading an fd that
another thread closed would read whatever file took its number next. That happened in a soak:
the printer simulator's thread sat in `read()` on another component's inotify descriptor, and
the printer stayed "switched off" for good. Reads hold the lock through their short `select`
(an unplug waits for it); the master is non-blocking, so no read or write can hold it longer.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from pathlib import Path

READ_SIZE = 4096


class PtyPort:
    def __init__(self, link: Path) -> None:
        self.link = link
        self._master: int | None = None
        self._lock = threading.Lock()
        self.replug()

    @property
    def path(self) -> str:
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def replug(self) -> None:
        with self._lock:
            if self._master is not None:
                return
            master, slave = os.openpty()
            tty.setraw(slave)  # no echo, no line discipline: bytes pass unchanged
            name = os.ttyname(slave)
            os.close(slave)  # the pty lives while the master is open; the adapter reopens it
            os.set_blocking(master, False)
            self.link.unlink(missing_ok=True)
            self.link.symlink_to(name)
            self._master = master

    def unplug(self) -> None:
        with self._lock:
            master, self._master = self._master, None
            self.link.unlink(missing_ok=True)
            if master is not None:
                os.close(master)

    def read(self, timeout_s: float) -> bytes:
        """Bytes the adapter wrote, or b"" after `timeout_s` (or when unplugged)."""
        with self._lock:
            master = self._master
            if master is not None:
                try:
                    ready, _, _ = select.select([master], [], [], timeout_s)
                    return os.read(master, READ_SIZE) if ready else b""
                except BlockingIOError:
                    return b""
                except OSError:  # nobody has the slave open yet (EIO): like an idle line
                    pass
        time.sleep(timeout_s)
        return b""

    def write(self, data: bytes) -> bool:
        """Send to the adapter; False when unplugged, or when the adapter has not read what
        was sent before (a full buffer: the bytes are lost, as from a real device's)."""
        with self._lock:
            if self._master is None:
                return False
            try:
                return os.write(self._master, data) == len(data)
            except OSError:
                return False

    def close(self) -> None:
        self.unplug()
