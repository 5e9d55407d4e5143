"""Time the transform stage: build a candidate from an existing lake and run `dbt build` on it.

Usage: python benchmarks/dbt_build.py [--home PAPERTRENDS_HOME] [--top 12]

Needs a lake (e.g. after `papertrends ingest` + tagging over ../shared/data/hf-daily-papers).
Prints the seconds of build_candidate and of dbt build, then the slowest nodes from dbt's
run_results.json. The first run builds all topics; pass --twice to also time a second run that
reuses the saved topic registry (what a daily run does).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from flows.settings import Settings
from flows.stages.transform import build_candidate, run_dbt_build, save_topic_registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="PAPERTRENDS_HOME with a lake")
    parser.add_argument("--top", type=int, default=12, help="slowest nodes to print")
    parser.add_argument("--twice", action="store_true", help="save the registry, build again")
    args = parser.parse_args()
    settings = Settings(home=args.home) if args.home else Settings()
    if not settings.lake_path.is_file():
        raise SystemExit(f"no lake at {settings.lake_path}: ingest and tag first")
    for attempt in range(2 if args.twice else 1):
        run_id = f"bench-{int(time.time())}-{attempt}"
        start = time.perf_counter()
        candidate = build_candidate(settings, run_id)
        copied = time.perf_counter() - start
        start = time.perf_counter()
        outcome = run_dbt_build(settings, candidate, run_id=run_id)
        built = time.perf_counter() - start
        papers = "?"
        if outcome.success:
            import duckdb

            con = duckdb.connect(str(candidate), read_only=True)
            papers = con.execute("select count(*) from dim_papers").fetchone()[0]
            con.close()
        print(
            f"run {attempt + 1}: build_candidate {copied:.1f} s, dbt build {built:.1f} s "
            f"(dbt elapsed {outcome.seconds:.1f} s), {papers} papers, "
            f"{outcome.models_ok} models ok, {outcome.tests_passed} tests passed, "
            f"{outcome.tests_failed} failed, success={outcome.success}"
        )
        for failure in outcome.failures:
            print(f"  FAILED {failure}")
        slowest = sorted(outcome.timings.items(), key=lambda item: -item[1])[: args.top]
        for name, seconds in slowest:
            print(f"  {seconds:6.2f} s  {name}")
        if args.twice and outcome.success:
            save_topic_registry(settings, candidate)


if __name__ == "__main__":
    main()
