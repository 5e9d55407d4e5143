"""Setting records aside: ``papertrends quarantine PAPER_ID... --reason TEXT``, ``--list``,
``--release PAPER_ID``.

The way out of a batch-level check that fails on data already in the lake: the run report names
the offending papers and this command. A paper set aside is listed in the lake's ``set_aside``
table and gets a ``quarantine`` row (reason ``set_aside: TEXT``, its current record as payload);
``flows.stages.transform.build_candidate`` copies none of its rows, so it leaves every later
warehouse.
Its records stay in ``raw_papers``/``papers`` (re-reading the feed changes nothing), so a released
paper comes back on the next run with its tags. Writing the lake, it takes the run lock.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from flows.journal.runlock import RunLock
from flows.lib.errors import UserError
from flows.lib.lake import open_lake
from flows.lib.records import payload_hash
from flows.settings import Settings

REASON_PREFIX = "set_aside: "


@dataclass(frozen=True)
class SetAside:
    paper_id: str
    reason: str
    set_aside_at: datetime
    title: str | None


def command_for(paper_ids: list[str], reason: str = "REASON") -> str:
    """The exact command that sets ``paper_ids`` aside."""
    ids = " ".join(shlex.quote(p) for p in paper_ids)
    return f"papertrends quarantine {ids} --reason {shlex.quote(reason)}"


def _lock(settings: Settings) -> RunLock:
    settings.ensure_home()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return RunLock(settings.lock_path, f"quarantine-{stamp}")


def set_aside(settings: Settings, paper_ids: list[str], reason: str) -> list[str]:
    """Set papers aside (idempotent); returns the ids newly set aside. Unknown ids: UserError."""
    if not reason.strip():
        raise UserError("give a --reason: it is kept with the papers in the quarantine")
    with _lock(settings), open_lake(settings.lake_path) as con:
        found = {
            r[0]: r[1:]
            for r in con.execute(
                "select paper_id, source, source_ref, to_json(papers)::varchar from papers"
                " where list_contains(?::varchar[], paper_id)",
                [paper_ids],
            ).fetchall()
        }
        unknown = [p for p in paper_ids if p not in found]
        if unknown:
            raise UserError(f"no paper {', '.join(unknown)} in the lake {settings.lake_path}")
        done = {r[0] for r in con.execute("select paper_id from set_aside").fetchall()}
        new = [p for p in dict.fromkeys(paper_ids) if p not in done]
        con.execute("begin transaction")
        for paper_id in new:
            source, source_ref, payload = found[paper_id]
            con.execute(
                "insert into set_aside (paper_id, reason) values (?, ?)", [paper_id, reason]
            )
            con.execute(
                "insert into quarantine (run_id, source, source_ref, reason, payload, payload_hash)"
                " values ('set-aside', ?, ?, ?, ?, ?)",
                [source, source_ref, REASON_PREFIX + reason, payload, _hash(paper_id)],
            )
        con.execute("commit")
    return new


def release(settings: Settings, paper_ids: list[str]) -> list[str]:
    """Release papers set aside; returns those released. Ids not set aside: UserError."""
    with _lock(settings), open_lake(settings.lake_path) as con:
        held = {r[0] for r in con.execute("select paper_id from set_aside").fetchall()}
        missing = [p for p in paper_ids if p not in held]
        if missing:
            raise UserError(f"paper {', '.join(missing)} is not set aside (see --list)")
        con.execute("begin transaction")
        for paper_id in dict.fromkeys(paper_ids):
            con.execute("delete from set_aside where paper_id = ?", [paper_id])
            con.execute(
                "delete from quarantine where run_id = 'set-aside' and payload_hash = ?",
                [_hash(paper_id)],
            )
        con.execute("commit")
    return list(dict.fromkeys(paper_ids))


def list_set_aside(settings: Settings) -> list[SetAside]:
    """The papers set aside, oldest first. Takes the run lock for the moment it reads the lake
    (an open reader would keep a starting run from opening it)."""
    if not settings.lake_path.is_file():
        return []
    with _lock(settings), open_lake(settings.lake_path, read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "set_aside" not in tables:
            return []
        rows = con.execute(
            "select s.paper_id, s.reason, s.set_aside_at, p.title from set_aside s"
            " left join papers p using (paper_id) order by s.set_aside_at, s.paper_id"
        ).fetchall()
    return [SetAside(*row) for row in rows]


def _hash(paper_id: str) -> str:
    return payload_hash(json.dumps({"set_aside": paper_id}))
