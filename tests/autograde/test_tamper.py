"""A hostile learner against the grader, on the demo course's real first assignment.

Each case is what a learner can put in her first answer cell with only her own account:
change IPython's or Python's machinery so that a failing test looks passed, or make the
grader carry hidden tests back to her. Blank answers score 8 automatic points if a case
works, 0 if the tests are out of her reach (docs/autograde.md, "Test cells out of the
learner's reach"); what comes back (problems, outputs) carries no hidden-test line, in any
encoding she could choose. Grading on submit (the hub's service) and ``parcours
autograde`` both grade through ``grade_notebook`` and the same fork server: the last test
runs the teacher's command on the same notebooks.
"""

from __future__ import annotations

import base64
import codecs
import json
import re
from pathlib import Path

import nbformat
import pytest
from parcours.course.execution import release_version
from parcours.pipeline.autograde import Limits, grade_notebook
from parcours.pipeline.autograde.source import spec_from_notebook

DEVOIR = (
    Path(__file__).resolve().parents[2]
    / "courses"
    / "analyse-de-donnees"
    / "source"
    / "devoir-1"
    / "frequentation-mediatheque.ipynb"
)
FIRST_ANSWER = "q1-lire"

#: the tampering families: each would make every test cell count as passed
TAMPERING = {
    "input-transformer": (
        "get_ipython().input_transformers_cleanup.append("
        "lambda l: ['pass\\n'] if 'assert' in ''.join(l) else l)"
    ),
    "ast-transformer": (
        "import ast\n"
        "class _Drop(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n"
        "        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(_Drop())"
    ),
    "custom-exception-handler": (
        "get_ipython().set_custom_exc((BaseException,), "
        "lambda shell, etype, value, tb, tb_offset=None: None)"
    ),
    "silenced-traceback": (
        "get_ipython().showtraceback = lambda *a, **k: None\n"
        "get_ipython()._showtraceback = lambda *a, **k: None"
    ),
    "replaced-run-cell": (
        "_ip = get_ipython()\n"
        "_run = _ip.run_cell\n"
        "def _run_cell(raw_cell, *a, **k):\n"
        "    return _run('pass' if 'assert' in raw_cell else raw_cell, *a, **k)\n"
        "_ip.run_cell = _run_cell"
    ),
    "sys-hooks": (
        "import os, sys\n"
        "sys.excepthook = lambda *a: None\n"
        "sys.stderr = open(os.devnull, 'w')\n"
        "sys.displayhook = lambda *a: None"
    ),
    "builtins": (
        "import builtins\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.int = lambda *a: 2\n"
        "builtins.set = lambda *a: {'minimum', 'maximum', 'moyenne', 'manquants'}"
    ),
    "grader-modules": (
        "import json, os, marshal\n"
        "from parcours.pipeline.autograde import channel, executor, testproc\n"
        "testproc.compare = lambda a, b, equal=True: True\n"
        "testproc.test_process = lambda *a, **k: None\n"
        "testproc.read_request = lambda fd: {'op': 'run', 'source': 'pass', 'nonce': ''}\n"
        "marshal.loads = lambda data: {'op': 'run', 'source': 'pass', 'nonce': ''}\n"
        "os.fork = lambda: 0"
    ),
    "trace-function": (
        "import sys\n"
        "def _skip(frame, event, arg):\n"
        "    if event == 'line' and frame.f_code.co_filename == '<test>':\n"
        "        raise SystemExit\n"
        "    return _skip\n"
        "sys.settrace(_skip)"
    ),
    # a thread left running could read the grading channel and answer for a test: the
    # tests do not run next to it
    "thread-left-running": (
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()"
    ),
    "audit-hook": ("import sys\nsys.addaudithook(lambda event, args: None)"),
}


def _release() -> dict:
    """The version learners get, as a dict (blank answers: ``raise NotImplementedError``)."""
    return json.loads(nbformat.writes(release_version(nbformat.read(DEVOIR, as_version=4))))


