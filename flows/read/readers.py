"""Read-only queries over the published warehouse, for the dashboard and the digest.

Every query opens ``settings.warehouse_path`` read-only, runs, and closes: no connection is held,
so a run can publish a new file (``os.replace``) at any time and the next query reads it. User
input only ever reaches DuckDB as a parameter. :func:`warehouse_version` names the file currently
published (inode, mtime, size) so callers can key caches on it.

Also here: reading the run summaries (``reports/<run_id>/summary.json``, written by the run
journal, read through :func:`flows.journal.summary.load_summary`) defensively, and deciding
whether the newest run failed while older data is shown.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows.lib.contract import GRAINS
from flows.lib.errors import UserError
from flows.settings import Settings

_OPEN_ATTEMPTS = 4


class WarehouseNotFound(UserError):
    """No published warehouse yet (or it vanished)."""


@dataclass(frozen=True)
class WarehouseVersion:
    """Identity of the published file: changes whenever a run publishes a new one."""

    path: str
    inode: int
    mtime_ns: int
    size: int

    @property
    def key(self) -> tuple[str, int, int, int]:
        return (self.path, self.inode, self.mtime_ns, self.size)

    @property
    def modified_at(self) -> datetime:
        return datetime.fromtimestamp(self.mtime_ns / 1e9).astimezone()


def warehouse_version(settings: Settings) -> WarehouseVersion | None:
    path = settings.warehouse_path
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return WarehouseVersion(str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def _missing(settings: Settings) -> WarehouseNotFound:
    return WarehouseNotFound(
        f"no published warehouse at {settings.warehouse_path}: run `papertrends run` first"
    )


@contextmanager
def connect(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the published warehouse."""
    path = settings.warehouse_path
    for attempt in range(_OPEN_ATTEMPTS):
        if not path.exists():
            raise _missing(settings)
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException:
            # the file was swapped or removed while we opened it: look again
            if attempt == _OPEN_ATTEMPTS - 1:
                if not path.exists():
                    raise _missing(settings) from None
                raise
            time.sleep(0.05 * (attempt + 1))
    try:
        yield con
    finally:
        con.close()


