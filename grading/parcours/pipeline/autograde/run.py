"""``autograde``: every collected submission of an assignment, in parallel, resumable.

For each learner folder ``submitted/<learner>/<assignment>/`` every notebook of the
assignment is graded in its own fresh sandboxed process (fork server), ``workers`` at a
time. The parent is the only gradebook writer: results are committed in batches, then
``autograded/<learner>/<assignment>/`` is put in place (graded notebooks, the learner's
other files, the assignment's data files, ``parcours-result.json``), then a line is
appended to the journal ``<course root>/.parcours/autograde-<assignment>.jsonl``.

With a Dask scheduler (``scheduler=`` or ``c.ParcoursConfig.grading_scheduler``) the
notebooks are graded on its workers instead (``distributed.py``); the results go through
the same :class:`ResultCollector` (gradebook, ``autograded/``, journal) in this process.

Resuming (after a crash or kill -9): a learner whose journal line carries the same
submission checksum is skipped (unless ``force``); anything not journalled is graded
again, which rewrites the very same rows (grading is deterministic and writes are
updates), so nothing is counted twice and nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import BadInputError, ExitStatus, GradingError
from . import jobs
from .limits import Limits
from .results import RESULT_FILE, CellGrade, GradeResult, Problem, SubmissionResult
from .source import NotebookSpec, spec_from_gradebook

if TYPE_CHECKING:
    from ...config import ParcoursConfig
    from ...course.model import Course

#: the journal of graded submissions, one JSON object per line
JOURNAL = ".parcours/autograde-{assignment}.jsonl"


@dataclass
class AutogradeReport:
    """What an autograde run did."""

    course: str
    assignment: str
    #: submissions graded by this run
    graded: list[SubmissionResult] = field(default_factory=list)
    #: learners skipped: already graded with the same submission (journal)
    skipped: list[str] = field(default_factory=list)
    #: seconds of the whole run (start-up and the final late penalties included)
    elapsed_s: float = 0.0
    #: fixed cost: from the call to the first notebook handed to the fork server (its
    #: warm-up, opening the gradebook, checksums); 0 when nothing was graded
    startup_s: float = 0.0
    #: from the first notebook handed over to the last result committed
    grading_s: float = 0.0
    workers: int = 1
    #: sandbox measures the OS refused (the same for every submission)
    sandbox_refused: list[str] = field(default_factory=list)

    @property
    def problems(self) -> dict[str, list[Problem]]:
        """learner -> problems (only learners graded with problems)."""
        return {
            r.learner: [p for p in r.problems if p.code != "sandbox"]
            for r in self.graded
            if r.status != "ok"
        }

    @property
    def exit_status(self) -> ExitStatus:
        """CLEAN: every submission graded cleanly; PROBLEMS: some graded with problems."""
        return ExitStatus.PROBLEMS if self.problems else ExitStatus.CLEAN


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


class Journal:
    """Append-only record of committed results; the last line per learner wins."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.done: dict[str, str] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                    self.done[entry["learner"]] = entry["checksum"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a crash: that learner is graded again

    def record(self, results: list[SubmissionResult]) -> None:
        with self.path.open("a") as fh:
            for r in results:
                fh.write(
                    json.dumps(
                        {
                            "learner": r.learner,
                            "checksum": r.checksum,
                            "status": r.status,
                            "score": r.score,
                            "at": time.time(),
                        }
                    )
                    + "\n"
                )
                self.done[r.learner] = r.checksum
            fh.flush()
            os.fsync(fh.fileno())


def _timestamp(folder: Path) -> str | None:
    path = folder / "timestamp.txt"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _not_submitted(spec: NotebookSpec) -> GradeResult:
    """nbgrader's rule for a notebook missing from a submission: every grade 0."""
    cells = [CellGrade(c.name, float(c.max_score or 0), 0.0, False) for c in spec.cells if c.grade]
    return GradeResult(
        spec.name,
        "problems",
        cells=cells,
        problems=[
            Problem(
                "missing-notebook",
                f"notebook '{spec.name}.ipynb' was not submitted — scored 0 as nbgrader does",
            )
        ],
    )