def _with_first_answer(code: str, keep_answer: bool = False) -> bytes:
    nb = _release()
    source = json.loads(nbformat.writes(nbformat.read(DEVOIR, as_version=4)))
    answer = next(
        "".join(c["source"])
        for c in source["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == FIRST_ANSWER
    )
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == FIRST_ANSWER:
            cell["source"] = code + "\n" + (answer if keep_answer else "".join(cell["source"]))
    return json.dumps(nb).encode()


def _grade(data: bytes, server, tmp_path: Path, **limits: float):
    return grade_notebook(
        spec_from_notebook(DEVOIR),
        data,
        Limits(
            cell_timeout_s=limits.get("cell_timeout_s", 30),
            notebook_timeout_s=120,
            kill_grace_s=limits.get("kill_grace_s", 2.0),
            hidden_paths=(str(tmp_path),),
        ),
        files=DEVOIR.parent,
        server=server,
    )


def _tests(result) -> dict[str, float | None]:
    return {c.name: c.auto_score for c in result.cells if c.name.endswith("-tests")}


def _hidden_lines() -> list[str]:
    """Every line of the hidden tests of the assignment (markers left out)."""
    nb = nbformat.read(DEVOIR, as_version=4)
    lines, inside = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                lines.append(line.strip())
    return lines


def _decodings(text: str) -> list[str]:
    """The text as the learner could have encoded it: plain, rot13, reversed, and every
    base64 run decoded."""
    views = [text, codecs.decode(text, "rot13"), text[::-1]]
    for run in re.findall(r"[A-Za-z0-9+/=]{16,}", text):
        try:
            views.append(base64.b64decode(run + "=" * (-len(run) % 4)).decode("utf-8", "replace"))
        except ValueError:
            continue
    return views


def _leaks(result) -> list[str]:
    """Hidden-test lines found in what grading gives back to the learner: the problems
    and every output (the test cells' own sources are the teacher's: feedback leaves the
    hidden ones out, pipeline/feedback.py)."""
    outputs = [c.get("outputs", []) for c in result.notebook_json["cells"]]
    shown = json.dumps(
        {"problems": [p.message for p in result.problems], "outputs": outputs},
        ensure_ascii=False,
    )
    shown = shown.encode().decode("unicode_escape", "replace")
    compact = [re.sub(r"\s+", "", view) for view in _decodings(shown)]
    return [
        line
        for line in _hidden_lines()
        if any(re.sub(r"\s+", "", line) in view for view in compact)
    ]


def test_blank_answers_score_nothing_and_the_right_ones_everything(server, tmp_path):
    """The anchor of the cases below: blank answers 0, the model answers 8 (nbgrader's)."""
    blank = _grade(json.dumps(_release()).encode(), server, tmp_path)
    assert set(_tests(blank).values()) == {0.0}
    right = _grade(DEVOIR.read_bytes(), server, tmp_path)
    assert _tests(right) == {"q1-tests": 2.0, "q2-tests": 2.0, "q3-tests": 2.0, "q4-tests": 2.0}, (
        right.problems,
        [c["outputs"] for c in right.notebook_json["cells"] if c.get("cell_type") == "code"],
    )


@pytest.mark.parametrize("family", list(TAMPERING))
def test_tampering_with_the_kernel_earns_nothing(family, server, tmp_path):
    result = _grade(_with_first_answer(TAMPERING[family]), server, tmp_path)
    assert _tests(result) == {"q1-tests": 0.0, "q2-tests": 0.0, "q3-tests": 0.0, "q4-tests": 0.0}
    assert _leaks(result) == []


@pytest.mark.parametrize("family", ["input-transformer", "ast-transformer", "grader-modules"])
def test_tampering_leaves_honest_answers_their_points(family, server, tmp_path):
    """The same changes made before right answers: the tests still pass (they run as
    Python, not as the learner's machinery)."""
    result = _grade(_with_first_answer(TAMPERING[family], keep_answer=True), server, tmp_path)
    assert _tests(result)["q1-tests"] == 2.0


#: an object that records the frame of whoever compares it (the test), and cells that
#: print what was captured, and the input history, encoded
LYING_OBJECT = """
import sys, base64, codecs
_seen = []
class Total(int):
    def _spy(self, other):
        frame = sys._getframe(1)
        while frame is not None:
            _seen.append(repr(frame.f_code.co_consts) + repr(frame.f_locals.get("source")))
            frame = frame.f_back
        return True
    __eq__ = _spy
    __ne__ = lambda self, other: False
    def __repr__(self):
        return "|".join(_seen)
    __hash__ = int.__hash__
total_prets = Total(6000)
moyenne_entrees = Total(250)
"""
EXFILTRATE = """
import base64, codecs
_history = "\\n".join(In) + "\\n".join(_ih) + "|".join(_seen)
print(codecs.encode(_history, "rot13"))
print(base64.b64encode(_history.encode()).decode())
print(_history[::-1])
print(repr(total_prets))
"""


def test_hidden_tests_do_not_come_back(server, tmp_path):
    nb = json.loads(_with_first_answer(LYING_OBJECT))
    # her q3 answer is the lying object; a later cell of hers prints what it saw
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q3-chiffres":
            cell["source"] = LYING_OBJECT
    nb["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "id": "exfiltrate",
            "source": EXFILTRATE,
        }
    )
    result = _grade(json.dumps(nb).encode(), server, tmp_path)
    assert _leaks(result) == []
    assert _tests(result)["q3-tests"] == 0.0  # the lie is caught: the test fails
    lies = [p for p in result.problems if p.code == "lying-object"]
    assert lies and all("6684" not in p.message and "236" not in p.message for p in lies)
    printed = "".join(
        o.get("text", "")
        for c in result.notebook_json["cells"]
        if c.get("id") == "exfiltrate"
        for o in c["outputs"]
    )
    assert printed  # her cell ran: it found nothing of the tests to print


