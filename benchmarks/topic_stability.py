"""Topic stability over real runs: the same data twice, then one more day.

Usage: python benchmarks/topic_stability.py --home HOME [--work DIR]

Copies HOME's lake into DIR (never writes HOME), removes the papers of its last day, and runs
the transform as the pipeline does (build_candidate + dbt build + save_topic_registry after the
"publish"): r1 (cold: BERTopic fit of every paper), r2 over the same data, then the last day
is put back and r3 runs. Prints seconds per build, topics/themes, how papers were placed, and
the promises: r2 changes no topic id and moves no paper; r3 moves no paper of r2 (texts are
unchanged), new papers join or found topics. States the machine load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import duckdb

from flows.settings import Settings
from flows.stages.transform import build_candidate, run_dbt_build, save_topic_registry

DAY_TABLES = ("papers", "paper_keywords", "tagged_papers")


def last_day(lake: Path) -> str:
    con = duckdb.connect(str(lake), read_only=True)
    try:
        return str(con.execute("select max(cast(first_seen_at as date)) from papers").fetchone()[0])
    finally:
        con.close()


def move_day(lake: Path, source: Path | None, day: str) -> int:
    """Remove the papers of `day` from `lake` (source None) or copy them back from `source`."""
    con = duckdb.connect(str(lake))
    try:
        if source is None:
            ids = "select paper_id from papers where cast(first_seen_at as date) = ?"
            for table in DAY_TABLES[1:]:
                con.execute(f"delete from {table} where paper_id in ({ids})", [day])
            n = con.execute(f"select count(*) from ({ids})", [day]).fetchone()[0]
            con.execute("delete from papers where cast(first_seen_at as date) = ?", [day])
            return n
        con.execute("attach ? as full_lake (read_only)", [str(source)])
        for table in DAY_TABLES:
            con.execute(
                f"insert into {table} select * from full_lake.{table} where paper_id in "
                "(select paper_id from full_lake.papers where cast(first_seen_at as date) = ?)",
                [day],
            )
        return con.execute(
            "select count(*) from papers where cast(first_seen_at as date) = ?", [day]
        ).fetchone()[0]
    finally:
        con.close()


def build(settings: Settings, run_id: str) -> Path:
    start = time.perf_counter()
    candidate = build_candidate(settings, run_id)
    outcome = run_dbt_build(settings, candidate, run_id=run_id)
    if not outcome.success:
        raise SystemExit(f"{run_id}: dbt build failed: {outcome.failures[:5]}")
    save_topic_registry(settings, candidate)
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        topics, themes = con.execute(
            "select (select count(*) from dim_topics), (select count(*) from dim_themes)"
        ).fetchone()
        placed = con.execute(
            "select placement, count(*) from int_paper_topics_assigned where is_primary "
            "group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    print(f"{run_id}: {time.perf_counter() - start:.1f} s, {topics} topics, {themes} themes, "
          f"placed {dict(placed)}, load {os.getloadavg()[0]:.1f}", flush=True)
    return candidate


def compare(before: Path, after: Path) -> str:
    con = duckdb.connect(str(after), read_only=True)
    try:
        con.execute("attach ? as before (read_only)", [str(before)])
        moved, kept = con.execute(
            """
            select count(*) filter (where a.topic_id <> b.topic_id), count(*)
            from before.fct_paper_topics a join main.fct_paper_topics b using (paper_id)
            where a.is_primary and b.is_primary
            """
        ).fetchone()
        lost = con.execute(
            "select count(*) from (select topic_id from before.dim_topics "
            "except select topic_id from main.dim_topics)"
        ).fetchone()[0]
        new = con.execute(
            "select count(*) from (select topic_id from main.dim_topics "
            "except select topic_id from before.dim_topics)"
        ).fetchone()[0]
    finally:
        con.close()
    return f"papers moved {moved} of {kept}; topic ids gone {lost}, new {new}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="PAPERTRENDS_HOME with a lake")
    parser.add_argument("--work", type=Path, default=Path("/tmp/topic-stability"))
    args = parser.parse_args()
    print(f"load at start: {os.getloadavg()} (shared 2-core machine)")
    source = Settings(home=args.home).lake_path
    shutil.rmtree(args.work, ignore_errors=True)
    settings = Settings(home=args.work)
    settings.ensure_home()
    shutil.copyfile(source, settings.lake_path)
    day = last_day(source)
    print(f"held back {move_day(settings.lake_path, None, day)} papers of {day}")
    r1 = build(settings, "r1")
    r2 = build(settings, "r2")
    print(f"r2 vs r1 (same data): {compare(r1, r2)}")
    print(f"put back {move_day(settings.lake_path, source, day)} papers of {day}")
    r3 = build(settings, "r3")
    print(f"r3 vs r2 (one more day): {compare(r2, r3)}")
    print(f"load at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
