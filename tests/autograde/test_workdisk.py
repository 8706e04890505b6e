"""A notebook's working folder is a size-limited tmpfs (issue #23, item 5b): a notebook
that fills it stops there, and that is recorded as its learner's problem while the other
submissions of the same run are graded as usual; the machine's disk gets none of it."""

from __future__ import annotations

import json
import re

from parcours.pipeline.autograde import Limits, autograde

from .kit import ASSIGNMENT, COURSE, RIGHT, Course, answered, gradebook_rows
from .test_autograde import config_for

#: student code: writes 1 MiB at a time into its folder until the OS says no
FILLER = """
import os
st = os.statvfs(".")
print("FOLDER-BYTES", st.f_blocks * st.f_frsize)
try:
    with open("big.bin", "wb") as fh:
        for _ in range(1024):  # 1 GiB if nothing stops it
            fh.write(b"x" * 2**20)
            fh.flush()
except OSError as exc:
    print("STOPPED", exc.errno)
print("WRITTEN", os.path.getsize("big.bin"))
"""


def test_filling_the_folder_is_that_learners_problem(course: Course, server) -> None:
    nb = answered(course.release, RIGHT)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
            cell["source"] = FILLER + RIGHT["q1"]
    course.submit("filler", nb)
    course.submit("honest", answered(course.release, RIGHT))
    limits = Limits(
        cell_timeout_s=30, notebook_timeout_s=60, disk_mb=24, hidden_paths=(str(course.root),)
    )
    report = autograde(
        config_for(course), COURSE, ASSIGNMENT, workers=2, progress=False, limits=limits,
        server=server,
    )  # fmt: skip
    results = {r.learner: r for r in report.graded}
    assert set(results) == {"filler", "honest"}
    # the honest learner: graded cleanly, in the same run
    assert results["honest"].status == "ok", results["honest"].problems
    assert results["honest"].notebooks[0].sandbox["workdir"] == "private tmpfs, 24 MiB"
    # the filler: stopped at the limit, recorded as a disk problem naming the limit
    filler = results["filler"]
    codes = [p.code for p in filler.problems]
    assert codes == ["disk"], filler.problems
    assert "24 MiB limit" in filler.problems[0].message
    assert list(report.problems) == ["filler"]
    graded = course.root / "autograded" / "filler" / ASSIGNMENT / "devoir.ipynb"
    text = json.dumps(json.loads(graded.read_text())["cells"])
    assert "FOLDER-BYTES 25165824" in text  # its folder is the 24 MiB tmpfs
    assert "STOPPED 28" in text  # ENOSPC
    written = int(re.search(r"WRITTEN (\d+)", text).group(1))
    assert written <= 24 * 2**20
    assert not (course.root / "autograded" / "filler" / ASSIGNMENT / "big.bin").exists()
    # its points are what its answers earn: q1's test still passes
    rows = gradebook_rows(course.db_url)
    assert rows[("filler", "devoir", "q1_test")][2] == 2.0
    assert rows[("honest", "devoir", "q1_test")][2] == 2.0


def test_files_larger_than_the_folder_are_graded_on_the_disk(
    course: Course, server, tmp_path
) -> None:
    """The learner's files and the data do not fit in the limit: the folder stays on the
    machine's disk (per-file limit only), which the result says; grading goes on."""
    from parcours.pipeline.autograde import grade_notebook

    from .test_grade_notebook import spec_of

    files = tmp_path / "learner"
    files.mkdir()
    (files / "gros.bin").write_bytes(b"x" * (3 * 2**20))
    result = grade_notebook(
        spec_of(course),
        json.dumps(answered(course.release, RIGHT)).encode(),
        Limits(cell_timeout_s=30, notebook_timeout_s=60, disk_mb=2),
        files=files,
        data=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert result.sandbox["workdir"] == "machine's disk", result.sandbox
    refusal = [p.message for p in result.problems if p.code == "sandbox"]
    assert any("take more than 2 MiB" in m for m in refusal), result.problems
    assert result.status == "ok"  # a sandbox refusal, not the learner's problem
    assert {c.name: c.auto_score for c in result.cells}["q1_test"] == 2.0
