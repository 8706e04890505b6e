"""``POST /parcours/api/grade``: grade one notebook against an assignment's source.

For the teacher's own Jupyter server (formgrader side): a tool, a notebook or a front end
posts a learner's notebook and gets back what ``parcours autograde`` would give it —
scores per grade cell, nbgrader's automatic comments, problems with their reasons, total —
as JSON. Nothing is recorded: no gradebook is opened, no file of the course is written;
the notebook is graded by :func:`~parcours.pipeline.autograde.grade_notebook` in
the same sandbox, with the limits configured in ``jupyter_config.py``
(``c.ParcoursConfig.cell_timeout``, ``notebook_timeout``, ``memory_limit_mb``...).

Request (JSON)::

    {"course": "analyse-de-donnees", "assignment": "devoir-1",
     "notebook": "frequentation-mediatheque",      # optional when the assignment has one
     "submission": {...the .ipynb JSON...},         # object, or the file's text
     "with_notebook": false}                        # true: the graded notebook too

Answer: ``{"course", "assignment", "notebook", "status": "ok"|"problems", "score",
"max_score", "cells": [{"name", "max_score", "auto_score", "needs_manual_grade", "failed",
"missing"}], "comments", "problems": [{"code", "message", "cell"}], "run_s", "wall_s",
"sandbox"}``.

Who may call it: the request goes through jupyter_server's authentication (token, or
JupyterHub's OAuth for a single-user server), and the server's user — ``JUPYTERHUB_USER``
on a hub, else ``ParcoursConfig.learner``, else the authenticated user's name — must be
one of the course's teachers (its ``course.toml``'s ``teachers``:
:func:`parcours.course.teachers.teaches`). A learner's server answers 403: grading
runs code and reveals how hidden tests judge an answer.

Grading runs in a thread pool (one thread per grading worker, ``grading_workers``) over
the process-wide warm fork server, never on the event loop: the server keeps answering
while notebooks are graded. Errors are JSON in JupyterHub's shape (``{"status", "message"}``,
:mod:`parcours.hub.errorbody`) and say what is wrong and what to send instead.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import APIHandler
from parcours.hub.errorbody import JupyterHubErrors
from parcours.i18n import _
from tornado import web

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_specs: dict[tuple[str, int, int], Any] = {}


def parcours_config(handler: APIHandler) -> Any:
    """The ParcoursConfig in force: the server's own config when it sets ParcoursConfig,
    else the project's jupyter_config.py."""
    from parcours.config import ParcoursConfig, load_config

    server_config = handler.config or {}
    if "ParcoursConfig" in server_config:
        return ParcoursConfig(config=server_config)
    return load_config()


def server_user(handler: APIHandler, config: Any) -> str:
    """Whose server this is (:func:`parcours.identity.person`), else the authenticated
    user's name."""
    from parcours.identity import person

    user = handler.current_user
    return person(config.learner) or getattr(user, "username", None) or str(user)


def _pool(workers: int) -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=max(1, workers), thread_name_prefix="parcours-grade"
            )
        return _executor


def _bad(status: int, message: str) -> web.HTTPError:
    return web.HTTPError(status, message)  # shown as is: APIHandler puts it in the JSON


def _submission_bytes(value: Any) -> bytes:
    """The posted notebook as bytes, after checking it is a notebook (400 otherwise)."""
    how = _(
        "Send the .ipynb file's content (nbformat 4 JSON) as 'submission', as an object or as text."
    )
    if value is None:
        raise _bad(400, _("No 'submission' in the request. {how}").format(how=how))
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _bad(
                400,
                _("'submission' is not a notebook: its text is not JSON ({error}). {how}").format(
                    error=exc, how=how
                ),
            ) from None
    if not isinstance(value, dict) or not isinstance(value.get("cells"), list):
        raise _bad(
            400, _("'submission' is not a notebook: no list of 'cells'. {how}").format(how=how)
        )
    if value.get("nbformat") != 4:
        raise _bad(
            400,
            _(
                "'submission' is not a version 4 notebook (nbformat {version!r}); open "
                "and save it in Jupyter first. {how}"
            ).format(version=value.get("nbformat"), how=how),
        )
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _spec(path: Path, nbconfig: Any) -> Any:
    """The source notebook's spec (computed as generate_assignment does; cached until the
    file changes)."""
    from parcours.pipeline.autograde.source import spec_from_notebook
    from parcours.project import load_traitlets_config

    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _specs:  # nbgrader's settings (ClearSolutions stubs) as generate_assignment
        _specs[key] = spec_from_notebook(path, config=nbconfig or load_traitlets_config())
    return _specs[key]


