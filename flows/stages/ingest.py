"""Ingest: read a source, normalise and validate, load raw records, merge into ``papers``.

:func:`ingest` is the one entry point (the Prefect ``ingest`` task wraps it). It parses the
source into a :class:`flows.lib.records.Batch`, then :func:`load_batch` writes it to the lake in one
transaction:

* ``raw_papers`` (append-only, stamped with ``run_id``) gets each accepted record version not
  already there (``record_hash`` covers every normalised field, ``source_ref`` included), so
  reading the same input again adds nothing;
* ``papers`` holds the current paper per ``paper_id``: the earliest ``first_seen_at`` is kept,
  the newest content wins (newest = latest ``coalesce(first_seen_at, published_at)``, ties go to
  the greater ``source_ref`` so the result does not depend on reading order, and a live URL
  fetched again wins its own tie; an undated record never overrides a dated one but fills its
  gaps); a paper no source dates (the HF papers page) is first seen on the UTC day of the run
  that read it, so ``activity_date`` is never empty,
  ``sources`` accumulates, ``upvotes``/``num_comments`` take the newest known value;
* a title-id paper (``title:<hash>``, from the HF papers page) is merged into the first record
  with an arXiv id and the same ``title_key``: the ``papers`` row becomes the arXiv id and
  ``paper_aliases`` records ``title:<hash> -> arXiv id``; later title-id records with that
  title follow the alias;
* ``quarantine`` gets each rejected record once (same source, source_ref, reason and payload are
  not inserted twice).

Counts (``read == new + updated + unchanged + quarantined`` for every run): each record read is
exactly one of

* ``quarantined``: rejected (see ``flows.lib.records``), including a *conflicting record*: a second
  record of the same ``paper_id`` with the same ``first_seen_at`` (same feed day / listing, or
  both undated) in the same batch but different title or abstract. The first one read is kept;
  the same paper on a different day with other content is a revision, not a conflict;
* ``new``: its paper did not exist (in the lake nor earlier in this run);
* ``updated``: it changed its paper's row (content, upvotes, comments, first_seen_at, sources,
  arXiv id, or a title-id paper merged into it);
* ``unchanged``: it changed nothing (a newer copy of the same content from another file only
  moves ``source_ref``, which is bookkeeping, not an update).

Records are applied in ``seen_at`` order, so a paper listed on two days of one run counts once as
new (the first day) and then as updated (upvotes or content differ) or unchanged.

The whole source is read before the lake is touched, and the load is one transaction (``con``
must not have one open): a feed that fails half-way (``FetchError``) leaves the lake unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import duckdb
import polars as pl

from flows.lib.contract import accepted_values
from flows.lib.errors import UserError
from flows.lib.records import (
    PAPER_FIELDS,
    PAPER_SCHEMA,
    QUARANTINE_SCHEMA,
    REASON_CONFLICT,
    Batch,
    RawRecord,
    Rejected,
    build_batch,
    day_start,
    frame_from_rows,
    quarantine_row,
)
from flows.settings import Settings

# The feeds: the accepted values of dim_papers.source in the marts contract.
SOURCES: tuple[str, ...] = accepted_values("dim_papers", "source")

PAPERS_SCHEMA: dict[str, pl.DataType] = {
    **PAPER_SCHEMA,
    "sources": pl.List(pl.String()),
    "content_seen_at": pl.Datetime("us", "UTC"),
}
_STATE_FIELDS = tuple(PAPERS_SCHEMA)


class IngestError(UserError, ValueError):
    """Bad arguments to :func:`ingest` (unknown source, missing input, bad date range)."""


@dataclass
class IngestCounts:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0

    @property
    def loaded(self) -> int:
        """Records that created or changed a paper (``new + updated``)."""
        return self.new + self.updated

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "loaded": self.loaded,
        }


# --- parsing -------------------------------------------------------------------------------


def _module(source: str) -> ModuleType:
    from flows.stages.sources import arxiv_atom, arxiv_jsonl, hf_daily, hf_page

    modules = {
        "hf-daily": hf_daily,
        "arxiv-atom": arxiv_atom,
        "arxiv-jsonl": arxiv_jsonl,
        "hf-page": hf_page,
    }
    return modules[source]


def _progress(enabled: bool):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=True,
    )


def _each(
    label: str,
    things: list[Any],
    work: Callable[[Any], Iterable[RawRecord | Rejected]],
    progress: bool,
) -> Iterator[RawRecord | Rejected]:
    with _progress(progress) as bar:
        task = bar.add_task(label, total=len(things))
        for thing in things:
            yield from work(thing)
            bar.advance(task)


@dataclass(frozen=True)
class Feed:
    """What a run reads: ``source``'s saved files under ``input``, else its live API for
    [since, until] (with ``input``, dated files outside that range are skipped)."""

    source: str
    input: Path | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def check(self) -> None:
        """Raise :class:`IngestError` for a request no source can serve."""
        if self.source not in SOURCES:
            raise IngestError(
                f"unknown source {self.source!r}; choose one of: {', '.join(SOURCES)}"
            )
        if self.input is not None and not self.input.exists():
            raise IngestError(f"input {self.input} does not exist")
        if self.input is None and self.source in ("arxiv-jsonl", "hf-page"):
            raise IngestError(
                f"source {self.source!r} has no live API: give --input (a file or folder)"
            )
        if self.since and self.until and self.until < self.since:
            raise IngestError(f"--until {self.until} is before --since {self.since}")


def read_items(
    settings: Settings, feed: Feed, *, progress: bool = True
) -> Iterator[RawRecord | Rejected]:
    """The parsed items of a feed: saved files under ``feed.input`` or the live API."""
    feed.check()
    source, since, until = feed.source, feed.since, feed.until
    module = _module(source)
    if feed.input is not None:
        files = module.list_files(feed.input)
        if not files:
            raise IngestError(f"no {source} files found in {feed.input}")
        if since or until:
            files = [f for f in files if _file_in_range(f, since, until)]
        yield from _each(
            f"reading {source}", files, lambda f: module.read_file(f, settings.ingest), progress
        )
        return

    from flows.stages.sources import arxiv_atom, hf_daily
    from flows.stages.sources.http import make_client

    with make_client(settings.ingest) as client:
        if source == "hf-daily":
            end = until or dt.datetime.now(dt.UTC).date()
            if since and since > end:
                raise IngestError(f"--since {since} is after {end} (today, UTC, without --until)")
            days = hf_daily.days(since or end, end)
            yield from _each(
                "fetching hf-daily",
                days,
                lambda day: hf_daily.fetch_day(client, settings.ingest, day),
                progress,
            )
        else:
            yield from arxiv_atom.fetch(
                client, settings.ingest, settings.ingest.arxiv_query, since, until
            )


def _file_in_range(path: Path, since: dt.date | None, until: dt.date | None) -> bool:
    """Dated files (``YYYY-MM-DD.*``) outside [since, until] are skipped; undated are kept."""
    from flows.lib.records import parse_file_date
    from flows.stages.sources.files import date_stem

    day = parse_file_date(date_stem(path))
    if day is None:
        return True
    return (since is None or day >= since) and (until is None or day <= until)


def parse(
    settings: Settings, feed: Feed, *, progress: bool = True, now: dt.datetime | None = None
) -> Batch:
    """The normalised :class:`Batch` of a feed (no lake involved); the row rules judge each
    record at ``now`` (the run's time; default: the current time)."""
    return build_batch(read_items(settings, feed, progress=progress), settings.ingest, now)


def ingest(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    *,
    run_id: str,
    progress: bool = True,
) -> IngestCounts:
    """Read ``feed`` into the lake open on ``con``; returns the counts (see the module docstring
    for their meaning).

    hf-daily live: one request per day in [since, until] (until defaults to today, UTC; since
    to until). arxiv-atom live: ``settings.ingest.arxiv_query`` restricted to that
    submission-date range. arxiv-jsonl and hf-page need ``input``.
    Raises :class:`IngestError` for bad arguments, ``flows.stages.sources.http.FetchError`` when a
    live feed stays unavailable after the retries.
    """
    now = dt.datetime.now(dt.UTC)
    return load_batch(con, parse(settings, feed, progress=progress, now=now), run_id=run_id,
                      now=now)


# --- loading ------------------------------------------------------------------------------


def _seen_at(row: dict[str, Any]) -> dt.datetime | None:
    return row["first_seen_at"] or row["published_at"]


def split_conflicts(batch: Batch) -> Batch:
    """Move conflicting records (same paper_id and first_seen_at, other content) to quarantine."""
    papers = batch.papers.with_row_index("_pos")
    first = papers.group_by("paper_id", "first_seen_at", maintain_order=True).agg(
        pl.col("content_hash").first().alias("_first_hash")
    )
    marked = papers.join(first, on=["paper_id", "first_seen_at"], how="left", nulls_equal=True)
    conflict = marked["content_hash"] != marked["_first_hash"]
    if not conflict.any():
        return batch
    bad = marked.filter(conflict).sort("_pos")
    rows = [
        quarantine_row(
            r["source"],
            r["source_ref"],
            REASON_CONFLICT,
            f"{r['paper_id']} seen with another title/abstract at the same time: "
            f"{r['title']}\n{r['abstract']}",
        )
        for r in bad.iter_rows(named=True)
    ]
    good = marked.filter(~conflict).sort("_pos").drop("_pos", "_first_hash")
    return Batch(
        papers=good,
        quarantine=pl.concat([batch.quarantine, pl.DataFrame(rows, schema=QUARANTINE_SCHEMA)]),
    )


def _utc(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).dt.convert_time_zone("UTC")
        for c, t in frame.schema.items()
        if isinstance(t, pl.Datetime)
    )


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: Any) -> Iterator[None]:
    """``table`` (Arrow) visible to SQL on ``con`` as ``name`` inside the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _string_table(columns: dict[str, list[Any]]):
    import pyarrow as pa

    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def _recency(seen: dt.datetime | None, source_ref: str) -> tuple[bool, dt.datetime, str]:
    """Order of record versions: undated first, then by date; ties by source_ref, so the
    outcome does not depend on the order records are read in (re-runs change nothing)."""
    return (seen is not None, seen or dt.datetime.min.replace(tzinfo=dt.UTC), source_ref)


def _undated_first_seen(row: dict[str, Any], seen_on: dt.datetime) -> dict[str, Any]:
    """A paper no source dated is first seen on the day of the run that read it."""
    if row["first_seen_at"] is None and row["published_at"] is None:
        row["first_seen_at"] = seen_on
    return row


def _merge(current: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    out = dict(current)
    seen = _seen_at(record)
    newer = _recency(seen, record["source_ref"]) >= _recency(
        current["content_seen_at"], current["source_ref"]
    )
    if newer:
        for name in ("title", "abstract", "title_key", "content_hash", "source", "source_ref"):
            out[name] = record[name]
        out["content_seen_at"] = seen
    for name in ("arxiv_id", "published_at", "upvotes", "num_comments"):
        if record[name] is not None and (newer or out[name] is None):
            out[name] = record[name]
    for name in ("authors", "categories", "source_keywords"):
        if record[name] and (newer or not out[name]):
            out[name] = record[name]
    firsts = [d for d in (current["first_seen_at"], record["first_seen_at"]) if d is not None]
    out["first_seen_at"] = min(firsts) if firsts else None
    out["sources"] = sorted(set(current["sources"] or []) | {record["source"]})
    return out


def _new_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {name: record[name] for name in PAPER_FIELDS}
    row["sources"] = [record["source"]]
    row["content_seen_at"] = _seen_at(record)
    return row


# Bookkeeping of which record the content came from: a change there alone is not an update.
_BOOKKEEPING = ("source", "source_ref", "content_seen_at")


def _counted(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _STATE_FIELDS if name not in _BOOKKEEPING}


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _STATE_FIELDS}


# What a record did to its paper (the counts of the module docstring).
Outcome = Literal["new", "updated", "unchanged"]


class PaperState:
    """The ``papers`` rows a batch can touch, and the aliases, while its records merge in.

    ``rows`` maps paper_id to the paper's row, ``aliases`` alias_id to paper_id (the lake's and
    this batch's). :meth:`apply` merges one record and says what it did to its paper;
    :meth:`changed`, :meth:`gone` and ``new_aliases`` are what the load writes back.
    """

    def __init__(self, rows: dict[str, dict[str, Any]], aliases: dict[str, str]) -> None:
        self.rows = rows
        self.aliases = aliases
        self.initial = {pid: dict(row) for pid, row in rows.items()}
        self.new_aliases: dict[str, str] = {}
        # title_key -> paper ids; may hold stale ids (checked against ``rows``)
        self._by_key: dict[str, set[str]] = {}
        for pid, row in rows.items():
            self._index(row["title_key"], pid)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, batch: pl.DataFrame) -> PaperState:
        """The lake's rows of the batch's papers, of the papers their aliases name and of the
        papers that share a title_key with them."""
        with _registered(con, "_ingest_keys", batch.select("paper_id", "title_key").to_arrow()):
            aliases = dict(
                con.execute(
                    "select alias_id, paper_id from paper_aliases"
                    " where alias_id in (select paper_id from _ingest_keys)"
                ).fetchall()
            )
            targets = _string_table({"paper_id": sorted(set(aliases.values()))})
            with _registered(con, "_ingest_targets", targets):
                table = con.sql(
                    f"select {', '.join(_STATE_FIELDS)} from papers"
                    " where paper_id in (select paper_id from _ingest_keys)"
                    " or paper_id in (select paper_id from _ingest_targets)"
                    " or title_key in (select title_key from _ingest_keys)"
                ).to_arrow_table()
        frame = _utc(pl.from_arrow(table))
        return cls({row["paper_id"]: row for row in frame.iter_rows(named=True)}, aliases)

    def apply(self, record: dict[str, Any], seen_on: dt.datetime) -> Outcome:
        """Merge one record into its paper (a new paper when it has none)."""
        pid = self._resolve(record)
        current = self.rows.get(pid)
        if current is None:
            self.rows[pid] = _undated_first_seen(_new_row(record), seen_on)
            self._index(record["title_key"], pid)
            return "new"
        merged = _undated_first_seen(_merge(current, record), seen_on)
        merged["paper_id"] = pid
        self.rows[pid] = merged
        self._index(merged["title_key"], pid)
        return "updated" if _counted(merged) != _counted(current) else "unchanged"

    def changed(self) -> list[dict[str, Any]]:
        """The rows (state columns) that are new or differ from the lake's."""
        return [
            _strip(row)
            for pid, row in self.rows.items()
            if pid not in self.initial or _strip(row) != _strip(self.initial[pid])
        ]

    def gone(self) -> list[str]:
        """Lake papers no longer under their id (title-id papers an arXiv record took over)."""
        return [pid for pid in self.initial if pid not in self.rows]

    def _resolve(self, record: dict[str, Any]) -> str:
        """The id of the record's paper: its own, or its alias's paper. An unknown title-id
        record joins the arXiv paper of its title; an unknown arXiv record takes over the
        title-id paper of its title."""
        pid = self.aliases.get(record["paper_id"], record["paper_id"])
        if pid not in self.rows:  # an alias whose paper is gone: start from the record's own id
            pid = record["paper_id"]
        if pid in self.rows:
            return pid
        if record["arxiv_id"] is None:
            home = self._title_home(record["title_key"], pid, want_arxiv=True)
            if home:
                self._alias(pid, home)
                return home
        else:
            title_pid = self._title_home(record["title_key"], pid, want_arxiv=False)
            if title_pid:
                self._take_over(title_pid, pid)
        return pid

    def _take_over(self, title_pid: str, pid: str) -> None:
        """The title-id paper ``title_pid`` becomes the arXiv paper ``pid``; the title id and
        its aliases now name ``pid``."""
        moved = self.rows.pop(title_pid)
        moved["paper_id"] = pid
        self.rows[pid] = moved
        self._index(moved["title_key"], pid)
        self._alias(title_pid, pid)
        for alias, target in list(self.aliases.items()):
            if target == title_pid:
                self._alias(alias, pid)

    def _title_home(self, key: str, exclude: str, *, want_arxiv: bool) -> str | None:
        """The paper a title-keyed record belongs to: an arXiv paper (for a title-id record) or
        a title-id paper (for an arXiv record) with the same title_key."""
        matches = sorted(
            pid
            for pid in self._by_key.get(key, ())
            if pid != exclude
            and pid in self.rows
            and self.rows[pid]["title_key"] == key
            and (self.rows[pid]["arxiv_id"] is not None) == want_arxiv
        )
        return matches[0] if matches else None

    def _alias(self, alias: str, pid: str) -> None:
        self.new_aliases[alias] = self.aliases[alias] = pid

    def _index(self, key: str, pid: str) -> None:
        self._by_key.setdefault(key, set()).add(pid)


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    *,
    run_id: str,
    now: dt.datetime | None = None,
) -> IngestCounts:
    """Write a parsed batch into the lake (one transaction); see the module docstring.

    ``now``: the run's time; a paper that ends up with neither a listing nor a publication date
    gets the start of its UTC day as ``first_seen_at`` (raw records keep what the source gave).
    """
    seen_on = day_start((now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date())
    batch = split_conflicts(batch)
    records = batch.papers.with_row_index("_pos").with_columns(
        pl.coalesce("first_seen_at", "published_at").alias("_seen")
    )
    records = records.sort(["_seen", "source_ref", "_pos"], nulls_last=False, maintain_order=True)

    con.execute("begin transaction")
    try:
        state = PaperState.load(con, batch.papers)
        outcomes = Counter(state.apply(record, seen_on) for record in records.iter_rows(named=True))
        _write(con, batch, state, run_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return IngestCounts(read=batch.read, quarantined=batch.quarantine.height, **outcomes)


def _write(con: duckdb.DuckDBPyConnection, batch: Batch, state: PaperState, run_id: str) -> None:
    """Everything a batch changes in the lake (inside the load's transaction)."""
    _insert_raw(con, batch.papers, run_id)
    _replace_papers(con, state, run_id)
    _insert_aliases(con, state.new_aliases)
    _insert_quarantine(con, batch.quarantine, run_id)


def _insert_raw(con: duckdb.DuckDBPyConnection, papers: pl.DataFrame, run_id: str) -> None:
    """Each record version ``raw_papers`` does not hold yet (by ``record_hash``)."""
    if not papers.height:
        return
    columns = ", ".join(PAPER_FIELDS)
    raw = papers.unique("record_hash", keep="first", maintain_order=True)
    with _registered(con, "_ingest_raw", raw.to_arrow()):
        con.execute(
            f"insert into raw_papers (run_id, {columns}, record_hash)"
            f" select ?, {columns}, record_hash from _ingest_raw b"
            " where not exists"
            " (select 1 from raw_papers r where r.record_hash = b.record_hash)",
            [run_id],
        )


def _replace_papers(con: duckdb.DuckDBPyConnection, state: PaperState, run_id: str) -> None:
    """Delete the ``papers`` rows that moved or changed, insert the new and changed ones."""
    changed = state.changed()
    stale = state.gone() + [row["paper_id"] for row in changed if row["paper_id"] in state.initial]
    if stale:
        with _registered(con, "_ingest_stale", _string_table({"paper_id": stale})):
            con.execute("delete from papers where paper_id in (select paper_id from _ingest_stale)")
    if changed:
        frame = frame_from_rows(changed, PAPERS_SCHEMA)
        state_columns = ", ".join(_STATE_FIELDS)
        with _registered(con, "_ingest_papers", frame.to_arrow()):
            con.execute(
                f"insert into papers ({state_columns}, last_run_id, updated_at)"
                f" select {state_columns}, ?, current_timestamp from _ingest_papers",
                [run_id],
            )


def _insert_aliases(con: duckdb.DuckDBPyConnection, new_aliases: dict[str, str]) -> None:
    if not new_aliases:
        return
    table = _string_table({"alias_id": list(new_aliases), "paper_id": list(new_aliases.values())})
    with _registered(con, "_ingest_aliases", table):
        con.execute(
            "insert or replace into paper_aliases select alias_id, paper_id from _ingest_aliases"
        )


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection, quarantine: pl.DataFrame, run_id: str
) -> None:
    """Each rejected record once (same source, source_ref, reason and payload: one row)."""
    if not quarantine.height:
        return
    quarantine = quarantine.unique(
        ["source", "source_ref", "reason", "payload_hash"], keep="first", maintain_order=True
    )
    with _registered(con, "_ingest_quarantine", quarantine.to_arrow()):
        con.execute(
            "insert into quarantine (run_id, source, source_ref, reason, payload, payload_hash)"
            " select ?, source, source_ref, reason, payload, payload_hash"
            " from _ingest_quarantine q where not exists (select 1 from quarantine x"
            " where x.source = q.source and x.source_ref = q.source_ref"
            " and x.reason = q.reason and x.payload_hash = q.payload_hash)",
            [run_id],
        )
