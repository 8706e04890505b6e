"""The sandboxed runner as its supervisor sees it: the child process (forked before
anything secret is read), its channel, its replies and its end."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import cgroups, sandbox
from .channel import Channel, ChannelClosed, ChannelGarbage, ChannelTimeout
from .limits import Limits


class Runner:
    """The sandboxed child and its channel."""

    def __init__(self, limits: Limits, workdir: Path, shell: Any):
        self.workdir = workdir
        parent_sock, child_sock = socket.socketpair()
        self.pid_namespace = sandbox.new_pid_namespace()
        self.cgroups, cgroups_refused = cgroups.create(
            int(limits.memory_mb * 1024 * 1024 * cgroups.MEMORY_FACTOR), limits.processes
        )
        pid = os.fork()
        if pid == 0:  # the runner
            code = 0
            try:
                parent_sock.close()
                cgroups.join(self.cgroups)  # before any student code
                report = sandbox.enter(
                    limits,
                    workdir,
                    [child_sock.fileno()],
                    self.pid_namespace,
                    process_group=bool(self.cgroups),
                )
                # after the change of user, which would clear it: the sandbox (the runner is
                # its PID namespace's init) dies with this supervisor, however it dies
                sandbox.die_with_parent(lambda: sandbox.peer_open(child_sock.fileno()))
                # an extra over the rlimits: its absence is noted, not a problem
                report["cgroups"] = self.cgroups or cgroups_refused
                from . import executor
                from .reaper import Reaper

                reaper = None
                if self.pid_namespace:  # init of its own namespace: reaps, reports deaths
                    reaper = Reaper(Channel(child_sock))
                    reaper.start()  # the runner stays there; the interpreter goes on
                executor.serve(Channel(child_sock), shell, limits.output_kb, report, reaper)
            except BaseException:
                code = 70
            os._exit(code)
        child_sock.close()
        self.pid = pid
        self.channel = Channel(parent_sock)
        self.status: int | None = None
        #: the interpreter's wait status as the runner reported it ({"op": "died"})
        self.died: int | None = None

    def hello(self) -> dict[str, Any]:
        """The sandbox's report once it is ready (RuntimeError if it could not start)."""
        try:
            message = self.channel.recv(timeout=30.0)
        except (ChannelClosed, ChannelTimeout, ChannelGarbage) as exc:
            raise RuntimeError(f"the sandbox could not start ({type(exc).__name__})") from exc
        return message if isinstance(message, dict) else {}

    def reply(self, timeout: float) -> Any:
        """The runner's next message; ChannelClosed when the interpreter died (the
        runner's report keeps the wait status in :attr:`died`)."""
        message = self.channel.recv(timeout=timeout)
        if isinstance(message, dict) and message.get("op") == "died":
            status = message.get("status")
            self.died = status if isinstance(status, int) else None
            raise ChannelClosed()
        return message

    def end(self) -> None:
        """Stop the sandbox: asked to exit, killed if it does not within 0.5 s."""
        with contextlib.suppress(OSError):
            self.channel.send({"op": "exit"})
        if self.reap(0.5) is None:
            self.kill()
            self.reap(5.0)
        cgroups.remove(self.cgroups)

    def start_anew(self, restore: Callable[[], None]) -> None:
        """After a cell ignored the interrupt: have the runner end every process of the
        sandbox and start a new interpreter (:mod:`.reaper`), put the working directory's
        files back as they were given (``restore()``, once nothing else runs there);
        returns when the new interpreter is ready. RuntimeError when it cannot be had."""
        if not self.pid_namespace:
            raise RuntimeError("no runner to start a new interpreter")
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 30.0
        while True:  # late answers of the interpreter ended come first
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("no new interpreter within 30 s")
            try:
                message = self.channel.recv(timeout=left)
            except (ChannelClosed, ChannelTimeout, ChannelGarbage) as exc:
                raise RuntimeError(f"no new interpreter ({type(exc).__name__})") from exc
            if isinstance(message, dict) and message.get("op") == "hello":
                break
        restore()

    def kill(self) -> None:
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(self.pid, signal.SIGKILL)

    def reap(self, wait_s: float = 0.0) -> int | None:
        """The runner's wait status once it has exited (``None`` if still alive after
        ``wait_s`` seconds). Woken by the runner's exit (pidfd), not by polling: every
        notebook pays this wait."""
        deadline = time.monotonic() + wait_s
        pidfd = -1
        try:
            while self.status is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.status = status
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if pidfd < 0:
                    try:
                        pidfd = os.pidfd_open(self.pid)
                    except (AttributeError, OSError):  # old kernel: poll
                        time.sleep(min(left, 0.005))
                        continue
                select.select([pidfd], [], [], left)
        finally:
            if pidfd >= 0:
                os.close(pidfd)
        return self.status
