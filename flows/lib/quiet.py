"""Third-party telemetry off by default, before Prefect or Great Expectations is imported.

Prefect's server analytics (``send_telemetry_heartbeat``) print a long ``database is locked``
traceback into every run that starts Prefect's temporary server, and both libraries phone home;
the temporary server's 20 s start-up limit fails runs on a busy machine. :func:`quiet_defaults`
sets these switches unless the user set them (an explicit value wins).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

QUIET_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    # Prefect's temporary server gets 20 s to start by default: on a busy machine that fails
    # with a long traceback although nothing is wrong
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def quiet_defaults(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set each of :data:`QUIET_DEFAULTS` that ``environ`` does not set already."""
    for name, value in QUIET_DEFAULTS.items():
        environ.setdefault(name, value)
