"""Returning freed memory to the operating system after a stage that allocated a lot."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def return_free_memory() -> None:
    """Collect garbage, then ask glibc to give back the free pages of every heap arena
    (``malloc_trim``). Python and its libraries free memory into malloc's arenas, which keep it:
    after tagging 100k papers on two threads, or a cold build's Python models, a process held
    hundreds of MB it no longer used while the next stage allocated more. No-op without glibc."""
    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
