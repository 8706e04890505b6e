"""What becomes of graded notebooks, in the one process that writes: results gathered
per learner and committed in batches (nbgrader's gradebook, ``autograded/``, then the
journal), whichever backend graded them — the local fork server (:func:`grade_local`,
here) or a Dask cluster (``distributed.py``). :func:`.run.autograde` drives both."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ExitStatus
from . import jobs
from .limits import Limits
from .results import RESULT_FILE, CellGrade, GradeResult, Problem, SubmissionResult
from .source import NotebookSpec


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
        self.specs, self.todo = specs, todo
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


def grade_local(
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
