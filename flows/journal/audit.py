"""The ``run_audit`` tables: where a run's record lives besides its summary.json.

- the lake's ``run_audit`` (survives failed runs; the next candidate copies it);
- the candidate's ``main.run_audit``, written just before publishing, so the published warehouse
  carries the row of the run that published it.

After a publish (and before every run, which repairs a run killed between its replace and the
write-back) :func:`write_back` brings the lake's derived state up to the published warehouse.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from flows.journal.record import RunRecord, settings_hash
from flows.journal.summary import read_summary, save_summary
from flows.lib.contract import mart_names
from flows.lib.lake import RUN_AUDIT_COLUMNS, open_lake
from flows.settings import Settings
from flows.stages.publish import published_run_ids

log = logging.getLogger(__name__)

# lake_meta key: the published run whose state the lake's derived tables hold
WRITTEN_BACK = "written_back_run_id"


def upsert_audit_row(con: duckdb.DuckDBPyConnection, record: RunRecord, table: str) -> None:
    """Replace the run's row in ``table`` (created when missing); only columns the table has."""
    con.execute(f"create table if not exists {table} ({RUN_AUDIT_COLUMNS})")
    schema, _, name = table.rpartition(".")
    present = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database()"
            " and schema_name = ? and table_name = ?",
            [schema or "main", name],
        ).fetchall()
    }
    row = {k: v for k, v in record.audit_row().items() if k in present}
    cols = list(row)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where run_id = ?", [record.run_id])
        con.execute(
            f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def record_run(
    settings: Settings,
    candidate_or_none: Path | None,
    record: RunRecord,
    *,
    to_lake: bool = True,
) -> None:
    """Keep the run's audit up to date: summary.json, the candidate (when given) and the lake.

    ``to_lake=False``: not the lake (a publishing run: the lake learns it published from the
    warehouse, after the replace; see :func:`write_back`).
    A lake that cannot be opened (held by another process) is logged, not raised: summary.json
    is already written and the next record_run brings the lake up to date. With a candidate,
    ``record.papers`` is set to the number of papers in its ``dim_papers``.
    """
    record.config_hash = record.config_hash or settings_hash(settings)
    save_summary(settings, record)
    if candidate_or_none is not None:
        _record_in_candidate(settings, candidate_or_none, record)
        save_summary(settings, record)
    if not to_lake:
        return
    try:
        with open_lake(settings.lake_path) as con:
            upsert_audit_row(con, record, "run_audit")
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.warning("run %s: lake busy, run_audit not updated there: %s", record.run_id, exc)


def _record_in_candidate(settings: Settings, candidate: Path, record: RunRecord) -> None:
    """The candidate's papers, mart changes and quarantine reasons into the record; the record
    into the candidate's ``main.run_audit``."""
    con = duckdb.connect(str(candidate))
    try:
        has_papers = con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name = 'dim_papers'"
        ).fetchone()[0]
        if has_papers:
            record.papers = con.execute("select count(*) from main.dim_papers").fetchone()[0]
        record.mart_rows = mart_changes(con, settings.warehouse_path)
        record.quarantine_reasons = _quarantine_reasons(con, record.run_id)
        upsert_audit_row(con, record, "main.run_audit")
        con.execute("checkpoint")
    finally:
        con.close()


def _row_counts(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    """Rows of each public mart present in ``database`` (attached to ``con``)."""
    present = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ?"
            " and schema_name = 'main'",
            [database],
        ).fetchall()
    }
    return {
        mart: con.execute(f'select count(*) from "{database}".main.{mart}').fetchone()[0]
        for mart in mart_names()
        if mart in present
    }


def mart_changes(
    con: duckdb.DuckDBPyConnection, published: Path
) -> dict[str, dict[str, int | None]]:
    """Rows of each public mart: ``before`` (the published warehouse, None when it has not the
    mart) and ``after`` (this candidate, the connection's database; None when not built)."""
    current = con.execute("select current_database()").fetchone()[0]
    after = _row_counts(con, current)
    before: dict[str, int] = {}
    if published.is_file():
        try:
            con.execute("attach ? as before_run (read_only)", [str(published)])
        except duckdb.Error as exc:  # unreadable: the gate fails on it; the counts say unknown
            log.warning("published warehouse %s not readable for mart counts: %s", published, exc)
        else:
            try:
                before = _row_counts(con, "before_run")
            finally:
                con.execute("detach before_run")
    return {
        mart: {"before": before.get(mart), "after": after.get(mart)}
        for mart in sorted(set(before) | set(after), key=_mart_order)
    }


