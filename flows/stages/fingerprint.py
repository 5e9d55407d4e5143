"""Has anything that feeds the warehouse changed since the published run? (issue 12's no-op)

A run's *inputs fingerprint* covers everything ``dbt build`` and the gate read:

- the lake tables the candidate copies (``flows.stages.transform.LAKE_INPUTS``), row by row (an
  order-free hash of every row, computed in DuckDB), and the size of the embedding caches
  (``LAKE_CACHES``: append-only, keyed by content);
- the settings that shape a run's output (``flows.journal.record.settings_hash``) and the package
  versions;
- the code: the dbt project, ``flows/`` (the dbt Python models call it) and ``expectations/``.

Not covered, on purpose: the topic registry and assignments (``LAKE_DERIVED``: written from the
published warehouse after each publish) and ``run_audit`` (bookkeeping). The publishing run
stamps its fingerprint into the candidate (``raw.build_inputs``), so the published warehouse says
what it was built from; a run whose fingerprint equals it has nothing to publish and is recorded
as skipped.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from flows.settings import REPO_ROOT, Settings
from flows.stages.transform import LAKE_CACHES, LAKE_INPUTS

STAMP_TABLE = "raw.build_inputs"
_CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".json"}
_NOT_CODE = {"target", "logs", "dbt_packages", "__pycache__"}


def inputs_fingerprint(settings: Settings) -> str:
    """The fingerprint of what a build would read now (16 hex characters)."""
    from flows.journal.record import package_versions, settings_hash

    parts = {
        "lake": lake_state(settings.lake_path),
        "settings": settings_hash(settings),
        "versions": package_versions(),
        "code": code_hash([
            Path(settings.transform.dbt_project_dir),
            *(REPO_ROOT / folder for folder in ("flows", "expectations")),
        ]),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def lake_state(lake_path: Path) -> dict[str, list]:
    """Table -> [rows, order-free hash of the rows] (caches: [rows]); missing tables are []."""
    if not lake_path.is_file():
        return {}
    con = duckdb.connect(str(lake_path), read_only=True)
    try:
        present = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        state: dict[str, list] = {}
        for table in LAKE_INPUTS:
            if table in present:
                n, digest = con.execute(
                    f"select count(*), bit_xor(hash(t)) from {table} as t"  # noqa: S608
                ).fetchone()
                state[table] = [n, str(digest)]
        for table in LAKE_CACHES:
            if table in present:
                state[table] = list(con.execute(f"select count(*) from {table}").fetchone())  # noqa: S608
        return state
    finally:
        con.close()


def code_hash(folders: list[Path]) -> str:
    """Hash of the text files under ``folders`` (paths relative to each folder, and contents)."""
    digest = hashlib.sha256()
    for folder in folders:
        folder = folder.resolve()
        files = sorted(
            p for p in folder.rglob("*")
            if p.is_file() and p.suffix in _CODE_SUFFIXES
            and not _NOT_CODE.intersection(p.relative_to(folder).parts)
        )
        for path in files:
            digest.update(f"{folder.name}/{path.relative_to(folder)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stamp(candidate: Path, fingerprint: str, run_id: str) -> None:
    """Record in the candidate what it is built from (published with it)."""
    con = duckdb.connect(str(candidate))
    try:
        con.execute(f"create or replace table {STAMP_TABLE} (fingerprint varchar, run_id varchar)")
        con.execute(f"insert into {STAMP_TABLE} values (?, ?)", [fingerprint, run_id])  # noqa: S608
        con.execute("checkpoint")
    finally:
        con.close()


def published_stamp(settings: Settings) -> tuple[str, str] | None:
    """(fingerprint, run id) the published warehouse was built from; None when unknown."""
    if not settings.warehouse_path.is_file():
        return None
    try:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(f"select fingerprint, run_id from {STAMP_TABLE}").fetchone()  # noqa: S608
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return (str(row[0]), str(row[1])) if row else None
