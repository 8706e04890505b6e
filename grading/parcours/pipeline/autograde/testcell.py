"""Test cells, on the supervisor's side: compiled here, run in a process of their own
inside the sandbox (:mod:`.testproc`), their verdict turned into the outputs a kernel would
have recorded. See docs/autograde.md, "Test cells out of the learner's reach"."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .channel import ChannelGarbage, ChannelTimeout
from .limits import Limits
from .results import Problem, error_output, excerpt

if TYPE_CHECKING:
    from .runner import Runner


def compile_test(source: str) -> Any:
    """A test cell's code objects ``(body, last)``, compiled here (the trusted side) with
    their line numbers; ``last`` (or ``None``) is its final expression, whose value is
    shown as a kernel shows it (nbgrader reads it as partial credit). Also,
    ``assert a == b`` / ``assert a != b`` become ``assert __parcours_compare__(a, b, True)``
    so that objects whose == lies are caught (see testproc.compare). A source that does
    not parse (a magic) gives its ``SyntaxError``: the test fails, as it cannot run
    without IPython."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return exc

    class _Guard(ast.NodeTransformer):
        def visit_Assert(self, node: ast.Assert) -> ast.Assert:
            test = node.test
            if (
                isinstance(test, ast.Compare)
                and len(test.ops) == 1
                and isinstance(test.ops[0], ast.Eq | ast.NotEq)
            ):
                # the new nodes placed where the comparison was (not through
                # ast.fix_missing_locations: a walk of the whole tree, a third of the
                # supervisor's compile time per test)
                name = ast.copy_location(ast.Name("__parcours_compare__", ast.Load()), test)
                equal = ast.copy_location(ast.Constant(isinstance(test.ops[0], ast.Eq)), test)
                call = ast.Call(name, [test.left, test.comparators[0], equal], [])
                node.test = ast.copy_location(call, test)
            return node

    tree = _Guard().visit(tree)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        expression = ast.Expression(tree.body.pop().value)
        last = compile(expression, "<test>", "eval", dont_inherit=True)
    return compile(tree, "<test>", "exec", dont_inherit=True), last


def _hidden_lines(source: str) -> set[int]:
    """The line numbers (from 1) of a test cell's hidden tests, markers included."""
    hidden, inside = set(), False
    for number, text in enumerate(source.splitlines(), 1):
        if "BEGIN HIDDEN TESTS" in text:
            inside = True
        if inside:
            hidden.add(number)
        if "END HIDDEN TESTS" in text:
            inside = False
    return hidden


def _sandbox_census(runner: Runner) -> tuple[int, list[int]]:
    """What runs in the sandbox besides its init and the interpreter, read from outside:
    the interpreter's extra threads, and the other processes (zombies left out: they run
    nothing). The sandbox's processes are its ``pids`` group's when it has one, else the
    runner's descendants in this machine's /proc."""
    members: list[int] = []
    for group in runner.cgroups:
        procs = Path(group) / "cgroup.procs"
        if procs.is_file():
            members = [int(p) for p in procs.read_text().split()]
            break
    scan = not members
    if scan:
        members = [int(n) for n in os.listdir("/proc") if n.isdigit()]
    parents: dict[int, tuple[int, bytes, int]] = {}
    for pid in members:
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_bytes()
            fields = stat[stat.rindex(b")") + 2 :].split()
            parents[pid] = (int(fields[1]), fields[0], int(fields[19]))  # ppid, state, start
    family, todo = set(), [runner.pid]
    while todo:
        pid = todo.pop()
        family.add(pid)
        todo.extend(p for p, (ppid, _s, _t) in parents.items() if ppid == pid and p not in family)
    family.discard(runner.pid)
    live = {p for p in family if parents[p][1] not in (b"Z", b"X")}
    if not runner.pid_namespace:  # the runner is the interpreter
        interpreter = runner.pid
    else:
        children = [p for p in live if parents[p][0] == runner.pid]
        if not children:
            return 0, sorted(live)
        interpreter = min(children, key=lambda p: parents[p][2])
        live.discard(interpreter)
    return _extra_threads(interpreter), sorted(live)


#: how long a thread that has ended in Python may still be listed by the kernel (a joined
#: thread's OS thread exits just after ``join()`` returns: the cell's watchdog)
THREAD_EXIT_S = 0.2


def _extra_threads(pid: int) -> int:
    """The interpreter's threads beyond its main one; a thread still listed because it is
    exiting (the watchdog of the cell before, joined) is given :data:`THREAD_EXIT_S`."""
    deadline = time.monotonic() + THREAD_EXIT_S
    while True:
        try:
            extra = len(os.listdir(f"/proc/{pid}/task")) - 1
        except OSError:
            return 0
        if extra <= 0 or time.monotonic() > deadline:
            return max(extra, 0)
        time.sleep(0.002)  # the kernel offers no event for a thread's exit


