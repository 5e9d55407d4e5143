"""Scale benchmark (issue 12): what a run costs as the archive grows, per stage.

A generator turns the real HF Daily Papers archive of ../shared/data into a synthetic one of N
papers: the real papers first, then copies of them with new arXiv-style ids on the same days
(so dates spread over the real range) and one sentence of the abstract left out (so every copy
has its own text, embedding and claims). New days are made the same way, dated the day after the
archive's last day.

Runs of the real CLI (`papertrends run --input <folder>`) in one home, timed as
benchmarks/pipeline_cost.py times them (seconds per stage, peak RSS of the process tree):

- ``cold``: the whole synthetic archive into an empty home; with ``--home`` holding a published
  build of the archive instead (a cold 10k build takes about 30 min), ``catch-up``: the
  archive's last day again, which rebuilds once if the code changed since that build;
- ``day-20``: a new day of 20 papers (a daily run reads only its day);
- ``no-op``: the same day again: nothing changed;
- ``full-refresh``: the same with ``--full-refresh``: everything rebuilt, nothing reused (the
  anchor: what every run cost before runs were incremental); its marts must equal those of
  ``day-20`` (checked: content hash of every public mart);
- ``day-500``: a new day of 500 papers.

    python benchmarks/scale.py --papers 10000 [--home H] [--work DIR] [--model-dir DIR]
        [--runs day-20,no-op,full-refresh,day-500]

Set PREFECT_API_URL to a long-lived `prefect server start` (the issue's setting); without it each
run starts Prefect's temporary server (in the ``start`` column).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from pipeline_cost import REPO_ROOT, lake_counts, measure_run, print_table  # noqa: E402

from tests.pipeline_harness import mart_digest  # noqa: E402  (run-specific columns left out)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_FIRST_NEW_NUMBER = 50000  # synthetic ids yymm.5xxxx: above any real id of the archive
# the targets at 10k papers (at 100k: day-20 under 45 s)
TARGETS = {"no-op": 10.0, "day-20": 30.0}


def real_items(data: Path) -> list[tuple[str, dict]]:
    """(day, HF API item) of every paper of the archive, in day order."""
    items = []
    for path in sorted((data / "hf-daily-papers").glob("*.json")):
        for item in json.loads(path.read_text()):
            if isinstance(item, str):  # some 2024 files hold items as the text of a Python dict
                try:
                    item = ast.literal_eval(item)
                except ValueError:  # one the ingest rejects too: not copied
                    continue
            items.append((path.stem, item))
    return items


class Copier:
    """New papers from real ones: a new id in the real id's month, one sentence dropped."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.next_number: dict[str, int] = {}

    def copy(self, item: dict, published: str | None = None) -> dict:
        paper = dict(item["paper"])
        month = paper["id"].split(".")[0]
        number = self.next_number.get(month, _FIRST_NEW_NUMBER)
        if number > 99999:  # arXiv ids have at most 5 digits after the month
            raise ValueError(f"more than {99999 - _FIRST_NEW_NUMBER + 1} copies in month {month}")
        self.next_number[month] = number + 1
        paper["id"] = f"{month}.{number:05d}"
        sentences = _SENTENCE_END.split(paper.get("summary") or "")
        if len(sentences) > 2:
            del sentences[self.rng.randrange(1, len(sentences))]
        paper["summary"] = " ".join(sentences)
        if published:
            paper["publishedAt"] = paper["submittedOnDailyAt"] = f"{published}T00:00:00.000Z"
        return {**item, "paper": paper, "summary": paper["summary"],
                **({"publishedAt": paper["publishedAt"]} if published else {})}