def fetch_df(settings: Settings, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    with connect(settings) as con:
        return con.execute(sql, list(params or [])).df()


def fetch_rows(
    settings: Settings, sql: str, params: Sequence[Any] | None = None
) -> list[dict[str, Any]]:
    with connect(settings) as con:
        cur = con.execute(sql, list(params or []))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def window_bounds(day: date, grain: str) -> tuple[date, date]:
    """[start, end) of the calendar window of ``grain`` (day|week|month) holding ``day``.

    Weeks start on Monday (ISO, as DuckDB's ``date_trunc('week', ...)``).
    """
    if grain == "day":
        return day, day + timedelta(days=1)
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if grain == "month":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    raise UserError(f"unknown window {grain!r}: use one of {', '.join(GRAINS)}")


def check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise UserError(f"unknown window {grain!r}: use one of {', '.join(GRAINS)}")
    return grain


# --- marts -----------------------------------------------------------------------------------


def date_range(settings: Settings) -> tuple[date | None, date | None]:
    """First and last activity date of the published papers (the latest published day)."""
    rows = fetch_rows(
        settings, "select min(activity_date) as lo, max(activity_date) as hi from dim_papers"
    )
    return rows[0]["lo"], rows[0]["hi"]


def list_topics(settings: Settings) -> pd.DataFrame:
    return fetch_df(
        settings,
        """
        select topic_id, label, n_papers, first_seen_date, last_seen_date,
               array_to_string(top_keyphrases, ', ') as top_keyphrases
        from dim_topics
        order by n_papers desc, label
        """,
    )


def list_themes(settings: Settings) -> pd.DataFrame:
    """Themes (groups of related topics), largest first."""
    return fetch_df(
        settings,
        """
        select theme_id, label, n_topics, n_papers, first_seen_date, last_seen_date,
               array_to_string(top_keyphrases, ', ') as top_keyphrases
        from dim_themes
        order by n_papers desc, label
        """,
    )


def theme_topics(settings: Settings, theme_id: str) -> pd.DataFrame:
    """The topics of one theme, largest first."""
    return fetch_df(
        settings,
        """
        select topic_id, label, n_papers, first_seen_date, last_seen_date,
               array_to_string(top_keyphrases, ', ') as top_keyphrases
        from dim_topics where theme_id = ?
        order by n_papers desc, label
        """,
        [theme_id],
    )


def _trends(settings: Settings, kind: str, ids: Sequence[str], grain: str) -> pd.DataFrame:
    """Papers, share and change per window of the given topics or themes (``kind``), oldest
    window first: ``fct_<kind>_trends`` joined to ``dim_<kind>s`` for the label."""
    return fetch_df(
        settings,
        f"""
        select t.{kind}_id, d.label, t.window_start, t.window_end, t.n_papers, t.share,
               t.upvotes, t.prev_n_papers, t.change_abs, t.change_pct, t.zscore_8,
               t.is_emerging, t.is_partial_window
        from fct_{kind}_trends t join dim_{kind}s d using ({kind}_id)
        where t.grain = ? and list_contains(?::varchar[], t.{kind}_id)
        order by t.window_start, d.label
        """,  # noqa: S608 - kind is one of the two literals below
        [check_grain(grain), list(ids)],
    )


def theme_trends(settings: Settings, theme_ids: Sequence[str], grain: str) -> pd.DataFrame:
    """Papers, share and change per window for the given themes (oldest window first;
    ``fct_theme_trends``)."""
    return _trends(settings, "theme", theme_ids, grain)


def topic_trends(settings: Settings, topic_ids: Sequence[str], grain: str) -> pd.DataFrame:
    """Papers, share and change per window for the given topics (oldest window first;
    ``fct_topic_trends``)."""
    return _trends(settings, "topic", topic_ids, grain)


def trend_windows(settings: Settings, grain: str) -> list[date]:
    """Window starts that hold papers, newest first."""
    rows = fetch_rows(
        settings,
        """
        select window_start from fct_topic_trends
        where grain = ? group by window_start having sum(n_papers) > 0
        order by window_start desc
        """,
        [check_grain(grain)],
    )
    return [r["window_start"] for r in rows]


def rising_topics(
    settings: Settings, grain: str, window_start: date, limit: int = 20
) -> pd.DataFrame:
    """The topics rising in one window (``fct_rising_topics``: the one rule, ``is_rising``),
    strongest first, with their evidence: papers, share now and over the trailing baseline
    (``baseline_share``, ``baseline_n_papers``), ``rising_score``. ``is_new`` marks topics first
    seen inside this window.
    """
    return fetch_df(
        settings,
        """
        select topic_id, label, n_papers, share, baseline_n_papers, baseline_share,
               rising_score, prev_n_papers, change_abs, is_emerging, is_new, window_start,
               window_end, array_to_string(top_keyphrases, ', ') as top_keyphrases
        from fct_rising_topics
        where grain = ? and window_start = ?
        order by rank_in_window
        limit ?
        """,
        [check_grain(grain), window_start, limit],
    )


def papers_in_window(
    settings: Settings,
    start: date,
    end: date,
    *,
    topic_ids: Sequence[str] | None = None,
    limit: int = 10,
) -> pd.DataFrame:
    """Papers active in [start, end) (optionally of some topics), most upvoted first."""
    return fetch_df(
        settings,
        """
        select p.paper_id, p.title, p.activity_date, p.upvotes, p.num_comments,
               p.arxiv_url, p.hf_url, pt.topic_id
        from dim_papers p
        left join (select paper_id, any_value(topic_id order by weight desc) as topic_id
                   from fct_paper_topics
                   where ?::varchar[] is null or list_contains(?::varchar[], topic_id)
                   group by paper_id) pt using (paper_id)
        where p.activity_date >= ? and p.activity_date < ?
          and (?::varchar[] is null or pt.topic_id is not null)
        order by p.upvotes desc nulls last, p.title
        limit ?
        """,
        [
            *([list(topic_ids) if topic_ids is not None else None] * 2),
            start,
            end,
            list(topic_ids) if topic_ids is not None else None,
            limit,
        ],
    )


def count_papers(settings: Settings, start: date, end: date) -> int:
    rows = fetch_rows(
        settings,
        "select count(*) as n from dim_papers where activity_date >= ? and activity_date < ?",
        [start, end],
    )
    return int(rows[0]["n"])


def topic_papers(
    settings: Settings, topic_ids: Sequence[str], start: date, end: date, per_topic: int = 5
) -> pd.DataFrame:
    """The most upvoted papers of each topic active in [start, end): the papers behind a trend."""
    return fetch_df(
        settings,
        """
        select pt.topic_id, p.paper_id, p.title, p.activity_date, p.upvotes, p.arxiv_url,
               p.hf_url
        from fct_paper_topics pt join dim_papers p using (paper_id)
        where list_contains(?::varchar[], pt.topic_id)
          and p.activity_date >= ? and p.activity_date < ?
        qualify row_number() over (partition by pt.topic_id
                                   order by p.upvotes desc nulls last, p.title) <= ?
        order by pt.topic_id, p.upvotes desc nulls last, p.title
        """,
        [list(topic_ids), start, end, per_topic],
    )


def search_papers(settings: Settings, text: str, limit: int = 50) -> pd.DataFrame:
    """Papers whose title, abstract or keyphrases contain ``text`` (case-insensitive).

    Keyphrase and title matches rank first, then upvotes.
    """
    needle = text.strip().lower()
    if not needle:
        return pd.DataFrame()
    return fetch_df(
        settings,
        """
        with kw as (
            select paper_id, string_agg(keyphrase, ', ' order by rank) as keyphrases,
                   bool_or(contains(keyphrase, ?)) as keyphrase_hit
            from fct_paper_keywords group by paper_id
        ),
        tp as (
            select pt.paper_id, string_agg(d.label, ', ' order by pt.weight desc) as topics
            from fct_paper_topics pt join dim_topics d using (topic_id) group by pt.paper_id
        )
        select p.paper_id, p.title, p.activity_date, p.upvotes, p.arxiv_url, p.hf_url,
               coalesce(kw.keyphrases, '') as keyphrases, coalesce(tp.topics, '') as topics,
               coalesce(kw.keyphrase_hit, false) or contains(lower(p.title), ?) as strong_hit,
               count(*) over () as n_matches
        from dim_papers p
        left join kw using (paper_id)
        left join tp using (paper_id)
        where coalesce(kw.keyphrase_hit, false) or contains(lower(p.title), ?)
           or contains(lower(p.abstract), ?)
        order by strong_hit desc, p.upvotes desc nulls last, p.title
        limit ?
        """,
        [needle, needle, needle, needle, limit],
    )


def claim_facets(settings: Settings) -> dict[str, list[str]]:
    """Distinct claim types, metrics and units present, for the explorer's filters."""
    with connect(settings) as con:

        def distinct(column: str) -> list[str]:
            rows = con.execute(
                f"select distinct {column} from fct_claims "  # noqa: S608 - fixed names
                f"where {column} is not null and {column} <> '' order by 1"
            ).fetchall()
            return [r[0] for r in rows]

        return {"claim_type": distinct("claim_type"), "metric": distinct("metric"),
                "unit": distinct("unit")}


def search_claims(
    settings: Settings,
    *,
    topic_id: str | None = None,
    claim_types: Sequence[str] | None = None,
    metric: str | None = None,
    unit: str | None = None,
    start: date | None = None,
    end: date | None = None,
    descending: bool = True,
    by_upvotes: bool = False,
    limit: int = 100,
) -> pd.DataFrame:
    """Claims filtered by topic, type, metric, unit and paper date [start, end).

    Sorted by value (``descending`` or not), or with ``by_upvotes`` by the paper's upvotes.
    """
    direction = "desc" if descending else "asc"
    order = (
        f"p.upvotes desc nulls last, c.value {direction} nulls last"
        if by_upvotes
        else f"c.value {direction} nulls last, p.upvotes desc nulls last"
    )
    return fetch_df(
        settings,
        f"""
        select c.claim_id, c.paper_id, c.claim_type, c.value, c.unit, c.qualifier,
               c.direction, c.metric, c.benchmark, c.baseline, c.span, c.sentence,
               p.title, p.activity_date, p.upvotes, p.arxiv_url, p.hf_url,
               count(*) over () as n_matches
        from fct_claims c join dim_papers p using (paper_id)
        where (? is null or exists (select 1 from fct_paper_topics t
                                    where t.paper_id = c.paper_id and t.topic_id = ?))
          and (?::varchar[] is null or list_contains(?::varchar[], c.claim_type))
          and (? is null or c.metric = ?)
          and (? is null or c.unit = ?)
          and (?::date is null or p.activity_date >= ?)
          and (?::date is null or p.activity_date < ?)
        order by {order}, c.claim_id
        limit ?
        """,  # noqa: S608 - only the fixed sort clauses above are formatted
        [
            topic_id, topic_id,
            *([list(claim_types) if claim_types else None] * 2),
            metric, metric, unit, unit, start, start, end, end, limit,
        ],
    )


def published_run(settings: Settings) -> dict[str, Any] | None:
    """The run_audit row of the run that published this warehouse (newest published run)."""
    rows = fetch_rows(settings, "select * from run_audit")
    if not rows:
        return None
    published = [r for r in rows if r.get("published") in (True, None)] or rows
    return max(published, key=lambda r: _sort_time(r.get("finished_at") or r.get("started_at")))


# --- validation reports ----------------------------------------------------------------------


@dataclass
class RunSummary:
    """A reports/<run_id>/summary.json, read defensively (any field may be missing)."""

    run_id: str
    path: Path
    status: str = "unknown"
    published: bool | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    failed_checks: list[str] = field(default_factory=list)
    expectations_passed: int | None = None
    expectations_failed: int | None = None
    data_docs: Path | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        """Did this run end without publishing? (An unreadable summary is not a verdict.)"""
        if self.error is not None:
            return False
        return self.status in ("failed", "error", "killed")

    @property
    def when(self) -> datetime:
        moment = self.finished_at or self.started_at
        if moment is not None:
            return moment
        try:
            return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
        except OSError:
            return _sort_time(None)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.astimezone()
    return None


def _sort_time(value: Any) -> datetime:
    return _parse_time(value) or datetime.min.replace(tzinfo=UTC)


def read_summary(path: Path) -> RunSummary:
    """Read reports/<run_id>/summary.json as the run journal writes it."""
    from flows.journal.record import RunRecord
    from flows.journal.summary import load_summary

    folder = path.parent
    try:
        data = load_summary(path)
        record = RunRecord.from_dict(data["run"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RunSummary(run_id=folder.name, path=path, status="unreadable", error=str(exc))
    docs = data.get("data_docs")
    return RunSummary(
        run_id=record.run_id,
        path=path,
        status=record.status,
        published=record.published,
        started_at=record.started_at,
        finished_at=record.finished_at,
        failed_checks=list(record.failed_checks),
        expectations_passed=record.expectations_passed,
        expectations_failed=record.expectations_failed,
        data_docs=folder / docs if isinstance(docs, str) and docs else None,
    )


def list_summaries(settings: Settings) -> list[RunSummary]:
    """All validation summaries, newest first."""
    from flows.journal.summary import summary_paths

    summaries = [read_summary(p) for p in summary_paths(settings.reports_dir)]
    return sorted(summaries, key=lambda s: s.when, reverse=True)


@dataclass
class RunStatus:
    """What the dashboard's status page and banner show."""

    warehouse: WarehouseVersion | None
    published: dict[str, Any] | None  # run_audit row of the published run
    published_summary: RunSummary | None
    latest_summary: RunSummary | None

    @property
    def latest_failed(self) -> bool:
        """The newest run is not the published one and did not publish: older data is shown."""
        latest = self.latest_summary
        if latest is None or not latest.failed:
            return False
        if self.published is None:
            return True
        if str(self.published.get("run_id")) == latest.run_id:
            return False
        published_at = _parse_time(self.published.get("finished_at"))
        return published_at is None or published_at < latest.when

    @property
    def banner(self) -> str | None:
        if not self.latest_failed or self.latest_summary is None:
            return None
        latest = self.latest_summary
        shown = (
            f"data of run {self.published.get('run_id')} "
            f"(published {_fmt(self.published.get('finished_at'))})"
            if self.published else "no published data"
        )
        checks = f"; failed checks: {', '.join(latest.failed_checks[:5])}" if (
            latest.failed_checks) else ""
        return (f"The latest run {latest.run_id} failed ({latest.status}, "
                f"{_fmt(latest.finished_at or latest.started_at)}){checks}. "
                f"Showing older {shown}.")


def _fmt(value: Any) -> str:
    parsed = _parse_time(value)
    return parsed.strftime("%Y-%m-%d %H:%M %Z").strip() if parsed else "unknown time"


def run_status(settings: Settings) -> RunStatus:
    version = warehouse_version(settings)
    published = None
    if version is not None:
        try:
            published = published_run(settings)
        except (WarehouseNotFound, duckdb.Error):
            published = None
    summaries = list_summaries(settings)
    published_summary = None
    if published is not None:
        published_summary = next(
            (s for s in summaries if s.run_id == str(published.get("run_id"))), None
        )
    return RunStatus(
        warehouse=version,
        published=published,
        published_summary=published_summary,
        latest_summary=summaries[0] if summaries else None,
    )
