"""A run's report.html, read in headless Chromium with every network request blocked.

The promise: one page that a person can open anywhere (no network, no CDN) and that says what
the run did and why it failed: the outcome, the counts, every failed dbt test and expectation
with offending rows and the command to set those papers aside, the marts before and after.
Expected values come from the recorded input files and the published warehouse, not from the
report code.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest

from flows.lib.contract import mart_names
from tests.pipeline_harness import BASE_DAYS, input_paper_ids, query
from tests.reports.conftest import ARTIFACTS, MIN_ABSTRACT

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def entries(history) -> list[dict]:
    [path] = history.feed.glob("*.json")
    return json.loads(path.read_text())


def row_value(page, table_id: str, name: str) -> str:
    row = page.locator(f"#{table_id} tr").filter(
        has=page.locator("th, td").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")))
    return row.first.locator("td").last.inner_text().strip()


def number(text: str) -> int:
    return int(text.replace(",", ""))


def open_report(page, history, role: str):
    from playwright.sync_api import expect

    page.goto(history.report(role).as_uri())
    expect(page.locator("#outcome")).to_be_visible()
    return expect


def quarantine_ids(page) -> list[str]:
    commands = [c.inner_text() for c in page.locator("pre.command").all()]
    ids: list[str] = []
    for command in commands:
        words = shlex.split(command)
        assert words[:2] == ["papertrends", "quarantine"] and "--reason" in words, command
        ids += words[2:words.index("--reason")]
    return ids


def test_failed_run_report_names_the_failed_expectation_and_its_papers(offline_page, run_history):
    page = offline_page
    expect = open_report(page, run_history, "gx_failed")
    recorded = entries(run_history)
    summary = run_history.summary("gx_failed")

    expect(page.locator("#outcome")).to_contain_text("Not published")
    for check in summary["run"]["failed_checks"]:
        label = check.split(" -- ")[0]
        expect(page.locator("#failed-checks ~ .check h3").filter(has_text=label)).to_have_count(1)
    assert number(row_value(page, "counts", "read")) == len(recorded)
    assert number(row_value(page, "counts", "quarantined")) == 0
    assert number(row_value(page, "check-counts", "expectations failed")) >= 1

    # the command sets aside papers of this day whose abstracts are below the threshold
    short = {e["paper"]["id"] for e in recorded if len(e["paper"]["summary"]) < MIN_ABSTRACT}
    ids = quarantine_ids(page)
    assert ids and set(ids) <= short
    sample = page.locator(".check").filter(has_text="raw_batch").locator("table.sample")
    for paper_id in ids:
        expect(sample.first).to_contain_text(paper_id)
    assert page.blocked == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_of_failed_run.png"), full_page=True)

    # the failed suite's Data Docs page opens, offline too
    page.locator(".check").filter(has_text="raw_batch").get_by_role(
        "link", name="Data Docs page of this suite").first.click()
    expect(page.get_by_text("Expectation Validation Result")).to_be_visible()
    assert "raw_batch" in page.url
    assert page.blocked == []


def test_dbt_failure_report_shows_the_duplicated_paper(offline_page, run_history):
    page = offline_page
    expect = open_report(page, run_history, "dbt_failed")
    expect(page.locator("#outcome")).to_contain_text("Not published")
    check = page.locator(".check").filter(has_text="unique_dim_papers_paper_id")
    expect(check).to_have_count(1)
    expect(check).to_contain_text("dbt test")
    # the duplicated paper is one the warehouse holds; the command names it
    published = {r[0] for r in query(run_history.home / "warehouse.duckdb",
                                     "select paper_id from dim_papers")}
    ids = quarantine_ids(page)
    assert len(ids) == 1 and ids[0] in published
    expect(check.locator("table.sample")).to_contain_text(ids[0])
    # tests dbt skipped because of it are not failures of their own
    assert number(row_value(page, "check-counts", "dbt tests failed")) == page.locator(
        ".check").count()
    # validation never ran, so no expectation counts as run
    assert number(row_value(page, "check-counts", "expectations passed")) == 0
    assert page.blocked == []


def test_published_run_report_shows_counts_timings_and_mart_changes(offline_page, run_history,
                                                                    shared_data):
    page = offline_page
    expect = open_report(page, run_history, "published")
    warehouse = run_history.home / "warehouse.duckdb"
    recorded = entries(run_history)

    expect(page.locator("#outcome")).to_contain_text("Published")
    expect(page.locator("#failed-checks")).to_have_count(0)
    # the failed run had loaded this day's papers into the lake already: nothing new to load
    assert number(row_value(page, "counts", "read")) == len(recorded)
    assert number(row_value(page, "counts", "loaded (new or updated)")) == 0
    assert number(row_value(page, "counts", "unchanged")) == len(recorded)
    papers = query(warehouse, "select count(*) from dim_papers")[0][0]
    assert number(row_value(page, "counts", "papers in the warehouse")) == papers

    # dim_papers grew by this day's papers that the base days did not have
    base = input_paper_ids(shared_data / "hf-daily-papers" / f"{d}.json" for d in BASE_DAYS)
    new = {e["paper"]["id"] for e in recorded} - base
    marts = page.locator("#marts tr").filter(has_text="dim_papers").first.locator("td")
    before, after, change = (marts.nth(i).inner_text() for i in (1, 2, 3))
    assert (number(after), number(before)) == (papers, papers - len(new))
    assert change.strip() == f"+{len(new)}"
    for mart in (m for m in mart_names() if m != "dim_papers"):
        rows = query(warehouse, f"select count(*) from {mart}")[0][0]
        cells = page.locator("#marts tr").filter(
            has=page.get_by_role("cell", name=mart, exact=True))
        assert number(cells.locator("td").nth(2).inner_text()) == rows, mart

    stages = [s.strip() for s in page.locator("#stages tbody tr td:first-child").all_inner_texts()]
    assert stages == ["ingest", "tag", "transform", "validate", "publish"]
    versions = page.locator("#versions").inner_text()
    assert "great-expectations" in versions and "dbt-core" in versions
    assert re.search(r"configuration hash\s+[0-9a-f]{12}", versions)
    expect(page.locator("#docs-pages li")).not_to_have_count(0)
    assert page.blocked == []
