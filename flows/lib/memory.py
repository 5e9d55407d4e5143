"""Giving freed memory back to the system between a run's stages."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def release_freed_memory() -> None:
    """Collect garbage, then ask glibc to return its free heap pages (``malloc_trim``): a
    process keeps the peak of a stage it finished otherwise (a no-op elsewhere than glibc)."""
    gc.collect()
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)
