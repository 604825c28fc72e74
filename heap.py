"""The kiosk's heap policy on glibc: large blocks mapped on their own, and freed memory given
back to the system between visits. Elsewhere both do nothing.

`python -m bench soak` measured the kiosk's resident memory creeping up with visits, in steps
where faults struck, with no leak behind it: the Python heap, the widget count and the C heap
in use (heaptrack: 163 MB at its peak after 30 visits, 160 MB after 150) stayed flat. Two
glibc habits kept freed memory resident:

- Its threshold for serving a block by its own `mmap` rises to the size of every mapped block
  freed, up to 32 MB. After the first camera frame or full-screen image is freed, later ones
  are cut from the arenas between small long-lived blocks, and the arenas only grow. A fixed
  threshold keeps them mapped and unmapped whole: over 300 visits with faults the kiosk stayed
  at 400 MB against 462 MB and rising.
- It keeps what a thread frees in that thread's arena for reuse, and a kiosk has many threads
  (devices, queue, voice, Qt). `malloc_trim(0)` returns the free pages of every arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

M_MMAP_THRESHOLD = -3  # mallopt's parameter, from glibc's malloc.h
LARGE_BLOCK = 128 * 1024  # glibc's own starting threshold, kept from then on


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt  # noqa: B018  (glibc has it and malloc_trim; musl and others do not)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def map_large_blocks() -> bool:
    """Serve every block of `LARGE_BLOCK` or more by its own mapping, returned to the system
    when freed, for the life of the process. Whether it could."""
    libc = _glibc()
    if libc is None:
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK))


def heap_trimmer() -> Callable[[], None]:
    """A function that gives free heap pages back to the system."""
    libc = _glibc()
    if libc is None:
        return lambda: None
    trim = libc.malloc_trim
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int

    def trim_heap() -> None:
        trim(0)

    return trim_heap
