"""Build a stand-in published warehouse from the real HF daily papers, for dashboard/digest tests.

It writes the marts contract of docs/ARCHITECTURE.md (dim_papers, fct_paper_keywords, dim_topics,
fct_paper_topics, fct_topic_trends, fct_keyword_trends, fct_claims, run_audit) into one DuckDB file,
from the files in ``<data_dir>/hf-daily-papers`` read at test time. It is deliberately simple
(keyphrases are the feed's own ``ai_keywords``, one topic per frequent keyphrase, claims by a few
regular expressions): the readers and the dashboard only rely on the table contract, so a
warehouse built by the real pipeline can replace it (``PAPERTRENDS_TEST_WAREHOUSE=/path``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

N_TOPICS = 30
MIN_KEYWORD_PAPERS = 25


def _entries(path: Path) -> list[dict]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict):  # 2025-01-10.json: {"status", "date", "count", "data": [...]}
        raw = raw.get("data") or []
    out = []
    for item in raw:
        if isinstance(item, str):  # 2024-12/2025-01: entries stored as Python-repr strings
            try:
                item = ast.literal_eval(item)
            except (ValueError, SyntaxError):
                continue
        if isinstance(item, dict) and isinstance(item.get("paper"), dict):
            out.append(item)
    return out


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def load_papers(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Papers (first listing wins) and their keyphrases, from the HF daily files."""
    papers: dict[str, dict] = {}
    keywords: list[dict] = []
    for path in sorted((data_dir / "hf-daily-papers").glob("*.json")):
        day = date.fromisoformat(path.stem)
        for entry in _entries(path):
            paper = entry["paper"]
            pid = str(paper.get("id") or "").strip()
            title, abstract = _clean(paper.get("title")), _clean(paper.get("summary"))
            if not pid or pid in papers or not title or not abstract:
                continue
            published = paper.get("publishedAt") or entry.get("publishedAt")
            ai_keywords = [k for k in paper.get("ai_keywords") or [] if isinstance(k, str)]
            papers[pid] = {
                "paper_id": pid,
                "arxiv_id": pid,
                "title": title,
                "abstract": abstract,
                "authors": [a.get("name", "") for a in paper.get("authors") or []],
                "published_at": pd.Timestamp(published) if published else pd.NaT,
                "first_seen_at": pd.Timestamp(datetime(day.year, day.month, day.day, tzinfo=UTC)),
                "activity_date": day,
                "source": "hf-daily",
                "sources": ["hf-daily"],
                "upvotes": int(paper.get("upvotes") or 0),
                "num_comments": int(entry.get("numComments") or 0),
                "categories": [],
                "source_keywords": ai_keywords,
                "arxiv_url": f"https://arxiv.org/abs/{pid}",
                "hf_url": f"https://huggingface.co/papers/{pid}",
            }
            seen: set[str] = set()
            for surface in ai_keywords:
                phrase = _clean(surface).lower()
                if phrase and phrase not in seen:
                    seen.add(phrase)
                    keywords.append({"paper_id": pid, "keyphrase": phrase, "surface_form": surface,
                                     "score": round(1.0 - 0.05 * len(seen), 4),
                                     "rank": len(seen)})
    return pd.DataFrame(list(papers.values())), pd.DataFrame(keywords)


_QUANTITY = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s?(?P<unit>%|[xX×](?=[\s,.;)]))")
_IMPROVES = re.compile(r"improv|outperform|gain|boost")
_QUALIFIERS = ("up to", "over", "about", "at least")
_METRIC = re.compile(r"\b(accuracy|F1|BLEU|success rate|pass@1|win rate|speedup|latency|memory|"
                     r"throughput|recall|precision)\b", re.I)
