"""A run history built by the real pipeline: six `papertrends` CLI runs, two of them failed.

Starts from the session's ``published_home`` (run 1: `backfill` over the two BASE_DAYS), then
runs the CLI on a private copy, as an operator would (shared Prefect server, cached model):

2. NEW_DAY with ``validation.min_median_abstract_chars = 5000``: the unpublished raw batch
   fails GX's feed-shape expectation (it names the short abstracts), so the run is not
   published (``gx_failed``);
3. NEW_DAY again with a dbt project whose ``dim_papers`` repeats a paper: the ``unique`` dbt test
   fails and validation never runs (``dbt_failed``);
4. NEW_DAY cleanly: published, it adds that day's papers (``published``);
5. the same again, its file touched (same content): the run reads it, finds nothing changed and
   is skipped: nothing built or published (``skipped``);
6. the same again, with ``PREFECT_API_URL`` naming a server that is not there: the same files
   as the last run read, so it is skipped before Prefect starts (``skipped_early``);
7. the same with ``--full-refresh``: built and published anyway (``full_refresh``).

``published_digests`` holds the public marts' digests after run 4 and after run 6.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.settings import Settings
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS
from tests.browser import browser_page
from tests.pipeline_harness import NEW_DAY, cli_env, copy_days, mart_digest, run_cli

MIN_ABSTRACT = 5000
NO_PREFECT = "http://127.0.0.1:9/api"  # nothing listens there: a run that needs Prefect fails


@dataclass
class RunHistory:
    home: Path
    settings: Settings
    feed: Path  # the folder of NEW_DAY's recorded file
    runs: dict[str, str]  # role -> run id: first, gx_failed, dbt_failed, published, skipped,
    # skipped_early, full_refresh
    published_digests: dict[str, dict]  # role -> mart_digest of the warehouse after that run
    warehouse_inode: dict[str, int]  # role -> inode of warehouse.duckdb after that run

    def summary(self, role: str) -> dict:
        path = self.home / "reports" / self.runs[role] / "summary.json"
        return json.loads(path.read_text())

    def report(self, role: str) -> Path:
        return self.home / "reports" / self.runs[role] / "report.html"


def _duplicating_dbt_project(root: Path) -> Path:
    """A copy of the dbt project whose dim_papers lists one paper twice."""
    project = root / "dbt-duplicate"
    shutil.copytree(Settings().transform.dbt_project_dir, project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    model = project / "models" / "marts" / "dim_papers.sql"
    sql = model.read_text().rstrip()
    assert sql.endswith("select * from final"), "dim_papers.sql no longer ends as expected"
    model.write_text(sql.removesuffix("select * from final")
                     + "select * from final union all (select * from final limit 1)\n")
    return project


def _new_run(home: Path, known: set[str]) -> str:
    [run_id] = {p.parent.name for p in (home / "reports").glob("*/summary.json")} - known
    known.add(run_id)
    return run_id


@pytest.fixture(scope="session")
def run_history(published_home, prefect_server, model_dir, shared_data,
                tmp_path_factory) -> RunHistory:
    root = tmp_path_factory.mktemp("run-history")
    home = Path(shutil.copytree(published_home, root / "home"))
    feed = copy_days(shared_data / "hf-daily-papers", [NEW_DAY], root / "feed")
    known: set[str] = set()
    runs = {"first": _new_run(home, known)}
    plans = [  # role, exit code, environment, further CLI options
        ("gx_failed", 1,
         {"PAPERTRENDS_VALIDATION__MIN_MEDIAN_ABSTRACT_CHARS": str(MIN_ABSTRACT)}, []),
        ("dbt_failed", 1,
         {"PAPERTRENDS_TRANSFORM__DBT_PROJECT_DIR": str(_duplicating_dbt_project(root))}, []),
        ("published", 0, {}, []),
        ("skipped", 0, {}, []),
        ("skipped_early", 0, {"PREFECT_API_URL": NO_PREFECT}, []),
        ("full_refresh", 0, {}, ["--full-refresh"]),
    ]
    digests, inodes = {}, {}
    for role, code, extra, options in plans:
        if role == "skipped":
            for path in feed.iterdir():  # same bytes, a new modification time
                os.utime(path)
        env = cli_env(home, prefect_server.api_url, model_dir, **extra)
        done = run_cli(["run", "--input", str(feed), *options], env, timeout_s=600)
        assert done.returncode == code, f"{role}: {done.stdout}\n{done.stderr}"
        runs[role] = _new_run(home, known)
        inodes[role] = (home / "warehouse.duckdb").stat().st_ino
        if role in ("published", "full_refresh"):
            digests[role] = mart_digest(home / "warehouse.duckdb")
    return RunHistory(home=home, settings=Settings(home=home), feed=feed, runs=runs,
                      published_digests=digests, warehouse_inode=inodes)


# ----------------------------------------------------------------------------- offline browser

ARTIFACTS = BROWSER_ARTIFACTS / "reports"


@pytest.fixture
def offline_page(chromium, request: pytest.FixtureRequest):
    """A page whose every request other than file:// and 127.0.0.1 is aborted and recorded in
    ``page.blocked``; a full-page screenshot goes to test-artifacts/reports/<test>.png."""
    with browser_page(chromium, ARTIFACTS / f"{request.node.name}.png", offline=True,
                      viewport=(1280, 900)) as page:
        yield page
