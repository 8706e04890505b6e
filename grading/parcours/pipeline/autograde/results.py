"""Plain results of grading: what the CLI, the feedback step and a server show.

``parcours-result.json`` (written next to each autograded submission) is
:meth:`SubmissionResult.to_json` with ``schema_version`` :data:`RESULT_SCHEMA_VERSION`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ...safetext import excerpt as _excerpt

#: the file written next to each autograded submission (:meth:`SubmissionResult.to_json`)
RESULT_FILE = "parcours-result.json"
#: version of the parcours-result.json layout; bump on any incompatible change
RESULT_SCHEMA_VERSION = 1


def read_result_file(path: Path) -> dict[str, Any] | None:
    """The content of a ``parcours-result.json`` (:meth:`SubmissionResult.to_json`), or
    ``None`` when the file is missing or is not such a result."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


#: problem codes (stable: the feedback step and dashboards key on them)
PROBLEM_CODES = (
    "unreadable",  # not a notebook: invalid JSON, binary, empty, not UTF-8, wrong version
    "missing-notebook",  # a notebook of the assignment was not submitted
    "deleted-cell",  # a grade/test cell was removed from the submission
    "duplicated-cell",  # a grade id occurs more than once
    "retyped-cell",  # a graded cell changed type (code/markdown)
    "edited-cell",  # a locked (test/read-only) cell was edited: restored from the source
    "metadata",  # nbgrader metadata changed or invalid (restored where possible)
    "cell-timeout",  # a cell ran longer than the cell limit
    "notebook-timeout",  # the notebook ran longer than the notebook limit
    "memory",  # the memory limit was hit
    "disk",  # the working folder's size limit was hit (files written there)
    "background",  # a test not run: threads or processes of the notebook still running
    "exit",  # a cell called sys.exit() (an error in that cell; grading goes on)
    "lying-object",  # a test compared an object whose == lies; checked the other way round
    "killed",  # the process running the notebook died or stopped itself
    "output-cut",  # outputs beyond the output limit were cut
    "tampering",  # the grading channel was written to by student code
    "sandbox",  # a sandbox measure could not be applied (OS refused)
    "internal",  # Parcours itself failed on this submission (a bug: report it)
)


def excerpt(text: object, limit: int = 80) -> str:
    """What a :class:`Problem` message may quote of what a learner wrote (a cell name, an
    exception's message, a file name): at most ``limit`` characters, on one line, every
    control character escaped (``\\x1b``...: :func:`parcours.safetext.excerpt`).
    Every construction site quoting learner text goes through it, so a message never
    carries more than this bounded, inert excerpt."""
    return _excerpt(text, limit)


@dataclass
class Problem:
    """One thing that went wrong with a submission, in words a teacher can act on."""

    #: one of :data:`PROBLEM_CODES`
    code: str
    #: the reason, in English, naming the cell and the limit
    message: str
    #: grade id or cell index the problem is about, if any
    cell: str = ""

    def __str__(self) -> str:
        return self.message


@dataclass
class CellGrade:
    """The automatic grade of one grade cell, as nbgrader's SaveAutoGrades computes it."""

    #: nbgrader grade id
    name: str
    #: points the cell is worth (from the source, never from the submission)
    max_score: float
    #: automatic score; ``None`` when the cell needs manual grading
    auto_score: float | None
    #: nbgrader's needs_manual_grade before any manual score is known
    needs_manual_grade: bool
    #: the cell produced an error (or stderr) output
    failed: bool = False
    #: the cell is absent from the submission (scored 0, as nbgrader does)
    missing: bool = False


@dataclass
class GradeResult:
    """What :func:`grade_notebook` returns for one notebook."""

    #: notebook name (file name without .ipynb)
    notebook: str
    #: "ok" or "problems"
    status: str
    #: per grade cell, in source order
    cells: list[CellGrade] = field(default_factory=list)
    #: automatic comments of solution and task cells (nbgrader's auto_comment), by grade id
    comments: dict[str, str | None] = field(default_factory=dict)
    #: every problem met, in order
    problems: list[Problem] = field(default_factory=list)
    #: the graded notebook (nbformat v4 dict, outputs capped), or None if unreadable
    notebook_json: dict[str, Any] | None = None
    #: seconds spent running the notebook's cells
    run_s: float = 0.0
    #: seconds from request to result
    wall_s: float = 0.0
    #: sandbox measures applied (user, network cut, hidden paths, limits...)
    sandbox: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Sum of automatic scores (cells needing manual grading count 0 here)."""
        return sum(c.auto_score or 0.0 for c in self.cells)

    @property
    def max_score(self) -> float:
        """Sum of the grade cells' points."""
        return sum(c.max_score for c in self.cells)

    def to_dict(self, with_notebook: bool = False) -> dict[str, Any]:
        """Plain form; the notebook itself only when asked (never deep-copied: it is the
        largest part and this runs for every submission)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "notebook_json"}
        data["cells"] = [asdict(c) for c in self.cells]
        data["problems"] = [asdict(p) for p in self.problems]
        data["comments"] = dict(self.comments)
        data["sandbox"] = dict(self.sandbox)
        if with_notebook:
            data["notebook_json"] = self.notebook_json
        data["score"] = self.score
        data["max_score"] = self.max_score
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeResult:
        """Inverse of :meth:`to_dict`."""
        return cls(
            notebook=data["notebook"],
            status=data["status"],
            cells=[CellGrade(**c) for c in data.get("cells", [])],
            comments=dict(data.get("comments", {})),
            problems=[Problem(**p) for p in data.get("problems", [])],
            notebook_json=data.get("notebook_json"),
            run_s=float(data.get("run_s", 0.0)),
            wall_s=float(data.get("wall_s", 0.0)),
            sandbox=dict(data.get("sandbox", {})),
        )


@dataclass
class SubmissionResult:
    """All notebooks of one learner's submission of one assignment."""

    learner: str
    assignment: str
    #: sha256 over the submitted files (what the journal compares to skip regrading)
    checksum: str
    #: nbgrader timestamp of the submission (timestamp.txt), if any
    timestamp: str | None
    notebooks: list[GradeResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        """ "ok" when every notebook graded cleanly, else "problems"."""
        return "ok" if all(n.status == "ok" for n in self.notebooks) else "problems"

    @property
    def problems(self) -> list[Problem]:
        """Every notebook's problems."""
        return [p for n in self.notebooks for p in n.problems]

    @property
    def score(self) -> float:
        return sum(n.score for n in self.notebooks)

    @property
    def max_score(self) -> float:
        return sum(n.max_score for n in self.notebooks)

    def to_json(self) -> str:
        """``parcours-result.json`` content."""
        data = {
            "schema_version": RESULT_SCHEMA_VERSION,
            "learner": self.learner,
            "assignment": self.assignment,
            "checksum": self.checksum,
            "timestamp": self.timestamp,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "problems": [asdict(p) for p in self.problems],
            "notebooks": [n.to_dict() for n in self.notebooks],
        }
        return json.dumps(data, indent=1, ensure_ascii=False)


def error_output(ename: str, message: str) -> dict[str, Any]:
    """An nbformat error output written by the grader (not by the notebook)."""
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": message,
        "traceback": [f"\x1b[0;31m{ename}\x1b[0m: {message}"],
    }
