"""The supervisor: one per notebook, trusted, forked from the warm fork server.

It forks the sandboxed runner *before* reading anything secret, then reads the source spec
(hidden tests) and the submission, applies nbgrader's sanitize rules, feeds the runner one
cell at a time (a test cell's source only when it runs), enforces the cell and notebook
time limits (interrupt, then kill the whole sandbox), and grades. It writes
``<job>/out/result.json`` and exits; it never touches the gradebook.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .channel import ChannelClosed, ChannelGarbage, ChannelTimeout
from .limits import Limits
from .results import GradeResult, Problem, error_output
from .runner import Runner
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
    """Why the runner ended, in words for the problem it leaves."""
    if status is None:
        return "it stopped answering"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        if sig == signal.SIGXCPU:
            return "it used up its CPU time (SIGXCPU)"
        return f"it was killed by signal {name}"
    return f"it exited with status {os.WEXITSTATUS(status)} (sys.exit, os._exit or a crash)"


def _grade_cells(
    nb: Any,
    limits: Limits,
    runner: Runner,
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
    runner: Runner,
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
    runner = Runner(limits, Path(settings["workdir"]), shell)
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
