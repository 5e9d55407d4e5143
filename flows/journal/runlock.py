"""One run at a time.

The lock is an advisory ``flock`` on ``$PAPERTRENDS_HOME/run.lock``. The kernel releases it
when the holder dies, however it dies (SIGKILL included), so a killed run can never leave a
permanent block. The file also records who holds it (run id, pid, host, start time): a second
run is refused at once with that information, and a run that finds the record of a holder that
no longer holds the lock reports that it recovered a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from flows.lib.errors import UserError


class RunLockedError(UserError):
    """Another run is active."""

    def __init__(self, holder: LockHolder | None, path: Path) -> None:
        self.holder = holder
        if holder:
            msg = (
                f"another papertrends run is active: run {holder.run_id} "
                f"(pid {holder.pid} on {holder.host}, started {holder.started_at}); "
                f"lock file {path}"
            )
        else:
            msg = f"another papertrends run is active (lock file {path})"
        super().__init__(msg)


@dataclass(frozen=True)
class LockHolder:
    run_id: str
    pid: int
    host: str
    started_at: str


def _read_holder(fd: int) -> LockHolder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    if not raw.strip():
        return None
    try:
        return LockHolder(**json.loads(raw))
    except (ValueError, TypeError):
        return None


class RunLock:
    """Context manager: ``with RunLock(path, run_id) as lock: ...``.

    ``lock.recovered`` is the holder record a dead run left behind, if any.
    """

    def __init__(self, path: Path, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self.recovered: LockHolder | None = None
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunLockedError(holder, self.path) from None
        self.recovered = _read_holder(fd)
        me = LockHolder(
            run_id=self.run_id,
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def active_holder(path: Path) -> LockHolder | None:
    """Who holds the lock now (None when no run is active), without touching the lock.

    Reads the holder record and checks that its process is alive (on this host; a holder on
    another host is taken at its word). Never ``flock``s: a reader that held even a shared lock
    for a moment could make a run that starts at that moment fail to take it.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        holder = LockHolder(**json.loads(raw)) if raw.strip() else None
    except (ValueError, TypeError):
        return None
    if holder is None or holder.host != socket.gethostname():
        return holder
    return holder if _alive(holder.pid) else None


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed run not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
