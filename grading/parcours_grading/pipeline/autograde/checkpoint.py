"""A checkpoint of the interpreter before each cell, so that a cell killed for its time
limit costs only its own points (the later cells run from the state before it).

Used in the sandbox when it has its own PID namespace (grading as root). The runner, init
of that namespace, forks the interpreter and from then on only reaps processes and
forwards the supervisor's interrupt to the interpreter running a cell::

    runner (init: reaps, forwards SIGINT)
     ├ checkpoint   the interpreter as it was before the running cell, waiting
     └ live         the same interpreter running the cell (forked from the checkpoint)

Before each cell the live interpreter forks: the parent waits as the checkpoint, the child
runs the cell. When the cell ends, the child releases its checkpoint (which exits) and
goes on. When a cell ignores the interrupt, the supervisor asks the checkpoint to resume
(``{"op": "resume"}`` on the control socket): it kills every other process of the sandbox
but the runner, answers ``{"op": "resumed"}`` on the grading channel and serves the next
cell. When the live interpreter dies on its own (``os._exit``, a crash, SIGKILL), the
checkpoint (or the runner, for a cell run without one: the last, or when the fork was
refused) reports ``{"op": "died", "status": <wait status>}`` and ends the sandbox: a death
stops the notebook, as it always has. No checkpoint is taken before the last cell.

Fork copies memory lazily; the interpreter is already warm, so a checkpoint costs a fork
(about a millisecond) and one more process of the sandbox user per notebook.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import resource
import select
import signal
import struct
from typing import Any

from .channel import Channel, ChannelClosed, ChannelGarbage, ChannelTimeout


class Checkpoints:
    """The checkpoint machinery of one sandbox (created in the runner, before the
    interpreter is forked; every process of the sandbox holds a copy)."""

    def __init__(self, channel: Channel, control: Channel):
        #: the grading channel (replies to the supervisor)
        self.channel = channel
        #: the supervisor's requests to the checkpoint (``resume``)
        self.control = control
        # shared between every process of the sandbox (MAP_SHARED survives fork): the
        # namespace pid of the interpreter running cells, for the runner's SIGINT forwarding
        self._live = mmap.mmap(-1, 8)
        #: the write end of the pipe to this interpreter's checkpoint (-1: none)
        self._release = -1
        #: CPU seconds the interpreter's earlier processes used (RLIMIT_CPU is per
        #: process and starts from zero in a fork: the lineage keeps one budget)
        self._spent = 0.0
        self._cpu_limit = resource.getrlimit(resource.RLIMIT_CPU)[1]

    # -- the runner ------------------------------------------------------------------------

    def start(self) -> None:
        """In the runner: fork the interpreter, which returns; the runner stays init of
        the sandbox until every process in it is gone, then exits."""
        pid = os.fork()
        if pid == 0:
            self._set_live()
            return

        def forward(signum: int, frame: Any) -> None:
            (live,) = struct.unpack("q", self._live[:8])
            if live > 1:  # 0: not started yet, or over (kill(0) would be a group)
                with contextlib.suppress(OSError):
                    os.kill(live, signal.SIGINT)

        signal.signal(signal.SIGINT, forward)
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                os._exit(0)
            # the live interpreter orphaned (no checkpoint: the last cell, a refused fork)
            # died: report it as its checkpoint would have
            if pid == struct.unpack("q", self._live[:8])[0]:
                with contextlib.suppress(OSError):
                    self.channel.send({"op": "died", "status": status})
                _kill_others()

    # -- the interpreter -----------------------------------------------------------------

    def _set_live(self) -> None:
        self._live[:8] = struct.pack("q", os.getpid())

    def _cpu_used(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _cap_cpu(self) -> None:
        """Lower this process's CPU limit by what its lineage already used."""
        if self._cpu_limit == resource.RLIM_INFINITY:
            return
        left = max(1, int(self._cpu_limit - self._spent))
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_CPU, (left, left))

    def before_cell(self, cell: str) -> bool:
        """Fork before the cell whose request carries the nonce ``cell``; whether to run
        it. The child returns True and runs the cell while the parent waits as the
        checkpoint; the parent returns False only when it resumes in place of a cell
        killed for its time limit (the cell is skipped). When the fork is refused (the
        process limit reached) the cell runs without a checkpoint (True): it cannot be
        resumed."""
        spent = self._spent + self._cpu_used()
        readable, writable = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(readable)
            os.close(writable)
            return True
        if pid == 0:
            os.close(readable)
            self._release, self._spent = writable, spent
            self._set_live()
            self._cap_cpu()
            return True
        os.close(writable)
        self._wait_as_checkpoint(pid, readable, cell)  # returns only to resume
        return False

    def after_cell(self) -> None:
        """The cell ended: let its checkpoint go (it exits)."""
        if self._release < 0:
            return
        with contextlib.suppress(OSError):  # student code may have killed it
            os.write(self._release, b"r")
        os.close(self._release)
        self._release = -1

    def end(self) -> None:
        """Grading is over: end every other process of the sandbox (the runner then
        exits, having no child left)."""
        self._live[:8] = struct.pack("q", 0)  # an exit, not a death
        _kill_others()

    # -- the checkpoint ------------------------------------------------------------------

    def _wait_as_checkpoint(self, live: int, released: int, cell: str) -> None:
        pidfd = os.pidfd_open(live)
        control = self.control.sock.fileno()
        watched = [released, pidfd, control]
        while True:
            ready, _, _ = select.select(watched, [], [])
            if released in ready:
                if os.read(released, 1) == b"r":
                    os._exit(0)  # the cell ended: this state is no longer needed
                watched.remove(released)  # closed without a word: wait for the rest
            if control in ready:
                try:
                    request = self.control.recv(timeout=1.0)
                except (ChannelClosed, ChannelTimeout, ChannelGarbage):
                    os._exit(0)  # the supervisor is gone: so is grading
                # a request for an earlier cell (whose checkpoint had gone) is stale
                if (
                    isinstance(request, dict)
                    and request.get("op") == "resume"
                    and request.get("cell") == cell
                ):
                    # the cell may have ended meanwhile: stopped, it cannot end now, so
                    # either it has released us (it then answers: go on with it) or it
                    # never will (kill it: serve from here) — one outcome, never both
                    _signal_others(signal.SIGSTOP)
                    if released in watched and _ready(released) and os.read(released, 1):
                        _signal_others(signal.SIGCONT)
                        os._exit(0)
                    self._resume(live, request.get("nonce"), (released, pidfd))
                    return
            if pidfd in ready:
                _, status, _ = os.wait4(live, 0)
                with contextlib.suppress(OSError):
                    self.channel.send({"op": "died", "status": status})
                _kill_others()
                os._exit(0)

    def _resume(self, live: int, nonce: Any, fds: tuple[int, ...]) -> None:
        """Kill the cell that overran and everything it started; serve from here."""
        _kill_others()
        _, _, usage = os.wait4(live, 0)
        _kill_others()  # what the cell forked while the first kill went round
        for fd in fds:
            os.close(fd)
        self._spent += usage.ru_utime + usage.ru_stime
        self._set_live()
        self._cap_cpu()
        self.channel.send({"op": "resumed", "nonce": nonce})


def _signal_others(signum: int) -> None:
    """Send ``signum`` to every process of the sandbox's PID namespace but the caller and
    its init (``kill(-1)`` inside a PID namespace reaches that namespace only)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(-1, signum)


def _kill_others() -> None:
    """SIGKILL every other process of the sandbox but its init."""
    _signal_others(signal.SIGKILL)


def _ready(fd: int) -> bool:
    """Whether ``fd`` can be read without waiting."""
    return bool(select.select([fd], [], [], 0)[0])
