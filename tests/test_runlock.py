"""One run at a time: a second run is refused, naming the active one; a killed run's lock is
recovered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from flows.journal.runlock import RunLock, RunLockedError, active_holder


def test_second_run_is_refused_naming_the_active_run(settings):
    with RunLock(settings.lock_path, "run-A"):
        assert active_holder(settings.lock_path).run_id == "run-A"
        with pytest.raises(RunLockedError, match="run-A"), RunLock(settings.lock_path, "run-B"):
            pass
    assert active_holder(settings.lock_path) is None
    with RunLock(settings.lock_path, "run-B") as lock:
        assert lock.recovered is None  # a clean release leaves nothing to recover


def test_lock_of_a_killed_process_is_recovered(settings):
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from flows.journal.runlock import RunLock
        RunLock(Path({str(settings.lock_path)!r}), "killed-run").acquire()
        print("locked", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockedError, match="killed-run"):
            RunLock(settings.lock_path, "next").acquire()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while active_holder(settings.lock_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    with RunLock(settings.lock_path, "next") as lock:
        assert lock.recovered is not None and lock.recovered.run_id == "killed-run"


def test_status_polling_never_keeps_a_run_from_taking_the_lock(settings):
    """`papertrends status` reads who holds the lock while runs start: a run that starts while
    it reads must still get the lock."""
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from flows.journal.runlock import active_holder
        path = Path({str(settings.lock_path)!r})
        end = time.monotonic() + 3
        print("polling", flush=True)
        while time.monotonic() < end:
            active_holder(path)
        """
    )
    poller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert poller.stdout.readline().strip() == "polling"
        taken = 0
        while poller.poll() is None:
            with RunLock(settings.lock_path, f"run-{taken}"):
                taken += 1
        assert taken > 100
    finally:
        poller.kill()
        poller.wait()
