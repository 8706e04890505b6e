"""Feedback and corrections: what learners get back, never the hidden tests.

``feedback`` applies the late policy to the gradebook, generates nbgrader's HTML feedback
(``GenerateFeedback``, with the teacher's comments and manual grades from formgrader),
releases it through nbgrader's exchange (``ExchangeReleaseFeedback``), then publishes the
correction to every learner whose own due date has passed. It is safe to run again and
again (for example from cron): feedback is regenerated, and corrections that became due
since the last run are published.

Hidden tests (nbgrader #1363)
-----------------------------
nbgrader's autograde puts the hidden tests back into each submission, so its feedback shows
their source, and the traceback of a failed hidden test shows it again. Before the HTML is
written, :class:`.hiddentests.HideHiddenTests` (a preprocessor added to nbgrader's feedback
pipeline)
removes the hidden-test region from every cell, reduces the outputs of those cells to the
exception's name and message, and masks any line of a hidden test that a submission
printed anywhere. Each HTML file is then checked for every hidden-test line; a file that
still contains one is withheld (not released), and the run says so.

The correction
--------------
The correction is the source notebook with its solutions, for the learner to run and
compare: solution markers removed, outputs cleared, nbgrader's metadata dropped. Hidden
tests and mark schemes are *removed*: they are the teacher's grading instruments, often
reused from one session to the next, and the released feedback already tells the learner
which tests failed. It is released with nbgrader's exchange as the assignment
``<assignment>-correction`` (from ``<course root>/corrections/``), visible through the
release record only to learners whose due date — with their extension — has passed, or
from the manifest's ``correction`` date if later; never if ``correction = "never"``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbgrader.preprocessors import ClearHiddenTests

from ..i18n import _, language, ngettext, number
from .autograde.results import RESULT_FILE, read_result_file
from .hiddentests import HIDDEN, HideHiddenTests, hidden_test_lines, leaked
from .records import RELEASES, log_change, now_utc, update_record

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course

#: a solution's marker line, dropped from the correction
_SOLUTION_MARK = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


@dataclass
class FeedbackResult:
    """What a feedback run did."""

    assignment: str
    #: learner -> released feedback HTML files (teacher-side copies)
    released: dict[str, list[Path]] = field(default_factory=dict)
    #: learner -> reason the feedback was withheld
    withheld: dict[str, str] = field(default_factory=dict)
    #: learners the correction was published to by this run
    corrections_published: list[str] = field(default_factory=list)
    #: learner -> when their correction will be published
    corrections_pending: dict[str, dt.datetime] = field(default_factory=dict)


def _problem_note(result_file: Path, lang: str) -> str:
    """The grading problems the autograder recorded, as markdown ('' if none)."""
    data = read_result_file(result_file)
    if data is None:
        return ""
    unread = _unreadable(data)
    with language(lang):
        notes = [
            _(
                "**Your notebook '{notebook}.ipynb' could not be read** ({reason}), so it "
                "scores 0 on every question. Check that it opens in JupyterLab and submit it "
                "again if the due date allows, otherwise write to your teacher."
            ).format(notebook=nb, reason=why)
            for nb, why in unread
        ]
        said = {why for _nb, why in unread}
        reasons: list[str] = []
        for problem in data.get("problems") or []:
            message = str(problem.get("message") or "") if isinstance(problem, dict) else ""
            if message and message not in reasons and message not in said:
                reasons.append(message)
        if reasons:
            notes.append(_("**Problem while grading automatically:** ") + " ".join(reasons))
    return "\n\n".join(notes)


def _unreadable(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(notebook, reason) for each notebook the autograder could not read (scored 0)."""
    found = []
    for notebook in result.get("notebooks") or []:
        if not isinstance(notebook, dict):
            continue
        for problem in notebook.get("problems") or []:
            if isinstance(problem, dict) and problem.get("code") == "unreadable":
                found.append((str(notebook.get("notebook")), str(problem.get("message"))))
    return found


def _stand_ins(autograded: Path, assignment_id: str) -> None:
    """An empty notebook in place of each notebook the autograder could not read (it wrote
    none), so that nbgrader builds that learner a feedback page too: their score (0) and
    the note saying why (:func:`_problem_note`)."""
    import nbformat
    from nbformat.v4 import new_notebook

    for result_file in sorted(autograded.glob(f"*/{assignment_id}/{RESULT_FILE}")):
        data = read_result_file(result_file)
        for notebook, _why in _unreadable(data or {}):
            stand_in = result_file.parent / f"{notebook}.ipynb"
            if not stand_in.exists():
                nbformat.write(new_notebook(), stand_in)