def _place(root: Path, source_dir: Path, result: SubmissionResult) -> None:
    """Write autograded/<learner>/<assignment>/ atomically (build aside, then rename)."""
    final = root / "autograded" / result.learner / result.assignment
    final.parent.mkdir(parents=True, exist_ok=True)
    build = final.parent / f".{result.assignment}.parcours-tmp"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir()
    submitted = root / "submitted" / result.learner / result.assignment
    jobs.copy_tree(submitted, build, skip_notebooks=True)
    if source_dir.is_dir():
        jobs.copy_tree(source_dir, build, skip_notebooks=True)
    for nb in result.notebooks:
        if nb.notebook_json is not None:
            text = json.dumps(nb.notebook_json, indent=1, sort_keys=True, ensure_ascii=False)
            (build / f"{nb.notebook}.ipynb").write_text(text + "\n", encoding="utf-8")
    (build / RESULT_FILE).write_text(result.to_json() + "\n", encoding="utf-8")
    if final.exists():
        shutil.rmtree(final)
    build.rename(final)


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
                f"no submission of '{assignment_id}' in {submitted} for: {', '.join(unknown)}. "
                "Run 'parcours collect' first, or check the learner ids."
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
            try:
                _grade_all(
                    server,
                    writer,
                    journal,
                    root,
                    assignment_id,
                    specs,
                    todo,
                    limits,
                    workers,
                    progress,
                    batch_size,
                    report,
                    t0,
                    cluster,
                    on_committed,
                )
            except ForkServerError as exc:
                raise GradingError(
                    f"{exc}; {len(report.graded)} submission(s) were recorded before it "
                    "happened. Run 'parcours autograde' again: it resumes where it stopped."
                ) from exc
    finally:
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
    server: Any,
    writer: Any,
    journal: Journal,
    root: Path,
    assignment_id: str,
    specs: dict[str, NotebookSpec],
    todo: list[tuple[str, Path, str]],
    limits: Limits,
    workers: int,
    progress: bool,
    batch_size: int,
    report: AutogradeReport,
    t0: float,
    cluster: Any = None,
    on_committed: Callable[[list[str]], None] | None = None,
) -> None:
    """Grade ``todo`` on the fork server ``server``, or on the Dask ``cluster`` (a
    :class:`~.distributed.Cluster`) when given; results are handled the same way."""
    source_dir = root / "source" / assignment_id
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
    try:
        if cluster is not None:
            cluster.grade(results, limits, source_dir)
        else:
            _grade_local(server, results, limits, workers, source_dir, specs)
        results.finish()
    finally:
        results.close()
    for graded in report.graded:
        refused = [p.message for p in graded.problems if p.code == "sandbox"]
        for message in refused:
            if message not in report.sandbox_refused:
                report.sandbox_refused.append(message)
    if not report.graded and todo:
        raise GradingError("no submission could be graded")


class ResultCollector:
    """What both backends share once a notebook is graded: results gathered per learner,
    committed in batches by one committer thread (gradebook, ``autograded/`` folder, then
    the journal), the progress bar and the report's timings.

    A backend takes notebooks from :attr:`notebooks`, calls :meth:`handed_over` when it
    hands one to a grader, :meth:`deliver` with each result and :meth:`tick` regularly.
    """

    def __init__(
        self,
        writer: Any,
        journal: Journal,
        root: Path,
        assignment_id: str,
        specs: dict[str, NotebookSpec],
        todo: list[tuple[str, Path, str]],
        progress: bool,
        batch_size: int,
        report: AutogradeReport,
        t0: float,
        on_committed: Callable[[list[str]], None] | None = None,
    ):
        from concurrent.futures import Future, ThreadPoolExecutor

        from tqdm import tqdm

        self.writer, self.journal, self.root, self.report = writer, journal, root, report
        self.source_dir = root / "source" / assignment_id
        self.batch_size, self.t0 = batch_size, t0
        self.on_committed = on_committed
        #: (learner, submitted notebook, its spec) still to hand over, in order
        self.notebooks: deque[tuple[str, Path, NotebookSpec]] = deque()
        self.pending: dict[str, SubmissionResult] = {}
        self.waiting: dict[str, int] = {}
        #: learners with a notebook not graded for an infrastructure reason: recorded, but
        #: not journalled, so that the next run grades them again
        self.unfinished: set[str] = set()
        for learner, folder, checksum in todo:
            self.pending[learner] = SubmissionResult(
                learner, assignment_id, checksum, _timestamp(folder)
            )
            self.waiting[learner] = 0
            for name, spec in specs.items():
                path = folder / f"{name}.ipynb"
                if path.is_file():
                    self.notebooks.append((learner, path, spec))
                    self.waiting[learner] += 1
                else:
                    self.pending[learner].notebooks.append(_not_submitted(spec))
        self.ready = [self.pending.pop(k) for k, n in list(self.waiting.items()) if n == 0]
        self.bar = tqdm(
            total=len(todo),
            unit="copie",
            disable=not progress,
            dynamic_ncols=True,
            desc=f"autograde {assignment_id}",
        )
        self.last_flush = time.monotonic()
        # Commits run in one writer thread so that a worker never waits for the gradebook
        # or the autograded/ folder: at most one batch is being committed at a time, in order.
        self.committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcours-gradebook")
        self.committing: Future[None] | None = None

    def handed_over(self) -> None:
        """A notebook went to a grader: the first one ends the start-up."""
        if self.report.startup_s == 0.0:
            self.report.startup_s = time.monotonic() - self.t0

    def deliver(self, learner: str, result: GradeResult, unfinished: bool = False) -> None:
        """One notebook's result; ``unfinished``: not graded for an infrastructure reason
        (``result`` says why), so the learner is not journalled."""
        self.pending[learner].notebooks.append(result)
        if unfinished:
            self.unfinished.add(learner)
        self.waiting[learner] -= 1
        if self.waiting[learner] == 0:
            self.ready.append(self.pending.pop(learner))

    def _commit(self, batch: list[SubmissionResult]) -> None:
        self.writer.write(batch)
        if self.on_committed is not None:
            self.on_committed([r.learner for r in batch])
        for result in batch:
            _place(self.root, self.source_dir, result)
        self.journal.record([r for r in batch if r.learner not in self.unfinished])
        for result in batch:
            result.notebooks = [_drop_notebook(n) for n in result.notebooks]
        self.report.graded.extend(batch)
        self.bar.update(len(batch))

    def flush(self) -> None:
        """Wait for the batch being committed (re-raising its failure), then send the
        results ready, if any, to the committer."""
        if self.committing is not None:
            self.committing.result()
            self.committing = None
        if self.ready:
            self.committing = self.committer.submit(self._commit, self.ready)
        self.ready = []
        self.last_flush = time.monotonic()

    def tick(self) -> None:
        """A failed commit stops the run now; a full batch (or one 2 s old) is sent."""
        if self.committing is not None and self.committing.done():
            self.committing.result()
            self.committing = None
        now = time.monotonic()
        if len(self.ready) >= self.batch_size or (self.ready and now - self.last_flush > 2.0):
            self.flush()

    def finish(self) -> None:
        """Commit what is left and wait for it."""
        self.flush()
        self.flush()
        self.report.grading_s = time.monotonic() - self.t0 - self.report.startup_s

    def close(self) -> None:
        self.committer.shutdown(wait=True)
        self.bar.close()


