"""``grade_notebook``: the stateless grading API (CLI, server handler, Dask backend)."""

from __future__ import annotations

import atexit
import shutil
import threading
from pathlib import Path

from . import jobs
from .forkserver import ForkServer
from .limits import Limits
from .results import GradeResult, Problem
from .source import NotebookSpec, spec_from_notebook

_server: ForkServer | None = None
_lock = threading.Lock()


def default_server() -> ForkServer:
    """The process-wide fork server, started on first use (a few seconds), stopped at exit."""
    global _server
    with _lock:
        if _server is None or _server.process.poll() is not None:
            _server = ForkServer()
            atexit.register(_server.close)
        return _server


def grade_notebook(
    source: NotebookSpec | str | Path,
    submission: str | Path | bytes,
    limits: Limits | None = None,
    *,
    files: str | Path | None = None,
    data: str | Path | None = None,
    server: ForkServer | None = None,
) -> GradeResult:
    """Grade one submitted notebook with nbgrader's autograde rules, in a sandbox.

    ``source`` is the assignment's source notebook (path) or its :class:`NotebookSpec`
    (as read from the gradebook): it gives the cell checksums, points and the original
    test cells, hidden tests included. ``submission`` is the learner's notebook (path or
    bytes; a path is only opened for reading). ``files`` is a folder whose other files are
    copied next to the notebook (the learner's submission folder); ``data`` a folder whose
    files *except notebooks* are copied too (the assignment's source folder: its data
    files, never its notebooks, which hold the solutions).

    Stateless: nothing is written but a temporary job folder, removed before returning; no
    gradebook is opened. Thread-safe: concurrent calls share the process-wide fork server
    (``default_server()``) and run side by side. This is what the CLI's ``autograde``
    does per notebook, what the Jupyter server's ``POST /parcours/api/grade`` calls from an
    executor thread, and what each Dask task of ``autograde(..., scheduler=...)`` calls on
    its worker (``distributed.grade_task``: the spec, the files, the limits and the result
    travel as plain data; each worker process grades on its own warm fork server; the
    caller stays the only gradebook writer — see docs/autograde.md).

    Never raises for a broken or hostile submission: the reason is in
    ``result.problems`` and the scores are what nbgrader's rules give.
    """
    spec = source if isinstance(source, NotebookSpec) else spec_from_notebook(source)
    limits = limits or Limits()
    server = server or default_server()
    base = jobs.make_base()
    try:
        if isinstance(submission, bytes):
            path = base / "submission.ipynb"
            path.write_bytes(submission)
            path.chmod(0o600)
        else:
            path = Path(submission)
        job = jobs.prepare(
            base,
            "api-" + base.name,
            spec,
            path,
            limits,
            Path(files) if files else None,
            Path(data) if data else None,
        )
        server.submit(job.id, job.dir)
        reply = server.wait(job.id, timeout=limits.notebook_timeout_s + 60)
        if reply is None:
            server.kill(job.id)
            return GradeResult(
                spec.name,
                "problems",
                problems=[Problem("internal", "the grading process did not finish in time")],
            )
        return jobs.collect(job, reply.get("exit", -1))
    finally:
        shutil.rmtree(base, ignore_errors=True)


__all__ = ["default_server", "grade_notebook"]
