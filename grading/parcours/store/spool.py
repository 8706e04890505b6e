"""The local spool: answers that could not reach the event store wait here as JSON lines.

One file per writing process (``spool-<host>-<pid>.jsonl``) so that processes never
interleave lines. Flushing claims a file: it takes an exclusive ``flock`` on it, then
renames it ``spool-<host>-<pid>.flushing-<flusher pid>`` (atomic), writes its events in one
transaction and deletes it, holding the lock throughout. A claim whose lock is free has no
living owner — the kernel drops a process's locks when it dies, so a flusher killed
mid-flush (``kill -9``, OOM) leaves a claim the next flush takes over; the lock, unlike a
recorded pid, cannot be fooled by pid reuse. If the store refuses, the claim is released
and waits for the next flush the same way. Event ids make a replay idempotent, so a crash
between the store's commit and the delete duplicates nothing.

Writers take the same lock while appending, and check that the file they opened is still
the one under the spool's name: a line is never appended to a file already read.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import EventStoreError, InvalidEventError
from ..i18n import _
from .base import EventStore
from .events import Event

#: the spool files' names: written to, and claimed by a flusher
WAITING_GLOB = "spool-*.jsonl"
CLAIMED_GLOB = "spool-*.flushing-*"


def default_spool_dir() -> Path:
    """``$PARCOURS_SPOOL_DIR``, else ``$XDG_DATA_HOME/parcours/spool``, else
    ``~/.local/share/parcours/spool`` — in the learner's own home, writable even when the
    shared store is not."""
    env = os.environ.get("PARCOURS_SPOOL_DIR")
    if env:
        return Path(env)
    home_data = os.path.join(os.path.expanduser("~"), ".local", "share")
    base = os.environ.get("XDG_DATA_HOME") or home_data
    return Path(base) / "parcours" / "spool"


class Spool:
    """A folder of JSONL files holding events not yet in the store."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else default_spool_dir()
        self.file = self.folder / f"spool-{socket.gethostname()}-{os.getpid()}.jsonl"

    def append(self, events: Iterable[Event]) -> Path:
        """Append events to this process's spool file (locked, fsync'd); returns the file."""
        lines = "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in events)
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            with open(self.file, "a", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                if not _still_named(handle, self.file):
                    continue  # a flusher claimed the file we opened: open the new one
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
                return self.file

    def pending_files(self) -> list[Path]:
        """Spool files waiting to be flushed, any process's (claims being flushed included)."""
        if not self.folder.is_dir():
            return []
        return sorted([*self.folder.glob(WAITING_GLOB), *self.folder.glob(CLAIMED_GLOB)])

    def pending(self) -> list[Event]:
        """Every spooled event (for display and tests)."""
        found: list[Event] = []
        for path in self.pending_files():
            try:
                found.extend(_read(path))
            except FileNotFoundError:
                continue  # flushed meanwhile
        return found

    def flush(self, store: EventStore) -> int:
        """Write every spooled event to ``store``, claims left by dead flushers included;
        returns how many were sent. Raises EventStoreError (files kept) if the store still
        refuses."""
        sent = 0
        for path in self.pending_files():
            with self._claim(path) as claimed:
                if claimed is None:
                    continue  # flushed, or being flushed by a living process
                events = _read(claimed)
                store.record_many(events)  # EventStoreError: the claim stays, released
                claimed.unlink()
                sent += len(events)
        return sent

    @contextmanager
    def _claim(self, path: Path) -> Iterator[Path | None]:
        """Lock ``path`` and rename it as this process's claim; yields the claimed path, or
        None when the file is gone or another living process holds it. The lock is held
        until the block ends (the kernel drops it if this process dies)."""
        try:
            handle = open(path, "rb")  # noqa: SIM115 (held for the whole claim)
        except FileNotFoundError:
            yield None
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            if not _still_named(handle, path):
                yield None  # flushed or renamed between our listing and our lock
                return
            claimed = path
            if path.match(WAITING_GLOB):
                claimed = path.with_name(f"{path.stem}.flushing-{os.getpid()}")
                path.rename(claimed)
            yield claimed


def _still_named(handle: IO[str] | IO[bytes], path: Path) -> bool:
    """True when the open file ``handle`` is still the file named ``path``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _read(path: Path) -> list[Event]:
    events = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            events.append(Event.from_dict(json.loads(line)))
        except (ValueError, InvalidEventError) as exc:
            # a torn last line (crash while writing) must not block the rest
            if number == len(lines):
                continue
            raise EventStoreError(
                _(
                    "spool file {path}, line {line}: unreadable event ({error}) — move the "
                    "file aside and report it"
                ).format(path=path, line=number, error=exc)
            ) from exc
    return events