def test_a_stubborn_first_answer_loses_only_its_own_question(server, tmp_path):
    """Issue #23, item 10: the right first answer followed by a loop deaf to SIGINT."""
    stubborn = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    nb = json.loads(DEVOIR.read_bytes())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == FIRST_ANSWER:
            cell["source"] = "".join(cell["source"]) + "\n" + stubborn
    result = _grade(json.dumps(nb).encode(), server, tmp_path, cell_timeout_s=3, kill_grace_s=2)
    scores = _tests(result)
    assert {k: scores[k] for k in ("q2-tests", "q3-tests", "q4-tests")} == {
        "q2-tests": 2.0,
        "q3-tests": 2.0,
        "q4-tests": 2.0,
    }
    assert [p.code for p in result.problems if p.code != "sandbox"] == ["cell-timeout"]


def test_the_teachers_autograde_gives_tampering_nothing(course, server):
    """``parcours autograde`` (the teacher's command) on tampered and honest copies of the
    test course: the gradebook rows of the tampered ones are 0, the honest one keeps its
    points."""
    from parcours.pipeline.autograde import autograde

    from .kit import ASSIGNMENT, COURSE, RIGHT, answered, gradebook_rows
    from .test_autograde import config_for
    from .test_grade_notebook import limits_for

    blank = answered(course.release, {})
    for family in ("input-transformer", "replaced-run-cell", "custom-exception-handler"):
        nb = json.loads(json.dumps(blank))
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
                cell["source"] = TAMPERING[family] + "\n" + "".join(cell["source"])
        course.submit(family, nb)
    course.submit("honest", answered(course.release, RIGHT))
    report = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        workers=2,
        progress=False,
        limits=limits_for(course),
        server=server,
    )
    assert report.exit_status in (0, 3)
    rows = gradebook_rows(course.db_url)
    for family in ("input-transformer", "replaced-run-cell", "custom-exception-handler"):
        tests = {k[2]: v[0] for k, v in rows.items() if k[0] == family and k[2].endswith("_test")}
        assert tests and set(tests.values()) == {0.0}, (family, tests)
    assert rows[("honest", "devoir", "q1_test")][0] == 2.0