def run_test(
    runner: Runner,
    cell: dict[str, Any],
    label: str,
    name: str,
    budget: float,
    limit: str,
    replay: Callable[[], bool],
    problems: list[Problem],
) -> str:
    """Run one test cell in a process of its own (:mod:`.testproc`) and set its outputs
    (an error output when it failed); return why later cells cannot run ('' if they can).

    Before asking for the fork, the sandbox must hold nothing but its init and the idle
    interpreter (read from outside, :func:`_sandbox_tasks`): a thread or process the
    notebook left running could otherwise answer in the fork's place."""
    code = compile_test(cell["source"])
    if isinstance(code, SyntaxError):
        cell["outputs"] = [error_output("SyntaxError", f"{code.msg} (line {code.lineno})")]
        return ""
    threads, others = _sandbox_census(runner)
    if others:  # a test runs alone: what the notebook left running is ended first
        for pid in others:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        problems.append(
            Problem(
                "background",
                f"before test cell {label}: {len(others)} process(es) the notebook left "
                "running were ended (a test runs alone)",
                name,
            )
        )
    if threads:
        problems.append(
            Problem(
                "background",
                f"test cell {label} not run: the notebook left {threads} thread(s) running; "
                "a test runs only once the notebook's own code has finished (the test fails)",
                name,
            )
        )
        cell["outputs"] = [error_output("TestNotRun", "the notebook's code was still running")]
        return ""
    if runner.channel.pending():
        raise ChannelGarbage("a message came that nobody asked for")
    fork_id = secrets.token_hex(8)
    runner.channel.request({"op": "test", "id": fork_id})
    ready = runner.reply(timeout=30.0)
    if not isinstance(ready, dict) or ready.get("op") != "ready" or ready.get("id") != fork_id:
        raise ChannelGarbage("the test's process did not answer as expected")
    if ready.get("refused"):
        _tested(runner, fork_id)
        problems.append(
            Problem(
                "background",
                f"test cell {label} not run: {excerpt(ready['refused'])} (the test fails)",
                name,
            )
        )
        cell["outputs"] = [error_output("TestNotRun", "the test could not run apart")]
        return ""
    nonce = secrets.token_hex(16)
    runner.channel.request({"code": code[0], "last": code[1], "nonce": nonce})
    try:
        reply = runner.reply(timeout=budget)
    except ChannelTimeout:  # the fork and the stopped interpreter end with the sandbox
        cell["outputs"] = [error_output("CellTimeoutError", f"stopped after {limit}")]
        if replay():
            problems.append(
                Problem(
                    "cell-timeout",
                    f"test cell {label} timed out after {limit}: stopped, the test fails; "
                    "the notebook went on (the cells before it ran again)",
                    name,
                )
            )
            return ""
        runner.kill()
        problems.append(
            Problem(
                "cell-timeout",
                f"test cell {label} timed out after {limit}: stopped; later cells not run",
                name,
            )
        )
        return f"not run: test cell {label} was stopped after {limit}"
    if isinstance(reply, dict) and reply.get("op") == "tested" and reply.get("id") == fork_id:
        cell["outputs"] = [
            error_output("DeadKernelError", "the test's process ended before its verdict")
        ]
        problems.append(
            Problem(
                "exit",
                f"test cell {label}: code it called ended the test's process (the test fails)",
                name,
            )
        )
        return ""
    if not isinstance(reply, dict) or reply.get("op") != "done" or reply.get("nonce") != nonce:
        raise ChannelGarbage("reply does not answer the request")
    _tested(runner, fork_id)
    cell["outputs"] = _test_outputs(reply, cell["source"])
    count = reply.get("count")
    cell["execution_count"] = count if isinstance(count, int) and count > 0 else None
    cell["_flags"] = [f for f in reply.get("flags") or [] if isinstance(f, str)]
    cell["_truncated"] = bool(reply.get("truncated"))
    return ""


def _tested(runner: Runner, fork_id: str) -> None:
    """The interpreter's word that the test's process is gone (it resumes then)."""
    message = runner.reply(timeout=10.0)
    if not isinstance(message, dict) or message.get("op") != "tested":
        raise ChannelGarbage("the interpreter did not resume as expected")
    if message.get("id") != fork_id:
        raise ChannelGarbage("the interpreter resumed after another test")


def _test_outputs(reply: dict[str, Any], source: str) -> list[dict[str, Any]]:
    """A test's outputs as a kernel would have recorded them: what it printed, then, if
    it failed, an error output naming the line (its text unless it is a hidden test's)."""
    outputs: list[dict[str, Any]] = []
    for item in reply.get("streams") or []:
        if not (isinstance(item, list) and len(item) == 2 and item[0] in ("stdout", "stderr")):
            raise ChannelGarbage("malformed stream")
        outputs.append({"output_type": "stream", "name": item[0], "text": str(item[1])})
    if reply.get("passed") is True:
        if isinstance(reply.get("value"), str):
            outputs.append(
                {
                    "output_type": "execute_result",
                    "data": {"text/plain": reply["value"]},
                    "metadata": {},
                    "execution_count": reply.get("count"),
                }
            )
        return outputs
    ename = str(reply.get("ename") or "Exception")[:100]
    evalue = str(reply.get("evalue") or "")
    line = reply["line"] if isinstance(reply.get("line"), int) else 0
    lines = source.splitlines()
    where = [f"Cell In[{reply.get('count')}], line {line}"] if line else []
    if 0 < line <= len(lines) and line not in _hidden_lines(source):
        where.append(f"----> {line} {lines[line - 1]}")
    traceback = [
        "-" * 75,
        f"{ename:<42}Traceback (most recent call last)",
        *where,
        "",
        f"{ename}: {evalue}" if evalue else ename,
    ]
    outputs.append(
        {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}
    )
    return outputs


def test_problems(
    cell: dict[str, Any], label: str, name: str, limits: Limits, problems: list[Problem]
) -> None:
    """The problems a test's reply reports (lies caught, output cut, memory)."""
    for flag in cell.pop("_flags", []):
        problems.append(
            Problem(
                "lying-object",
                f"test cell {label}: {excerpt(flag, 200)}; checked with the value's real "
                "type, the test fails",
                name,
            )
        )
    if cell.pop("_truncated", False):
        problems.append(
            Problem("output-cut", f"output of cell {label} cut at {limits.output_kb} KiB", name)
        )
    if any(o.get("ename") == "MemoryError" for o in cell["outputs"]):
        problems.append(
            Problem(
                "memory", f"cell {label} ran out of memory (limit {limits.memory_mb} MiB)", name
            )
        )
