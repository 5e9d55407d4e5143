"""The trends page in headless Chromium: themes by default, drill into a theme's topics.

Reuses the app/browser/page fixtures of test_app_browser.py (a Streamlit subprocess on
127.0.0.1 over a published copy of the warehouse the real pipeline built); every expected value
is computed from that warehouse by SQL. Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

from tests.browser import BROWSER_MARKS, choose, table_row
from tests.dashboard.test_app_browser import app, open_page, sql  # noqa: F401  (fixture app)

pytestmark = BROWSER_MARKS


def test_trends_page_shows_theme_lines_by_default(page, app: dict) -> None:  # noqa: F811
    settings = app["settings"]
    expect = open_page(page, app, "", "Topic trends")
    label, n_papers, start = sql(settings, """
        with top as (select theme_id, label from dim_themes order by n_papers desc, label
                     limit 1)
        select top.label, t.n_papers, t.window_start
        from fct_theme_trends t join top using (theme_id)
        where t.grain = 'month' order by t.window_start desc limit 1""")[0]
    # the theme is chosen by default and its lines are drawn (month windows by default)
    themes_box = page.locator('[data-testid="stMultiSelect"]').first
    expect(themes_box).to_contain_text(label)
    expect(page.get_by_role("heading", name="Themes: papers per month (smoothed)")).to_be_visible()
    # papers and share: both charts are drawn (waits for Streamlit to render them)
    expect(page.locator('[data-testid="stVegaLiteChart"]').nth(1)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Latest month: {start:%Y-%m-%d}", exact=False)
           ).to_be_visible()
    expect(table_row(page, label).locator("td, th").nth(1)).to_have_text(str(n_papers))


def test_drilling_into_a_theme_shows_its_topics(page, app: dict) -> None:  # noqa: F811
    settings = app["settings"]
    expect = open_page(page, app, "", "Topic trends")
    theme_id, theme = sql(settings, "select theme_id, label from dim_themes "
                                    "order by n_papers desc, label limit 1")[0]
    topics = sql(settings, "select label, n_papers from dim_topics where theme_id = ? "
                           "order by n_papers desc, label", [theme_id])
    choose(page, "Drill into a theme's topics", theme)
    caption = page.get_by_text(f"{len(topics)} topics in “{theme}”", exact=False)
    expect(caption).to_be_visible()
    for label, n in topics[:3]:
        expect(caption).to_contain_text(f"{label} ({n})")
    expect(page.get_by_role("heading", name="Topics: papers per month (smoothed)")).to_be_visible()
    latest = sql(settings, """
        select d.label, t.n_papers from fct_topic_trends t join dim_topics d using (topic_id)
        where d.theme_id = ? and t.grain = 'month'
        qualify t.window_start = max(t.window_start) over ()
        order by t.n_papers desc, d.label limit 1""", [theme_id])[0]
    topic_table = page.locator('[data-testid="stTable"]').last
    expect(topic_table).to_contain_text(latest[0])