def write_days(days: dict[str, list[dict]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for day, items in days.items():
        (folder / f"{day}.json").write_text(json.dumps(items))
    return folder


def synthetic_archive(items: list[tuple[str, dict]], n: int, copier: Copier) -> dict[str, list]:
    """An archive of ``n`` papers by day: the real ones, then copies on the real papers' days."""
    days: dict[str, list[dict]] = {}
    for i in range(n):
        day, item = items[i % len(items)]
        days.setdefault(day, []).append(item if i < len(items) else copier.copy(item))
    return dict(sorted(days.items()))


def new_day(items: list[tuple[str, dict]], n: int, day: str, folder: Path,
            copier: Copier) -> Path:
    """A day of ``n`` new papers (copies of random real ones) dated ``day``."""
    picked = copier.rng.sample(items, n)
    return write_days({day: [copier.copy(item, published=day) for _, item in picked]}, folder)


# the runs after the cold build (or catch-up), in order
RUNS = ("day-20", "no-op", "full-refresh", "day-500")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, required=True, help="archive size (N)")
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--home", type=Path, default=None,
                        help="a home holding a published build of the N-paper archive "
                             "(default: a cold build into --work/home)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pt-scale"))
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--task-runner", default="threads", choices=["threads", "dask"])
    parser.add_argument("--runs", default=",".join(RUNS),
                        help="which runs, in this order (the first is cold or catch-up);"
                             f" default: {','.join(RUNS)}")
    args = parser.parse_args()
    wanted = [r for r in RUNS if r in args.runs.split(",")]

    items = real_items(args.data)
    if not items:
        print(f"no HF Daily Papers archive under {args.data}: skipped", file=sys.stderr)
        return 0
    copier = Copier()
    home = args.home or args.work / "home"
    if args.home:  # its archive is built: its last day again brings it up to this code
        archive = args.work / "catch-up"
        write_days({items[-1][0]: [item for day, item in items if day == items[-1][0]]}, archive)
        synthetic_archive(items, args.papers, copier)  # the new days' ids follow its copies'
    else:
        archive = write_days(synthetic_archive(items, args.papers, copier),
                             args.work / f"archive-{args.papers}")
    after = date.fromisoformat(items[-1][0]) + timedelta(days=1)
    env = {**os.environ, "PAPERTRENDS_HOME": str(home), "DO_NOT_TRACK": "1",
           "GX_ANALYTICS_ENABLED": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT)}
    if args.model_dir:
        env["PAPERTRENDS_TAGGING__MODEL_DIR"] = str(args.model_dir)
    day20 = new_day(items, 20, str(after), args.work / "day-20", copier)
    day500 = new_day(items, 500, str(after + timedelta(days=1)), args.work / "day-500", copier)
    plan = [("catch-up" if args.home else "cold", archive, []), ("day-20", day20, []),
            ("no-op", day20, []), ("full-refresh", day20, ["--full-refresh"]),
            ("day-500", day500, [])]
    plan = [plan[0], *(run for run in plan[1:] if run[0] in wanted)]

    print(f"archive: {args.papers} papers ({len(items)} real) over "
          f"{len(list(archive.glob('*.json')))} days; home {home}; task runner "
          f"{args.task_runner}; PREFECT_API_URL={env.get('PREFECT_API_URL', '-')}")
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f} at start")
    rows, before, digests = [], {}, {}
    for name, folder, options in plan:
        before[name] = lake_counts(home) if (home / "lake.duckdb").exists() else {}
        m = measure_run(name, folder, env, args.work / f"{name}.log", args.task_runner, options)
        rows.append(m)
        digests[name] = mart_digest(home / "warehouse.duckdb")
        print(f"{name}: exit {m.exit_code} in {m.seconds:.1f} s, load average "
              f"{os.getloadavg()[0]:.2f} (log {args.work / f'{name}.log'})", flush=True)
        if m.exit_code != 0:
            break
    if {"day-20", "full-refresh"} <= set(digests):
        differ = sorted(t for t, d in digests["full-refresh"].items() if digests["day-20"][t] != d)
        print(f"full refresh vs day-20: {len(digests['day-20']) - len(differ)} public marts "
              f"equal, differing: {differ or 'none'}")
    print()
    print_table(rows, before, TARGETS if args.papers <= 10_000 else {**TARGETS, "day-20": 45.0})
    return 0 if all(m.exit_code == 0 for m in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