def _mart_order(mart: str) -> int:
    return mart_names().index(mart)


def _quarantine_reasons(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """This run's quarantined records by reason (the candidate's copy of the lake quarantine)."""
    try:
        rows = con.execute(
            "select reason, count(*) from raw.quarantine where run_id = ?"
            " group by reason order by 2 desc, 1",
            [run_id],
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {reason: n for reason, n in rows}


def published_run_id(settings: Settings) -> str | None:
    """The run that built the published warehouse (its newest published run_audit row)."""
    ids = published_run_ids(settings)
    return ids[0] if ids else None


def recover_killed_run(settings: Settings, run_id: str) -> RunRecord | None:
    """Mark a run whose process died (its lock was found stale) as ``killed`` in its summary.

    A run killed between writing its ``published`` row and the atomic replace did not publish:
    what counts is whether the published warehouse carries it.
    """
    data = read_summary(settings, run_id).get("run")
    if not data:
        return None
    record = RunRecord.from_dict(data)
    if record.status == "published" and published_run_id(settings) == run_id:
        return None
    if record.status not in ("running", "published"):
        return None
    stage = record.stage or "start"
    record.finish(status="killed", published=False, error=f"process died during stage {stage}")
    record.stage, record.stage_started_at = stage, None  # when it died is unknown
    save_summary(settings, record)
    return record


def reconcile_run_audit(
    settings: Settings, published: set[str], *, current_run_id: str | None = None
) -> list[str]:
    """Make the lake's ``run_audit`` agree with the published warehouse; returns the runs it
    marked killed.

    ``published``: the run ids the warehouse lists as published; their rows are copied from
    it. Any other run (but ``current_run_id``) whose row still says running or published died
    before its replace: it becomes ``killed`` (summary.json too), with the stage it died in.
    """
    killed: list[str] = []
    with open_lake(settings.lake_path) as con:
        rows = con.execute("select run_id, status, published from run_audit").fetchall()
        behind = [r[0] for r in rows if r[0] in published and not (r[2] and r[1] == "published")]
        behind += sorted(published - {r[0] for r in rows})
        if behind and settings.warehouse_path.is_file():
            _copy_published_rows(con, settings.warehouse_path, behind)
        for run_id, status, was_published in rows:
            if run_id == current_run_id or run_id in published:
                continue
            if status not in ("running", "published") and not was_published:
                continue
            recover_killed_run(settings, run_id)
            stage = (read_summary(settings, run_id).get("run") or {}).get("stage") or "start"
            con.execute(
                "update run_audit set status = 'killed', published = false,"
                " finished_at = coalesce(finished_at, current_timestamp), error = ?"
                " where run_id = ?",
                [f"process died during stage {stage}", run_id],
            )
            killed.append(run_id)
    return killed


def _copy_published_rows(con: duckdb.DuckDBPyConnection, warehouse: Path, run_ids: list[str]):
    con.execute("attach ? as published_warehouse (read_only)", [str(warehouse)])
    try:
        con.execute("begin transaction")
        con.execute("delete from run_audit where list_contains(?, run_id)", [run_ids])
        con.execute(
            "insert into run_audit by name select * from published_warehouse.main.run_audit"
            " where list_contains(?, run_id) and published",
            [run_ids],
        )
        con.execute("commit")
    finally:
        con.execute("detach published_warehouse")




def _written_back(settings: Settings) -> str | None:
    with open_lake(settings.lake_path) as con:
        row = con.execute("select value from lake_meta where key = ?", [WRITTEN_BACK]).fetchone()
    return row[0] if row else None


def write_back(settings: Settings, *, current_run_id: str | None = None) -> str | None:
    """Bring the lake's derived state up to the published warehouse; returns its run id.

    Idempotent. The topic registry is rewritten from the warehouse when the lake holds another
    run's (the write is one transaction, then the marker); ``run_audit`` rows follow the
    warehouse: a run it lists as published is published, any other run that is not
    ``current_run_id`` and still says running or published was killed (see
    :func:`reconcile_run_audit`).
    """
    from flows.stages.transform import save_topic_registry

    published = published_run_ids(settings)
    if published and _written_back(settings) != published[0]:
        save_topic_registry(settings, settings.warehouse_path, run_id=published[0])
        with open_lake(settings.lake_path) as con:
            con.execute(
                "insert or replace into lake_meta values (?, ?)", [WRITTEN_BACK, published[0]]
            )
        log.info("lake state written back from published run %s", published[0])
    if settings.lake_path.is_file():
        reconcile_run_audit(settings, set(published), current_run_id=current_run_id)
    return published[0] if published else None
