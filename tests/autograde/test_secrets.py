"""No secret of the account that grades reaches the sandbox (issue #23, item 4).

The hub's Parcours service grades on submit with its hub token in its environment; a
teacher's root ``parcours autograde`` has root's shell variables. The fork server every
sandbox is forked from must be started without them: student code can read its own
process's initial environment (``/proc/self/environ``, and the memory between
``env_start`` and ``env_end`` of ``/proc/self/stat``), not only ``os.environ``.
"""

from __future__ import annotations

import json
import secrets

import pytest
from parcours.pipeline.autograde import grade_notebook

from .kit import RIGHT, Course, answered
from .test_grade_notebook import limits_for, spec_of

#: student code: every way to its own process's environment, printed
READER = r"""
import ctypes, os
print("ENVIRON", dict(os.environ), dict(os.environb))
try:
    with open("/proc/self/environ", "rb") as fh:
        print("PROC-ENVIRON", fh.read())
except OSError as exc:
    print("PROC-ENVIRON refused", exc)
with open("/proc/self/stat") as fh:
    stat = fh.read()
# proc(5): fields after the command's closing parenthesis start at field 3;
# (50) env_start and (51) env_end
fields = stat[stat.rindex(")") + 2 :].split()
start, end = int(fields[50 - 3]), int(fields[51 - 3])
print("RANGE", start, end)
try:
    with open("/proc/self/mem", "rb") as fh:
        fh.seek(start)
        print("PROC-MEM", fh.read(end - start))
except OSError as exc:
    print("PROC-MEM refused", exc)
print("MEMORY", ctypes.string_at(start, end - start))
"""


def test_no_token_of_the_grader_is_readable_in_the_sandbox(
    course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parcours.pipeline.autograde.forkserver import ForkServer

    token = "tok-" + secrets.token_hex(16)
    password = "pw-" + secrets.token_hex(16)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", token)
    monkeypatch.setenv("JPY_API_TOKEN", token)
    monkeypatch.setenv("PARCOURS_SMTP_PASSWORD", password)
    monkeypatch.setenv("ROOTS_SHELL_VARIABLE", password)
    nb = answered(course.release, RIGHT)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
            cell["source"] = READER + RIGHT["q1"]
    with ForkServer() as server:  # started from this environment, as the service's is
        result = grade_notebook(
            spec_of(course),
            json.dumps(nb).encode(),
            limits_for(course, cell_timeout_s=30, notebook_timeout_s=60),
            server=server,
        )
    outputs = json.dumps([c.get("outputs", []) for c in result.notebook_json["cells"]])
    # the reads worked: the server's own (harmless) initial environment is there
    assert "MEMORY b'" in outputs and "NBGRADER_EXECUTION=autograde" in outputs, outputs[:3000]
    assert token not in outputs
    assert password not in outputs
    assert {c.name: c.auto_score for c in result.cells}["q1_test"] == 2.0
