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
    return shell


_FLAGS: list[str] = []


def _custom(cls: type) -> type | None:
    """The first class of ``cls``'s MRO that the notebook defined with its own ==."""
    for klass in cls.__mro__:
        if klass.__module__ == "__main__" and ("__eq__" in vars(klass) or "__ne__" in vars(klass)):
            return klass
    return None


def _true_eq(liar: Any, honest: Any) -> bool:
    """== as the honest value's type, then the liar's first library base, see it."""
    # Any: on a class held as type[...], mypy reads .__eq__ as type.__eq__ (bound)
    honest_type: Any = type(honest)
    result = honest_type.__eq__(honest, liar)
    if result is NotImplemented:
        base: Any = next(k for k in type(liar).__mro__ if k.__module__ != "__main__")
        result = base.__eq__(liar, honest)
    return liar is honest if result is NotImplemented else bool(result)


def compare(a: Any, b: Any, equal: bool = True) -> Any:
    """What ``assert a == b`` in a test cell evaluates (see supervisor.guard_comparisons).

    Same result as ``a == b`` unless one side's class, defined in the notebook, overrides
    ``==`` and claims something the other side's type denies: then the honest answer is
    returned and the lie recorded."""
    result = a == b if equal else a != b
    for liar, honest in ((a, b), (b, a)):
        klass = _custom(type(liar))
        if klass is None or _custom(type(honest)) is not None:
            continue
        try:
            claimed = bool(result)
            truth = _true_eq(liar, honest)
        except Exception:  # ambiguous truth values (arrays, frames): leave as is
            return result
        truth = truth if equal else not truth
        if claimed != truth:
            _FLAGS.append(
                f"an object of class {klass.__qualname__} (defined in the notebook) "
                f"claims {'==' if equal else '!='} {honest!r:.60}"
            )
            return truth
    return result


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
    sandbox's init, told when grading is over (see :mod:`.reaper`)."""
    global _SINK
    running = {"cell": False}

    def on_sigint(signum: int, frame: Any) -> None:
        if running["cell"]:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    builtins.input = _no_input
    shell.user_ns["input"] = _no_input
    channel.send({"op": "hello", **hello})
    stdout, stderr = _Stream("stdout"), _Stream("stderr")
    while True:
        request = channel.recv()
        if request.get("op") != "run":
            if reaper is not None:
                reaper.end()
            return
        me = os.getpid()
        _SINK = _Sink(output_kb * 1024)
        count = shell.execution_count
        _FLAGS.clear()
        if request.get("guard"):
            shell.user_ns["__parcours_compare__"] = compare
        sys.stdout, sys.stderr = stdout, stderr
        running["cell"] = True
        try:
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
                "flags": list(_FLAGS),
            }
        )
