"""The text of a Hugging Face papers page as a browser copies it.

Layout: banner lines (``Get trending papers in your email inbox...``), then a title line and an
abstract line per paper; the first title is glued to the word ``Subscribe``. Blank lines are
ignored. There are no ids and no dates: ``paper_id`` comes from the normalised title
(``title:<hash>``), and ``first_seen_at``/``published_at`` stay empty. A later record with an
arXiv id and the same ``title_key`` merges into it (see ``flows.stages.ingest``). A trailing title
without an abstract is quarantined (``missing_abstract``). Files may be gzip-compressed and use
CRLF line ends; a pair holding bytes that are not UTF-8 is quarantined on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from flows.lib.records import RawRecord, Rejected
from flows.settings import IngestSettings
from flows.stages.sources import files

SOURCE = "hf-page"
_BANNER = re.compile(r"^get trending papers\b", re.IGNORECASE)
_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")


def parse_text(text: str, ref: str) -> Iterator[RawRecord | Rejected]:
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    while lines and _BANNER.match(lines[0][1]):
        lines.pop(0)
    if lines:
        number, first = lines[0]
        lines[0] = (number, _SUBSCRIBE.sub("", first))
    for index in range(0, len(lines), 2):
        number, title = lines[index]
        abstract = lines[index + 1][1] if index + 1 < len(lines) else None
        yield RawRecord(
            source=SOURCE,
            source_ref=f"{ref}:{number}",
            payload=title if abstract is None else f"{title}\n{abstract}",
            title=title,
            abstract=abstract,
        )


def list_files(path: Path) -> list[Path]:
    return files.list_inputs(path, (".txt",))


def read_file(
    path: Path, settings: IngestSettings | None = None
) -> Iterator[RawRecord | Rejected]:
    try:
        data = files.read_input(path, (settings or IngestSettings()).max_file_bytes)
    except files.InputProblem as problem:
        yield Rejected(SOURCE, str(path), problem.reason, problem.payload)
        return
    yield from parse_text(files.decode(data), str(path))