def _grade_local(
    server: Any,
    results: ResultCollector,
    limits: Limits,
    workers: int,
    source_dir: Path,
    specs: dict[str, NotebookSpec],
) -> None:
    """The local backend: ``workers`` notebooks at once on the fork server ``server``."""
    base = jobs.make_base()
    queue = results.notebooks
    #: job id -> (learner, job, when it started; None while it waits in the fork server)
    inflight: dict[str, tuple[str, jobs.Job, float | None]] = {}
    # A server that caps its running jobs itself (ours) is given ``workers`` more jobs to
    # queue: a finished notebook is followed at once by the next, with no round trip here.
    cap = workers + (workers if getattr(server, "max_running", 0) else 0)
    counter = 0
    data_dir = source_dir if source_dir.is_dir() else None
    spec_json = {name: spec.to_json() for name, spec in specs.items()}

    # Job folders are made ahead (while the workers run); a finished job is collected
    # after the refill.
    prepared: deque[tuple[str, jobs.Job]] = deque()

    def prepare_ahead() -> None:
        nonlocal counter
        while queue and len(prepared) < workers:
            learner, path, spec = queue.popleft()
            counter += 1
            prepared.append(
                (
                    learner,
                    jobs.prepare(
                        base,
                        f"j{counter}",
                        spec,
                        path,
                        limits,
                        path.parent,
                        data_dir,
                        spec_json[spec.name],
                    ),
                )
            )

    def refill() -> None:
        prepare_ahead()
        while prepared and len(inflight) < cap:
            learner, job = prepared.popleft()
            server.submit(job.id, job.dir)
            results.handed_over()
            inflight[job.id] = (learner, job, None)

    try:
        while queue or prepared or inflight:
            refill()
            finished = []
            for reply in server.read(timeout=0.5):
                job_id = reply.get("job")
                if job_id not in inflight:
                    continue
                if reply.get("op") == "started":
                    learner, job, _ = inflight[job_id]
                    inflight[job_id] = (learner, job, time.monotonic())
                elif reply.get("op") == "done":
                    finished.append((inflight.pop(job_id), reply.get("exit")))
            refill()
            for (learner, job, _), exit_code in finished:
                results.deliver(learner, jobs.collect(job, exit_code))
            now = time.monotonic()
            for job_id, (_, _, started) in list(inflight.items()):
                if started is not None and now - started > limits.notebook_timeout_s + 60:
                    server.kill(job_id)  # its reply comes as 'done' with no result
            results.tick()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _drop_notebook(result: GradeResult) -> GradeResult:
    """Keep the report light: graded notebooks are on disk once placed."""
    result.notebook_json = None
    return result
