"""A warm process for the stages after tagging: ``dbt build`` and the gate run in it.

dbt, its Python models' libraries (BERTopic, UMAP with numba's cache, scikit-learn) and Great
Expectations take seconds to import, in every run, whatever the day's size. The pipeline flow
starts this worker as soon as it holds the run lock; the worker imports them (``warm_up``) while
the flow ingests and tags (one core each on a 2-core machine), then runs the calls the flow
sends it, one at a time. A run that ends before the transform (nothing changed) stops it unused.

A call's exception comes back to the caller and is raised there; a worker that dies (killed,
out of memory) fails the call with :class:`StageWorkerDied`. The worker ends when the flow
releases it, and by itself when the process that started it is gone (a killed run).
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")


class StageWorkerDied(RuntimeError):
    """The stage worker ended while a call ran in it."""


def warm_up() -> None:
    """Import what the transform and the gate import (the modules dbt's Python models use)."""
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.cli.main  # noqa: F401
    import great_expectations  # noqa: F401

    import flows.lib.claims.table  # noqa: F401
    import flows.lib.topic_labels  # noqa: F401
    import flows.stages.transform  # noqa: F401
    import flows.stages.validate  # noqa: F401
    from flows.lib.topics import import_umap_cached

    import_umap_cached()
    import hdbscan  # noqa: F401


class StageWorker:
    """The flow's handle on the worker process: ``call`` runs a function there.

    The worker is ``python -m flows.stages.stage_worker`` on one end of a socket pair (not a
    ``multiprocessing`` child: a spawned child runs the caller's main script again). Its first
    call is ``warm``, sent at once; what it returns or raises is read and dropped before the
    next call's reply (a module it fails to import fails the call that needs it)."""

    def __init__(self, warm: Callable[[], None] | None = warm_up) -> None:
        self._start(warm)

    def _start(self, warm: Callable[[], None] | None) -> None:
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])  # where `flows` is imported from
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno()), str(os.getpid())],
                pass_fds=[theirs.fileno()],
                env={**os.environ, "PYTHONPATH": path},
            )
        self._conn = Connection(ours.detach())
        self._unanswered = 0  # calls sent whose reply is not read yet
        self._released = False
        self._warming = warm is not None  # the first reply is the warm-up's
        if warm is not None:
            self._send(warm, (), {})

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in the worker (a module-level function; arguments and
        result are pickled). Raises what it raised, or StageWorkerDied."""
        self._send(function, args, kwargs)
        while True:
            try:
                ok, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise StageWorkerDied(
                    f"the stage worker (pid {self._process.pid}) ended during"
                    f" {_name(function)} (exit code {self._wait(5)})"
                ) from exc
            self._unanswered -= 1
            if self._warming:
                self._warming = False
                continue
            if not ok:
                raise value
            return value

    def _send(self, function: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            self._conn.send((function, args, kwargs))
        except OSError as exc:
            raise StageWorkerDied(
                f"the stage worker (pid {self._process.pid}) has ended"
                f" (exit code {self._wait(5)})"
            ) from exc
        self._unanswered += 1

    def release(self) -> None:
        """Let the worker go without waiting for it: an idle worker ends by itself (releasing
        what it holds while this process goes on); one still busy (warming up) is killed."""
        if self._released:
            return
        self._released = True
        if not self._unanswered and self._process.poll() is None:
            with suppress(OSError):
                self._conn.send(None)
                return
        self._process.kill()

    def restart(self) -> None:
        """End the worker (waiting for it) and start a bare one in its place, for the next
        calls: what the calls so far left in its memory goes with the old process. The pipeline
        restarts it before the gate of a build from nothing, whose dbt Python models left
        1.5-1.8 GB in it at 100k papers."""
        self.close()
        self._start(None)

    def close(self) -> None:
        """Release the worker and wait until it has ended (killed after 10 s)."""
        self.release()
        if self._wait(10) is None:
            self._process.kill()
        self._process.wait()
        self._conn.close()

    def _wait(self, seconds: float) -> int | None:
        try:
            return self._process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None


@contextmanager
def stage_worker() -> Iterator[StageWorker]:
    worker = StageWorker()
    try:
        yield worker
    finally:
        worker.close()


# ----------------------------------------------------------------------------- the worker side


def _exit_with(parent_pid: int) -> None:
    """Exit this process as soon as ``parent_pid`` is no longer its parent (a killed run)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)


def _serve(conn: Connection, parent_pid: int) -> None:
    """Run each (function, args, kwargs) received and send back (True, value) or (False,
    exception), until None or the end of the pipe."""
    from flows.journal.journal import fault_point
    from flows.lib.memory import trim_heap

    threading.Thread(target=_exit_with, args=(parent_pid,), daemon=True).start()
    while True:
        try:
            call = conn.recv()
        except EOFError:
            return
        if call is None:
            _exit_released()
        function, args, kwargs = call
        fault_point(f"worker:{_name(function)}")  # tests: the worker killed mid-stage
        try:
            reply = (True, function(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001  (raised again in the caller)
            reply = (False, _picklable(exc))
        conn.send(reply)
        trim_heap()  # what the call freed, before the next call allocates


def _exit_released() -> NoReturn:
    """Exit at once when released (idle: nothing is open), without the interpreter's teardown
    (about 2 s of CPU for torch, numba and dbt). First dbt's adapters are dropped and the
    garbage collected, so the semaphores of dbt's locks are unlinked rather than leaked."""
    import gc

    if "dbt.adapters.factory" in sys.modules:
        sys.modules["dbt.adapters.factory"].reset_adapters()
    gc.collect()
    os._exit(0)


def _name(function: Callable[..., Any]) -> str:
    return getattr(function, "__name__", type(function).__name__)


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]))
