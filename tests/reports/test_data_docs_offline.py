"""GX Data Docs work without network access: the index lists every validation of the run.

GX's own index renders its list with jQuery/Bootstrap from CDNs and shows nothing offline; the
promise is that a run's ``data_docs/index.html``, opened with every network request blocked,
lists each suite the checkpoint validated and links to its page.
"""

from __future__ import annotations

import pytest

from tests.reports.conftest import ARTIFACTS

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_blocking_is_real(offline_page, tmp_path):
    """The route in offline_page aborts remote requests (so the tests below can fail)."""
    page = tmp_path / "remote.html"
    page.write_text('<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js">'
                    "</script></head><body>x</body></html>")
    offline_page.goto(page.as_uri())
    assert offline_page.blocked == ["https://code.jquery.com/jquery-3.7.1.min.js"]


@pytest.mark.parametrize("role", ["gx_failed", "published"])
def test_data_docs_index_lists_every_validation_offline(offline_page, run_history, role):
    from playwright.sync_api import expect

    page = offline_page
    summary = run_history.summary(role)
    docs = run_history.home / "reports" / run_history.runs[role] / "data_docs"
    suites = {r["suite"] for r in summary["validation"]["results"]}
    failed = {r["suite"] for r in summary["validation"]["results"] if not r["success"]}
    on_disk = sorted((docs / "validations").rglob("*.html"))
    assert on_disk, "the checkpoint wrote no validation pages"

    page.goto((docs / "index.html").as_uri())
    rows = page.locator("#validations tbody tr")
    expect(rows).to_have_count(len(on_disk))
    names = page.locator("#validations tbody td:first-child").all_inner_texts()
    assert {name.strip() for name in names} == suites  # every suite the checkpoint validated
    for suite in failed:
        expect(rows.filter(has_text=suite).first).to_contain_text("failed")
    hrefs = [a.get_attribute("href") for a in page.locator("#validations a").all()]
    assert sorted(docs / h for h in hrefs) == on_disk

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"data_docs_index_{role}.png"), full_page=True)

    # a validation page renders offline with its expectations
    page.locator("#validations a").first.click()
    expect(page.get_by_text("Expectation Validation Result")).to_be_visible()
    expect(page.get_by_text("Evaluated Expectations")).to_be_visible()
    assert page.blocked == []