def _notes(
    config: ParcoursConfig, course: Course, assignment: Assignment, penalties: dict[str, float]
) -> dict[str, str]:
    from ..course.zones import shown as shown_in
    from ..course.zones import zone_of
    from .deadlines import days_late, due_for, lateness, load_extensions
    from .records import SUBMISSIONS, parse_time, read_record

    lang = course.language
    root = config.course_root(course.id)
    received = read_record(root / SUBMISSIONS)["entries"].get(assignment.id, {})
    extensions = load_extensions(config, course)
    scores = _raw_scores(config, course, assignment) if penalties else {}
    notes: dict[str, str] = {}
    for folder in sorted((root / "autograded").glob(f"*/{assignment.id}")):
        learner = folder.parent.name
        parts = []
        problem = _problem_note(folder / RESULT_FILE, lang)
        if problem:
            parts.append(problem)
        seen = received.get(learner)
        if seen:
            due = due_for(course, assignment, learner, extensions)
            late = days_late(parse_time(seen["received"]), due)
            if late > 0:
                shown = shown_in(due, zone_of(course, assignment), lang)
                penalty = penalties.get(learner, 0.0)
                raw, points = scores.get(learner, (0.0, 0.0))
                parts.append(
                    _late_note(lateness(late * 86400, lang), shown, penalty, raw, points, lang)
                )
        if parts:
            notes[learner] = "\n\n".join(parts)
    return notes


def _late_note(late: str, due: str, penalty: float, raw: float, points: float, lang: str) -> str:
    """The note telling a learner how late they were and what it cost, in ``lang``."""
    with language(lang):
        off = ngettext("{penalty} point off", "{penalty} points off", 1 if penalty == 1 else 2)
        return _(
            "**Handed in late** by {late} (due: {due}): {off}; score {score}/{points} "
            "(raw score: {raw})."
        ).format(
            late=late,
            due=due,
            off=off.format(penalty=number(penalty)),
            score=number(max(0.0, raw - penalty)),
            points=number(points),
            raw=number(raw),
        )


def _raw_scores(
    config: ParcoursConfig, course: Course, assignment: Assignment
) -> dict[str, tuple[float, float]]:
    """learner -> (score before the late penalty, points) from the gradebook: the note
    tells the same score story as the dashboards and ``parcours report``."""
    from .gradebook import open_gradebook

    with open_gradebook(config, course) as gb:
        return {
            sub.student.id: (float(sub.score), float(sub.max_score))
            for sub in gb.find_assignment(assignment.id).submissions
        }


def feedback(
    config: ParcoursConfig,
    course: Course,
    assignment_id: str,
    *,
    now: dt.datetime | None = None,
    progress: bool = False,
) -> FeedbackResult:
    """Generate and release feedback on ``assignment_id``, and publish the correction to
    the learners whose (possibly extended) due date has passed at ``now``. ``progress``
    shows a progress bar on stderr (one step per notebook)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import GetGrades

    from .coursedir import prepare_course_root
    from .deadlines import find_assignment
    from .gradebook import (
        apply_late_penalties,
        failed_learners,
        nbgrader_course,
        nbgrader_log,
        run_app,
        run_exchange,
    )

    assignment = find_assignment(course, assignment_id)
    root = prepare_course_root(config, course)
    result = FeedbackResult(assignment.id)
    _stand_ins(root / "autograded", assignment.id)
    autograded = sorted((root / "autograded").glob(f"*/{assignment.id}/*.ipynb"))
    if autograded:
        penalties = apply_late_penalties(config, course, assignment)
        lines = hidden_test_lines(course.path(assignment.source))
        nbc = nbgrader_course(
            config,
            course,
            CourseDirectory__assignment_id=assignment.id,
            GenerateFeedback__preprocessors=[GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor],
            HideHiddenTests__hidden_lines=dict.fromkeys(lines, True),
            HideHiddenTests__notes=_notes(config, course, assignment, penalties),
            HideHiddenTests__language=course.language,
        )
        generator = GenerateFeedback(coursedir=nbc.coursedir, config=nbc.config, log=nbgrader_log())
        generator.force = True
        pages_before = _page_stamps(root / "feedback", assignment.id)
        with _progress_bar(len(autograded), f"feedback {assignment.id}", progress):
            log = run_app(
                generator, f"generate the feedback on '{assignment.id}'", per_learner=True
            )
        _keep_release_times(pages_before)
        for learner, reason in failed_learners(log).items():
            result.withheld[learner] = (
                f"nbgrader could not build the feedback page ({reason or 'see its log'}); "
                "look at the autograded notebook in formgrader."
            )
        for page in sorted((root / "feedback").glob(f"*/{assignment.id}/*.html")):
            learner = page.parent.parent.name
            found = leaked(page.read_text(encoding="utf-8"), lines)
            if found:
                page.rename(page.with_suffix(".withheld"))
                result.withheld[learner] = (
                    f"{page.name}: hidden test source still visible ({found[0]!r}); "
                    "feedback withheld, check the submission by hand."
                )
            else:
                result.released.setdefault(learner, []).append(page)
        if result.released:
            run_exchange("ReleaseFeedback", nbc, f"release the feedback on '{assignment.id}'")
    publish_corrections(config, course, assignment, result, now=now)
    return result


def _page_stamps(feedback_dir: Path, assignment_id: str) -> dict[Path, tuple[bytes, float]]:
    """Each feedback page of the assignment: its content's digest and its file time."""
    stamps = {}
    for page in feedback_dir.glob(f"*/{assignment_id}/*.html"):
        with contextlib.suppress(OSError):
            stamps[page] = (hashlib.sha256(page.read_bytes()).digest(), page.stat().st_mtime)
    return stamps


