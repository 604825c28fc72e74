"""Small files that must survive a power cut whole: the used e-ID codes, the case and ticket
numbers, the wrong-PIN lock-outs."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_replacing(path: Path, data: bytes) -> None:
    """Write `data` to `path` (only its owner may read it) through a temporary file, so that a
    crash or a power cut leaves the old file or the new one, whole. Raises `OSError`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    if os.name == "posix":  # the rename itself survives a power cut; others have no folder fds
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