def grade_request(config: Any, nbconfig: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Check the request, grade the notebook, return the answer (runs in the pool).

    Raises ``tornado.web.HTTPError`` (4xx) naming what is wrong and what to send."""
    from parcours.course.load import find_course, load_course
    from parcours.errors import ParcoursError
    from parcours.pipeline.autograde import Limits, grade_notebook

    name = body.get("course")
    if not isinstance(name, str) or not _ID.match(name):
        raise _bad(400, _("Give the course id as 'course' (e.g. \"analyse-de-donnees\")."))
    try:
        course = load_course(find_course(config.courses_dir, name))
    except ParcoursError as exc:
        raise _bad(
            404,
            _("Unknown course '{course}' in {folder}: {error}").format(
                course=name, folder=config.courses_dir, error=exc
            ),
        ) from None
    assignment_id = body.get("assignment")
    known = ", ".join(a.id for a in course.assignments) or "none"
    if not isinstance(assignment_id, str):
        raise _bad(
            400,
            _("Give the assignment id as 'assignment' (those of {course}: {known}).").format(
                course=course.id, known=known
            ),
        )
    try:
        assignment = course.assignment(assignment_id)
    except KeyError:
        raise _bad(
            404,
            _("'{assignment}' is not an assignment of {course} (its assignments: {known}).").format(
                assignment=assignment_id, course=course.id, known=known
            ),
        ) from None
    source_dir = (course.folder / assignment.source).resolve()
    notebooks = sorted(p.stem for p in source_dir.glob("*.ipynb"))
    notebook = body.get("notebook")
    if notebook is None and len(notebooks) == 1:
        notebook = notebooks[0]
    if notebook is None:
        raise _bad(
            400,
            _(
                "{assignment} has several notebooks ({notebooks}): say which one as 'notebook'."
            ).format(assignment=assignment_id, notebooks=", ".join(notebooks)),
        )
    if not isinstance(notebook, str) or notebook.removesuffix(".ipynb") not in notebooks:
        raise _bad(
            404,
            _("'{notebook}' is not a notebook of {assignment} (in {folder}: {notebooks}).").format(
                notebook=notebook,
                assignment=assignment_id,
                folder=source_dir,
                notebooks=", ".join(notebooks) or _("none"),
            ),
        )
    notebook = notebook.removesuffix(".ipynb")
    submission = _submission_bytes(body.get("submission"))
    spec = _spec(source_dir / f"{notebook}.ipynb", nbconfig)
    result = grade_notebook(spec, submission, Limits.from_config(config), data=source_dir)
    answer = {"course": course.id, "assignment": assignment_id, "notebook": notebook}
    answer.update(result.to_dict(with_notebook=bool(body.get("with_notebook"))))
    return answer


class GradeHandler(JupyterHubErrors, APIHandler):
    """Grade one posted notebook against an assignment's source; nothing is recorded."""

    async def check_teacher(self, config: Any, user: str, course_id: Any) -> None:
        """403 unless ``user`` teaches the course asked for (its manifest's ``teachers``:
        :func:`parcours.course.teachers.teaches`); an unknown course is left to
        :func:`grade_request` (400)."""
        import asyncio

        from parcours.course.load import find_course, load_course
        from parcours.course.teachers import teaches
        from parcours.errors import ParcoursError

        if not isinstance(course_id, str) or not _ID.match(course_id):
            return
        try:
            course = await asyncio.to_thread(
                lambda: load_course(find_course(config.courses_dir, course_id))
            )
        except ParcoursError:
            return
        if not teaches(config, user, course):
            raise _bad(
                403,
                _(
                    "Only a course's teachers may grade here, and '{user}' does not teach "
                    "'{course}': add them to the course's teachers in its course.toml."
                ).format(user=user, course=course_id),
            )

    @web.authenticated
    async def post(self) -> None:
        import asyncio

        config = parcours_config(self)
        user = server_user(self, config)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise _bad(
                400,
                _(
                    'The request body is not JSON ({error}). Send {{"course", "assignment", '
                    '"notebook", "submission"}}.'
                ).format(error=exc),
            ) from None
        if not isinstance(body, dict):
            raise _bad(
                400,
                _(
                    "The request body must be a JSON object with 'course', 'assignment', "
                    "'notebook' and 'submission'."
                ),
            )
        await self.check_teacher(config, user, body.get("course"))
        nbconfig = self.config if "ParcoursConfig" in (self.config or {}) else None
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(
            _pool(config.workers), grade_request, config, nbconfig, body
        )
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer, ensure_ascii=False))