def _keep_release_times(before: dict[Path, tuple[bytes, float]]) -> None:
    """nbgrader writes every page again: a page whose content did not change keeps the
    time it was first released (the feedback delays on the dashboards are read from it,
    ``analytics.gradebook.feedback_times``); a changed page (a regrade) has its new time."""
    for page, (digest, mtime) in before.items():
        with contextlib.suppress(OSError):
            if hashlib.sha256(page.read_bytes()).digest() == digest:
                os.utime(page, (mtime, mtime))


@contextlib.contextmanager
def _progress_bar(total: int, label: str, shown: bool) -> Iterator[None]:
    """A tqdm bar advanced by nbgrader's "Converting notebook" log lines."""
    if not shown:
        yield
        return
    from tqdm import tqdm

    from .gradebook import nbgrader_log

    class Advance(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("Converting notebook"):
                bar.update()

    handler = Advance()
    with tqdm(total=total, desc=label, unit="nb") as bar:
        nbgrader_log().addHandler(handler)
        try:
            yield
        finally:
            nbgrader_log().removeHandler(handler)


def correction_notebook(source: Path, title: str, lang: str) -> NotebookNode:
    """The correction of one source notebook (see the module docstring)."""
    import nbformat
    from nbformat.v4 import new_markdown_cell

    from ..course.answers import manually_graded, model_answer

    notebook = nbformat.read(source, as_version=4)
    clear = ClearHiddenTests()
    for cell in notebook.cells:
        if clear.begin_test_delimeter in cell.source:
            clear._remove_hidden_test_region(cell)
            cell.source = cell.source.rstrip() + "\n" + _(HIDDEN, lang)
        if "BEGIN MARK SCHEME" in cell.source:
            cell.source = re.sub(
                r"(?s)=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===", "", cell.source
            )
        if manually_graded(cell):  # the teacher's model answer, stub lines left out
            cell.source = model_answer(cell.source)
        cell.source = "\n".join(
            line for line in cell.source.splitlines() if not _SOLUTION_MARK.match(line)
        )
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    with language(lang):
        heading = _(
            "# Correction — {title}\n\nThe teacher's solution. Hidden tests are not published."
        ).format(title=title)
    notebook.cells.insert(0, new_markdown_cell(heading))
    return notebook


def publish_corrections(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    result: FeedbackResult,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Release ``<assignment>-correction`` to every learner whose correction time has come
    (see :func:`.deadlines.correction_time`); record who and when."""
    import nbformat

    from .deadlines import correction_id, correction_time, load_extensions
    from .gradebook import nbgrader_course, run_exchange
    from .records import in_audience, read_record
    from .roster import load_roster

    now = now or now_utc()
    root = config.course_root(course.id)
    name = correction_id(assignment.id)
    entries = read_record(root / RELEASES)["entries"]
    release = entries.get(assignment.id)
    if release is None or assignment.correction == "never":
        return
    extensions = load_extensions(config, course)
    previous = set((entries.get(name) or {}).get("learners") or [])
    due_now: list[str] = []
    for learner in load_roster(config, course).learners:
        if not in_audience(release, learner) or learner in previous:
            continue
        when = correction_time(course, assignment, learner, extensions)
        if when is None:
            continue
        if when <= now:
            due_now.append(learner)
        else:
            result.corrections_pending[learner] = when
    if not due_now:
        return
    folder = root / "corrections" / name
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(course.path(assignment.source).glob("*.ipynb")):
        notebook = correction_notebook(source, assignment.title, course.language)
        nbformat.write(notebook, folder / source.name)
    with update_record(root / RELEASES) as data:
        entry = data["entries"].setdefault(
            name, {"kind": "correction", "of": assignment.id, "learners": [], "published": {}}
        )
        entry["learners"] = sorted(set(entry["learners"]) | set(due_now))
        for learner in due_now:
            entry["published"][learner] = now.isoformat()
        log_change(data, "publish_correction", assignment=assignment.id, learners=due_now)
    nbc = nbgrader_course(
        config,
        course,
        CourseDirectory__assignment_id=name,
        CourseDirectory__release_directory="corrections",
    )
    run_exchange(
        "ReleaseAssignment", nbc, f"publish the correction of '{assignment.id}'", force=True
    )
    result.corrections_published = due_now
