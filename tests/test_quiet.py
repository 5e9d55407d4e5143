"""Telemetry is off by default, and a user's explicit choice is never overridden."""

from __future__ import annotations

import subprocess
import sys

from flows.lib.quiet import QUIET_DEFAULTS, quiet_defaults
from tests.pipeline_harness import REPO_ROOT


def test_defaults_fill_only_what_the_user_did_not_set():
    environ = {"PREFECT_SERVER_ANALYTICS_ENABLED": "true", "PATH": "/bin"}
    quiet_defaults(environ)
    assert environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"
    assert environ["DO_NOT_TRACK"] == "1" and environ["GX_ANALYTICS_ENABLED"] == "false"
    assert set(QUIET_DEFAULTS) <= set(environ)


def test_the_cli_sets_them_before_prefect_reads_its_settings():
    """In a fresh CLI process (no switch in its environment), Prefect sees analytics off."""
    code = (
        "import os\n"
        "for k in ('DO_NOT_TRACK', 'PREFECT_SERVER_ANALYTICS_ENABLED', 'GX_ANALYTICS_ENABLED'):\n"
        "    os.environ.pop(k, None)\n"
        "import flows.cli\n"
        "from prefect.settings import get_current_settings\n"
        "print(get_current_settings().server.analytics_enabled)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )
    assert done.stdout.strip() == "False", done.stderr
