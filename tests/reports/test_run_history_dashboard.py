"""The dashboard's run history over five real runs, in headless Chromium (network blocked).

The promise: an operator sees the last runs (published or not, papers added, failed checks,
time per stage) and reaches each run's report from there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flows.journal.record import RunRecord
from tests.browser import dashboard_app, settle, wait_healthy
from tests.reports.conftest import ARTIFACTS

pytestmark = [pytest.mark.slow, pytest.mark.browser]
WAIT_MS = 60_000  # the app renders charts slowly on a loaded machine


@pytest.fixture(scope="module")
def dashboard(run_history, tmp_path_factory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("history-app") / "streamlit.log"
    with dashboard_app(run_history.settings, log) as (url, proc):
        wait_healthy(url, proc)
        yield url


def test_run_history_lists_runs_and_opens_their_reports(offline_page, dashboard, run_history):
    from playwright.sync_api import expect

    page = offline_page
    page.goto(f"{dashboard}/runs")
    expect(page.get_by_role("heading", name="Run history")).to_be_visible(timeout=WAIT_MS)
    settle(page)
    runs = {role: RunRecord.from_dict(run_history.summary(role)["run"])
            for role in run_history.runs}
    n_published = sum(r.published for r in runs.values())
    expect(page.get_by_text(f"{len(runs)} runs, {n_published} published, "
                            f"{len(runs) - n_published} not")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(3, timeout=WAIT_MS)

    table = page.locator('[data-testid="stMain"] table').last
    for role, record in runs.items():
        short = record.run_id.rsplit("-", 1)[1]
        row = table.locator("tr").filter(has=page.get_by_role("link", name=short, exact=True))
        expect(row).to_have_count(1, timeout=WAIT_MS)
        cells = row.locator("td")
        expect(cells.nth(2)).to_have_text(record.status)
        expect(cells.nth(3)).to_have_text("yes" if record.published else "no")
        expect(cells.nth(6)).to_have_text(str(record.expectations_failed))
        expect(cells.nth(7)).to_have_text(str(record.dbt_tests_failed))
        if role == "published":
            added = record.mart_rows["dim_papers"]["after"] - record.mart_rows["dim_papers"][
                "before"]
            expect(cells.nth(5)).to_have_text(str(added))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "run_history_table.png"), full_page=True)

    failed = runs["gx_failed"]
    href = table.get_by_role("link", name=failed.run_id.rsplit("-", 1)[1]).get_attribute("href")
    page.goto(f"{dashboard}/{href.lstrip('./')}")
    expect(page.get_by_role("heading", name=f"Run {failed.run_id}")).to_be_visible(
        timeout=WAIT_MS)
    report = page.frame_locator("iframe").first
    expect(report.locator("#outcome")).to_contain_text("Not published", timeout=WAIT_MS)
    label = failed.failed_checks[0].split(" -- ")[0]
    expect(report.locator(".check h3").filter(has_text=label)).to_have_count(1)
    assert page.blocked == []
