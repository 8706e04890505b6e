"""``autograde``: every collected submission of an assignment, in parallel, resumable.

For each learner folder ``submitted/<learner>/<assignment>/`` every notebook of the
assignment is graded in its own fresh sandboxed process (fork server), ``workers`` at a
time. The parent is the only gradebook writer: results are committed in batches, then
``autograded/<learner>/<assignment>/`` is put in place (graded notebooks, the learner's
other files, the assignment's data files, ``parcours-result.json``), then a line is
appended to the journal ``<course root>/.parcours/autograde-<assignment>.jsonl``.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import BadInputError, GradingError
from . import jobs
from .limits import Limits
from .results import CellGrade, GradeResult, Problem, SubmissionResult
from .source import NotebookSpec, spec_from_gradebook

if TYPE_CHECKING:
    from ...config import ParcoursConfig
    from ...course.model import Course

#: the journal of graded submissions, one JSON object per line
JOURNAL = ".parcours/autograde-{assignment}.jsonl"
#: exit status of ``parcours autograde`` when some submissions were graded with problems
EXIT_PROBLEMS = 3


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
    def exit_status(self) -> int:
        """0: every submission graded cleanly; 3: some graded with problems."""
        return EXIT_PROBLEMS if self.problems else 0


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
                fh.write(json.dumps({"learner": r.learner, "checksum": r.checksum,
                                     "status": r.status, "score": r.score,
                                     "at": time.time()}) + "\n")
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
    cells = [CellGrade(c.name, float(c.max_score or 0), 0.0, False)
             for c in spec.cells if c.grade]
    return GradeResult(spec.name, "problems", cells=cells, problems=[
        Problem("missing-notebook", f"notebook '{spec.name}.ipynb' was not submitted — "
                "scored 0 as nbgrader does")])


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
    (build / "parcours-result.json").write_text(result.to_json() + "\n", encoding="utf-8")
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
) -> AutogradeReport:
    """Autograde every collected submission of ``assignment_id`` (see the module doc).

    ``server`` is a running :class:`~.forkserver.ForkServer` to reuse (tests, a long-lived
    service); by default one is started for this run and stopped after it.
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
    report = AutogradeReport(course_id, assignment_id, workers=workers)
    t0 = time.monotonic()
    own = server is None
    if own:  # warms up while we open the gradebook
        warm = (*DEFAULT_WARM_MODULES, *imports_of(root / "source" / assignment_id))
        server = ForkServer(warm_modules=tuple(dict.fromkeys(warm)), wait=False,
                            max_running=workers)
    try:
        writer = _open_writer(config, course_id, assignment_id)
    except BaseException:
        if own:
            server.close()
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
                _grade_all(server, writer, journal, root, assignment_id, specs, todo, limits,
                           workers, progress, batch_size, report, t0)
            except ForkServerError as exc:
                raise GradingError(
                    f"{exc}; {len(report.graded)} submission(s) were recorded before it "
                    "happened. Run 'parcours autograde' again: it resumes where it stopped."
                ) from exc
    finally:
        writer.close()
        if own:
            server.close()
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


