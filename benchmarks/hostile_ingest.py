"""What hostile input costs at ingest: `papertrends ingest` over good files vs good + hostile.

Builds two folders of hf-daily files with ``tests/hostile_inputs.py`` (never the shared data
beyond one recorded day): (a) one recorded day plus the good records of every hostile case,
(b) the same plus every hf-daily hazard (a gzip bomb of --bomb-mb, multi-MB abstracts, entity
soup, deep nesting, path-like ids...). Each is ingested by the real CLI into a fresh
PAPERTRENDS_HOME; the script prints the seconds, the peak RSS of the CLI process and its
children (``RUSAGE_CHILDREN``), and the counts. Both runs talk to one ``prefect server start``
the script starts (no temporary server in the figures). The machine is shared: the load is
printed with the figures.

    python benchmarks/hostile_ingest.py [--data ../shared/data] [--bomb-mb 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.hostile_inputs import MB, Case, Context, cases, merge_case_files  # noqa: E402
from tests.pipeline_harness import start_prefect_server  # noqa: E402

RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def _good_only(chosen: list[Case]) -> list[Case]:
    """The good records of each case, as files of their own (hf-daily entries)."""
    from tests.hostile_inputs import good_abstract, good_title, hf_entry, hf_json

    entries = []
    for case in chosen:
        for pid in case.loaded:
            n = int(pid.split(".")[1][1:])
            entries.append(hf_entry(pid, good_title(n), good_abstract(n)))
    return [Case("good", "hf-daily", {"2026-07-01.json": hf_json(entries)}, [], [])]


def _ingest(folder: Path, home: Path, api_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERTRENDS_")}
    env.update({"PAPERTRENDS_HOME": str(home), "PAPERTRENDS_CONFIG": os.devnull,
                "PYTHONPATH": str(REPO_ROOT), "PREFECT_API_URL": api_url})
    rss = home.parent / f"{home.name}.rss"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, str(rss), sys.executable, "-m", "flows.cli",
         "ingest", "--source", "hf-daily", "--input", str(folder)],
        env=env, capture_output=True, text=True, cwd=REPO_ROOT,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(int(rss.read_text()) / 1024),
            "counts": done.stdout.strip().splitlines()[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--bomb-mb", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp:
        base = Path(tmp)
        secret = base / "secret.txt"
        secret.write_text("secret")
        context = Context(secret, "http://127.0.0.1:9", bomb_bytes=args.bomb_mb * MB)
        chosen = [c for c in cases(context) if c.source == "hf-daily"]
        real = (args.data / "hf-daily-papers" / "2026-08-17.json").read_bytes()
        results = {}
        server = start_prefect_server(base / "prefect", timeout_s=300)
        try:
            for label, folder_cases in (("good", _good_only(chosen)), ("good+hostile", chosen)):
                folder = merge_case_files(folder_cases, base / label / "input")
                (folder / "2026-08-17.json").write_bytes(real)
                size = sum(p.stat().st_size for p in folder.iterdir())
                results[label] = {"input_mb": round(size / MB, 1),
                                  **_ingest(folder, base / label / "home", server.api_url)}
        finally:
            server.stop()
    print(json.dumps({"uptime": os.getloadavg(), **results}, indent=2))


if __name__ == "__main__":
    main()
