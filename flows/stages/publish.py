"""Write-audit-publish: the candidate warehouse replaces the published one in one atomic step.

The pipeline calls :func:`publish` only after ``dbt build`` and the GX checkpoint both passed.
The candidate is checkpointed and closed, then renamed over ``warehouse.duckdb`` with
``os.replace`` (same filesystem: one rename, atomic). A reader that has the old file open keeps
reading the old data (its open file is untouched); a new connection opens the new file. A failed
run never calls this, so the published file stays byte-for-byte as it was.

The lake moves forward only with a publish: the run journal's write-back
(:func:`flows.journal.audit.write_back`) derives the lake's state that a later run reads as
"done" (the topic registry and assignments, the ``published`` flag of the lake's ``run_audit``)
from the published warehouse, after the replace. Every run also calls it before it starts, so a
run killed between the replace and the write-back is repaired by the next one, and a run that
never replaced leaves nothing to undo.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import duckdb

from flows.settings import Settings

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """The candidate cannot be published (missing, still has a write-ahead log, ...)."""


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def seal_candidate(candidate: Path) -> None:
    """CHECKPOINT the candidate (folds its WAL into the file) and close it."""
    con = duckdb.connect(str(candidate))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    wal = candidate.with_name(candidate.name + ".wal")
    if wal.exists():
        raise PublishError(
            f"{candidate} still has a write-ahead log after CHECKPOINT: is another connection"
            " (dbt?) still holding it open?"
        )


def publish(settings: Settings, candidate: Path, *, run_id: str) -> Path:
    """Atomically replace ``settings.warehouse_path`` with ``candidate``; return the published path.

    The candidate file is moved (not copied) when it is on the same filesystem, which the
    PAPERTRENDS_HOME layout guarantees (``runs/`` is beside ``warehouse.duckdb``).
    """
    candidate = Path(candidate)
    target = settings.warehouse_path
    if not candidate.is_file():
        raise PublishError(f"run {run_id}: candidate warehouse not found: {candidate}")
    if candidate.resolve() == target.resolve():
        raise PublishError(f"run {run_id}: the candidate is the published warehouse: {candidate}")
    seal_candidate(candidate)
    _fsync(candidate)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(candidate, target)
    except OSError as exc:
        if exc.errno != 18:  # EXDEV: candidate on another filesystem; stage a copy beside target
            raise
        staged = target.with_name(f".{target.name}.{run_id}.tmp")
        shutil.copyfile(candidate, staged)
        _fsync(staged)
        os.replace(staged, target)
    _fsync(target.parent)
    log.info("run %s published %s", run_id, target)
    return target


def published_run_ids(settings: Settings) -> list[str]:
    """Runs the published warehouse lists as published, newest first (empty: none yet)."""
    if not settings.warehouse_path.is_file():
        return []
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select run_id from main.run_audit where published order by finished_at desc, run_id"
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
    return [r[0] for r in rows]
