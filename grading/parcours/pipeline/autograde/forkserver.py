"""A warm interpreter that forks one fresh supervisor per notebook to grade.

The server imports the grading code, IPython and the course's heavy libraries (numpy,
pandas...) once, creates an (unused) IPython shell, then forks: each notebook is graded in
a copy of that pristine process, so nothing is shared between learners and no start-up
cost is paid per submission. Run as ``python -m parcours.pipeline.autograde.forkserver``
by :class:`ForkServer`; requests (``grade``, ``kill``) and replies (``ready``, ``started``,
``done``) are JSON lines on stdin/stdout. With a cap on running notebooks, requests
beyond it wait in the server and start the moment a running one ends.

Nothing outlives the client: the end of stdin (the client closed it, or died, even by
``kill -9``) kills every running supervisor, and each supervisor and sandbox is killed by
the kernel when its parent dies (``PR_SET_PDEATHSIG``), so a killed run leaves no grading
process behind, though the server runs in its own session.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: imported once in the server so that submissions do not pay for them
DEFAULT_WARM_MODULES = ("numpy", "pandas", "ipywidgets")


def _serve(warm: list[str], max_running: int = 0) -> int:  # pragma: no cover
    """The server's loop (runs in the server process); ``max_running`` > 0 caps the
    notebooks graded at once, the other requests waiting in order."""
    import gc
    import importlib

    for name in warm:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a module that fails here is simply imported per submission
            print(f"parcours fork server: not pre-imported: {name} ({exc!r})", file=sys.stderr)
    from . import cgroups, executor, sandbox, scoring, supervisor, workdisk  # noqa: F401

    for module, warm_up in (("pandas", _warm_pandas), ("ipywidgets", _warm_widgets)):
        if module in sys.modules:
            try:
                warm_up()
            except Exception as exc:  # warming is an optimisation: never fatal
                print(f"parcours fork server: {module} not warmed ({exc!r})", file=sys.stderr)

    shell = executor.make_shell()
    try:  # warm IPython's traceback machinery (lazy imports: seconds on a busy machine)
        raise KeyboardInterrupt("warm-up")
    except KeyboardInterrupt:
        shell.InteractiveTB.structured_traceback(*sys.exc_info())
    _warm_lexers()
    _warm_texts()
    _warm_lab()
    rfd, wfd = os.pipe()
    os.set_blocking(wfd, False)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGCHLD, lambda *a: None)
    out = sys.stdout
    gc.collect()
    gc.freeze()  # forked children's collections skip (and never copy) the warm heap
    out.write(json.dumps({"op": "ready", "pid": os.getpid()}) + "\n")
    out.flush()
    jobs: dict[int, tuple[str, float]] = {}
    # with a limit, requests beyond it wait here and start the moment a job ends (no
    # round trip through the client between two notebooks)
    pending: deque[dict[str, Any]] = deque()
    buffer = b""

    server = os.getpid()
    client_gone = False

    def reply(message: dict[str, Any]) -> None:
        nonlocal client_gone
        try:
            out.write(json.dumps(message) + "\n")
            out.flush()
        except BrokenPipeError:  # the client died: stop_all() at the end of this round
            client_gone = True

    def start(request: dict[str, Any]) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                sandbox.die_with_parent(lambda: os.getppid() == server)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(rfd)
                os.close(wfd)
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(null, 1)
                os.close(null)
                job = Path(request["dir"])
                # the working folder on a tmpfs of its own, size-limited (workdisk.py)
                refused = workdisk.limit(job)
                code = supervisor.supervise(job, shell, refused)
            finally:
                os._exit(code)
        jobs[pid] = (request["job"], time.monotonic())
        reply({"op": "started", "job": request["job"]})

    def stop_all() -> int:
        for pid in jobs:
            os.kill(pid, signal.SIGKILL)  # their sandboxes die with them
        for pid in jobs:
            os.waitpid(pid, 0)
            cgroups.remove_left_by(pid)  # what the supervisor would have removed
        return 0

    while True:
        try:
            ready, _, _ = select.select([rfd, 0], [], [], 1.0)
        except InterruptedError:
            ready = []
        if rfd in ready:
            os.read(rfd, 4096)
        while jobs:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                break
            job, started = jobs.pop(pid, ("?", time.monotonic()))
            if pending and (not max_running or len(jobs) < max_running):
                start(pending.popleft())
            code = os.waitstatus_to_exitcode(status)
            reply({"op": "done", "job": job, "exit": code, "wall_s": time.monotonic() - started})
        if 0 in ready:
            chunk = os.read(0, 65536)
            if not chunk:  # the client is gone, or done: nobody will read a result
                return stop_all()
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                if request.get("op") == "kill":
                    for pid, (job, _) in list(jobs.items()):
                        if job == request["job"]:
                            os.kill(pid, signal.SIGKILL)
                    for waiting in [r for r in pending if r["job"] == request["job"]]:
                        pending.remove(waiting)
                        reply({"op": "done", "job": waiting["job"], "exit": None, "wall_s": 0.0})
                    continue
                if max_running and len(jobs) >= max_running:
                    pending.append(request)
                else:
                    start(request)
        if client_gone:
            return stop_all()


def _warm_pandas() -> None:  # pragma: no cover - runs in the server process
    """pandas imports much lazily (CSV parser, formatting, describe): load it once here,
    without touching any option or global state a submission could observe."""
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO("a;b\n1;2,5\n3;\n"), sep=";", decimal=",")
    frame["c"] = pd.to_datetime(["2026-01-01", "2026-01-02"])
    repr(frame)
    frame._repr_html_()
    frame.describe()
    frame[["a", "b"]].groupby("a").sum()
    frame.info(buf=io.StringIO())


def _warm_lexers() -> None:  # pragma: no cover - runs in the server process
    """The lexers a cell's traceback is highlighted with compile their regular expressions
    on first use (0.07 s of each failing submission's first error): once, here."""
    try:
        from pygments.lexers import get_lexer_by_name

        for name in ("python3", "ipython3"):
            get_lexer_by_name(name)
    except Exception as exc:  # an optimisation: never fatal
        print(f"parcours fork server: lexers not warmed ({exc!r})", file=sys.stderr)


def _warm_texts() -> None:  # pragma: no cover - runs in the server process
    """Parcours' translations (public texts, no secret): a reflection or quiz widget in a
    submission reads them at once instead of compiling every catalogue (0.2 s a
    notebook: the sandbox hides the compiled copies kept in the user's cache)."""
    try:
        from ...i18n import LANGUAGES, translations

        for lang in LANGUAGES:
            translations(lang)
    except Exception as exc:  # an optimisation: never fatal
        print(f"parcours fork server: texts not loaded ({exc!r})", file=sys.stderr)


def _warm_lab() -> None:  # pragma: no cover - runs in the server process
    """Parcours' notebook widgets (reflection, quizzes, satisfaction) and the modules they
    import when shown: imported only, nothing read or called (no configuration, no
    secret reaches the sandboxes). The demo's reflection cell took 54 ms of a notebook's
    126 ms of cells importing them in each sandbox."""
    import importlib

    for name in (
        "parcours_lab.reflection",
        "parcours_lab.satisfaction",
        "parcours_lab.quiz",
        "parcours_lab.context",
        "parcours.config",
        "jupyter_core.paths",
        "tomllib",
    ):
        try:
            importlib.import_module(name)
        except Exception as exc:  # an optimisation: never fatal
            print(f"parcours fork server: {name} not loaded ({exc!r})", file=sys.stderr)


def _warm_widgets() -> None:  # pragma: no cover - runs in the server process
    """The first instance of each ipywidgets class costs tens of milliseconds (lazy
    imports, trait set-up): create one of each common kind here, then close them so that
    no widget is left in the registry a submission inherits."""
    import ipywidgets as w

    made = [
        w.HTML("x"),
        w.Label("x"),
        w.Text(),
        w.Textarea(),
        w.IntText(),
        w.BoundedIntText(),
        w.FloatText(),
        w.Checkbox(),
        w.Dropdown(options=["a"]),
        w.RadioButtons(options=["a"]),
        w.SelectMultiple(options=["a"]),
        w.ToggleButtons(options=["a"]),
        w.IntSlider(),
        w.FloatSlider(),
        w.Button(),
        w.Output(),
        w.Layout(),
    ]
    made += [w.VBox(made[:3]), w.HBox(made[3:6])]
    for widget in made:
        widget.close()


#: the only variables of the caller's environment the server is started with: the
#: language, where the Python packages and IPython's and the translations' caches are.
#: Nothing else passes (no token, no password, no setting of the caller's: whatever its
#: environment holds, a sandbox forked from the server could read it back from its own
#: memory, between ``env_start`` and ``env_end`` of /proc/self/stat)
KEPT_VARIABLES = (
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "HOME",
    "IPYTHONDIR",
    "XDG_CACHE_HOME",
    "PYTHONPATH",
    "PYTHONPYCACHEPREFIX",
    "PYTHONDONTWRITEBYTECODE",
)


#: the system's folders of programs, after the interpreter's own
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


def server_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment the fork server is exec'd with: the few variables of
    :data:`KEPT_VARIABLES` taken from ``environ`` (default ``os.environ``), a fixed
    ``PATH`` (the interpreter's folder first) and the grading settings, nothing else.

    Every process of a sandbox is forked from the server and keeps its initial
    environment in memory: a hub token (``JUPYTERHUB_API_TOKEN`` of the service grading on
    submit) or a teacher's shell variables passed here would be readable by student code."""
    source = os.environ if environ is None else environ
    env = {name: source[name] for name in KEPT_VARIABLES if name in source}
    env.setdefault("LANG", "C.UTF-8")
    env.update(
        {
            "PATH": os.pathsep.join(
                dict.fromkeys([str(Path(sys.executable).parent), *SYSTEM_PATH])
            ),
            # Bytecode caches are used (and written) as by any Python process: without
            # them the warm-up compiles numpy, pandas and IPython from source, seconds per
            # run. Only the sandboxed runner stops writing them (sandbox.enter).
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PARCOURS_EVENTS": "off",
            "MPLBACKEND": "Agg",
            "NBGRADER_EXECUTION": "autograde",
        }
    )
    return env


class ForkServerError(RuntimeError):
    """The fork server could not start or died."""


class ForkServer:
    """Client of one fork server process (start it once, grade many notebooks)."""

    def __init__(
        self,
        warm_modules: tuple[str, ...] = DEFAULT_WARM_MODULES,
        start_timeout: float = 180.0,
        wait: bool = True,
        max_running: int = 0,
    ):
        """Start the server; with ``wait=False`` return at once (call :meth:`wait_ready`
        before the first job) so that the caller's own start-up overlaps the server's.

        ``max_running`` > 0: at most that many notebooks are graded at once; the client may
        submit more, they start in order as soon as a running one ends (each start is
        reported as ``{"op": "started", "job": ...}``). 0: every request starts at once."""
        self.max_running = max_running
        env = server_environment()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, json.dumps(list(warm_modules)), str(max_running)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self._buffer = b""
        self._start_timeout = start_timeout
        self.ready = False
        self._lock = threading.Lock()  # one reader / writer at a time (see wait)
        self._replies: dict[str, dict[str, Any]] = {}
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until the server has warmed up (no-op once it has)."""
        if self.ready:
            return
        ready = self.read(timeout=self._start_timeout)
        if not ready or ready[0].get("op") != "ready":
            self.close()
            raise ForkServerError("the grading fork server did not start")
        self.ready = True

    def submit(self, job: str, job_dir: Path) -> None:
        """Ask for one notebook to be graded (returns at once)."""
        self.wait_ready()
        self._write({"op": "grade", "job": job, "dir": str(job_dir)})

    def kill(self, job: str) -> None:
        """Kill a job's supervisor (its sandbox dies with it)."""
        self._write({"op": "kill", "job": job})

    def _write(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            with self._lock:
                self.process.stdin.write((json.dumps(message) + "\n").encode())
                self.process.stdin.flush()
        except BrokenPipeError as exc:
            raise ForkServerError("the grading fork server died") from exc

    def wait(self, job: str, timeout: float) -> dict[str, Any] | None:
        """The 'done' reply of ``job``, or None after ``timeout`` seconds.

        Thread-safe, for callers that each wait for their own job (``grade_notebook`` from
        a server's executor threads): the thread that reads keeps other jobs' replies for
        their own waiters. Do not mix with :meth:`read` on the same server."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if job in self._replies:
                    return self._replies.pop(job)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                for reply in self.read(timeout=min(left, 0.05)):
                    if reply.get("op") == "done":
                        self._replies[str(reply.get("job"))] = reply

    def read(self, timeout: float) -> list[dict[str, Any]]:
        """Replies that arrive within ``timeout`` seconds (at least one, unless none came)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return []
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ForkServerError("the grading fork server died")
            self._buffer += chunk
        lines, _, self._buffer = self._buffer.rpartition(b"\n")
        return [json.loads(line) for line in lines.split(b"\n") if line.strip()]

    def close(self) -> None:
        """Stop the server; notebooks still being graded are killed (nobody would read
        their results)."""
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stdin):
            if stream is not None and not stream.closed:
                stream.close()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":  # pragma: no cover
    status = _serve(
        json.loads(sys.argv[1]) if len(sys.argv) > 1 else list(DEFAULT_WARM_MODULES),
        int(sys.argv[2]) if len(sys.argv) > 2 else 0,
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # no interpreter teardown of the warm heap: the run waits for this exit
