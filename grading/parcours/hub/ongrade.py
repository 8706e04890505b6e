"""Grade on submit: the Parcours service grades each submission as it arrives.

For an assignment with ``grade_on_submit = true`` in the manifest, the service hands every
submission it receives to :class:`SubmitGrader`: a queue served by ``grading_workers``
threads over the process-wide warm fork server (:func:`..pipeline.autograde.grade_notebook`,
the same sandbox and limits as ``parcours autograde``). The learner's result — which
graded cells passed, their points, the reasons of any problem — is written to
``<course root>/on-submit/<assignment>/<learner>.json`` as soon as it is known, and the
service answers ``GET …/assignments/<a>/result`` from it (``?wait=S`` waits up to S seconds
for a pending one). The hidden tests' code, the solutions and the graded notebook are
never in it. The teacher's own collect, autograde, manual grading and feedback follow as
usual: this result is an early word to the learner, not the grade.

Nothing is lost: the submission is in the exchange before it is queued; a result that
could not be computed is recorded with its reason (``status: "problems"``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: folder (under the course root) of the learners' results
FOLDER = "on-submit"
#: version of a result file's layout
SCHEMA_VERSION = 1


def result_path(config: Any, course: str, assignment: str, learner: str) -> Path:
    """Where one learner's latest on-submit result of one assignment is kept."""
    return Path(config.course_root(course)) / FOLDER / assignment / f"{learner}.json"


def read_result(config: Any, course: str, assignment: str, learner: str) -> dict[str, Any] | None:
    """The learner's latest on-submit result, or None when they have none."""
    try:
        data = json.loads(result_path(config, course, assignment, learner).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".result-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
    os.replace(tmp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def learner_view(notebook: str, result: Any) -> dict[str, Any]:
    """What a learner may see of one graded notebook: per graded cell its points and
    whether it passed; problems' reasons; no code, no comments, no graded notebook."""
    cells = [
        {
            "cell": c.name,
            "points": c.auto_score,
            "max_points": c.max_score,
            "passed": (not c.failed and not c.missing) if c.auto_score is not None else None,
            "to_grade_by_hand": c.auto_score is None,
        }
        for c in result.cells
    ]
    return {
        "notebook": notebook,
        "status": result.status,
        "score": result.score,
        "max_score": result.max_score,
        "cells": cells,
        "problems": [
            {"code": p.code, "message": p.message, "cell": p.cell} for p in result.problems
        ],
    }


@dataclass(frozen=True)
class Job:
    """One submission to grade."""

    course: str
    assignment: str
    learner: str
    #: the service's receipt time (ISO 8601, UTC)
    received: str
    #: the submitted files (a copy the grader owns and removes)
    folder: Path
    #: the assignment's source folder (source notebooks and data files)
    source: Path


class SubmitGrader:
    """The queue of submissions to grade, served by ``workers`` threads.

    ``notify(course, assignment, learner)`` is called (from a worker thread) each time a
    result is written: the service wakes whoever waits for it. Every job's future is
    observed: a failure that escaped it is logged and kept among the course's problems
    (:mod:`.problems`), which its teachers read, and the learner's result says it."""

    def __init__(
        self, config: Any, workers: int, notify: Callable[[str, str, str], None] | None = None
    ) -> None:
        self.config = config
        self.notify = notify or (lambda *_: None)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="on-submit")
        self._specs: dict[tuple[str, int, int], Any] = {}
        self._lock = threading.Lock()
        self.pending = 0

    def enqueue(self, job: Job) -> None:
        """Record the submission as pending, then queue it (never raises: the submission
        landed already; what stops it is kept for the teachers)."""
        try:
            self._write_result(job, status="pending")
        except OSError as exc:  # graded all the same: the result, once known, is written
            self._problem(job, f"its pending result could not be written ({exc})")
        with self._lock:
            self.pending += 1
        try:
            future = self.pool.submit(self._run, job)
        except RuntimeError as exc:  # the pool was shut down: the service is stopping
            with self._lock:
                self.pending -= 1
            self._problem(job, f"not queued ({exc}); run `parcours autograde` for it")
            return
        future.add_done_callback(lambda done: self._observe(job, done))

    def _write_result(self, job: Job, **fields: Any) -> None:
        """The learner's on-submit result file for ``job``, with ``fields`` (status...)."""
        _write(
            result_path(self.config, job.course, job.assignment, job.learner),
            {
                "schema_version": SCHEMA_VERSION,
                "course": job.course,
                "assignment": job.assignment,
                "received": job.received,
                **fields,
            },
        )

    def _observe(self, job: Job, done: Future[None]) -> None:
        """A job's end: what escaped it is logged, kept for the teachers, told the learner."""
        if done.cancelled():
            self._problem(job, "its grading was cancelled (the service stopped)")
            return
        exc = done.exception()
        if exc is None:
            return
        self._problem(job, f"{type(exc).__name__}: {exc}")
        try:  # the learner is told too, rather than left waiting on "pending"
            self._write_result(
                job, status="problems", notebooks=[], error=f"{type(exc).__name__}: {exc}"
            )
            self.notify(job.course, job.assignment, job.learner)
        except OSError:
            pass  # kept for the teachers above

    def _problem(self, job: Job, message: str) -> None:
        from . import problems

        problems.note(
            self.config,
            job.course,
            problems.NOT_GRADED,
            f"{job.learner}'s submission of {job.assignment} ({job.received}): {message}",
            learner=job.learner,
            assignment=job.assignment,
            received=job.received,
        )

    def _spec(self, path: Path) -> Any:
        from ..pipeline.autograde.source import spec_from_notebook
        from ..project import load_traitlets_config

        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key not in self._specs:
                self._specs[key] = spec_from_notebook(path, config=load_traitlets_config())
            return self._specs[key]

    def _run(self, job: Job) -> None:
        try:
            record = self._grade(job)
        except Exception as exc:  # recorded for the learner: never lost, never silent
            record = {
                "status": "problems",
                "notebooks": [],
                "error": f"{type(exc).__name__}: {exc}",
            }
        finally:
            shutil.rmtree(job.folder, ignore_errors=True)
            with self._lock:
                self.pending -= 1
        current = read_result(self.config, job.course, job.assignment, job.learner) or {}
        if current.get("received", "") > job.received:
            return  # a later submission arrived meanwhile: its result is the one to show
        self._write_result(job, graded=_now(), **record)
        self.notify(job.course, job.assignment, job.learner)

    def _grade(self, job: Job) -> dict[str, Any]:
        from ..pipeline.autograde import Limits, grade_notebook

        limits = Limits.from_config(self.config)
        notebooks: list[dict[str, Any]] = []
        for source in sorted(job.source.glob("*.ipynb")):
            submitted = job.folder / source.name
            if not submitted.is_file():
                notebooks.append(
                    {
                        "notebook": source.stem,
                        "status": "problems",
                        "score": 0.0,
                        "max_score": None,
                        "cells": [],
                        "problems": [
                            {
                                "code": "missing-notebook",
                                "message": f"{source.name} was not in the submission",
                                "cell": "",
                            }
                        ],
                    }
                )
                continue
            result = grade_notebook(
                self._spec(source), submitted, limits, files=job.folder, data=job.source
            )
            notebooks.append(learner_view(source.stem, result))
        score = sum(n["score"] or 0.0 for n in notebooks)
        top = sum(n["max_score"] or 0.0 for n in notebooks)
        ok = all(n["status"] == "ok" for n in notebooks)
        return {
            "status": "ok" if ok else "problems",
            "score": score,
            "max_score": top,
            "notebooks": notebooks,
        }

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=False)