_BENCH = re.compile(r"\bon (?:the )?([A-Z][A-Za-z0-9-]{2,})")
_BASELINE = re.compile(r"\b(?:over|than) ([A-Z][A-Za-z0-9.-]{2,})")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def extract_claims(papers: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for pid, abstract in zip(papers["paper_id"], papers["abstract"], strict=True):
        offset = 0
        for index, sentence in enumerate(_SENTENCE.split(abstract)):
            start_of_sentence = abstract.find(sentence, offset)
            offset = start_of_sentence + len(sentence)
            found = False
            lower = sentence.lower()
            for m in _QUANTITY.finditer(sentence):
                found = True
                unit = "%" if m.group("unit") == "%" else "x"
                claim_type = ("efficiency" if unit == "x"
                              else "improvement" if _IMPROVES.search(lower, m.end())
                              else "result")
                before = lower[: m.start()].rstrip()
                qualifier = next((q for q in _QUALIFIERS if before.endswith(q)), "")
                direction = ("decrease" if re.search(r"reduc|lower|fewer|less", lower)
                             else "increase" if re.search(r"improv|increas|gain|boost|faster",
                                                          lower) else "level")
                metric = _METRIC.search(sentence)
                bench = _BENCH.search(sentence)
                base = _BASELINE.search(sentence)
                rows.append({
                    "claim_id": f"{pid}:{index}:{m.start()}",
                    "paper_id": pid, "sentence_index": index, "sentence": sentence,
                    "span": m.group(0).strip(), "start_offset": start_of_sentence + m.start(),
                    "end_offset": start_of_sentence + m.end(),
                    "claim_type": claim_type, "value": float(m.group("value")),
                    "unit": unit, "direction": direction, "qualifier": qualifier,
                    "metric": metric.group(1).lower() if metric else None,
                    "benchmark": bench.group(1) if bench else None,
                    "baseline": base.group(1) if base else None,
                })
            if not found and re.search(r"\bwe (?:release|introduce|present) (?:a |an )?(?:new )?"
                                       r"(?:large-scale )?(?:dataset|benchmark)", sentence, re.I):
                rows.append({
                    "claim_id": f"{pid}:{index}:r", "paper_id": pid, "sentence_index": index,
                    "sentence": sentence, "span": sentence[:80],
                    "start_offset": start_of_sentence,
                    "end_offset": start_of_sentence + len(sentence),
                    "claim_type": "new_resource", "value": None, "unit": None,
                    "direction": "level", "qualifier": "", "metric": None, "benchmark": None,
                    "baseline": None,
                })
    return pd.DataFrame(rows)


_TREND_SQL = """
create or replace table {target} as
with grains as (select unnest(['day', 'week', 'month']) as grain),
items as (select {key} as item, activity_date, paper_id, upvotes from {source}),
windowed as (
    select g.grain, i.item, date_trunc(g.grain, i.activity_date)::date as window_start,
           i.paper_id, i.upvotes
    from items i cross join grains g
),
totals as (
    select grain, window_start, count(distinct paper_id) as total
    from (select g.grain, date_trunc(g.grain, activity_date)::date as window_start, paper_id
          from dim_papers cross join grains g)
    group by all
),
counts as (
    select grain, item, window_start, count(distinct paper_id) as n_papers,
           sum(upvotes) as upvotes
    from windowed group by all
),
bounds as (select min(activity_date) as lo, max(activity_date) as hi from dim_papers),
spine as (
    select g.grain, s.window_start::date as window_start
    from grains g, bounds b,
         lateral (select unnest(generate_series(date_trunc(g.grain, b.lo),
                                                 date_trunc(g.grain, b.hi),
                                                 ('1 ' || g.grain)::interval)) as window_start) s
),
items_spine as (
    select sp.grain, sp.window_start, it.item
    from spine sp cross join (select distinct item from items) it
),
filled as (
    select s.grain, s.item, s.window_start,
           (s.window_start + ('1 ' || s.grain)::interval)::date as window_end,
           coalesce(c.n_papers, 0) as n_papers,
           coalesce(c.n_papers, 0) / nullif(t.total, 0) as share,
           coalesce(c.upvotes, 0) as upvotes
    from items_spine s
    left join counts c using (grain, item, window_start)
    left join totals t using (grain, window_start)
),
stats as (
    select *,
        lag(n_papers) over w as prev_n_papers,
        avg(n_papers) over w8 as mean_8,
        stddev_samp(n_papers) over w8 as sd_8
    from filled
    window w as (partition by grain, item order by window_start),
           w8 as (partition by grain, item order by window_start
                  rows between 8 preceding and 1 preceding)
)
select item as {key}, grain, window_start, window_end, n_papers, coalesce(share, 0) as share,
       upvotes, prev_n_papers,
       n_papers - prev_n_papers as change_abs,
       (n_papers - prev_n_papers) / nullif(prev_n_papers, 0) as change_pct,
       (n_papers - mean_8) / nullif(sd_8, 0) as zscore_8,
       coalesce((n_papers - mean_8) / nullif(sd_8, 0) >= 2 and n_papers >= 3, false)
           as is_emerging,
       window_end > (select hi from bounds) + 1 as is_partial_window
from stats
"""


def build_test_warehouse(path: Path, data_dir: Path, *, run_id: str = "test-run-1") -> Path:
    """Write the contract tables into ``path`` (replaced if present); return it."""
    papers, keywords = load_papers(data_dir)
    claims = extract_claims(papers)
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.register("papers_df", papers)
        con.register("keywords_df", keywords)
        con.register("claims_df", claims)
        con.execute("create table fct_paper_keywords as select * from keywords_df")
        con.execute(
            """
            create table dim_topics as
            with df as (
                select keyphrase, count(*) as n from fct_paper_keywords
                group by keyphrase order by n desc, keyphrase limit ?
            )
            select printf('T%03d', row_number() over (order by n desc, keyphrase)) as topic_id,
                   keyphrase as label, n as n_papers
            from df
            """,
            [N_TOPICS],
        )
        con.execute(
            """
            create table fct_paper_topics as
            select k.paper_id, t.topic_id, k.score as weight,
                   row_number() over (partition by k.paper_id order by k.score desc,
                                      t.topic_id) = 1 as is_primary
            from fct_paper_keywords k join dim_topics t on t.label = k.keyphrase
            """
        )
        con.execute(
            """
            create table dim_papers as
            select p.paper_id, p.arxiv_id, p.title, p.abstract, p.authors::varchar[] as authors,
                   p.published_at::timestamptz as published_at,
                   p.first_seen_at::timestamptz as first_seen_at,
                   p.activity_date::date as activity_date, p.source,
                   p.sources::varchar[] as sources, p.upvotes::integer as upvotes,
                   p.num_comments::integer as num_comments,
                   p.categories::varchar[] as categories,
                   p.source_keywords::varchar[] as source_keywords, p.arxiv_url, p.hf_url,
                   coalesce(k.n, 0)::integer as n_keyphrases,
                   t.topic_id as primary_topic_id
            from papers_df p
            left join (select paper_id, count(*) as n from fct_paper_keywords group by 1) k
                using (paper_id)
            left join (select paper_id, topic_id from fct_paper_topics where is_primary) t
                using (paper_id)
            """
        )
        con.execute(
            """
            create or replace table dim_topics as
            with seen as (
                select t.topic_id, min(p.activity_date) as first_seen_date,
                       max(p.activity_date) as last_seen_date
                from fct_paper_topics t join dim_papers p using (paper_id) group by all
            ),
            co as (
                select t.topic_id, k.keyphrase, count(*) as n
                from fct_paper_topics t join fct_paper_keywords k using (paper_id)
                group by all
            )
            select d.topic_id, d.label,
                   (select list(keyphrase order by n desc, keyphrase)[1:5] from co
                    where co.topic_id = d.topic_id)::varchar[] as top_keyphrases,
                   d.n_papers::integer as n_papers, s.first_seen_date, s.last_seen_date,
                   null::varchar as parent_topic_id
            from dim_topics d join seen s using (topic_id)
            """
        )
        con.execute(_TREND_SQL.format(
            target="fct_topic_trends", key="topic_id",
            source="(select t.topic_id, p.activity_date, p.paper_id, p.upvotes "
                   "from fct_paper_topics t join dim_papers p using (paper_id))"))
        con.execute(_TREND_SQL.format(
            target="fct_keyword_trends", key="keyphrase",
            source="(select k.keyphrase, p.activity_date, p.paper_id, p.upvotes "
                   "from fct_paper_keywords k join dim_papers p using (paper_id) "
                   f"where k.keyphrase in (select keyphrase from fct_paper_keywords group by 1 "
                   f"having count(*) >= {MIN_KEYWORD_PAPERS}))"))
        con.execute(
            """
            create table fct_claims as
            select claim_id, paper_id, sentence_index::integer as sentence_index, sentence,
                   span, start_offset::integer as start_offset,
                   end_offset::integer as end_offset, claim_type, value::double as value,
                   unit::varchar as unit, direction, qualifier, metric::varchar as metric,
                   benchmark::varchar as benchmark, baseline::varchar as baseline
            from claims_df
            """
        )
        write_run_audit(con, run_id)
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def write_run_audit(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """(Re)write run_audit: one earlier published run and ``run_id``, published just now."""
    con.execute(
        """
        create or replace table run_audit (
            run_id varchar, status varchar, published boolean,
            started_at timestamptz, finished_at timestamptz,
            n_papers integer, failed_checks integer
        )
        """
    )
    now = datetime.now(UTC)
    n = con.execute("select count(*) from dim_papers").fetchone()[0]
    con.execute(
        "insert into run_audit values (?, 'success', true, ?, ?, ?, 0), "
        "(?, 'success', true, ?, ?, ?, 0)",
        ["test-run-0", now - timedelta(days=1, minutes=5), now - timedelta(days=1), n,
         run_id, now - timedelta(minutes=5), now, n],
    )


def copy_with_run_id(source: Path, target: Path, run_id: str) -> Path:
    """A copy of ``source`` whose run_audit names ``run_id`` as the last published run."""
    shutil.copyfile(source, target)
    con = duckdb.connect(str(target))
    try:  # works on any run_audit with run_id, published, finished_at (a real one too)
        con.execute(
            "create temp table newest as select * from run_audit where published "
            "order by finished_at desc limit 1"
        )
        con.execute("update newest set run_id = ?, finished_at = now()", [run_id])
        con.execute("insert into run_audit select * from newest")
        con.execute("checkpoint")
    finally:
        con.close()
    return target


def write_summary(reports_dir: Path, run_id: str, *, status: str, published: bool,
                  finished_at: datetime, failed_checks: list[str] | None = None) -> Path:
    """A reports/<run_id>/summary.json like the validation step writes, with a Data Docs page."""
    folder = reports_dir / run_id
    docs = folder / "data_docs" / "index.html"
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(f"<html><body>Data Docs of {run_id}</body></html>", encoding="utf-8")
    failed = failed_checks or []
    summary = {
        "run_id": run_id, "status": status, "published": published,
        "started_at": (finished_at - timedelta(minutes=5)).isoformat(),
        "finished_at": finished_at.isoformat(), "failed_checks": failed,
        "expectations_passed": 120 - len(failed), "expectations_failed": len(failed),
        "data_docs_index": str(docs),
    }
    path = folder / "summary.json"
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return path


def session_warehouse(base: Path, data_dir: Path) -> Path:
    """The warehouse shared by a test session: PAPERTRENDS_TEST_WAREHOUSE, else built once."""
    given = os.environ.get("PAPERTRENDS_TEST_WAREHOUSE")
    if given:
        return Path(given)
    path = base / "test-warehouse" / "warehouse.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_test_warehouse(path, data_dir)
    return path
