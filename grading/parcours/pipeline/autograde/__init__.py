"""Fast, parallel, sandboxed autograding with nbgrader's rules.

* :func:`grade_notebook` — one notebook, stateless (``api.py``);
* :func:`autograde` — every collected submission of an assignment into nbgrader's
  gradebook and ``autograded/`` folder (``run.py``), graded here or on a Dask cluster
  (``distributed.py``, imported only when a scheduler is used).

Process layout: parent (one gradebook writer) → fork server (warm interpreter,
``forkserver.py``) → one supervisor per notebook (trusted: holds hidden tests,
``supervisor.py``) → one sandboxed runner (student code, ``executor.py`` in ``sandbox.py``'s
confinement). Imports here are lazy: ``parcours --help`` must stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import grade_notebook
    from .collector import AutogradeReport
    from .limits import Limits
    from .results import CellGrade, GradeResult, Problem, SubmissionResult
    from .run import autograde

_EXPORTS = {
    "grade_notebook": "api",
    "Limits": "limits",
    "CellGrade": "results",
    "GradeResult": "results",
    "Problem": "results",
    "SubmissionResult": "results",
    "AutogradeReport": "collector",
    "autograde": "run",
}

__all__ = [
    "AutogradeReport",
    "CellGrade",
    "GradeResult",
    "Limits",
    "Problem",
    "SubmissionResult",
    "autograde",
    "grade_notebook",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
