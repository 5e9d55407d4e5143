"""Reading a saved input file safely, for every source: size limit, gzip, byte-order marks.

:func:`read_input` returns a file's bytes, or raises :class:`InputProblem` (a quarantine reason
and the payload to keep) for a file that is empty, larger than ``settings.max_file_bytes``
(decompressed size for gzip, read in chunks so a gzip bomb never fills memory), or a broken
gzip stream. Gzip is recognised by its magic bytes, whatever the file is called; ``*.gz`` names
(``2026-01-21.json.gz``) are listed like the plain ones.

:func:`decode` turns bytes into text: a UTF-8 byte-order mark is dropped, UTF-16/32 files with a
BOM are decoded as such, and bytes that are not UTF-8 become lone surrogates
(``surrogateescape``; ``flows.lib.records.undecodable`` finds them) so one bad record can be
quarantined (``undecodable_bytes``) without losing the rest of its file.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from pathlib import Path

from flows.lib.records import (
    REASON_EMPTY_FILE,
    REASON_FILE_TOO_LARGE,
    REASON_UNPARSABLE_FILE,
)

GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class InputProblem(Exception):
    """A file that cannot be read as input: ``reason`` for the quarantine, ``payload`` kept."""

    def __init__(self, reason: str, payload: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.payload = payload


def plain_suffix(path: Path) -> str:
    """The suffix that names the format (``.json`` for ``x.json`` and ``x.json.gz``)."""
    return Path(path.stem).suffix if path.suffix == ".gz" else path.suffix


def date_stem(path: Path) -> str:
    """The name without its suffixes (``2026-01-21`` for ``2026-01-21.json.gz``)."""
    return path.name.split(".", 1)[0]


def list_inputs(path: Path, suffixes: tuple[str, ...], *, recursive: bool = False) -> list[Path]:
    """Files under ``path`` (or ``path`` itself) whose format suffix is one of ``suffixes``."""
    if path.is_file():
        return [path]
    found = path.rglob("*") if recursive else path.glob("*")
    return sorted(p for p in found if plain_suffix(p) in suffixes and p.is_file())


def _gunzip(data: bytes, limit: int, ref: Path) -> bytes:
    """At most ``limit`` decompressed bytes (a gzip bomb stops there)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise InputProblem(REASON_UNPARSABLE_FILE, f"{ref}: broken gzip data: {exc}") from exc
    if len(out) > limit:
        raise InputProblem(
            REASON_FILE_TOO_LARGE,
            f"{ref}: gzip data decompresses to more than {limit} bytes "
            "(settings.ingest.max_file_bytes)",
        )
    return out


def read_input(path: Path, max_bytes: int) -> bytes:
    """The bytes of a saved input (decompressed when gzip); see the module docstring."""
    size = path.stat().st_size
    if size > max_bytes:
        with path.open("rb") as handle:
            head = handle.read(2_000).decode("utf-8", "backslashreplace")
        raise InputProblem(
            REASON_FILE_TOO_LARGE,
            f"{path}: {size} bytes, more than {max_bytes} (settings.ingest.max_file_bytes)\n{head}",
        )
    data = path.read_bytes()
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(data, max_bytes, path)
    if not data.strip():
        raise InputProblem(REASON_EMPTY_FILE, data.decode("utf-8", "backslashreplace"))
    return data


def decode(data: bytes) -> str:
    """Text of ``data``: BOM-aware, undecodable bytes kept as lone surrogates."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break  # a BOM that lies: read it as UTF-8 below
    return data.decode("utf-8-sig", "surrogateescape")
