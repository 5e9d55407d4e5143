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

Before Prefect starts (``nothing_to_do``): a run of a file feed (``--input``) whose files are those
of the last run that ended published or skipped (``QUIET_FEED``: their digest and the fingerprint
that run left), with a lake, settings, packages and code that still fingerprint as the published
warehouse's, cannot ingest, tag or build anything: the CLI records it as skipped without starting
Prefect's temporary server. What a live feed returns is known only by fetching it: never decided
early.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from flows.settings import REPO_ROOT, Settings
from flows.stages.transform import LAKE_CACHES, LAKE_INPUTS

if TYPE_CHECKING:
    from flows.stages.ingest import Feed

STAMP_TABLE = "raw.build_inputs"
QUIET_FEED = "quiet_feed"  # lake_meta key: "<feed digest> <fingerprint>" (see the module doc)
_CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".json"}
_NOT_CODE = {"target", "logs", "dbt_packages", "__pycache__"}


def inputs_fingerprint(settings: Settings) -> str:
    """The fingerprint of what a build would read now (16 hex characters)."""
    return _digest({"lake": lake_state(settings.lake_path), **_build_parts(settings)})


def build_config(settings: Settings) -> str:
    """The fingerprint of how a build is made, whatever it reads: settings, package versions and
    code (16 hex characters). A warehouse built the same way can be the start of the next
    candidate (flows.stages.transform.build_candidate)."""
    return _digest(_build_parts(settings))


def _build_parts(settings: Settings) -> dict[str, str]:
    from flows.journal.record import package_versions, settings_hash

    return {
        "settings": settings_hash(settings),
        "versions": package_versions(),
        "code": code_hash([
            Path(settings.transform.dbt_project_dir),
            *(REPO_ROOT / folder for folder in ("flows", "expectations")),
        ]),
    }


def _digest(parts: dict) -> str:
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


def stamp(
    candidate: Path, fingerprint: str | None, run_id: str, gate_rules: str, config: str
) -> None:
    """Record in the candidate what it is built from, the rules its gate applies
    (``flows.stages.validate.rules_version``) and how it is built (:func:`build_config`);
    published with it."""
    con = duckdb.connect(str(candidate))
    try:
        con.execute(
            f"create or replace table {STAMP_TABLE}"
            " (fingerprint varchar, run_id varchar, gate_rules varchar, build_config varchar)"
        )
        con.execute(
            f"insert into {STAMP_TABLE} values (?, ?, ?, ?)",  # noqa: S608
            [fingerprint, run_id, gate_rules, config],
        )
        con.execute("checkpoint")
    finally:
        con.close()


def published_stamp(settings: Settings) -> tuple[str, str] | None:
    """(fingerprint, run id) the published warehouse was built from; None when unknown."""
    row = _published_stamp_row(settings, "fingerprint, run_id")
    return (str(row[0]), str(row[1])) if row and row[0] else None


def published_build_config(settings: Settings) -> str | None:
    """How the published warehouse was built (:func:`build_config`); None when unknown (no
    warehouse, or one stamped before the stamp said)."""
    row = _published_stamp_row(settings, "build_config")
    return str(row[0]) if row and row[0] else None


def _published_stamp_row(settings: Settings, columns: str) -> tuple | None:
    if not settings.warehouse_path.is_file():
        return None
    try:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(f"select {columns} from {STAMP_TABLE}").fetchone()  # noqa: S608
    except (duckdb.CatalogException, duckdb.BinderException):
        return None
    finally:
        con.close()


def feed_digest(feed: Feed) -> str | None:
    """The files of a file feed by path, size and modification time, with the feed's options;
    None for a live feed (or an input that is not there: the flow says why)."""
    if feed.input is None or not feed.input.exists():
        return None
    root = feed.input.resolve()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    listing = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    parts = [feed.source, str(feed.since), str(feed.until), listing]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def remember_quiet_feed(settings: Settings, feed: Feed, fingerprint: str | None) -> None:
    """After a run that ended published or skipped: its feed and the fingerprint it left."""
    from flows.lib.lake import open_lake

    digest = feed_digest(feed)
    value = f"{digest} {fingerprint}" if digest and fingerprint else ""
    with open_lake(settings.lake_path) as con:
        con.execute("insert or replace into lake_meta values (?, ?)", [QUIET_FEED, value])


def nothing_to_do(settings: Settings, feed: Feed) -> bool:
    """Re-reading ``feed`` cannot change the published warehouse (see the module doc)."""
    digest = feed_digest(feed)
    published = published_stamp(settings)
    if digest is None or published is None or not settings.lake_path.is_file():
        return False
    con = duckdb.connect(str(settings.lake_path), read_only=True)
    try:
        row = con.execute("select value from lake_meta where key = ?", [QUIET_FEED]).fetchone()
    except duckdb.CatalogException:
        row = None
    finally:
        con.close()
    if row is None or row[0] != f"{digest} {published[0]}":
        return False
    return inputs_fingerprint(settings) == published[0]
