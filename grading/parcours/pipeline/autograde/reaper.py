"""The sandbox's init: with a PID namespace of its own, the runner forks the interpreter
and from then on only reaps the processes of the sandbox, forwards the supervisor's
interrupt to the interpreter, reports the interpreter's death, and on request starts a
new interpreter::

    runner (init: reaps, forwards SIGINT, reports a death, starts anew on SIGUSR1)
     └ interpreter   runs the cells

When the interpreter dies on its own (``os._exit``, a crash, SIGKILL), the runner reports
``{"op": "died", "status": <wait status>}`` on the grading channel and ends the sandbox:
a death stops the notebook. When a cell ignores the interrupt, the supervisor sends the
runner SIGUSR1: it kills every other process of the sandbox and forks a new interpreter
from itself — the sandbox as it was before the first cell (the runner has run none) —
which says hello; the supervisor then runs again the cells before the one killed
(``supervisor._replay``). A checkpoint forked before every cell did the same for 40 % of
the grading time; this costs nothing until a cell ignores its interrupt.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import struct

from .channel import Channel


class Reaper:
    """The runner's part (created in the runner, before the interpreter is forked; the
    interpreter holds a copy)."""

    def __init__(self, channel: Channel):
        #: the grading channel (the death report goes to the supervisor)
        self.channel = channel
        # shared by the runner and the interpreter (MAP_SHARED survives fork): the
        # interpreter's namespace pid, 0 once grading is over (an exit, not a death)
        self._live = mmap.mmap(-1, 8)

    def start(self) -> None:
        """In the runner: fork the interpreter, which returns; the runner stays init of
        the sandbox until every process in it is gone, then exits. On SIGUSR1 it ends
        every other process and forks a new interpreter, which returns too."""

        def forward(signum: int, frame: object) -> None:
            (live,) = struct.unpack("q", self._live[:8])
            if live > 1:  # 0: over (kill(0) would be a group)
                with contextlib.suppress(OSError):
                    os.kill(live, signal.SIGINT)

        def anew(signum: int, frame: object) -> None:
            raise _StartAnew

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGUSR1, anew)
        usr1 = {signal.SIGUSR1}
        while True:
            signal.pthread_sigmask(signal.SIG_BLOCK, usr1)  # held until the next wait
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGUSR1, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, usr1)
                self._live[:8] = struct.pack("q", os.getpid())
                return
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, usr1)
                self._reap()
            except _StartAnew:
                signal.pthread_sigmask(signal.SIG_BLOCK, usr1)
                self._live[:8] = struct.pack("q", 0)  # ended on purpose: not a death
                _kill_others()
                with contextlib.suppress(ChildProcessError):
                    while True:
                        os.wait()

    def _reap(self) -> None:
        """Reap the sandbox's processes; exit once none is left."""
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                os._exit(0)
            if pid == struct.unpack("q", self._live[:8])[0]:  # the interpreter died
                with contextlib.suppress(OSError):
                    self.channel.send({"op": "died", "status": status})
                _kill_others()

    def end(self) -> None:
        """In the interpreter, grading over: end every other process of the sandbox (the
        runner then exits, having no child left)."""
        self._live[:8] = struct.pack("q", 0)
        _kill_others()


class _StartAnew(Exception):
    """The supervisor asked for a new interpreter (SIGUSR1)."""


def _kill_others() -> None:
    """SIGKILL every process of the sandbox's PID namespace but the caller and its init
    (``kill(-1)`` inside a PID namespace reaches that namespace only)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(-1, signal.SIGKILL)
