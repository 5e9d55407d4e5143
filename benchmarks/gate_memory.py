"""The gate's memory and time on one warehouse, alone in a process.

Copies WAREHOUSE (a published or candidate warehouse) into a temporary home as the candidate.
By default the home has no published warehouse, so every row is checked (as a cold run checks
it), with the whole raw batch of LAKE when given (a cold run checks all of it).
``--changed-rows``: the same file is also the home's published warehouse, stamped as having
passed this code's rules, so the gate compares every frame with the published one and checks
only the rows that differ (none): the fixed cost of a daily run's gate at that size. It runs
twice: first computing the published frames (the anchor: a published run whose gate saved no
row hashes), then reading the row hashes the first gate saved as the published run's (a daily
run after a daily run).
Prints the expectations, seconds and the peak RSS of this process. Run it from each checkout
(``PYTHONPATH=<checkout>``) to compare two versions of the gate on the same file.

    python benchmarks/gate_memory.py WAREHOUSE [LAKE] [--changed-rows]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from flows.settings import Settings
from flows.stages.fingerprint import STAMP_TABLE
from flows.stages.validate import rules_version, validate_candidate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("lake", type=Path, nargs="?")
    parser.add_argument("--changed-rows", action="store_true",
                        help="compare with the same file as the published warehouse")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    raw_batch = None
    if args.lake:
        with duckdb.connect(str(args.lake), read_only=True) as con:
            raw_batch = con.execute("select * from raw_papers").df()
    with tempfile.TemporaryDirectory(prefix="gate-memory-") as home:
        settings = Settings(home=Path(home))
        candidate = Path(home) / "candidate.duckdb"
        shutil.copyfile(args.warehouse, candidate)
        if args.changed_rows:
            shutil.copyfile(args.warehouse, settings.warehouse_path)
            with duckdb.connect(str(settings.warehouse_path)) as con:
                con.execute(f"update {STAMP_TABLE} set gate_rules = ?",  # noqa: S608
                            [rules_version(settings)])
        import great_expectations  # noqa: F401  (before the clock: a run's worker imports it while ingesting)

        gate(settings, candidate, "gate-memory", raw_batch, every_row=not args.changed_rows)
        if args.changed_rows:  # the first gate's hashes as the published run's
            with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
                [(published_run,)] = con.execute(f"select run_id from {STAMP_TABLE}").fetchall()
            (settings.gate_hashes_dir / "gate-memory").rename(
                settings.gate_hashes_dir / published_run
            )
            gate(settings, candidate, "gate-memory-2", raw_batch, every_row=False)
    return 0


def gate(settings: Settings, candidate: Path, run_id: str, raw_batch: object,
         every_row: bool) -> None:
    saved = settings.gate_hashes_dir.is_dir() and any(settings.gate_hashes_dir.iterdir())
    started = time.perf_counter()
    outcome = validate_candidate(settings, candidate, run_id=run_id, raw_batch=raw_batch,
                                 every_row=every_row)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    checked = sum(n for n, _ in outcome.changed_only.values())
    print(f"{run_id} ({'saved row hashes' if saved else 'published frames computed'}): "
          f"expectations passed {outcome.passed}, failed {outcome.failed}; {seconds:.1f} s; "
          f"peak RSS so far {peak:.2f} GB; rows checked on changed rows only: {checked} of "
          f"{sum(total for _, total in outcome.changed_only.values())}; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
