"""The stage worker (flows.stages.stage_worker): the process the dbt build and the gate run in.

What a run relies on: a call's result or exception comes back to the flow, a worker that dies
fails its call (the run fails, naming it) instead of hanging, a skipped run does not wait for
the warm-up, and a killed run leaves no worker behind.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from flows.stages.stage_worker import StageWorker, StageWorkerDied


def _refuse(message: str) -> None:
    raise ValueError(message)


def _gone(pid: int, within: float) -> bool:
    """Whether process ``pid`` ended (or is a zombie nobody reaps) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.2)
    return False


def test_calls_run_in_the_worker_and_their_errors_reach_the_flow() -> None:
    worker = StageWorker(warm=None)
    try:
        pid = worker.call(os.getpid)
        assert pid != os.getpid()
        with pytest.raises(ValueError, match="no such mart"):
            worker.call(_refuse, "no such mart")
        assert worker.call(os.getpid) == pid  # a failed call leaves the worker serving
    finally:
        worker.close()
    assert _gone(pid, within=10)


_HELD: list[bytes] = []


def _hold(megabytes: int) -> int:
    """Keep ``megabytes`` in the worker (as a dbt build's leftovers); its RSS after."""
    _HELD.append(os.urandom(megabytes * 2**20))
    return psutil.Process().memory_info().rss


def test_a_restarted_worker_serves_the_next_calls_without_what_the_last_ones_left() -> None:
    worker = StageWorker(warm=None)
    try:
        first = worker.call(os.getpid)
        holding = worker.call(_hold, 300)
        worker.restart()
        assert _gone(first, within=10)
        second = worker.call(os.getpid)
        assert second not in (first, os.getpid())
        assert worker.call(_hold, 0) < holding - 250 * 2**20
    finally:
        worker.close()
    assert _gone(second, within=10)


def test_a_worker_that_dies_fails_the_call_instead_of_hanging() -> None:
    worker = StageWorker(warm=None)
    try:
        with pytest.raises(StageWorkerDied, match="exit code 3"):
            worker.call(os._exit, 3)
    finally:
        worker.close()


def test_a_failed_warm_up_leaves_the_calls_to_succeed_or_fail_themselves() -> None:
    worker = StageWorker(warm=functools.partial(_refuse, "warm-up failed"))
    try:
        assert worker.call(os.getpid) != os.getpid()
    finally:
        worker.close()


def test_closing_does_not_wait_for_a_warm_up_still_running() -> None:
    worker = StageWorker(warm=functools.partial(time.sleep, 120))
    started = time.monotonic()
    worker.close()
    assert time.monotonic() - started < 30


def test_a_killed_run_leaves_no_worker_behind() -> None:
    script = textwrap.dedent(
        """
        import os, sys, time
        from flows.stages.stage_worker import StageWorker
        worker = StageWorker(warm=None)
        print(worker.call(os.getpid), flush=True)
        worker.call(time.sleep, 120)  # the run is killed while the worker is busy
        """
    )
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(run.stdout.readline())
        assert psutil.pid_exists(worker_pid)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        assert _gone(worker_pid, within=15)
    finally:
        if run.poll() is None:
            run.kill()
