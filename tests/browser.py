"""What the browser tests share: Debian's headless Chromium, the dashboard as a Streamlit
subprocess on 127.0.0.1, and the waits Streamlit's reruns need.

The Playwright session itself is the ``chromium`` fixture of tests/conftest.py (one per test
module).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from flows.read.dashboard import dashboard_command
from flows.settings import REPO_ROOT, Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not found at "
                       "/usr/bin/chromium (install it with: apt-get install -y chromium)"),
]
LOCAL = ("file:", "http://127.0.0.1", "ws://127.0.0.1", "data:", "about:", "blob:")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the dashboard did not answer at {url} within {timeout_s}s")


@contextmanager
def dashboard_app(settings: Settings, log_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """The dashboard over ``settings.home`` on a free port: yields (url, process), stops it after.
    The caller waits with ``wait_healthy`` (it may prepare the warehouse meanwhile)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DO_NOT_TRACK": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with log_path.open("w") as log:
        proc = subprocess.Popen(dashboard_command(settings, port), cwd=REPO_ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}", proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def browser_page(chromium, screenshot: Path, *, offline: bool = False,  # noqa: ANN001
                 viewport: tuple[int, int] = (1400, 1000)) -> Iterator:
    """A fresh page; a full-page screenshot is saved to ``screenshot`` when it closes. Offline:
    every request other than file:// and 127.0.0.1 is aborted and recorded in ``page.blocked``."""
    context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.blocked = []
    if offline:
        def route(route) -> None:  # noqa: ANN001
            if route.request.url.startswith(LOCAL):
                route.continue_()
            else:
                page.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", route)
    try:
        yield page
    finally:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        context.close()


def settle(page) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished the current rerun."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def choose(page, label: str, option: str) -> None:  # noqa: ANN001
    """Pick ``option`` in the Streamlit selectbox labelled ``label``: open it and type the
    option's text (a long list is virtualised: the option may not be rendered until the list
    filters to it), again if a rerun closed the list meanwhile."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        settle(page)
        box.click()
        box.press_sequentially(option)
        try:
            wanted.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    wanted.click()
    settle(page)


def main_text(page) -> str:  # noqa: ANN001
    return page.locator('[data-testid="stMain"]').inner_text()


def table_row(page, first_cell: str):  # noqa: ANN001, ANN201
    cell = page.locator("td, th").filter(has_text=re.compile(rf"^\s*{re.escape(first_cell)}\s*$"))
    return page.locator("tr").filter(has=cell).first
