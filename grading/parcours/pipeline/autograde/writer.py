"""The one gradebook writer: results go into nbgrader's gradebook in batches.

Rows are nbgrader's own (``nbgrader.api`` models) and mirror what ``nbgrader autograde``
leaves: a Student, a SubmittedAssignment with its timestamp, a SubmittedNotebook per
notebook of the assignment with a Grade per grade/task cell and a Comment per
solution/task cell (as ``Gradebook.add_submission`` creates them), then SaveAutoGrades'
``auto_score`` / ``needs_manual_grade`` and ``auto_comment``, and AssignLatePenalties'
reset of ``late_submission_penalty``. Manual scores and comments already entered in
formgrader are kept. One session, one commit per batch: no per-learner round trips,
no SQLite locking (nothing else writes while we do).
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

from ...errors import GradingError
from ...i18n import _
from .results import SubmissionResult


class GradebookWriter:
    """Writes :class:`SubmissionResult` batches for one assignment."""

    def __init__(self, db_url: str, course_id: str, assignment_id: str):
        from ..nbgradermodels import nbgrader_api

        api = nbgrader_api()  # not nbgrader's server extensions: a second before grading
        Gradebook, MissingEntry = api.Gradebook, api.MissingEntry

        from ..coursedir import ensure_gradebook_database
        from ..gradebook import ensure_alembic_on_path

        ensure_alembic_on_path()
        ensure_gradebook_database(db_url)
        self.gb = Gradebook(db_url, course_id)
        try:
            self.assignment = self.gb.find_assignment(assignment_id)
        except MissingEntry as exc:
            self.gb.close()
            raise GradingError(
                _(
                    "assignment '{assignment}' is not in the gradebook of '{course}' "
                    "({url}); run 'parcours release' then 'parcours collect' first."
                ).format(assignment=assignment_id, course=course_id, url=db_url)
            ) from exc
        self.notebooks = {nb.name: nb for nb in self.assignment.notebooks}
        #: the session itself, not nbgrader's thread-local proxy: batches are written from
        #: a committer thread (one at a time), with the rows loaded here
        self.db = self.gb.db()

    def close(self) -> None:
        self.gb.close()

    def _submissions(self, learners: list[str]) -> dict[str, Any]:
        from nbgrader.api import SubmittedAssignment, SubmittedNotebook
        from sqlalchemy.orm import selectinload

        rows = (
            self.db.query(SubmittedAssignment)
            .filter(
                SubmittedAssignment.assignment_id == self.assignment.id,
                SubmittedAssignment.student_id.in_(learners),
            )
            .options(
                selectinload(SubmittedAssignment.notebooks).selectinload(SubmittedNotebook.grades),
                selectinload(SubmittedAssignment.notebooks).selectinload(
                    SubmittedNotebook.comments
                ),
            )
            .all()
        )
        return {row.student_id: row for row in rows}

    def _new_submission(self, student: Any) -> Any:
        """``Gradebook.add_submission`` without its commit."""
        from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook

        submission = SubmittedAssignment(assignment=self.assignment, student=student)
        for notebook in self.assignment.notebooks:
            nb = SubmittedNotebook(notebook=notebook, assignment=submission)
            for cell in notebook.grade_cells:
                Grade(cell_id=cell.id, notebook=nb)
            for cell in notebook.solution_cells:
                Comment(cell_id=cell.id, notebook=nb)
            for cell in notebook.task_cells:
                Comment(cell_id=cell.id, notebook=nb)
                Grade(cell_id=cell.id, notebook=nb)
        self.db.add(submission)
        return submission

    def write(self, results: list[SubmissionResult]) -> None:
        """Write a batch and commit it (all or nothing)."""
        if not results:
            return
        from nbgrader.api import Student
        from nbgrader.utils import parse_utc
        from sqlalchemy.exc import SQLAlchemyError

        db = self.db
        try:
            learners = [r.learner for r in results]
            students = {s.id: s for s in db.query(Student).filter(Student.id.in_(learners))}
            for learner in learners:
                if learner not in students:
                    students[learner] = Student(id=learner)
                    db.add(students[learner])
            db.flush()
            existing = self._submissions(learners)
            with db.no_autoflush, warnings.catch_warnings():
                # nbgrader's own add_submission raises the same harmless SAWarning
                warnings.filterwarnings("ignore", message=r".*not in session, add operation")
                for result in results:
                    submission = existing.get(result.learner) or self._new_submission(
                        students[result.learner]
                    )
                    # an unreadable timestamp.txt is ignored (nbgrader's app would stop here)
                    with contextlib.suppress(ValueError, OverflowError):
                        if result.timestamp:
                            submission.timestamp = parse_utc(result.timestamp)
                    self._write_notebooks(submission, result)
                db.commit()
        except SQLAlchemyError as exc:  # locked, full, corrupt, constraint: say which batch
            db.rollback()
            raise GradingError(
                _(
                    "the gradebook could not be written for {learners}: {error}. Nothing of "
                    "this batch was recorded; run 'parcours autograde' again to retry."
                ).format(
                    learners=", ".join(r.learner for r in results),
                    error=f"{type(exc).__name__}: {exc}",
                )
            ) from exc
        except BaseException:
            db.rollback()  # anything else (Ctrl-C, a bug): no half-written batch, then raise
            raise

    def _write_notebooks(self, submission: Any, result: SubmissionResult) -> None:
        graded = {n.notebook: n for n in result.notebooks}
        for sub_nb in submission.notebooks:
            notebook = sub_nb.notebook
            grade_ids = {c.id: c.name for c in notebook.grade_cells}
            comment_ids = {c.id: c.name for c in notebook.solution_cells}
            comment_ids.update({c.id: c.name for c in notebook.task_cells})
            outcome = graded.get(notebook.name)
            if outcome is None:
                continue
            sub_nb.late_submission_penalty = None
            scores = {c.name: c for c in outcome.cells}
            for grade in sub_nb.grades:
                cell = scores.get(grade_ids.get(grade.cell_id, ""))
                if cell is None or cell.missing:
                    continue  # nbgrader leaves deleted cells' rows as they are: score 0
                grade.auto_score = cell.auto_score
                grade.needs_manual_grade = (
                    grade.manual_score is not None or grade.auto_score is None
                )
            for comment in sub_nb.comments:
                name = comment_ids.get(comment.cell_id)
                if name in outcome.comments:
                    comment.auto_comment = outcome.comments[name]
