"""Giving freed memory back to the operating system after a step that allocated a lot."""

from __future__ import annotations

import ctypes
import ctypes.util


def trim_heap() -> None:
    """Ask glibc to give back the free pages of every heap arena (``malloc_trim``). Python and
    its libraries free memory into malloc's arenas, which keep it for reuse: after tagging 100k
    papers, or a cold build's Python models, a process held hundreds of MB it no longer used.
    No-op without glibc."""
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)
