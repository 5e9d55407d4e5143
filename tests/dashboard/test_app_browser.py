"""The dashboard in a real browser: headless Chromium (Debian `chromium`) driven by Playwright.

The app runs as a subprocess (``flows.read.dashboard.dashboard_command``) on 127.0.0.1 on a
free port, over a published copy of the test warehouse; every expected value is computed from
that warehouse by SQL here. Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.settings import Settings
from tests.browser import (
    BROWSER_MARKS,
    choose,
    dashboard_app,
    settle,
    table_row,
    wait_healthy,
)
from tests.dashboard.runs import copy_with_run_id, write_summary

pytestmark = BROWSER_MARKS


def sql(settings: Settings, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict]:
    home = tmp_path_factory.mktemp("dashboard") / "home"
    settings = Settings(home=home)
    settings.ensure_home()
    # the app starts while the test warehouse is built: it reads the file per query anyway
    log = tmp_path_factory.getbasetemp() / "streamlit.log"
    with dashboard_app(settings, log) as (url, proc):
        shutil.copyfile(request.getfixturevalue("test_warehouse"), settings.warehouse_path)
        published = sql(settings, "select run_id from run_audit where published "
                                  "order by finished_at desc limit 1")[0][0]
        now = datetime.now(UTC)
        write_summary(settings.reports_dir, published, status="published", published=True,
                      finished_at=now - timedelta(hours=1))
        write_summary(settings.reports_dir, "run-failed-latest", status="failed",
                      published=False, finished_at=now,
                      failed_checks=["fct_claims: value out of range"])
        wait_healthy(url, proc)
        yield {"url": url, "settings": settings, "published_run": published}


def open_page(page, app: dict, path: str, heading: str):
    from playwright.sync_api import expect

    page.goto(f"{app['url']}/{path}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    settle(page)
    return expect


def test_topic_trends_page_shows_the_latest_window(page, app: dict) -> None:
    settings = app["settings"]
    expect = open_page(page, app, "", "Topic trends")
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    page.get_by_test_id("stRadioGroup").get_by_text("month", exact=True).click()
    settle(page)
    # the page shows themes by default (tests/dashboard/test_trends_browser.py: drill-down)
    label, n_papers = sql(settings, """
        with top as (select theme_id, label from dim_themes order by n_papers desc, label
                     limit 1)
        select top.label, t.n_papers from fct_theme_trends t join top using (theme_id)
        where t.grain = 'month' order by t.window_start desc limit 1""")[0]
    latest = sql(settings, "select max(window_start) from fct_theme_trends where grain = 'month'")
    expect(page.get_by_role("heading", name=re.compile(f"Latest month: {latest[0][0]:%Y-%m-%d}"))
           ).to_be_visible()
    # the month table replaces the week one: poll until the row shows the month's figure
    expect(table_row(page, label).locator("td, th").nth(1)).to_have_text(str(n_papers))


def test_keyword_search_shows_keyphrases_and_topics(page, app: dict) -> None:
    settings = app["settings"]
    expect = open_page(page, app, "search", "Keyword search")
    title, phrase, topic = sql(settings, """
        select p.title, k.keyphrase, d.label
        from dim_papers p join fct_paper_keywords k using (paper_id)
        join dim_topics d on d.topic_id = p.primary_topic_id
        where k.rank = 1 order by p.upvotes desc, p.paper_id limit 1""")[0]
    n = sql(settings, """
        select count(*) from dim_papers p where contains(lower(p.title), ?)
           or contains(lower(p.abstract), ?)
           or exists (select 1 from fct_paper_keywords k
                      where k.paper_id = p.paper_id and contains(k.keyphrase, ?))""",
            [phrase] * 3)[0][0]
    box = page.get_by_label("Search titles, abstracts and keyphrases")
    box.fill(phrase)
    box.press("Enter")
    expect(page.get_by_text(f"{n} papers match")).to_be_visible()
    first = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=title).first
    expect(first).to_be_visible()
    text = first.inner_text()
    assert phrase in text and topic in text
    assert first.get_by_role("link", name="arXiv").count() == 1


def test_claims_explorer_filters_by_unit_and_sorts_by_value(page, app: dict) -> None:
    settings = app["settings"]
    expect = open_page(page, app, "claims", "Claims explorer")
    unit, n = sql(settings, """select unit, count(*) from fct_claims where unit <> ''
                               group by 1 order by 2 asc, 1 limit 1""")[0]
    choose(page, "Unit", unit)
    expect(page.get_by_text(re.compile(rf"^{n} claims match"))).to_be_visible()
    sentence, title, arxiv_url = sql(settings, """
        select c.sentence, p.title, p.arxiv_url from fct_claims c join dim_papers p
        using (paper_id) where c.unit = ?
        order by c.value desc nulls last, p.upvotes desc nulls last, c.claim_id limit 1""",
                                     [unit])[0]
    first = page.locator('[data-testid="stMarkdownContainer"]').filter(
        has=page.locator("blockquote")).first
    expect(first).to_contain_text(sentence[:60])
    expect(first).to_contain_text(title)
    assert first.get_by_role("link", name="arXiv").get_attribute("href") == arxiv_url


def test_run_status_shows_the_failed_latest_run_banner(page, app: dict) -> None:
    expect = open_page(page, app, "status", "Run status")
    banner = page.locator('[data-testid="stAlert"]').first
    expect(banner).to_contain_text("run-failed-latest")
    expect(banner).to_contain_text(app["published_run"])
    expect(banner).to_contain_text("fct_claims: value out of range")
    docs = app["settings"].reports_dir / app["published_run"] / "data_docs" / "index.html"
    assert page.get_by_role("link", name="index.html").first.get_attribute("href") == (
        docs.as_uri())
    expect(page.locator('[data-testid="stCode"]').first).to_contain_text(str(docs))


def test_keeps_serving_while_a_run_publishes(page, app: dict, tmp_path: Path) -> None:
    settings = app["settings"]
    copies = [copy_with_run_id(settings.warehouse_path, tmp_path / f"w{i}.duckdb", f"run-swap-{i}")
              for i in range(2)]
    stop = threading.Event()

    def publish_repeatedly() -> None:
        i = 0
        while not stop.is_set():
            staging = settings.warehouse_path.with_name("candidate.duckdb")
            shutil.copyfile(copies[i % 2], staging)
            os.replace(staging, settings.warehouse_path)
            i += 1
            stop.wait(0.05)

    thread = threading.Thread(target=publish_repeatedly)
    thread.start()
    try:
        for path, heading in (("", "Topic trends"), ("claims", "Claims explorer")):
            open_page(page, app, path, heading)
            settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        stop.set()
        thread.join()
    final = copy_with_run_id(settings.warehouse_path, tmp_path / "final.duckdb", "run-final")
    os.replace(final, settings.warehouse_path)
    expect = open_page(page, app, "status", "Run status")
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Published run run-final")
    expect(table_row(page, "run_id")).to_contain_text("run-final")

    # the published file gone (a wiped home): a clear message instead of an error
    os.replace(settings.warehouse_path, tmp_path / "away.duckdb")
    page.goto(f"{app['url']}/claims")
    expect(page.get_by_text("No published warehouse yet")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    os.replace(tmp_path / "away.duckdb", settings.warehouse_path)
