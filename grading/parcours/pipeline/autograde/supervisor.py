"""The supervisor: one per notebook, trusted, forked from the warm fork server.

It forks the sandboxed runner *before* reading anything secret, then reads the source spec
(hidden tests) and the submission, applies nbgrader's sanitize rules, feeds the runner one
cell at a time (a test cell's source only when it runs), enforces the cell and notebook
time limits (interrupt, then kill the whole sandbox), and grades. It writes
``<job>/out/result.json`` and exits; it never touches the gradebook.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
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
from .results import GradeResult, Problem, error_output
from .source import NotebookSpec
from .testcell import run_test, test_problems

_OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}


def _clean_outputs(outputs: Any) -> list[dict[str, Any]]:
    """Outputs from the runner are untrusted: keep only well-formed nbformat outputs."""
    if not isinstance(outputs, list):
        raise ChannelGarbage("outputs is not a list")
    for out in outputs:
        if not isinstance(out, dict) or out.get("output_type") not in _OUTPUT_TYPES:
            raise ChannelGarbage("malformed output")
    return outputs


def _describe_exit(status: int | None) -> str:
    if status is None:
        return "it stopped answering"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        if sig == signal.SIGXCPU:
            return "it used up its CPU time (SIGXCPU)"
        return f"it was killed by signal {name}"
    return f"it exited with status {os.WEXITSTATUS(status)} (sys.exit, os._exit or a crash)"


class _Runner:
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
                report = sandbox.enter(limits, workdir, [child_sock.fileno()], self.pid_namespace)
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


def _grade_cells(
    nb: Any,
    limits: Limits,
    runner: _Runner,
    problems: list[Problem],
    restore: Callable[[], None],
) -> float:
    """Run every code cell through the runner; return the seconds spent. A cell that
    ignores the interrupt is killed with its sandbox; the cells that ran before it run
    again in a new one (:func:`_replay`), and the notebook goes on from there."""
    start = time.monotonic()
    deadline = start + limits.notebook_timeout_s
    stopped = ""
    last = max(
        (i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c["source"].strip()),
        default=-1,
    )
    #: the requests of the cells that ran to their end, to replay after a kill
    ran: list[dict[str, Any]] = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or not cell["source"].strip():
            continue
        name = (cell["metadata"].get("nbgrader") or {}).get("grade_id") or f"cell {index}"
        label = f"'{name}'" if not name.startswith("cell ") else name
        if stopped:
            cell["outputs"] = [error_output("NotRun", stopped)]
            continue
        left = deadline - time.monotonic()
        nonce = secrets.token_hex(16)
        budget = min(limits.cell_timeout_s, max(left, 0.0))
        notebook_limit = left < limits.cell_timeout_s
        meta = cell["metadata"].get("nbgrader") or {}
        test = bool(meta.get("grade")) and not meta.get("solution")
        limit = (
            f"the notebook's {limits.notebook_timeout_s:g} s"
            if notebook_limit
            else f"{limits.cell_timeout_s:g} s"
        )
        request = {
            "op": "run",
            "source": cell["source"],
            "nonce": nonce,
            # a cell deaf to SIGINT: an exception raised in it halfway through the grace
            "watchdog_s": budget + limits.kill_grace_s / 2,
        }
        try:
            if test:

                def replay() -> bool:
                    return _replay(runner, ran, limits, deadline, restore)

                stopped = run_test(runner, cell, label, name, budget, limit, replay, problems)
                if not stopped:
                    test_problems(cell, label, name, limits, problems)
                continue
            if runner.channel.pending():
                raise ChannelGarbage("a message came that nobody asked for")
            runner.channel.request(request)
            try:
                reply = runner.reply(timeout=budget)
            except ChannelTimeout:
                os.kill(runner.pid, signal.SIGINT)
                try:
                    reply = runner.reply(timeout=limits.kill_grace_s)
                except ChannelTimeout:
                    reply = None
                    if not notebook_limit and index != last:
                        replayed = _replay(runner, ran, limits, deadline, restore)
                        if replayed:
                            problems.append(
                                Problem(
                                    "cell-timeout",
                                    f"cell {label} timed out after {limit} and "
                                    "ignored the interrupt: killed; the notebook went on from "
                                    "the state before this cell (the cells before it ran again)",
                                    name,
                                )
                            )
                            cell["outputs"] = [
                                error_output("CellTimeoutError", f"killed after {limit}")
                            ]
                            continue
                if reply is None:  # neither answered nor replayed: end the sandbox
                    runner.kill()
                    stopped = f"not run: cell {label} was stopped after {limit}"
                    code = "notebook-timeout" if notebook_limit else "cell-timeout"
                    problems.append(
                        Problem(
                            code,
                            f"cell {label} timed out after {limit} and "
                            "ignored the interrupt: killed; later cells not run",
                            name,
                        )
                    )
                    cell["outputs"] = [error_output("CellTimeoutError", f"killed after {limit}")]
                    continue
                code = "notebook-timeout" if notebook_limit else "cell-timeout"
                problems.append(
                    Problem(code, f"cell {label} timed out after {limit} (interrupted)", name)
                )
                reply.setdefault("outputs", []).append(
                    error_output("CellTimeoutError", f"interrupted after {limit}")
                )
            else:  # ran to its end: run again after a later cell's kill
                ran.append(request)
            if not isinstance(reply, dict) or reply.get("nonce") != nonce:
                raise ChannelGarbage("reply does not answer the request")
            cell["outputs"] = _clean_outputs(reply.get("outputs"))
            count = reply.get("execution_count")
            cell["execution_count"] = count if isinstance(count, int) else None
            for output in cell["outputs"]:
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = cell["execution_count"]
            if reply.get("memory_error"):
                problems.append(
                    Problem(
                        "memory",
                        f"cell {label} ran out of memory (limit {limits.memory_mb} MiB)",
                        name,
                    )
                )
            if any(o.get("ename") == "SystemExit" for o in cell["outputs"]):
                problems.append(
                    Problem(
                        "exit",
                        f"cell {label} called sys.exit(); like a Jupyter kernel, grading went on",
                        name,
                    )
                )
            if reply.get("truncated"):
                problems.append(
                    Problem(
                        "output-cut", f"output of cell {label} cut at {limits.output_kb} KiB", name
                    )
                )
        except (ChannelClosed, BrokenPipeError, ConnectionResetError):
            runner.kill()
            status = runner.reap(2.0) if runner.died is None else runner.died
            why = _describe_exit(status)
            memory = (
                status is not None
                and os.WIFSIGNALED(status)
                and os.WTERMSIG(status) == signal.SIGABRT
            )  # failed allocation
            extra = f" (possibly the {limits.memory_mb} MiB memory limit)" if memory else ""
            problems.append(
                Problem(
                    "killed",
                    f"cell {label} stopped the grading process: {why}{extra}; later cells not run",
                    name,
                )
            )
            cell["outputs"] = [
                error_output("DeadKernelError", f"the process running the notebook died: {why}")
            ]
            stopped = f"not run: the process running the notebook died in cell {label}"
        except ChannelGarbage as exc:
            runner.kill()
            problems.append(
                Problem(
                    "tampering",
                    f"cell {label} wrote into the grading channel ({exc}); grading stopped there",
                    name,
                )
            )
            cell["outputs"] = [
                error_output("GradingChannelError", "the grading channel was tampered with")
            ]
            stopped = f"not run: grading stopped after tampering in cell {label}"
    return time.monotonic() - start


def _replay(
    runner: _Runner,
    ran: list[dict[str, Any]],
    limits: Limits,
    deadline: float,
    restore: Callable[[], None],
) -> bool:
    """Start a new interpreter in the sandbox, over the working directory as it was given,
    and run again the cells that ran to their end (their outputs are the first run's; a
    cell interrupted for its time limit is not run again); whether the interpreter is now
    in the state before the cell that was killed."""
    try:
        runner.start_anew(restore)
        for request in ran:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            again = {**request, "nonce": secrets.token_hex(16)}
            runner.channel.request(again)
            reply = runner.reply(timeout=min(limits.cell_timeout_s, left))
            if not isinstance(reply, dict) or reply.get("nonce") != again["nonce"]:
                return False
    except (RuntimeError, OSError, ChannelClosed, ChannelTimeout, ChannelGarbage):
        return False
    return True


def supervise(job: Path, shell: Any, disk_refused: str | None = None) -> int:
    """Grade the notebook described in ``job``; write ``job/out/result.json``.
    ``disk_refused`` is why its working folder is not size-limited (:mod:`.workdisk`)."""
    t0 = time.monotonic()
    settings = json.loads((job / "sandbox.json").read_text())
    limits = Limits.from_dict(settings["limits"])
    runner = _Runner(limits, Path(settings["workdir"]), shell)
    name = settings["notebook"]
    result = GradeResult(notebook=name, status="ok")
    try:
        spec = NotebookSpec.from_json((job / "spec.json").read_text())
        data = Path(settings["submission"]).read_bytes()
        from . import scoring

        nb, unreadable = scoring.read_submission(data)
        if unreadable is not None:
            result.problems.append(unreadable)
            result.cells = [c for c in scoring.grade(_empty_notebook(), spec)[0]]
            for cell in result.cells:  # an unreadable file counts as not submitted: 0
                cell.auto_score, cell.missing = 0.0, False
        else:
            assert nb is not None  # read_submission gives a notebook or a problem
            result.problems.extend(scoring.sanitize(nb, spec))
            t_setup = time.monotonic()
            hello = runner.hello()
            result.sandbox = {k: v for k, v in hello.items() if k != "op"}
            result.sandbox["ready_after_s"] = round(time.monotonic() - t0, 4)
            result.sandbox["waited_s"] = round(time.monotonic() - t_setup, 4)
            for refusal in result.sandbox.get("refused", []):
                result.problems.append(Problem("sandbox", refusal))
            sources = settings.get("sources") or {}

            def restore() -> None:  # the working directory's files as they were given
                from .jobs import fill_workdir

                fill_workdir(runner.workdir, limits, **sources)

            result.run_s = _grade_cells(nb, limits, runner, result.problems, restore)
            scoring.limit_output(nb)
            result.cells, result.comments = scoring.grade(nb, spec)
            result.notebook_json = nb
    except Exception as exc:  # recorded as an internal problem with its type and message
        result.problems.append(Problem("internal", f"grading failed: {type(exc).__name__}: {exc}"))
    finally:
        runner.end()
    from .workdisk import assess

    assess(result, limits, runner.workdir, disk_refused)
    blocking = [p for p in result.problems if p.code != "sandbox"]
    result.status = "problems" if blocking else "ok"
    result.wall_s = time.monotonic() - t0
    out = job / "out"
    tmp = out / "result.json.tmp"
    tmp.write_text(json.dumps(result.to_dict(with_notebook=True), ensure_ascii=False))
    tmp.rename(out / "result.json")
    return 0


def _empty_notebook() -> Any:
    return {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
