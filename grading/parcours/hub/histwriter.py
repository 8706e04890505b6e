"""The Parcours service's history, written after the action it records landed.

A submission, a fetch or a teacher's command is done first and answered; its history
entry (:mod:`.history`, stamped at the action's time) is then written by one thread of
its own, in order, never on the service's event loop. A failed write (the database down,
the course folder full) is tried again after ``history_retry_s`` seconds, doubled each
time, ``history_attempts`` times in all; a round that fails counts one attempt for every
entry waiting in it, so an outage costs one connection timeout per round, not one per
entry. An entry given up on is logged and kept among the course's problems
(:mod:`.problems`) with the entry itself: the teachers see it, nothing is lost.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store import history
from . import problems


@dataclass
class Pending:
    """One entry waiting to be written."""

    course: str
    entry: dict[str, str]
    attempts: int = 0


class HistoryWriter:
    """The history's one writer (see the module's text); :meth:`add` never blocks."""

    def __init__(
        self,
        config: Any,
        append: Callable[[str, dict[str, str]], None] | None = None,
    ) -> None:
        self.config = config
        #: how an entry is written (the configured history's ``append`` by default)
        self.append = append or (lambda course, e: history.open_history(config).append(course, e))
        self.queue: queue.Queue[Pending] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()
        self._lock = threading.Lock()
        self._outstanding = 0  # queued, not yet written nor given up on
        self._thread = threading.Thread(target=self._serve, name="parcours-history", daemon=True)
        self._thread.start()

    def add(self, course: str, who: str, what: str, assignment: str) -> None:
        """Queue one entry (stamped now); returns at once."""
        with self._lock:
            self._outstanding += 1
            self.idle.clear()
        self.queue.put(Pending(course, history.entry(who, what, assignment)))

    def wait_idle(self, timeout: float) -> bool:
        """Whether every queued entry was written or given up on within ``timeout`` s."""
        return self.idle.wait(timeout)

    def _serve(self) -> None:
        waiting: list[Pending] = []
        retry_at = 0.0
        while True:
            timeout = max(0.0, retry_at - time.monotonic()) if waiting else None
            with contextlib.suppress(queue.Empty):
                waiting.append(self.queue.get(timeout=timeout))
            while True:  # everything queued meanwhile joins this round
                try:
                    waiting.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            if time.monotonic() < retry_at:
                continue  # a failed round waits its turn; new entries wait with it
            before = len(waiting)
            waiting = self._round(waiting)
            with self._lock:
                self._outstanding -= before - len(waiting)
                if self._outstanding == 0:
                    self.idle.set()
            if waiting:
                tried = max(p.attempts for p in waiting)
                retry_at = time.monotonic() + self.config.history_retry_s * 2 ** (tried - 1)

    def _round(self, waiting: list[Pending]) -> list[Pending]:
        """Write ``waiting`` in order; what is still to write after a failure."""
        for n, pending in enumerate(waiting):
            try:
                self.append(pending.course, pending.entry)
            except Exception as exc:  # whatever stops a write: retried, then kept
                left = waiting[n:]
                for each in left:
                    each.attempts += 1
                kept = [p for p in left if p.attempts < self.config.history_attempts]
                for given_up in (p for p in left if p.attempts >= self.config.history_attempts):
                    problems.note(
                        self.config,
                        given_up.course,
                        problems.HISTORY_NOT_WRITTEN,
                        f"{exc} (after {given_up.attempts} attempts)",
                        entry=given_up.entry,
                    )
                return kept
        return []
