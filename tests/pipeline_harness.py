"""Run the real ``papertrends`` CLI as subprocesses, the way an operator does.

End-to-end tests share one long-lived ``prefect server start`` (a CLI run would otherwise start
Prefect's temporary server, 15-30 s each) and one distilled embedding model; every run gets its
own ``PAPERTRENDS_HOME``. Inputs are a few recorded HF Daily Papers days copied at test time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.lib.contract import mart_names, public_marts
from tests.http_server import Reply

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "flows.cli"]
# Three small consecutive weekdays of the recorded archive (23 + 29 + 26 entries).
BASE_DAYS = ("2026-08-17", "2026-08-18")
NEW_DAY = "2026-08-19"
QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PrefectServer:
    process: subprocess.Popen
    api_url: str
    home: Path

    def stop(self) -> None:
        stop_process(self.process)


def start_prefect_server(home: Path, timeout_s: float = 240) -> PrefectServer:
    """``prefect server start`` on a free port, offline, with its own PREFECT_HOME."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, **QUIET_ENV, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as r:
                if r.status == 200:
                    return PrefectServer(proc, api_url, home)
        except OSError:
            time.sleep(0.3)
    stop_process(proc)
    raise RuntimeError(f"prefect server not ready after {timeout_s}s")


def stop_process(proc: subprocess.Popen, timeout_s: float = 20) -> None:
    """SIGTERM the process group of ``proc`` (started with a new session), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def cli_env(home: Path, api_url: str, model_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a CLI run: its own home, the shared server and model, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERTRENDS_")}
    env.update(QUIET_ENV)
    env.update(
        {
            "PAPERTRENDS_HOME": str(home),
            "PAPERTRENDS_TAGGING__MODEL_DIR": str(model_dir),
            "PAPERTRENDS_CONFIG": os.devnull,  # no developer's ./papertrends.toml
            "PREFECT_API_URL": api_url,
            "PYTHONPATH": str(REPO_ROOT),
            "COLUMNS": "200",
        }
    )
    env.update(extra)
    return env


def run_cli(args: Iterable[str], env: dict[str, str], timeout_s: float = 900):
    """Run ``papertrends *args`` to completion; returns the CompletedProcess (text output)."""
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout_s,
        cwd=REPO_ROOT,
    )


def start_cli(args: Iterable[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``papertrends *args`` in its own process group, output to ``log``."""
    return subprocess.Popen(
        [*CLI, *args], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True, cwd=REPO_ROOT,
    )


def summaries(home: Path) -> dict[str, dict]:
    """run_id -> the ``run`` record of reports/<run_id>/summary.json."""
    found = {}
    for path in (home / "reports").glob("*/summary.json"):
        try:
            found[path.parent.name] = json.loads(path.read_text())["run"]
        except (OSError, ValueError, KeyError):
            continue  # being replaced right now
    return found


def copy_days(source_dir: Path, days: Iterable[str], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for day in days:
        shutil.copy(source_dir / f"{day}.json", dest / f"{day}.json")
    return dest


def input_paper_ids(files: Iterable[Path]) -> set[str]:
    """Distinct arXiv ids of recorded HF responses (2026 shape: a JSON list of entries)."""
    ids: set[str] = set()
    for path in files:
        ids |= {entry["paper"]["id"] for entry in json.loads(path.read_text())}
    return ids


def hf_api(source_dir: Path, *, any_day: str | None = None):
    """A responder for tests.http_server: ``/api/daily_papers?date=D`` from recorded files.

    Days without a file answer ``[]`` (a weekend), or the file of ``any_day`` when given."""

    def respond(path: str, query: dict[str, str], attempt: int) -> Reply:
        if path != "/api/daily_papers":
            return Reply(404, "not found")
        file = source_dir / f"{query.get('date')}.json"
        if not file.is_file() and any_day:
            file = source_dir / f"{any_day}.json"
        return Reply(200, file.read_bytes() if file.is_file() else b"[]")

    return respond


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def paper_ids(warehouse: Path) -> list[str]:
    return [r[0] for r in query(warehouse, "select paper_id from main.dim_papers order by 1")]


def published_runs(warehouse: Path) -> set[str]:
    return {r[0] for r in query(warehouse, "select run_id from main.run_audit where published")}


def mart_contents(warehouse: Path, marts: Iterable[str] | None = None) -> dict[str, list]:
    """Every row of each mart (default: every public mart), sorted (floats rounded: thread/process
    order may differ)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for mart in mart_names() if marts is None else marts:
            cols = con.execute(f"select * from main.{mart} limit 0").description
            exprs = [
                f"round({c[0]}, 5)" if str(c[1]) in ("DOUBLE", "FLOAT") else c[0] for c in cols
            ]
            out[mart] = con.execute(
                f"select {', '.join(exprs)} from main.{mart} order by all"
            ).fetchall()
        return out
    finally:
        con.close()


# Columns that describe the run rather than the data: `dim_topics.is_new` is "founded by the run
# that built this warehouse", so two histories with the same data differ there by design.
RUN_SPECIFIC_COLUMNS = {
    name: {"is_new"} for name, mart in public_marts().items() if "is_new" in mart.columns
}


def mart_digest(warehouse: Path, exclude: dict[str, set[str]] = RUN_SPECIFIC_COLUMNS) -> dict:
    """mart -> (row count, sha256 of its sorted rows) for every public mart (flows.stages.validate.
    contract; run_audit is not one: it is the runs' log). Floats rounded to 5 decimals."""
    import hashlib

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for mart in mart_names():
            cols = con.execute(f"select * from main.{mart} limit 0").description
            exprs = [
                f"round({c[0]}, 5)" if str(c[1]) in ("DOUBLE", "FLOAT") else c[0]
                for c in cols
                if c[0] not in exclude.get(mart, set())
            ]
            sql = f"select {', '.join(exprs)} from main.{mart} order by all"
            rows = con.execute(sql).fetchall()
            out[mart] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
        return out
    finally:
        con.close()


def lake_rows(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "lake.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
