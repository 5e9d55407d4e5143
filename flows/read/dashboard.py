"""Start the Streamlit dashboard (``papertrends dashboard``) over the published warehouse."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

from flows.settings import REPO_ROOT, Settings

APP = REPO_ROOT / "dashboard" / "app.py"


def dashboard_command(settings: Settings, port: int | None = None) -> list[str]:
    """The ``streamlit run`` argv: headless, on settings.dashboard.host (127.0.0.1), no telemetry.

    The app gets this PAPERTRENDS_HOME after ``--`` so it reads the same warehouse.
    """
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", settings.dashboard.host,
        "--server.port", str(port or settings.dashboard.port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
        "--",
        "--home", str(settings.home),
    ]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_dashboard(settings: Settings, port: int | None = None) -> int:
    """Run the dashboard in the foreground until it stops (Ctrl-C, SIGTERM); return its exit code.

    The Streamlit process is stopped with this one, never left behind.
    """
    proc = subprocess.Popen(dashboard_command(settings, port), cwd=APP.parent.parent)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
