"""Hostile and broken submissions: each gets a recorded reason, nbgrader's score, and the
original file stays byte for byte what the learner handed in."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from parcours.pipeline.autograde import Limits, grade_notebook

from .kit import ASSIGNMENT, RIGHT, answered, sha256
from .test_grade_notebook import spec_of


@dataclass
class Case:
    id: str
    make: Callable[[dict], bytes]
    code: str | None  # expected problem code (None: no problem)
    reason: str  # expected words in that problem's message
    total: float | tuple[float, ...]  # automatic score as nbgrader's rules give it (or choices)
    #: cells whose expected auto score is given explicitly
    cells: dict[str, float | None] | None = None


def dump(nb: dict) -> bytes:
    return json.dumps(nb, indent=1, ensure_ascii=False).encode()


def with_q1(code: str, keep_answer: bool = False) -> Callable[[dict], bytes]:
    """The right answers, but q1's cell replaced (or preceded) by ``code``."""

    def make(nb: dict) -> bytes:
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
                cell["source"] = code + ("\n" + RIGHT["q1"] if keep_answer else "")
        return dump(nb)

    return make


def edit_cell(grade_id: str, change: Callable[[list, int], None]) -> Callable[[dict], bytes]:
    def make(nb: dict) -> bytes:
        index = next(
            i
            for i, c in enumerate(nb["cells"])
            if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
        )
        change(nb["cells"], index)
        return dump(nb)

    return make


def _retype(cells: list, i: int) -> None:
    cells[i]["cell_type"] = "markdown"
    cells[i].pop("outputs", None)
    cells[i].pop("execution_count", None)


def _tamper_test(cells: list, i: int) -> None:
    cells[i]["source"] = "pass"
    for cell in cells:  # and a wrong answer that the edited test would have let through
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
            cell["source"] = "def moyenne(s):\n    return 0"


def _points(cells: list, i: int) -> None:
    cells[i]["metadata"]["nbgrader"]["points"] = 100


READ_OTHERS = """import glob, os
for path in [COURSE + "/gradebook.db", COURSE + "/source/devoir-test/devoir.ipynb",
             "../spec.json", "../../", "/root"]:
    try:
        if os.path.isdir(path):
            print("listed", path, os.listdir(path))
        else:
            print("read", path, open(path, "rb").read()[:40])
    except OSError as exc:
        print("blocked", path, type(exc).__name__)
print("found", glob.glob("/tmp/parcours-grading-*/*/spec.json"))
"""

CASES = [
    Case("invalid-json", lambda nb: dump(nb)[:500], "unreadable", "invalid JSON at byte 500", 0),
    Case(
        "wrong-nbformat",
        lambda nb: dump({**nb, "nbformat": 5}),
        "unreadable",
        "version 5 is not supported",
        0,
    ),
    Case("empty-file", lambda nb: b"", "unreadable", "the file is empty", 0),
    Case(
        "binary-junk",
        lambda nb: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "unreadable",
        "not UTF-8",
        0,
    ),
    Case(
        "not-utf8",
        lambda nb: json.dumps(nb, ensure_ascii=False).encode("latin-1"),
        "unreadable",
        "not UTF-8",
        0,
    ),
    Case(
        "deleted-grade-cell",
        edit_cell("q2_test", lambda cells, i: cells.pop(i)),
        "deleted-cell",
        "grade cell 'q2_test' was deleted — scored 0 as nbgrader does",
        4,
        {"q2_test": None},
    ),
    Case(
        "duplicated-grade-cell",
        edit_cell("q1_test", lambda cells, i: cells.insert(0, copy.deepcopy(cells[i]))),
        "duplicated-cell",
        "'q1_test' appears more than once",
        7,
    ),
    Case(
        "retyped-grade-cell",
        edit_cell("q1_test", _retype),
        "retyped-cell",
        "changed from code to markdown; changed back",
        7,
    ),
    Case(
        "edited-test-cell",
        edit_cell("q1_test", _tamper_test),
        "edited-cell",
        "'q1_test' was edited; the original was restored",
        5,
        {"q1_test": 0.0},
    ),
    Case("changed-points", edit_cell("q1_test", _points), "metadata", "restored to 2", 7),
    Case(
        "infinite-loop",
        with_q1("while True:\n    pass"),
        "cell-timeout",
        "cell 'q1' timed out after 3 s (interrupted)",
        5,
        {"q1_test": 0.0},
    ),
    Case(
        "loop-ignoring-sigint",
        with_q1(
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
        ),
        # deaf to SIGINT, stopped by the watchdog's exception: q2 and q3 keep their points
        "cell-timeout",
        "timed out after 3 s (interrupted)",
        5,
        {"q1_test": 0.0, "q2_test": 3.0, "q3_test": 2.0},
    ),
    Case(
        "fork-bomb",
        with_q1(
            "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
        ),
        # interrupted (q2, q3 still graded) or, starved of CPU by its children, killed
        "cell-timeout",
        "cell 'q1' timed out",
        (0, 5),
        {"q1_test": 0.0},
    ),
    Case(
        "memory-bomb",
        with_q1("x = bytearray(8 * 1024 ** 3)"),
        "memory",
        "cell 'q1' ran out of memory (limit 1024 MiB)",
        5,
        {"q1_test": 0.0},
    ),
    Case(
        "huge-output",
        with_q1("print('x' * 5_000_000)", keep_answer=True),
        "output-cut",
        "output of cell 'q1' cut at 64 KiB",
        7,
    ),
    Case("reads-other-files", with_q1(READ_OTHERS, keep_answer=True), None, "", 7),
    Case("sys-exit", with_q1("import sys\nsys.exit(3)"), "exit", "cell 'q1' called sys.exit()", 5),
    Case(
        "os-exit",
        with_q1("import os\nos._exit(0)"),
        "killed",
        "cell 'q1' stopped the grading process: it exited with status 0",
        0,
    ),
    Case(
        "segfault",
        with_q1("import ctypes\nctypes.string_at(0)"),
        "killed",
        "it was killed by signal SIGSEGV",
        0,
    ),
    # a real kernel dies of it too (the interpreter is no longer its sandbox's init, which
    # SIGKILL from inside could not reach): a death stops the notebook
    Case(
        "kills-itself",
        with_q1("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", keep_answer=True),
        "killed",
        "it was killed by signal SIGKILL",
        0,
    ),
    Case(
        "lying-equality",
        with_q1(
            "class Egal:\n    def __eq__(self, other):\n        return True\n"
            "def moyenne(s):\n    return Egal()"
        ),
        "lying-object",
        "'Egal' (defined in the notebook) claims == a value of type 'int'",
        5,
        {"q1_test": 0.0},
    ),
]