def _grade_all(server: Any, writer: Any, journal: Journal, root: Path, assignment_id: str,
               specs: dict[str, NotebookSpec], todo: list[tuple[str, Path, str]],
               limits: Limits, workers: int, progress: bool, batch_size: int,
               report: AutogradeReport, t0: float) -> None:
    from concurrent.futures import Future, ThreadPoolExecutor

    from tqdm import tqdm

    source_dir = root / "source" / assignment_id
    base = jobs.make_base()
    bar = tqdm(total=len(todo), unit="copie", disable=not progress, dynamic_ncols=True,
               desc=f"autograde {assignment_id}")
    queue: deque[tuple[str, Path, NotebookSpec]] = deque()
    pending: dict[str, SubmissionResult] = {}
    waiting: dict[str, int] = {}
    for learner, folder, checksum in todo:
        pending[learner] = SubmissionResult(learner, assignment_id, checksum, _timestamp(folder))
        waiting[learner] = 0
        for name, spec in specs.items():
            path = folder / f"{name}.ipynb"
            if path.is_file():
                queue.append((learner, path, spec))
                waiting[learner] += 1
            else:
                pending[learner].notebooks.append(_not_submitted(spec))
    ready = [pending.pop(k) for k, n in list(waiting.items()) if n == 0]
    #: job id -> (learner, job, when it started; None while it waits in the fork server)
    inflight: dict[str, tuple[str, jobs.Job, float | None]] = {}
    # A server that caps its running jobs itself (ours) is given ``workers`` more jobs to
    # queue: a finished notebook is followed at once by the next, with no round trip here.
    cap = workers + (workers if getattr(server, "max_running", 0) else 0)
    last_flush = time.monotonic()
    counter = 0
    data_dir = source_dir if source_dir.is_dir() else None
    spec_json = {name: spec.to_json() for name, spec in specs.items()}
    # Commits run in one writer thread so that a worker never waits for the gradebook
    # or the autograded/ folder: at most one batch is being committed at a time, in order.
    committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcours-gradebook")
    committing: Future[None] | None = None

    def commit(batch: list[SubmissionResult]) -> None:
        writer.write(batch)
        for result in batch:
            _place(root, source_dir, result)
        journal.record(batch)
        for result in batch:
            result.notebooks = [_drop_notebook(n) for n in result.notebooks]
        report.graded.extend(batch)
        bar.update(len(batch))

    def flush() -> None:
        nonlocal ready, last_flush, committing
        if committing is not None:
            committing.result()  # the previous batch first (re-raises its failure)
            committing = None
        if ready:
            committing = committer.submit(commit, ready)
        ready = []
        last_flush = time.monotonic()

    # Job folders are made ahead (while the workers run); a finished job is collected
    # after the refill.
    prepared: deque[tuple[str, jobs.Job]] = deque()

    def prepare_ahead() -> None:
        nonlocal counter
        while queue and len(prepared) < workers:
            learner, path, spec = queue.popleft()
            counter += 1
            prepared.append((learner, jobs.prepare(base, f"j{counter}", spec, path, limits,
                                                   path.parent, data_dir,
                                                   spec_json[spec.name])))

    def refill() -> None:
        prepare_ahead()
        while prepared and len(inflight) < cap:
            learner, job = prepared.popleft()
            server.submit(job.id, job.dir)
            if report.startup_s == 0.0:
                report.startup_s = time.monotonic() - t0
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
                result = jobs.collect(job, exit_code)
                pending[learner].notebooks.append(result)
                waiting[learner] -= 1
                if waiting[learner] == 0:
                    ready.append(pending.pop(learner))
            now = time.monotonic()
            for job_id, (_, _, started) in list(inflight.items()):
                if started is not None and now - started > limits.notebook_timeout_s + 60:
                    server.kill(job_id)  # its reply comes as 'done' with no result
            if committing is not None and committing.done():
                committing.result()  # a failed commit stops the run now
                committing = None
            if len(ready) >= batch_size or (ready and now - last_flush > 2.0):
                flush()
        flush()
        flush()  # waits for the last batch
        report.grading_s = time.monotonic() - t0 - report.startup_s
    finally:
        committer.shutdown(wait=True)
        bar.close()
        shutil.rmtree(base, ignore_errors=True)
    for graded in report.graded:
        refused = [p.message for p in graded.problems if p.code == "sandbox"]
        for message in refused:
            if message not in report.sandbox_refused:
                report.sandbox_refused.append(message)
    if not report.graded and todo:
        raise GradingError("no submission could be graded")


def _drop_notebook(result: GradeResult) -> GradeResult:
    """Keep the report light: graded notebooks are on disk once placed."""
    result.notebook_json = None
    return result
