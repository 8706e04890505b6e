"""``autograde``: every collected submission of an assignment, in parallel, resumable.

For each learner folder ``submitted/<learner>/<assignment>/`` every notebook of the
assignment is graded in its own fresh sandboxed process (fork server), ``workers`` at a
time. The parent is the only gradebook writer: results are committed in batches, then
``autograded/<learner>/<assignment>/`` is put in place (graded notebooks, the learner's
other files, the assignment's data files, ``parcours-result.json``), then a line is
appended to the journal ``<course root>/.parcours/autograde-<assignment>.jsonl``.

With a Dask scheduler (``scheduler=`` or ``c.ParcoursConfig.grading_scheduler``) the
notebooks are graded on its workers instead (``distributed.py``); the results go through
the same :class:`~.collector.ResultCollector` (gradebook, ``autograded/``, journal) in
this process.

Resuming (after a crash or kill -9): a learner whose journal line carries the same
submission checksum is skipped (unless ``force``); anything not journalled is graded
again, which rewrites the very same rows (grading is deterministic and writes are
updates), so nothing is counted twice and nothing is lost.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import BadInputError, GradingError
from ...i18n import _
from . import jobs
from .collector import AutogradeReport, Journal, ResultCollector, grade_local
from .limits import Limits
from .source import spec_from_gradebook

if TYPE_CHECKING:
    from ...config import ParcoursConfig
    from ...course.model import Course

#: the journal of graded submissions, one JSON object per line
JOURNAL = ".parcours/autograde-{assignment}.jsonl"


def submission_checksum(folder: Path) -> str:
    """sha256 over the submitted files (names and bytes), nbgrader's ignore patterns aside."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(folder)
        if any(jobs.ignored(part) for part in rel.parts):
            continue
        digest.update(str(rel).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def autograde(
    config: ParcoursConfig,
    course: Course | str,
    assignment_id: str,
    workers: int | None = None,
    learners: list[str] | None = None,
    progress: bool = True,
    force: bool = False,
    limits: Limits | None = None,
    batch_size: int = 16,
    server: Any = None,
    scheduler: str | None = None,
    on_committed: Callable[[list[str]], None] | None = None,
) -> AutogradeReport:
    """Autograde every collected submission of ``assignment_id`` (see the module doc).

    ``server`` is a running :class:`~.forkserver.ForkServer` to reuse (tests, a long-lived
    service); by default one is started for this run and stopped after it.

    ``scheduler`` is the address of a Dask scheduler (``tcp://host:8786``) whose workers
    grade the notebooks (``distributed.py``); ``None`` takes ``grading_scheduler`` from the
    configuration, ``""`` grades here on the local fork server. Either way this process
    is the only gradebook writer and keeps the journal. An unusable scheduler raises
    :class:`~parcours.errors.SchedulerError` before anything is opened or written.

    ``on_committed(learners)`` is called (in the committer thread) after each batch's
    gradebook commit and before its ``autograded/`` folders and journal lines: the window
    a crash must not spoil, where tests inject one.
    """
    from .forkserver import DEFAULT_WARM_MODULES, ForkServer, ForkServerError

    course_id = course if isinstance(course, str) else course.id
    root = config.course_root(course_id)
    submitted = root / "submitted"
    folders = sorted(p.parent for p in submitted.glob(f"*/{assignment_id}") if p.is_dir())
    if learners:
        unknown = sorted(set(learners) - {f.name for f in folders})
        if unknown:
            raise BadInputError(
                _(
                    "no submission of '{assignment}' in {folder} for: {learners}. Run "
                    "'parcours collect' first, or check the learner ids."
                ).format(assignment=assignment_id, folder=submitted, learners=", ".join(unknown))
            )
        folders = [f for f in folders if f.name in learners]
    workers = max(1, workers or config.workers)
    if limits is None:
        base_limits = Limits.from_config(config)
        hidden = {*base_limits.hidden_paths, str(root)}
        if not isinstance(course, str):
            hidden.add(str(course.folder))
        limits = Limits.from_config(config, hidden_paths=tuple(sorted(hidden)))
    t0 = time.monotonic()
    address = config.grading_scheduler if scheduler is None else scheduler
    cluster = None
    if address:  # connected (or refused) before anything is opened or written
        from .distributed import Cluster

        cluster = Cluster.connect(address)
        workers = cluster.threads
    report = AutogradeReport(course_id, assignment_id, workers=workers)
    own = server is None and cluster is None
    if own:  # warms up while we open the gradebook
        warm = (*DEFAULT_WARM_MODULES, *imports_of(root / "source" / assignment_id))
        server = ForkServer(
            warm_modules=tuple(dict.fromkeys(warm)), wait=False, max_running=workers
        )
    try:
        writer = _open_writer(config, course_id, assignment_id)
    except BaseException:
        if own:
            server.close()
        if cluster is not None:
            cluster.close()
        raise
    froze = False
    try:
        specs = spec_from_gradebook(writer.gb, assignment_id)
        journal = Journal(root / JOURNAL.format(assignment=assignment_id))
        todo: list[tuple[str, Path, str]] = []
        for folder in folders:
            learner = folder.name
            checksum = submission_checksum(folder / assignment_id)
            done = journal.done.get(learner) == checksum
            if done and not force and (root / "autograded" / learner / assignment_id).is_dir():
                report.skipped.append(learner)
            else:
                todo.append((learner, folder / assignment_id, checksum))
        if todo:
            # the imports and the gradebook's objects are there for the whole run: out of
            # the collector's way (its full passes over them took 0.4 s of this process's
            # CPU in 200 notebooks, beside the workers); unfrozen at the end (a long-lived
            # caller, the hub service, must not keep them for ever; one that froze its own
            # heap is left as it is)
            if not gc.get_freeze_count():
                froze = True
                gc.freeze()
            try:
                results = ResultCollector(
                    writer,
                    journal,
                    root,
                    assignment_id,
                    specs,
                    todo,
                    progress,
                    batch_size,
                    report,
                    t0,
                    on_committed,
                )
                _grade_all(server, results, limits, workers, cluster)
            except ForkServerError as exc:
                raise GradingError(
                    _(
                        "{error}; {count} submission(s) were recorded before it happened. Run "
                        "'parcours autograde' again: it resumes where it stopped."
                    ).format(error=exc, count=len(report.graded))
                ) from exc
    finally:
        if froze:
            gc.unfreeze()
        writer.close()
        if own:
            server.close()
        if cluster is not None:
            cluster.close()
    if not isinstance(course, str) and report.graded:
        from ..gradebook import apply_late_penalties

        apply_late_penalties(config, course, course.assignment(assignment_id))
    report.elapsed_s = time.monotonic() - t0
    return report


def imports_of(source_dir: Path) -> list[str]:
    """Modules the assignment's source notebooks import (teacher's code): the fork server
    imports them once so that no submission pays for them."""
    import ast

    found: list[str] = []
    for path in sorted(source_dir.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            text = cell.get("source", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.extend(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.append(node.module)
                    found.extend(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return list(dict.fromkeys(found))


def _open_writer(config: ParcoursConfig, course_id: str, assignment_id: str) -> Any:
    from .writer import GradebookWriter

    return GradebookWriter(config.gradebook_for(course_id), course_id, assignment_id)


def _grade_all(
    server: Any, results: ResultCollector, limits: Limits, workers: int, cluster: Any = None
) -> None:
    """Grade what ``results`` holds on the fork server ``server``, or on the Dask
    ``cluster`` (a :class:`~.distributed.Cluster`) when given; results are handled the
    same way."""
    report, todo = results.report, results.todo
    source_dir = results.source_dir
    try:
        if cluster is not None:
            cluster.grade(results, limits, source_dir)
        else:
            grade_local(server, results, limits, workers, source_dir, results.specs)
        results.finish()
    finally:
        results.close()
    for graded in report.graded:
        refused = [p.message for p in graded.problems if p.code == "sandbox"]
        for message in refused:
            if message not in report.sandbox_refused:
                report.sandbox_refused.append(message)
    if not report.graded and todo:
        raise GradingError(_("no submission could be graded"))