def no_sandbox_processes_left(user: str = "nobody", wait_s: float = 10.0) -> bool:
    """Every process student code started is gone (fork bombs included): waits for their
    exits, at most ``wait_s`` seconds."""
    import psutil

    def of_user() -> list[psutil.Process]:
        return [p for p in psutil.process_iter(["username"]) if p.info["username"] == user]

    _gone, alive = psutil.wait_procs(of_user(), timeout=wait_s)
    return not alive and not of_user()  # none left, none started meanwhile


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_submission(case: Case, template_course, server, tmp_path: Path):
    course = template_course
    data = case.make(answered(course.release, RIGHT))
    if case.id == "reads-other-files":
        data = data.replace(b"COURSE", json.dumps(str(course.root)).encode().replace(b'"', b'\\"'))
    submitted = tmp_path / "devoir.ipynb"
    submitted.write_bytes(data)
    before = sha256(submitted)
    limits = Limits(
        cell_timeout_s=3,
        notebook_timeout_s=40,
        kill_grace_s=2.0,
        memory_mb=1024,
        processes=32,
        output_kb=64,
        hidden_paths=(str(course.root),),
    )
    result = grade_notebook(
        spec_of(course), submitted, limits, files=course.root / "source" / ASSIGNMENT, server=server
    )

    assert sha256(submitted) == before  # the original, byte for byte
    learner_problems = [p for p in result.problems if p.code != "sandbox"]
    if case.code is None:
        assert result.status == "ok", learner_problems
    else:
        assert result.status == "problems"
        matching = [p for p in learner_problems if p.code == case.code]
        assert matching, learner_problems
        assert any(case.reason in p.message for p in matching), [p.message for p in matching]
    totals = case.total if isinstance(case.total, tuple) else (case.total,)
    assert result.score in totals, [(c.name, c.auto_score) for c in result.cells]
    assert no_sandbox_processes_left()
    for name, score in (case.cells or {}).items():
        assert {c.name: c.auto_score for c in result.cells}[name] == score
    if case.id == "reads-other-files":
        q1 = next(
            c
            for c in result.notebook_json["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1"
        )
        text = "".join(o.get("text", "") for o in q1["outputs"])
        assert "SQLite" not in text and "HIDDEN" not in text and "read " not in text
        assert text.count("blocked") + text.count("listed") == 5
        assert "found []" in text
        # /root holds only the interpreter's folder, bound read-only into the sandbox
        assert "listed /root ['.pyenv']" in text or "blocked /root" in text
