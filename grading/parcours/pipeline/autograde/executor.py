"""The runner: executes one notebook's cells in-process with IPython, as a kernel would.

This is the only code that runs next to student code (in the sandboxed process). It keeps
no secret: cells arrive one at a time from the supervisor, test cells only when they run.
Outputs are captured as nbformat v4 outputs, the way ipykernel + nbclient record them
(stdout/stderr streams, execute_result, display_data, error), so nbgrader's
``determine_grade`` sees the same thing it would see from a kernel.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import signal
import sys
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from .channel import Channel
from .reaper import Reaper


class _Sink:
    """The outputs of the cell being run, merged and capped like a notebook keeps them."""

    def __init__(self, cap_bytes: int):
        self.outputs: list[dict[str, Any]] = []
        self.cap = cap_bytes
        self.size = 0
        self.truncated = False

    def _room(self, size: int) -> bool:
        if self.truncated:
            return False
        if self.size + size > self.cap:
            self.truncated = True
            self.outputs.append(
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": f"\n... output cut: more than {self.cap // 1024} KiB ...\n",
                }
            )
            return False
        self.size += size
        return True

    def stream(self, name: str, text: str) -> None:
        if not text or self.truncated:
            return
        size = len(text)
        if self.size + size > self.cap:
            keep = max(0, self.cap - self.size)
            self.stream(name, text[:keep]) if keep else None
            self._room(size)
            return
        self.size += size
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output: dict[str, Any]) -> None:
        try:
            size = len(json.dumps(output, default=str))
        except (TypeError, ValueError):
            return
        if self._room(size):
            self.outputs.append(output)

    def clear(self) -> None:
        self.outputs = []
        self.size = 0


_SINK = _Sink(256 * 1024)


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr during a cell."""

    def __init__(self, name: str):
        self.name = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        _SINK.stream(self.name, text)
        return len(text)

    def flush(self) -> None:
        pass


def _json_safe(data: Any) -> Any:
    try:
        json.dumps(data)
        return data
    except (TypeError, ValueError):
        return {k: str(v) for k, v in dict(data).items()}


class _Hook(DisplayHook):
    """execute_result outputs, as ipykernel's ZMQShellDisplayHook publishes them."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
        _SINK.add(
            {
                "output_type": "execute_result",
                "data": _json_safe(format_dict),
                "metadata": _json_safe(md_dict or {}),
                "execution_count": self.prompt_count,
            }
        )

    def finish_displayhook(self) -> None:
        pass


class _Publisher(DisplayPublisher):
    """display_data outputs and clear_output."""

    def publish(
        self,
        data: Any,
        metadata: Any = None,
        source: Any = None,
        *,
        transient: Any = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        _SINK.add(
            {
                "output_type": "display_data",
                "data": _json_safe(data),
                "metadata": _json_safe(metadata or {}),
            }
        )

    def clear_output(self, wait: bool = False) -> None:
        _SINK.clear()


class GradingShell(InteractiveShell):
    """An InteractiveShell whose outputs go to the current cell's outputs."""

    displayhook_class = _Hook
    display_pub_class = _Publisher

    def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
        _SINK.add(
            {
                "output_type": "error",
                "ename": str(getattr(etype, "__name__", etype)),
                "evalue": str(evalue),
                "traceback": [str(line) for line in stb],
            }
        )

    def ask_exit(self) -> None:
        """``exit()`` in a cell: a kernel under nbclient keeps running; so do we."""

    def system(self, cmd: str) -> Any:
        return self.system_piped(cmd)

    def enable_gui(self, gui: Any = None) -> None:
        pass


def _refuse_audit_hooks(event: str, args: Any) -> None:
    """The fork server's audit hook: a notebook may not add its own (one would see, and
    could stop, every ``exec``/``compile``/``open`` of a test cell's process; audit hooks
    cannot be removed)."""
    if event == "sys.addaudithook":
        raise RuntimeError("audit hooks are not available while grading")


def make_shell() -> GradingShell:
    """Create the shell (in the warm fork server, before any fork: never runs code there)."""
    from traitlets.config import Config

    cfg = Config()
    cfg.HistoryManager.enabled = False  # no SQLite file, no saving thread
    # tracebacks with their context lines and arrow, without colours: a coloured one costs
    # 33 ms (IPython builds a pygments style and formatter per traceback), a plain one
    # 7 ms, and a blank submission has one per test (bench/autograde.py: 0.52 s → 0.32 s of
    # cells per submission). The learner's feedback shows the same lines, in one colour.
    cfg.InteractiveShell.colors = "NoColor"
    cfg.InteractiveShell.autocall = 0
    shell = GradingShell.instance(config=cfg)
    sys.addaudithook(_refuse_audit_hooks)
    return shell


def _no_input(*args: Any, **kwargs: Any) -> str:
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError(
        "raw_input was called, but this frontend does not support input requests."
    )


