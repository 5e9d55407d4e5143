"""One-off: screenshots of the trends page over a full warehouse, into test-artifacts/trends/.

Usage: python -m tests.dashboard.screenshot_trends --home PAPERTRENDS_HOME [--theme N]

Starts the dashboard (a Streamlit subprocess on 127.0.0.1) over HOME's published warehouse,
opens the trends page in headless Chromium and saves: the default view (themes, month windows,
smoothed lines) and the drill-down into the N-th largest theme (default: the largest).
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

from flows.read.dashboard import dashboard_command
from flows.read.readers import fetch_rows
from flows.settings import REPO_ROOT, Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy

OUT = REPO_ROOT / "test-artifacts" / "trends"


def settle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")
    page.wait_for_timeout(1500)  # let the Vega charts draw


def shoot(settings: Settings, theme_rank: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DO_NOT_TRACK": "1"}
    proc = subprocess.Popen(dashboard_command(settings, port), cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    shots = [OUT / "trends-themes.png", OUT / "trends-drill-topics.png"]
    try:
        wait_healthy(url, proc)
        theme = fetch_rows(settings, "select label from dim_themes order by n_papers desc, label "
                                     "limit 1 offset ?", [theme_rank - 1])[0]["label"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(url)
            page.get_by_role("heading", name="Topic trends").wait_for()
            settle(page)
            page.screenshot(path=str(shots[0]), full_page=True)
            page.get_by_role("combobox", name="Drill into a theme's topics", exact=True).click()
            page.keyboard.type(theme)  # filter the options: the long list may not be rendered
            page.get_by_role("option", name=theme, exact=True).click()
            settle(page)
            heading = page.get_by_role("heading", name="Topics: papers per month (smoothed)")
            heading.wait_for()
            # Streamlit scrolls inside its main block: a tall window shows the topic lines
            page.set_viewport_size({"width": 1400, "height": 3200})
            page.wait_for_timeout(2000)
            page.screenshot(path=str(shots[1]), full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--theme", type=int, default=1, help="drill into the N-th largest theme")
    args = parser.parse_args()
    for shot in shoot(Settings(home=args.home), args.theme):
        print(shot)


if __name__ == "__main__":
    main()
