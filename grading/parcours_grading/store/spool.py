"""The local spool: answers that could not reach the event store wait here as JSON lines.

One file per writing process (``spool-<host>-<pid>.jsonl``) so that processes never
interleave lines. Flushing claims a file by renaming it (atomic), writes its events in one
transaction, then deletes it; if the store fails again the file is renamed back. Event ids
make a replay idempotent, so a crash between write and delete duplicates nothing.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from pathlib import Path

from ..errors import EventStoreError, InvalidEventError
from .base import EventStore
from .events import Event


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
        """Append events to this process's spool file (fsync'd); returns the file."""
        lines = "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in events)
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.file, "a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        return self.file

    def pending_files(self) -> list[Path]:
        """Spool files waiting to be flushed (any process's)."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("spool-*.jsonl"))

    def pending(self) -> list[Event]:
        """Every spooled event (for display and tests)."""
        found: list[Event] = []
        for path in self.pending_files():
            found.extend(_read(path))
        return found

    def flush(self, store: EventStore) -> int:
        """Write every spooled event to ``store``; returns how many were sent. Raises
        EventStoreError (files kept) if the store still refuses."""
        sent = 0
        for path in self.pending_files():
            claimed = path.with_name(f"{path.stem}.flushing-{os.getpid()}")
            try:
                path.rename(claimed)
            except FileNotFoundError:
                continue  # another process claimed it
            try:
                events = _read(claimed)
                store.record_many(events)
            except EventStoreError:
                _give_back(claimed, path)
                raise
            claimed.unlink()
            sent += len(events)
        return sent


def _give_back(claimed: Path, path: Path) -> None:
    """Return a claimed file to the spool (merging if its writer recreated it meanwhile)."""
    if not path.exists():
        claimed.rename(path)
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(claimed.read_text(encoding="utf-8"))
    claimed.unlink()


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
                f"spool file {path}, line {number}: unreadable event ({exc}) — "
                "move the file aside and report it"
            ) from exc
    return events
