"""Memory freed by the kiosk's threads goes back to the system between visits (see heap.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

import pytest

from bench.vitals import vitals
from heap import heap_trimmer

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
