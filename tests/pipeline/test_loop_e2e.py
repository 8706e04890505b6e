"""The whole asynchronous loop on the demo course, through nbgrader's real exchange and
gradebook: release (one assignment to a group only), 30 learners fetch and submit (some
late, one with an extension, some never), collect, autograde, a grade by hand, feedback,
corrections — then every learner's files and grades are checked.

The test's clock: the manifest's dates are moved to "now" in a copy of the course. The
due date is first a day away; once the on-time learners have handed in, the copy's due
date is set to that moment (as a teacher editing course.toml would), and the late learners
hand in after it. Submission times are the exchange's own (teacher-side) times.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import MissingEntry
from parcours.config import ParcoursConfig
from parcours.course import load_course
from parcours.errors import BadInputError
from parcours.pipeline.autograde.results import RESULT_FILE as RESULT
from parcours.pipeline.collect import collect
from parcours.pipeline.deadlines import learner_deadlines
from parcours.pipeline.exchange import assignment_folder, fetch, fetch_feedback, submit
from parcours.pipeline.extensions import extend
from parcours.pipeline.feedback import feedback
from parcours.pipeline.gradebook import open_gradebook
from parcours.pipeline.hiddentests import hidden_test_lines, leaked
from parcours.pipeline.release import release
from parcours.pipeline.roster import Learner, roster_path, write_roster

from .conftest import copy_course

COURSE = "analyse-de-donnees"
A1, NB1 = "devoir-1", "frequentation-mediatheque"
A2, NB2 = "devoir-2", "ventes-boulangerie"
LEARNERS = [f"l{i:02d}" for i in range(1, 31)]
GROUP = LEARNERS[:10]  # groupe-a: devoir-2 is released to them only
SOLVED = LEARNERS[:20]  # hand in the solution on time
BLANK = LEARNERS[20:23]  # hand in the released notebook untouched, on time
LATE = LEARNERS[23:26]  # hand in the solution after the due date
EXTENDED = LEARNERS[26]  # hands in after the due date, within an extension
MISSING = LEARNERS[27:]  # never hand in
GROUP_SOLVED, GROUP_LATE, GROUP_MISSING = GROUP[:8], GROUP[8], GROUP[9]


def _solve(folder: Path, source: Path, notebook: str) -> None:
    """Replace the learner's solution cells with the teacher's solutions."""
    solutions = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in nbformat.read(source / f"{notebook}.ipynb", as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    path = folder / f"{notebook}.ipynb"
    work = nbformat.read(path, as_version=4)
    for cell in work.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = solutions[grade_id]
    nbformat.write(work, path)


@pytest.mark.slow
def test_asynchronous_loop_on_the_demo_course(
    config: ParcoursConfig, repo: Path, tmp_path: Path
) -> None:
    t0 = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    far = now + dt.timedelta(days=1)
    dates = {A1: (now - dt.timedelta(days=2), far), A2: (now - dt.timedelta(days=2), far)}
    folder = copy_course(repo / "courses" / COURSE, tmp_path / "courses" / COURSE, dates)
    course = load_course(folder)
    write_roster(
        roster_path(config, course),
        [Learner(who, groups=("groupe-a",) if who in GROUP else ("groupe-b",)) for who in LEARNERS],
    )
    homes = tmp_path / "homes"

    def home(who: str) -> dict[str, Path]:
        return {"into": homes / who, "cache_dir": homes / who / ".cache"}

    assert release(config, course, A1).learners is None
    assert release(config, course, A2, to=["groupe-a"]).learners == GROUP

    def hand_in(who: str, assignment: str, notebook: str, solved: bool = True) -> bytes:
        work = fetch(config, course, assignment, learner=who, **home(who))
        if solved:
            _solve(work, course.path(f"source/{assignment}"), notebook)
        submit(config, course, assignment, learner=who, **home(who))
        return (work / f"{notebook}.ipynb").read_bytes()

    handed: dict[tuple[str, str], bytes] = {}
    for who in SOLVED + BLANK:
        handed[(who, A1)] = hand_in(who, A1, NB1, solved=who in SOLVED)
    for who in GROUP_SOLVED:
        handed[(who, A2)] = hand_in(who, A2, NB2)
    with pytest.raises(BadInputError, match="ne vous est pas publié"):
        fetch(config, course, A2, learner="l11", **home("l11"))
    for who in MISSING:
        fetch(config, course, A1, learner=who, **home(who))  # fetched, never handed in

    # the due date passes (the copy's manifest moves it to now)
    due = dt.datetime.now(dt.UTC)
    manifest = folder / "course.toml"
    manifest.write_text(manifest.read_text().replace(far.isoformat(), due.isoformat()))
    course = load_course(folder)
    assert course.due(course.assignment(A1)) == due
    extend(config, course, A1, EXTENDED, due + dt.timedelta(days=2))
    while dt.datetime.now(dt.UTC) <= due + dt.timedelta(milliseconds=50):
        time.sleep(0.01)  # bounded: at most 50 ms, so that late work is after `due`
    for who in [*LATE, EXTENDED]:
        handed[(who, A1)] = hand_in(who, A1, NB1)
    handed[(GROUP_LATE, A2)] = hand_in(GROUP_LATE, A2, NB2)
    t_submit = time.monotonic()

    # collect: teacher-side times, lateness against each learner's own date
    first = collect(config, course, A1)
    assert sorted(c.learner for c in first.collected) == sorted(SOLVED + BLANK + LATE + [EXTENDED])
    assert sorted(c.learner for c in first.late) == LATE
    assert first.missing == MISSING
    second = collect(config, course, A2)
    assert [c.learner for c in second.late] == [GROUP_LATE]
    assert second.missing == [GROUP_MISSING]

    # autograde
    from parcours.pipeline.autograde import autograde

    for assignment in (A1, A2):
        autograde(config, course, assignment, workers=2, progress=False)
    t_grade = time.monotonic()

    # one answer graded by hand, with a comment, through nbgrader's gradebook API
    with open_gradebook(config, course) as gb:
        grade = gb.find_grade("q5-diagnostic", NB1, A1, "l01")
        grade.manual_score = 1.5
        gb.find_comment(
            "q5-diagnostic", NB1, A1, "l01"
        ).manual_comment = "Diagnostic clair ; précisez le nombre de jours couverts."
        gb.db.commit()

    result1 = feedback(config, course, A1)
    result2 = feedback(config, course, A2)
    assert result1.withheld == {} and result2.withheld == {}
    assert sorted(result1.released) == sorted(c.learner for c in first.collected)
    assert sorted(result1.corrections_published) == sorted(set(LEARNERS) - {EXTENDED})
    assert list(result1.corrections_pending) == [EXTENDED]
    assert sorted(result2.corrections_published) == GROUP

    # grades in nbgrader's gradebook
    with open_gradebook(config, course) as gb:
        for who in LEARNERS:
            submitted = (who, A1) in handed
            if not submitted:
                with pytest.raises(MissingEntry):
                    gb.find_submission(A1, who)
                continue
            notebook = gb.find_submission_notebook(NB1, A1, who)
            expected_auto = 0.0 if who in BLANK else 8.0
            graded = Path(config.course_root(course.id)) / "autograded" / who / A1 / RESULT
            report = json.loads(graded.read_text(encoding="utf-8"))
            assert notebook.code_score == pytest.approx(expected_auto), (
                who,
                report["problems"],
                [c for n in report["notebooks"] for c in n["cells"] if c["failed"]],
            )
            penalty = notebook.late_submission_penalty or 0.0
            assert penalty == pytest.approx(1.0 if who in LATE else 0.0), who  # 10 %/day
        assert gb.find_submission_notebook(NB1, A1, "l01").score == pytest.approx(9.5)
        assert gb.find_submission(A1, EXTENDED).total_seconds_late == 0
        for who in [*GROUP_SOLVED, GROUP_LATE]:
            notebook = gb.find_submission_notebook(NB2, A2, who)
            assert notebook.code_score == pytest.approx(10.0), who
            expected = notebook.score if who == GROUP_LATE else 0.0  # late policy "zero"
            assert (notebook.late_submission_penalty or 0.0) == pytest.approx(expected), who

    # every learner's files: what they handed in is byte for byte what was collected
    root = config.course_root(course.id)
    inbound = Path(config.exchange_dir) / course.id / "inbound"
    secrets = hidden_test_lines(course.path(f"source/{A1}")) | hidden_test_lines(
        course.path(f"source/{A2}")
    )
    assert secrets
    for (who, assignment), content in handed.items():
        notebook = NB1 if assignment == A1 else NB2
        assert (root / "submitted" / who / assignment / f"{notebook}.ipynb").read_bytes() == content
        (exchange_copy,) = inbound.glob(f"{who}+{assignment}+*")
        assert (exchange_copy / f"{notebook}.ipynb").read_bytes() == content
        pages = fetch_feedback(config, course, assignment, learner=who, **home(who))
        assert len(pages) == 1, (who, assignment)
        page = pages[0].read_text(encoding="utf-8")
        assert leaked(page, secrets) == [], (who, assignment)
        if who in LATE and assignment == A1:
            assert "Rendu en retard" in page
        # the learner's own work in their folder is untouched by feedback
        work = assignment_folder(course, assignment, homes / who) / f"{notebook}.ipynb"
        assert work.read_bytes() == content
    assert "précisez le nombre de jours couverts" in (
        fetch_feedback(config, course, A1, learner="l01", **home("l01"))[0].read_text()
    )

    # corrections: everyone but the learner with an extension, who gets it after his date
    for who in LEARNERS:
        if who == EXTENDED:
            with pytest.raises(BadInputError, match="n'est pas encore publié : il le sera"):
                fetch(config, course, f"{A1}-correction", learner=who, **home(who))
            continue
        got = fetch(config, course, f"{A1}-correction", learner=who, **home(who))
        text = (got / f"{NB1}.ipynb").read_text(encoding="utf-8")
        assert "parse_dates" in text and "BEGIN SOLUTION" not in text
        assert not [line for line in secrets if line in text]
    with pytest.raises(BadInputError, match="ne vous est pas publié, son corrigé non plus"):
        fetch(config, course, f"{A2}-correction", learner="l11", **home("l11"))
    later = feedback(config, course, A1, now=due + dt.timedelta(days=2, minutes=1))
    assert later.corrections_published == [EXTENDED]
    fetch(config, course, f"{A1}-correction", learner=EXTENDED, **home(EXTENDED))

    # what learners see in their deadlines
    status = {
        who: {d.assignment: d.status for d in learner_deadlines(config, course, who)}
        for who in ("l01", LATE[0], EXTENDED, MISSING[0], "l11")
    }
    assert status["l01"] == {A1: "submitted", A2: "submitted", "devoir-3": "upcoming"}
    assert status[LATE[0]][A1] == "late"
    assert status[EXTENDED][A1] == "submitted"
    assert status[MISSING[0]][A1] == "overdue"
    assert A2 not in status["l11"]
    record = json.loads((root / "submissions.json").read_text())
    assert len(record["entries"][A1]) == len(first.collected)
    print(
        f"\nloop e2e: submit {t_submit - t0:.1f}s, collect+autograde {t_grade - t_submit:.1f}s, "
        f"total {time.monotonic() - t0:.1f}s"
    )
