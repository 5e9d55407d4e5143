"""Cost of a run: the whole pipeline over the HF Daily Papers archive of ../shared/data.

Three runs of the real CLI (`papertrends run --input ...`) in one fresh PAPERTRENDS_HOME:

1. cold build: every day of the archive but the last (nothing in the lake yet);
2. incremental: the same folder plus the last day (one new day of papers);
3. no-op: the same input again (nothing new: no embeddings, no new tags).

For each run: seconds per stage (from the moment the run's ``reports/<run_id>/summary.json`` enters
a stage to the moment it enters the next; ``start`` is process start to ingest, ``publish`` ends
when the process exits, so it includes the report and shutdown), total seconds, peak RSS of the
process tree (psutil, sampled), and what changed (papers, tags, cached embeddings, publishes).

    python benchmarks/pipeline_cost.py [--data ../shared/data] [--home /tmp/pt-bench]
                                       [--model-dir DIR] [--task-runner threads|dask]

Set PREFECT_API_URL to a long-lived `prefect server start` to leave out the 15-30 s a CLI run
spends starting Prefect's temporary server (that time is in the ``start`` column otherwise).
The embedding model is distilled once per machine into --model-dir (default
$PAPERTRENDS_HOME/models): pass a folder that already holds it to leave that out too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil

from flows.journal.summary import load_summary, summary_paths

REPO_ROOT = Path(__file__).resolve().parent.parent
STAGES = ("start", "ingest", "tag", "transform", "validate", "publish")
TARGETS = {"cold": 600.0, "incremental": 60.0}


@dataclass
class Measure:
    name: str
    exit_code: int = 0
    seconds: float = 0.0
    stage_s: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    run: dict = field(default_factory=dict)
    lake: dict[str, int] = field(default_factory=dict)
    warehouse_papers: int = 0


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def new_summary(home: Path, known: set[str]) -> tuple[str, dict] | None:
    for path in summary_paths(home / "reports"):
        if path.parent.name in known:
            continue
        try:
            return path.parent.name, load_summary(path)["run"]
        except (OSError, ValueError, KeyError):
            return None
    return None


def lake_counts(home: Path) -> dict[str, int]:
    con = duckdb.connect(str(home / "lake.duckdb"), read_only=True)
    try:
        return {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("papers", "paper_keywords", "doc_embeddings", "phrase_embeddings")
        }
    finally:
        con.close()


def warehouse_papers(home: Path) -> int:
    path = home / "warehouse.duckdb"
    if not path.exists():
        return 0
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from main.dim_papers").fetchone()[0]
    finally:
        con.close()


def measure_run(name: str, folder: Path, env: dict[str, str], log: Path, runner: str,
                options: list[str] | None = None) -> Measure:
    home = Path(env["PAPERTRENDS_HOME"])
    known = {p.name for p in (home / "reports").glob("*")} if (home / "reports").exists() else set()
    cmd = [sys.executable, "-m", "flows.cli", "run", "--input", str(folder),
           "--task-runner", runner, *(options or [])]
    t0 = time.monotonic()
    entered: dict[str, float] = {"start": 0.0}
    peak = 0
    with log.open("wb") as out:
        popen = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        proc = psutil.Process(popen.pid)
        while popen.poll() is None:
            peak = max(peak, tree_rss(proc))
            found = new_summary(home, known)
            stage = found[1].get("stage") if found else None
            if stage and stage not in entered:
                entered[stage] = time.monotonic() - t0
            time.sleep(0.05)
    total = time.monotonic() - t0
    m = Measure(name, popen.returncode, total, peak_rss_mb=peak / 2**20)
    order = [s for s in STAGES if s in entered]
    for here, nxt in zip(order, [*order[1:], None], strict=True):
        m.stage_s[here] = (entered[nxt] if nxt else total) - entered[here]
    found = new_summary(home, known)
    m.run = found[1] if found else {}
    m.lake = lake_counts(home)
    m.warehouse_papers = warehouse_papers(home)
    return m


def link_days(files: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        (folder / f.name).symlink_to(f.resolve())
    return folder


def print_table(rows: list[Measure], before: dict[str, dict[str, int]],
                targets: dict[str, float] = TARGETS) -> None:
    head = ["run", *[f"{s} s" for s in STAGES], "total s", "peak RSS MB", "papers",
            "new tags", "new doc emb", "published", "target"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for m in rows:
        prev = before[m.name]
        target = targets.get(m.name)
        verdict = "" if target is None else ("ok" if m.seconds <= target else "MISSED") + (
            f" (< {target:.0f} s)")
        cells = [
            m.name,
            *[f"{m.stage_s[s]:.1f}" if s in m.stage_s else "-" for s in STAGES],
            f"{m.seconds:.1f}",
            f"{m.peak_rss_mb:.0f}",
            str(m.warehouse_papers),
            str(m.lake["paper_keywords"] - prev.get("paper_keywords", 0)),
            str(m.lake["doc_embeddings"] - prev.get("doc_embeddings", 0)),
            "yes" if m.run.get("published") else f"no ({m.run.get('status')})",
            verdict,
        ]
        print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--home", type=Path, default=None, help="fresh folder (default: a tmp)")
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--task-runner", default="threads", choices=["threads", "dask"])
    parser.add_argument("--resume", action="store_true",
                        help="--home holds a cold build of all days but the last: skip it")
    args = parser.parse_args()

    days = sorted((args.data / "hf-daily-papers").glob("*.json"))
    if not days:
        print(f"no HF Daily Papers archive under {args.data}: skipped", file=sys.stderr)
        return 0
    work = Path(tempfile.mkdtemp(prefix="pt-cost-"))
    home = args.home or work / "home"
    if args.resume and not (home / "lake.duckdb").exists():
        parser.error(f"--resume: no lake in --home {home}")
    if not args.resume and home.exists() and any(home.iterdir()):
        parser.error(f"--home {home} is not empty: the cold build needs a fresh home")
    env = {**os.environ, "PAPERTRENDS_HOME": str(home), "DO_NOT_TRACK": "1",
           "GX_ANALYTICS_ENABLED": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": str(REPO_ROOT)}
    if args.model_dir:
        env["PAPERTRENDS_TAGGING__MODEL_DIR"] = str(args.model_dir)
    all_but_last = link_days(days[:-1], work / "all-but-last")
    everything = link_days(days, work / "all")

    print(f"archive: {len(days)} days, last {days[-1].stem}; home {home}; "
          f"task runner {args.task_runner}; PREFECT_API_URL={env.get('PREFECT_API_URL', '-')}")
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f} at start")
    rows: list[Measure] = []
    before: dict[str, dict[str, int]] = {}
    plan = [("cold", all_but_last), ("incremental", everything), ("no-op", everything)]
    for name, folder in plan[1:] if args.resume else plan:
        before[name] = rows[-1].lake if rows else (lake_counts(home) if args.resume else {})
        m = measure_run(name, folder, env, work / f"{name}.log", args.task_runner)
        rows.append(m)
        print(f"{name}: exit {m.exit_code} in {m.seconds:.1f} s (log {work / f'{name}.log'})",
              flush=True)
        if m.exit_code not in (0, 1):  # 1: ran, did not publish (failed checks): keep going
            break
    print(f"load average {os.getloadavg()[0]:.2f} at the end\n")
    print_table(rows, before)
    return 0 if all(m.exit_code == 0 for m in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
