"""Shared fixtures. Tests that need ../shared/data skip with a clear reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

from flows.settings import Settings  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    return Path(os.environ.get("PAPERTRENDS_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real third-party data beside the checkout; skip when it is absent."""
    path = _data_dir()
    if not (path / "hf-daily-papers").is_dir():
        pytest.skip(f"real data not found at {path} (expected ../shared/data beside the checkout)")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh PAPERTRENDS_HOME under tmp_path."""
    s = Settings(home=tmp_path / "home", data_dir=_data_dir())
    s.ensure_home()
    return s


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (starting one costs 15-30 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


# ----------------------------------------------------------------------------- end-to-end runs
# (ops helper) The CLI tests of tests/test_{crash,schedule,dask_pipeline,readers_vs_runs}.py
# share one long-lived Prefect server, one distilled model and one published home.


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The distilled embedding model, once per session (PAPERTRENDS_TEST_MODEL_DIR: a cache);
    pytest-xdist's workers share one (the first distils it while the others wait)."""
    from filelock import FileLock

    from flows.stages.tagging.embedder import ensure_model

    cached = os.environ.get("PAPERTRENDS_TEST_MODEL_DIR")
    session_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session_dir = session_dir.parent  # the session's folder above each worker's own
    folder = Path(cached) if cached else session_dir / "models"
    s = Settings(home=tmp_path_factory.mktemp("model-home"))
    s.tagging = s.tagging.model_copy(update={"model_dir": folder})
    with FileLock(session_dir / "models.lock"):
        ensure_model(s)
    return folder


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory):
    """A real `prefect server start` subprocess (offline, no UI); yields it (``.api_url``)."""
    from tests.pipeline_harness import start_prefect_server

    server = start_prefect_server(tmp_path_factory.mktemp("prefect"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def published_home(shared_data, prefect_server, model_dir, tmp_path_factory) -> Path:
    """A PAPERTRENDS_HOME built by `papertrends backfill` over two recorded days served by a
    local HF API; tests copy it (``home_copy``) rather than rebuilding it."""
    from tests.http_server import serve
    from tests.pipeline_harness import BASE_DAYS, cli_env, hf_api, run_cli

    home = tmp_path_factory.mktemp("published") / "home"
    with serve(hf_api(shared_data / "hf-daily-papers")) as api:
        env = cli_env(home, prefect_server.api_url, model_dir,
                      PAPERTRENDS_INGEST__HF_API_URL=f"{api.url}/api/daily_papers")
        done = run_cli(["backfill", "--since", BASE_DAYS[0], "--until", BASE_DAYS[-1]], env)
    assert done.returncode == 0, done.stdout + done.stderr
    return home


@pytest.fixture
def home_copy(published_home: Path, tmp_path: Path) -> Path:
    """A private copy of ``published_home`` (lake, published warehouse, reports)."""
    import shutil

    return Path(shutil.copytree(published_home, tmp_path / "home"))


# ----------------------------------------------------------------------------- scheduling


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end (``slow``) tests first, so that the longest work starts early."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001 - xdist's Producer
    """Under pytest-xdist's ``--dist loadscope`` (``make test``), the tests of one folder of tests,
    or of one top-level module, go to one worker: the fixtures they share (the run history, a
    folder's session fixtures, a module's reference run) are built once, not once per worker.
    Fixtures every folder uses (the Prefect server, the published home) are one per worker."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            folder = path.rpartition("/")[0]
            return path if folder == "tests" else folder

    return FolderScheduling(config, log)


# ----------------------------------------------------------------------------- browser tests


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium (Debian's, driven by Playwright) per test module. Playwright's sync
    API marks its asyncio loop running in the main thread until it exits: a test after it in the
    same process that checks for a running loop (Prefect's ``State.result``, a second
    ``sync_playwright``) would behave as if it ran inside async code."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip(f"headless Chromium not found at {CHROMIUM} "
                    "(install it with: apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request: pytest.FixtureRequest):
    """A fresh page; its full-page screenshot goes to test-artifacts/<test folder>/<test>.png."""
    from tests.browser import ARTIFACTS, browser_page

    folder = request.node.path.parent.name
    with browser_page(chromium, ARTIFACTS / folder / f"{request.node.name}.png") as pg:
        yield pg
