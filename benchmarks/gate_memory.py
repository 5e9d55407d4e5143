"""The gate's memory on a first build: every row of a warehouse checked, alone in a process.

Copies WAREHOUSE (a published or candidate warehouse) into a temporary home with no published
warehouse, so every row is checked (as a cold run checks it), with the whole raw batch of LAKE
when given (a cold run checks all of it), and prints the expectations, seconds and the peak RSS
of this process. Run it from each checkout to compare two versions of the gate on the same file.

    python benchmarks/gate_memory.py WAREHOUSE [LAKE]
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from flows.settings import Settings
from flows.stages.validate import validate_candidate


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    raw_batch = None
    if len(sys.argv) == 3:
        with duckdb.connect(sys.argv[2], read_only=True) as con:
            raw_batch = con.execute("select * from raw_papers").df()
    with tempfile.TemporaryDirectory(prefix="gate-memory-") as home:
        candidate = Path(home) / "candidate.duckdb"
        shutil.copyfile(sys.argv[1], candidate)
        started = time.perf_counter()
        outcome = validate_candidate(Settings(home=Path(home)), candidate, run_id="gate-memory",
                                     raw_batch=raw_batch, every_row=True)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"expectations passed {outcome.passed}, failed {outcome.failed}; {seconds:.1f} s; "
          f"peak RSS {peak:.2f} GB; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
