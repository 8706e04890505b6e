"""Grading the notebooks of one ``autograde`` run on a Dask cluster.

One Dask task per notebook runs :func:`grade_task` on a worker, which calls the very same
stateless :func:`~.api.grade_notebook` as everything else (each worker process grades on
its own warm fork server, ``default_server()``; :class:`WarmForkServer` starts it when
the worker joins). Everything crossing the wire is plain data: the notebook's spec as
JSON (hidden tests included: workers must be as trusted as this machine), the learner's
submitted files and the assignment's data files as ``{relative path: bytes}``, the limits
as a dict, and the result as :meth:`GradeResult.to_dict`.

The calling process (``autograde``) stays the only gradebook writer and keeps the
journal: results go through the same :class:`~.collector.ResultCollector` as the local
backend's, so resuming, ``--force``, skipped learners, the ``autograded/`` folders, late
penalties and nbgrader's gradebook rows are the same.

Failures: a worker that dies mid-task is retried by the scheduler (up to its
``distributed.scheduler.allowed-failures``), an exception raised by the task is retried
:data:`RETRIES` times; a notebook whose task still fails is recorded with an ``internal``
problem naming the reason, its learner not journalled (the next run grades it again).
The learner's files are only ever read. A lost scheduler stops the run
(:class:`~parcours.errors.GradingError`; rerunning resumes).

Imported only when a scheduler is used: ``import distributed`` costs about a second.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import socket
import tempfile
import threading
import uuid
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...errors import GradingError, SchedulerError
from ...i18n import _
from . import jobs
from .limits import Limits
from .results import GradeResult, Problem, excerpt
from .source import NotebookSpec

try:
    import distributed
    from distributed import WorkerPlugin
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
    raise SchedulerError(
        _(
            "grading on a Dask scheduler needs dask.distributed, which is not "
            "installed ({error}). Install Parcours' 'distributed' extra "
            "(dask[distributed]), or grade on this machine: leave the grading "
            "scheduler unset (c.ParcoursConfig.grading_scheduler and the command's "
            "own)."
        ).format(error=exc)
    ).about("scheduler") from exc

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .collector import ResultCollector

#: retries of a task that raised (worker deaths are retried by the scheduler itself)
RETRIES = 2
#: seconds to wait for the scheduler to answer, and for its first worker
CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 60.0


def read_tree(folder: Path, skip_notebooks: bool = False) -> dict[str, bytes]:
    """``{relative path: bytes}`` of the files the local backend would copy from
    ``folder`` (:func:`jobs.copy_tree`'s rules: nbgrader's ignore patterns, no symlinks)."""
    found: dict[str, bytes] = {}
    for parent, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not jobs.ignored(d))
        for name in sorted(names):
            path = Path(parent) / name
            if jobs.ignored(name) or path.is_symlink():
                continue
            if skip_notebooks and name.endswith(".ipynb"):
                continue
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def _write_tree(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(mode=0o700)
    for rel, content in files.items():
        target = (folder / rel).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise ValueError(f"refusing to write {rel!r} outside the task folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def grade_task(
    spec_json: str, files: dict[str, bytes], data: dict[str, bytes], limits: dict[str, Any]
) -> dict[str, Any]:
    """Grade one notebook on a Dask worker; plain data in, plain data out.

    ``files`` are the learner's submitted files (the notebook ``<spec name>.ipynb``
    among them), ``data`` the assignment's data files; both are written to a private
    temporary folder, then :func:`~.api.grade_notebook` grades the notebook exactly as
    the local backend does (the learner's files, then the data files, next to it).
    Returns :meth:`GradeResult.to_dict` with the graded notebook.
    """
    from .api import grade_notebook

    spec = NotebookSpec.from_json(spec_json)
    folder = Path(tempfile.mkdtemp(prefix="parcours-task-"))
    try:
        learner_dir, data_dir = folder / "files", folder / "data"
        _write_tree(learner_dir, files)
        _write_tree(data_dir, data)
        result = grade_notebook(
            spec,
            learner_dir / f"{spec.name}.ipynb",
            Limits.from_dict(limits),
            files=learner_dir,
            data=data_dir if data else None,
        )
        return result.to_dict(with_notebook=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _warm() -> None:
    from .api import default_server
    from .forkserver import ForkServerError

    try:
        default_server()
    except (ForkServerError, OSError) as exc:
        # the worker's first task starts it again, and records the reason if it fails
        log.warning(
            "the fork server of this Dask worker did not start ahead (%s); the "
            "first task will start it",
            exc,
        )


class WarmForkServer(WorkerPlugin):
    """Starts the worker process's fork server as the worker joins (in a thread, so as
    not to block the worker's event loop), so that the first task does not wait for it."""

    name = "parcours-warm-fork-server"
    idempotent = True

    def setup(self, worker: Any) -> None:
        threading.Thread(target=_warm, name="parcours-warm-up", daemon=True).start()


def _unreachable(address: str, why: str) -> SchedulerError:
    return SchedulerError(
        _(
            "no Dask scheduler could be used at {address}: {why}. Start one there "
            "('dask scheduler --port PORT') with workers run as root, one thread "
            "each ('dask worker ADDRESS --nthreads 1 --nworkers N'), fix the address "
            "(c.ParcoursConfig.grading_scheduler, or the one given to the command), "
            "or leave both unset to grade on this machine. Nothing was graded or "
            "recorded."
        ).format(address=address, why=why)
    ).about("scheduler")


class Cluster:
    """A connection to a Dask scheduler that grades notebooks for one ``autograde`` run."""

    def __init__(self, address: str, client: Any):
        self.address = address
        self.client = client
        #: worker threads when connected (tasks kept in flight: twice as many)
        self.threads = max(1, sum(client.nthreads().values()))

    @classmethod
    def connect(
        cls,
        address: str,
        timeout: float = CONNECT_TIMEOUT_S,
        workers_timeout: float = WORKERS_TIMEOUT_S,
    ) -> Cluster:
        """Connect to the scheduler at ``address`` (``tcp://host:port``; ``host:port``
        means tcp) and wait for one worker at least; raises :class:`SchedulerError`
        at once when nothing listens there."""
        if "://" not in address:
            address = f"tcp://{address}"
        parts = urlsplit(address)
        if parts.scheme in ("tcp", "tls"):
            try:
                host, port = parts.hostname, parts.port
            except ValueError as exc:
                raise _unreachable(address, _("invalid port ({error})").format(error=exc)) from exc
            if not host or not port:
                raise _unreachable(address, _("expected tcp://HOST:PORT"))
            try:  # fail fast: distributed itself retries until its timeout
                socket.create_connection((host, port), timeout=timeout).close()
            except OSError as exc:
                raise _unreachable(address, exc.strerror or str(exc) or type(exc).__name__) from exc
        try:
            client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise _unreachable(address, f"{type(exc).__name__}: {exc}") from exc
        try:
            client.wait_for_workers(1, timeout=workers_timeout)
            client.register_plugin(WarmForkServer())
        except (OSError, TimeoutError) as exc:
            client.close()
            raise _unreachable(
                address,
                _("the scheduler has no worker after {timeout} s").format(
                    timeout=f"{workers_timeout:.0f}"
                ),
            ) from exc
        return cls(address, client)

    def close(self) -> None:
        """Disconnect (the workers and their warm fork servers stay up)."""
        self.client.close()

    def grade(self, results: ResultCollector, limits: Limits, source_dir: Path) -> None:
        """Grade every notebook of ``results.notebooks``, twice as many tasks in flight as
        worker threads, delivering each result (or recorded failure) to ``results``."""
        data = read_tree(source_dir, skip_notebooks=True) if source_dir.is_dir() else {}
        plain_limits = limits.to_dict()
        specs: dict[str, str] = {}
        done: queue.SimpleQueue[Any] = queue.SimpleQueue()  # filled from the client's thread
        inflight: dict[str, tuple[str, NotebookSpec]] = {}

        def refill() -> None:
            while results.notebooks and len(inflight) < 2 * self.threads:
                learner, path, spec = results.notebooks.popleft()
                if spec.name not in specs:
                    specs[spec.name] = spec.to_json()
                future = self.client.submit(
                    grade_task,
                    specs[spec.name],
                    read_tree(path.parent),
                    data,
                    plain_limits,
                    key=f"parcours-grade-{learner}-{spec.name}-{uuid.uuid4().hex[:8]}",
                    pure=False,
                    retries=RETRIES,
                )
                inflight[future.key] = (learner, spec)
                future.add_done_callback(done.put)
                results.handed_over()

        refill()
        while inflight:
            try:
                finished = [done.get(timeout=0.5)]
            except queue.Empty:
                if self.client.status in ("closing", "closed"):
                    raise self._lost(results) from None
                results.tick()
                continue
            while not done.empty():
                finished.append(done.get())
            for future in finished:
                learner, spec = inflight.pop(future.key)
                result, unfinished = self._outcome(future, spec, results)
                results.deliver(learner, result, unfinished=unfinished)
                future.release()
            refill()
            results.tick()

    def _outcome(
        self, future: Any, spec: NotebookSpec, results: ResultCollector
    ) -> tuple[GradeResult, bool]:
        """The notebook's result, or a recorded failure (True) saying why."""
        if future.status == "finished":
            try:
                return GradeResult.from_dict(future.result()), False
            # the result lost with its worker (cancelled, killed, connection closed)
            except (CancelledError, distributed.KilledWorker, OSError, TimeoutError) as exc:
                reason = f"its result could not be fetched ({type(exc).__name__}: {excerpt(exc)})"
        elif future.status == "error":
            error = future.exception()
            reason = f"{type(error).__name__}: {excerpt(error)}"  # may quote a file name
        elif self.client.status != "running":
            raise self._lost(results)
        else:
            reason = f"the task was {future.status}"
        return GradeResult(
            spec.name,
            "problems",
            problems=[
                Problem(
                    "internal",
                    (
                        f"notebook '{spec.name}' could not be graded on the Dask cluster at "
                        f"{self.address}: {reason}. The submission was not changed and is "
                        "not marked as graded: run 'parcours autograde' again to grade it."
                    ),
                )
            ],
        ), True

    def _lost(self, results: ResultCollector) -> GradingError:
        return GradingError(
            _(
                "the connection to the Dask scheduler at {address} was lost; {count} "
                "submission(s) were recorded before it happened. Run 'parcours "
                "autograde' again: it resumes where it stopped."
            ).format(address=self.address, count=len(results.report.graded))
        )


__all__ = ["Cluster", "WarmForkServer", "grade_task", "read_tree"]
