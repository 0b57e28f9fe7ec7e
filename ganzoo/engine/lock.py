"""One writer per run directory: the training process holds an exclusive lock for the run's life.

Two trainers in one run directory interleave their metrics, overwrite each other's config and
checkpoints, and leave a run whose files contradict each other. ``ganzoo train`` therefore takes
[`RunLock`][ganzoo.engine.lock.RunLock] on the run directory before it reads or writes anything there (under torchrun,
rank 0 holds it for all processes); a second trainer is refused at once with
[`RunLockedError`][ganzoo.engine.lock.RunLockedError], which names the owner, and changes nothing.

The lock is the file ``RUN/.ganzoo-lock`` holding its owner (process id, host, start time), with
an OS lock (``fcntl.flock``) on it. The kernel drops the OS lock when the owner dies, however it
dies (``kill -9`` included), so a lock file left behind by a dead process is *stale*: the next
trainer takes it over and says so on stderr. Releasing removes the file while still holding the
OS lock, and a trainer that locked a file someone removed meanwhile starts over, so two trainers
never both believe they hold it. Where the filesystem cannot lock (some network mounts answer
``ENOLCK``, and on Windows), the owner's process id decides: a lock of a process that no longer
runs on this host is stale, any other is respected (the error says which file to delete when the
owner is known to be gone).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ganzoo.registry.errors import GanzooError

try:
    import fcntl
except ImportError:  # Windows: owner process ids only
    fcntl = None  # type: ignore[assignment]

#: Name of the lock file inside a run directory.
LOCK_FILE = ".ganzoo-lock"

#: ``flock`` errors meaning "this filesystem cannot lock", not "someone holds the lock".
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


class RunLockedError(GanzooError):
    """Another live process trains in this run directory."""


def _owner() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": " ".join(sys.argv[:4])}


def _describe(owner: dict[str, Any]) -> str:
    if not owner:
        return "another process"
    return f"process {owner.get('pid', '?')} on {owner.get('host', '?')} (since {owner.get('since', '?')})"


def _alive(pid: Any) -> bool:
    """Whether process ``pid`` exists on this host (a process we may not signal exists too; on
    Windows, where ``os.kill`` would terminate it, any process is taken to be alive)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """The exclusive lock of one run directory (a context manager).

    Args:
        directory: the run directory.
        create: create the directory (and missing parents) if it does not exist; the folders
            created are removed again on release when nothing but the lock was put there, so a
            run that failed before writing anything leaves no trace.
        created: folders the caller just made for this run, removed on release likewise.
        announce: where the takeover of a stale lock is reported (default stderr).
    """

    def __init__(self, directory: str | Path, *, create: bool = False, created: Sequence[Path] = (),
                 announce: Any = None) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILE
        self.create = create
        self.announce = announce
        self._fd: int | None = None
        self._created: list[Path] = list(created)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()

    # -- acquiring ------------------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the lock, or raise [`RunLockedError`][ganzoo.engine.lock.RunLockedError] naming its live owner."""
        if self.create:
            self._make_directory()
        elif not self.directory.is_dir():
            raise RunLockedError(f"{self.directory}: no such run directory")
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                if not self._lock(fd):
                    continue  # the file was replaced under us: lock the new one
            except BaseException:
                os.close(fd)
                raise
            break
        previous = self._read(fd)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(_owner()) + "\n").encode())
        self._fd = fd
        if previous:
            self._say(f"{self.directory}: took over the lock of {_describe(previous)}, which is no longer running")

    def _lock(self, fd: int) -> bool:
        """Lock the open lock file; ``False`` when it was removed or replaced meanwhile."""
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._locked(self._read(fd)) from None
            except OSError as err:
                if err.errno not in _UNSUPPORTED:
                    raise
                self._check_owner(fd)
        else:
            self._check_owner(fd)
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            os.close(fd)
            return False
        mine = os.fstat(fd)
        if (current.st_dev, current.st_ino) != (mine.st_dev, mine.st_ino):
            os.close(fd)
            return False
        return True

    def _check_owner(self, fd: int) -> None:
        """Without OS locks: respect the recorded owner unless it is a dead process of this host."""
        owner = self._read(fd)
        if not owner or owner.get("pid") == os.getpid():
            return
        if owner.get("host") != socket.gethostname() or _alive(owner.get("pid")):
            raise self._locked(owner, f"; if it no longer runs, delete {self.path}")

    def _locked(self, owner: dict[str, Any], hint: str = "") -> RunLockedError:
        return RunLockedError(
            f"{self.directory}: in use by {_describe(owner)}; one trainer per run directory "
            f"(wait for it to finish, or stop it first){hint}"
        )

    @staticmethod
    def _read(fd: int) -> dict[str, Any]:
        """The owner recorded in the lock file ({} when empty or unreadable)."""
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            data = json.loads(os.read(fd, 4096).decode("utf-8", errors="replace") or "{}")
        except ValueError:
            return {"pid": "?", "host": "?", "since": "?"}
        return data if isinstance(data, dict) else {}

    def _make_directory(self) -> None:
        missing = []
        for folder in (self.directory, *self.directory.parents):
            if folder.exists():
                break
            missing.append(folder)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._created += missing  # innermost first

    def _say(self, text: str) -> None:
        print(f"ganzoo: warning: {text}", file=self.announce if self.announce is not None else sys.stderr)

    # -- releasing ------------------------------------------------------------------------------
    def release(self) -> None:
        """Remove the lock file (while still holding the OS lock), then unlock."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None
        for folder in self._created:
            try:
                folder.rmdir()  # only when empty: a run that wrote nothing leaves no folder
            except OSError:
                break
        self._created = []

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None
