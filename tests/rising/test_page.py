"""The dashboard's rising page in a real browser, over the constructed history's warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.settings import Settings
from tests.browser import BROWSER_MARKS, choose, dashboard_app, main_text, settle, wait_healthy

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def app(rising_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    home = tmp_path_factory.mktemp("rising-dashboard") / "home"
    settings = Settings(home=home)
    settings.ensure_home()
    shutil.copyfile(rising_home / "warehouse.duckdb", settings.warehouse_path)
    with dashboard_app(settings, tmp_path_factory.getbasetemp() / "streamlit-rising.log") as (
        url, proc
    ):
        wait_healthy(url, proc)
        yield {"url": url, "settings": settings}


def test_rising_page_lists_only_rising_topics_with_their_evidence(page, app: dict) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{app['url']}/rising")
    # the first page of a fresh app imports streamlit's modules: allow a loaded machine time
    expect(page.get_by_role("heading", name="Rising topics")).to_be_visible(timeout=90_000)
    settle(page)
    page.get_by_test_id("stRadioGroup").get_by_text("month", exact=True).click()
    settle(page)
    choose(page, "Month starting", f"{date(2025, 4, 1):%Y-%m-%d}")
    headings = page.locator('[data-testid="stMain"] h3')
    expect(headings).to_have_count(1)
    expect(headings.first).to_contain_text("speculative decoding")
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text(
        "20 papers, 20.0% of the month (before: 10.0%, 30 papers in the previous 3 months)")
    expect(main).to_contain_text("A study of speculative decoding number")  # the papers behind it
    text = main_text(page)
    assert "kv cache eviction" not in text and "protein folding" not in text

    choose(page, "Month starting", f"{date(2025, 5, 1):%Y-%m-%d}")
    expect(page.get_by_text("No topic is rising in this month.")).to_be_visible()
    expect(page.locator('[data-testid="stMain"] h3')).to_have_count(0)
