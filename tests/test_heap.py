"""Memory the kiosk frees goes back to the system (see heap.py): large blocks at once, what
its threads free between visits."""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys
import threading

import pytest

from bench.vitals import vitals
from heap import heap_trimmer
from tests.conftest import ROOT

try:
    LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
    LIBC.malloc_trim  # noqa: B018  (glibc has it; musl and others do not)
except (OSError, AttributeError, TypeError):
    pytest.skip("not glibc: the kiosk does not trim there", allow_module_level=True)


def test_memory_a_thread_freed_is_given_back_by_the_trim() -> None:
    LIBC.malloc.restype, LIBC.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    LIBC.free.argtypes = [ctypes.c_void_p]

    def churn() -> None:  # small blocks, as objects are: glibc keeps them in its arena
        blocks = [LIBC.malloc(1024) for _ in range(100_000)]
        for block in blocks:
            LIBC.free(block)

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    kept = vitals().rss_mb
    heap_trimmer()()
    assert vitals().rss_mb < kept - 50  # the ~100 MB freed is no longer resident


# Camera frames and screen images, freed after a larger image was: megabytes given back.
FRAMES_FREED = """
import ctypes, ctypes.util, sys
from bench.vitals import vitals
from heap import map_large_blocks

if sys.argv[1] == "kiosk":
    assert map_large_blocks()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
MB = 1024 * 1024
libc.free(libc.malloc(8 * MB))  # a full-screen image, drawn and dropped
frames = []
for _ in range(40):
    frame = libc.malloc(MB)
    ctypes.memset(frame, 1, MB)
    frames.append(frame)
    libc.malloc(100 * 1024)  # something smaller that lives on, allocated in between
before = vitals().rss_anon_mb
for frame in frames:
    libc.free(frame)
print(before - vitals().rss_anon_mb)
"""


@pytest.mark.parametrize(("policy", "given_back"), [("glibc", (-5, 5)), ("kiosk", (35, 45))])
def test_large_blocks_freed_go_back_to_the_system_only_under_the_kiosks_policy(
    policy: str, given_back: tuple[float, float]
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FRAMES_FREED, policy],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    low, high = given_back
    assert low < float(result.stdout) < high  # MB of the 40 MB of frames freed