def serve(
    channel: Channel,
    shell: GradingShell,
    output_kb: int,
    hello: dict[str, Any],
    reaper: Reaper | None = None,
) -> None:
    """Answer the supervisor's requests until told to stop (or killed); ``reaper``: the
    sandbox's init, told when grading is over (see :mod:`.reaper`).

    Requests come as marshal frames written by the supervisor only:

    * ``{"op": "run", "source", "nonce", "watchdog_s"}``: one of the learner's cells, run
      by IPython here, as a kernel would; a cell deaf to SIGINT is still stopped after
      ``watchdog_s`` by an exception raised in it from a watchdog thread (its names and
      files stay: the next questions keep what it had done);
    * ``{"op": "test", "id"}``: a test cell: this process forks and waits; the fork runs
      the test out of reach of the notebook (:mod:`.testproc`) and answers; then this
      process says ``tested``. It never sees the test's source.

    Between cells no learner code runs here: every signal blocked, the garbage collector
    (its callbacks, finalisers of cycles) off, trace and profile functions cleared. The
    request loop and the test's process use only what :func:`testproc.pristine` rebuilt
    before the first cell, bound to this frame."""
    global _SINK
    import ctypes
    import gc
    import threading

    from . import testproc

    # bound before any learner code: a notebook can rebind module attributes, not these
    read_request, send, test_process = testproc.pristine()
    fork, waitpid, sigmask = os.fork, os.waitpid, signal.pthread_sigmask
    sigpending, sigtimedwait = signal.sigpending, signal.sigtimedwait
    settrace, setprofile = sys.settrace, sys.setprofile
    gc_enable, gc_disable, gc_isenabled = gc.enable, gc.disable, gc.isenabled
    compare_code = testproc.compare.__code__
    set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc
    c_ulong, py_object = ctypes.c_ulong, ctypes.py_object
    main_thread = threading.get_ident()
    fd, own_namespace = channel.sock.fileno(), reaper is not None
    running = {"cell": False}

    def on_sigint(signum: int, frame: Any) -> None:
        if running["cell"]:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    builtins.input = _no_input
    shell.user_ns["input"] = _no_input
    channel.send({"op": "hello", **hello})
    stdout, stderr = _Stream("stdout"), _Stream("stderr")
    student_mask: Any = sigmask(signal.SIG_BLOCK, testproc.EVERY_SIGNAL)
    student_gc = gc_isenabled()
    gc_disable()
    while True:
        request = read_request(fd)
        op = request.get("op") if isinstance(request, dict) else None
        if op == "test":
            fork_id = "".join(c for c in str(request.get("id")) if c in "0123456789abcdef")
            while True:  # the notebook's dead children (ended by the supervisor) reaped
                try:
                    if waitpid(-1, os.WNOHANG)[0] == 0:
                        break
                except ChildProcessError:
                    break
            try:
                child = fork()
            except OSError as exc:  # the process limit: the test cannot run apart
                why = "the test's process could not be started (" + str(exc.strerror) + ")"
                send(
                    fd,
                    '{"op": "ready", "id": "' + fork_id + '", "refused": ' + json.dumps(why) + "}",
                )
                send(fd, '{"op": "tested", "id": "' + fork_id + '"}')
                continue
            if child == 0:
                test_process(
                    fd,
                    shell.user_ns,
                    shell.execution_count,
                    fork_id,
                    output_kb,
                    own_namespace,
                    compare_code,
                )
            while True:  # stopped by the fork meanwhile; resumed before it exits
                try:
                    waitpid(child, 0)
                    break
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
            shell.execution_count += 1  # the test had its number, as in a kernel
            send(fd, '{"op": "tested", "id": "' + fork_id + '"}')
            continue
        if op != "run":
            if reaper is not None:
                reaper.end()
            return
        me = os.getpid()
        _SINK = _Sink(output_kb * 1024)
        count = shell.execution_count
        sys.stdout, sys.stderr = stdout, stderr
        watch_s = float(request.get("watchdog_s") or 0.0)
        over = threading.Event()

        def watchdog(over: threading.Event = over, watch_s: float = watch_s) -> None:
            if not over.wait(watch_s) and running["cell"]:
                set_async(c_ulong(main_thread), py_object(KeyboardInterrupt))

        watcher = threading.Thread(target=watchdog, daemon=True) if watch_s else None
        while signal.SIGINT in sigpending():  # an interrupt meant for an earlier cell
            sigtimedwait((signal.SIGINT,), 0)
        running["cell"] = True
        if student_gc:
            gc_enable()
        try:
            sigmask(signal.SIG_SETMASK, student_mask)
            if watcher is not None:
                watcher.start()
            shell.run_cell(request["source"], store_history=True, silent=False)
        except KeyboardInterrupt:
            _SINK.add(
                {
                    "output_type": "error",
                    "ename": "KeyboardInterrupt",
                    "evalue": "",
                    "traceback": ["KeyboardInterrupt"],
                }
            )
        finally:
            if os.getpid() != me:  # a process forked by student code: never answer
                os._exit(0)
            running["cell"] = False
            student_mask = sigmask(signal.SIG_BLOCK, testproc.EVERY_SIGNAL)
            settrace(None)
            setprofile(None)
            student_gc = gc_isenabled()
            gc_disable()
            over.set()
            if watcher is not None and watcher.is_alive():
                watcher.join()
            set_async(c_ulong(main_thread), None)  # one raised too late: dropped
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        outputs = _SINK.outputs
        memory = any(o.get("ename") == "MemoryError" for o in outputs)
        channel.send(
            {
                "op": "done",
                "nonce": request["nonce"],
                "outputs": outputs,
                "execution_count": count,
                "truncated": _SINK.truncated,
                "memory_error": memory,
            }
        )
