"""Running it like production: `papertrends serve` fires its cron schedule on a real Prefect
server, `papertrends backfill` is idempotent over the live API, prefect.yaml deploys the same
daily deployment."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime

import httpx
import pytest

from flows.schedule import DEPLOYMENT_NAME, previous_day
from flows.settings import ScheduleSettings
from tests.http_server import serve
from tests.pipeline_harness import (
    BASE_DAYS,
    NEW_DAY,
    QUIET_ENV,
    REPO_ROOT,
    cli_env,
    hf_api,
    input_paper_ids,
    paper_ids,
    query,
    run_cli,
    start_cli,
    stop_process,
    summaries,
)

FLOW_NAME = "daily"


def test_previous_day_is_yesterday_in_utc():
    assert previous_day(datetime(2026, 3, 1, 0, 30, tzinfo=UTC)) == date(2026, 2, 28)
    assert previous_day(datetime(2026, 1, 1, 23, 59, tzinfo=UTC)) == date(2025, 12, 31)


def test_serve_refuses_without_a_long_lived_prefect_server(tmp_path):
    env = {**cli_env(tmp_path / "home", "", tmp_path / "models"), "PREFECT_HOME": str(tmp_path)}
    env.pop("PREFECT_API_URL")
    done = run_cli(["serve"], env, timeout_s=120)
    assert done.returncode == 2
    assert "prefect server start" in done.stderr and "PREFECT_API_URL" in done.stderr


@pytest.mark.slow
def test_backfill_twice_over_the_live_api_adds_no_papers(home_copy, shared_data, prefect_server,
                                                         model_dir):
    # home_copy was built by `papertrends backfill` over BASE_DAYS from the same local API
    warehouse = home_copy / "warehouse.duckdb"
    (first,) = summaries(home_copy).values()
    expected = sorted(input_paper_ids(shared_data / "hf-daily-papers" / f"{d}.json"
                                      for d in BASE_DAYS))
    assert first["loaded"] == len(expected) and paper_ids(warehouse) == expected
    lake = home_copy / "lake.duckdb"
    n_lake = query(lake, "select count(*) from papers")[0][0]

    with serve(hf_api(shared_data / "hf-daily-papers")) as api:
        env = cli_env(home_copy, prefect_server.api_url, model_dir,
                      PAPERTRENDS_INGEST__HF_API_URL=f"{api.url}/api/daily_papers")
        done = run_cli(["backfill", "--since", BASE_DAYS[0], "--until", BASE_DAYS[-1]], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(q["date"] for _, q in api.requests) == sorted(BASE_DAYS)

    (second,) = (r for run_id, r in summaries(home_copy).items() if r["run_id"] != first["run_id"])
    assert second["read"] == first["read"] and second["loaded"] == 0
    assert second["tagged"] == 0  # nothing new: no paper embedded or tagged again
    assert paper_ids(warehouse) == expected
    assert query(lake, "select count(*) from papers")[0][0] == n_lake


def _flow_runs(api_url: str) -> list[dict]:
    body = {"deployments": {"name": {"any_": [DEPLOYMENT_NAME]}}}
    return httpx.post(f"{api_url}/flow_runs/filter", json=body, timeout=10).json()


def _delete_deployment(api_url: str) -> None:
    found = httpx.get(f"{api_url}/deployments/name/{FLOW_NAME}/{DEPLOYMENT_NAME}", timeout=10)
    if found.status_code == 200:
        httpx.delete(f"{api_url}/deployments/{found.json()['id']}", timeout=10)


@pytest.mark.slow
def test_serve_fires_the_schedule_and_the_daily_run_publishes_yesterday(
    shared_data, prefect_server, model_dir, tmp_path
):
    api_url = prefect_server.api_url
    home = tmp_path / "home"
    warehouse = home / "warehouse.duckdb"
    expected = input_paper_ids([shared_data / "hf-daily-papers" / f"{NEW_DAY}.json"])
    started = datetime.now(UTC)
    # whatever day it is asked for, the local API answers with the recorded NEW_DAY
    with serve(hf_api(shared_data / "hf-daily-papers", any_day=NEW_DAY)) as api:
        env = cli_env(home, api_url, model_dir,
                      PAPERTRENDS_INGEST__HF_API_URL=f"{api.url}/api/daily_papers")
        log = tmp_path / "serve.log"
        server = start_cli(["serve", "--cron", "* * * * *"], env, log)
        try:
            deadline = time.monotonic() + 200
            done = None
            while done is None and time.monotonic() < deadline:
                assert server.poll() is None, log.read_text()
                runs = [r for r in _flow_runs(api_url) if r["auto_scheduled"]]
                finished = [r for r in runs if r["state"]["type"] in ("COMPLETED", "FAILED",
                                                                     "CRASHED")]
                done = finished[0] if finished else None
                time.sleep(1)
            assert done is not None, f"no scheduled run finished: {log.read_text()[-3000:]}"
            assert done["state"]["type"] == "COMPLETED", log.read_text()[-3000:]
        finally:
            stop_process(server)
            _delete_deployment(api_url)

    # the scheduled run asked the API for yesterday (UTC) and published what it got
    asked = {q["date"] for _, q in api.requests}
    assert asked and asked <= {str(previous_day(started)), str(previous_day())}
    assert set(paper_ids(warehouse)) == expected
    (run,) = summaries(home).values()
    assert run["status"] == "published"
    assert query(warehouse, "select run_id from run_audit where published") == [(run["run_id"],)]
    assert f"run {run['run_id']}" in log.read_text()  # Prefect logs carry the run id


def test_prefect_yaml_deploys_the_daily_flow_on_the_default_schedule(prefect_server, tmp_path):
    api_url = prefect_server.api_url
    env = {**QUIET_ENV, "PATH": str(REPO_ROOT / ".venv" / "bin") + ":/usr/bin:/bin",
           "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": api_url, "PAPERTRENDS_REPO": str(REPO_ROOT),
           "PYTHONPATH": str(REPO_ROOT)}
    prefect = [sys.executable, "-m", "prefect"]
    pool = subprocess.run([*prefect, "work-pool", "create", "papertrends", "--type", "process"],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    try:
        deployed = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"], env=env,
                                  cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        found = httpx.get(f"{api_url}/deployments/name/{FLOW_NAME}/{DEPLOYMENT_NAME}", timeout=10)
        assert found.status_code == 200, found.text
        deployment = found.json()
        assert deployment["entrypoint"] == "flows/schedule.py:daily_flow"
        assert deployment["work_pool_name"] == "papertrends"
        (schedule,) = deployment["schedules"]
        assert schedule["schedule"]["cron"] == ScheduleSettings().cron
        assert schedule["schedule"]["timezone"] == ScheduleSettings().timezone
    finally:
        _delete_deployment(api_url)
        httpx.delete(f"{api_url}/work_pools/papertrends", timeout=10)


def test_ingest_task_retries_a_feed_that_is_down(prefect_harness, settings, shared_data):
    from prefect import flow

    from flows.pipeline import RunRequest, ingest_task, new_run_id
    from tests.http_server import Reply

    recorded = shared_data / "hf-daily-papers" / f"{NEW_DAY}.json"
    day = date.fromisoformat(NEW_DAY)

    def down_then_up(path: str, query: dict[str, str], attempt: int) -> Reply:
        return Reply(503, "busy") if attempt == 1 else Reply(200, recorded.read_bytes())

    with serve(down_then_up) as api:
        settings.ingest = settings.ingest.model_copy(update={
            "hf_api_url": f"{api.url}/api/daily_papers", "http_retries": 1,
            "http_backoff_s": 0.0})

        @flow
        def one_day():
            task = ingest_task.with_options(retry_delay_seconds=0)
            return task(settings, RunRequest(since=day, until=day), new_run_id())

        counts = one_day()
    # the HTTP client gave up after its one attempt (FetchError); Prefect retried the task
    assert [q["date"] for _, q in api.requests] == [NEW_DAY, NEW_DAY]
    assert counts.new == len(input_paper_ids([recorded])) and counts.quarantined == 0
