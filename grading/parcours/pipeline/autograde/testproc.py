"""A test cell's own process: out of reach of what the notebook did to the interpreter.

A test cell runs in the sandbox's interpreter, next to the learner's values (it calls her
functions), but not through the machinery her cells could change. For each test cell the
interpreter forks; the fork (``test_process``):

1. stops every other process of the sandbox — the interpreter itself, with any thread
   the notebook started, and any process it left running — and waits until each of
   their threads is stopped (its own PID namespace's ``/proc`` lists them);
2. puts back what a notebook can change: trace and profile functions cleared, every
   signal handler at its default (SIGINT raising ``KeyboardInterrupt``), the garbage
   collector's callbacks dropped, ``sys.stdout``/``sys.stderr`` its own; the test's
   globals are a copy of the learner's namespace whose ``__builtins__`` is a copy of
   Python's builtins as they were before the first cell, and whose comparison helper is
   rebuilt from its code object;
3. says ``ready``; only then does the supervisor send the test's source and nonce, which
   the interpreter never sees (no history, ``In``, ``_ih`` or frame of it holds them);
4. compiles and executes the test with Python's own ``compile``/``exec`` — no IPython:
   none of the notebook's input or AST transformers, exception handlers, traceback
   display or ``run_cell`` is on its way — and sends the verdict: passed or the
   exception's name, message and line, what the test printed, the lies the comparison
   helper caught;
5. resumes the processes it stopped and exits: nothing the test did stays.

The functions here never run as the module defines them: :func:`pristine`, called by the
runner before any learner code, rebuilds them from their code objects over a private copy
of this module's globals (built-in functions only) and of the builtins. A notebook that
rebinds ``os.fork``, ``builtins.exec``, ``marshal.loads``, ``json.dumps``, this module's
functions or anything else it can import changes nothing here. What it cannot prevent is
said in docs/autograde.md ("Test cells out of the learner's reach").
"""

from __future__ import annotations

import builtins
import types
from _json import encode_basestring_ascii as quote
from _signal import (
    SIG_BLOCK,
    SIG_DFL,
    SIG_SETMASK,
    SIGCONT,
    SIGINT,
    SIGKILL,
    SIGSTOP,
    default_int_handler,
    pthread_sigmask,
    valid_signals,
)
from _signal import signal as set_handler
from collections.abc import Callable
from gc import callbacks as gc_callbacks
from marshal import loads
from posix import O_RDONLY, _exit, close, getpid, getppid, kill, listdir, read, sched_yield, write
from posix import open as open_file
from sys import setprofile, settrace
from types import CodeType, FunctionType
from typing import Any, NoReturn

#: every signal, blocked in the interpreter between cells and around a test's fork
EVERY_SIGNAL = tuple(valid_signals())
_CATCHABLE = tuple(s for s in EVERY_SIGNAL if s not in (SIGKILL, SIGSTOP))
_STOPPED_STATES = (b"T", b"t", b"Z", b"X")
#: the learner's ``sys`` module is the interpreter's: its attributes are set, not rebound
_sys: Any = __import__("sys")
#: the builtins as they were when this module was imported (in the fork server, before
#: any learner code); :func:`pristine` copies them again for its functions
_PRISTINE_BUILTINS: dict[str, Any] = dict(builtins.__dict__)
#: the lies caught by :func:`compare` (each test's process gives it a list of its own)
_FLAGS: list[str] = []


def pristine() -> tuple[Callable[..., Any], ...]:
    """``(read_request, send, test_process)`` rebuilt from their code objects over a
    private copy of this module's globals and of the builtins (call it before any learner
    code: what it copies is then as Python and this module made it)."""
    scope: dict[str, Any] = dict(globals())
    scope["__builtins__"] = dict(builtins.__dict__)
    scope["_PRISTINE_BUILTINS"] = scope["__builtins__"]
    for name, value in list(scope.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == __name__:
            scope[name] = types.FunctionType(
                value.__code__, scope, name, value.__defaults__, value.__closure__
            )
    return scope["read_request"], scope["send"], scope["test_process"]


def read_request(fd: int) -> Any:
    """The supervisor's next request (4-byte length, marshal body; only the supervisor
    writes to this end of the channel); ``None`` when the channel is closed."""
    frame, want = b"", 4
    while want:
        chunk = read(fd, want)
        if not chunk:
            return None
        frame += chunk
        want = (4 if len(frame) < 4 else 4 + int.from_bytes(frame[:4], "big")) - len(frame)
    return loads(frame[4:])


def send(fd: int, text: str) -> None:
    """One message (JSON text made here) to the supervisor."""
    data = text.encode("utf-8", "surrogatepass")
    data = len(data).to_bytes(4, "big") + data
    while data:
        data = data[write(fd, data) :]


def stop_others(own_namespace: bool) -> tuple[list[int], str]:
    """Stop the interpreter (this process's parent) and, in the sandbox's own PID
    namespace, every other process but its init; wait until each thread is stopped.
    Returns the processes stopped and, if the test must not run, why."""
    me, stopped = getpid(), []
    try:
        kill(getppid(), SIGSTOP)
        stopped.append(getppid())
    except OSError:
        return stopped, "the notebook's process could not be stopped"
    found = own_namespace
    while found:  # again until a pass finds nothing new (a process may be forking)
        found = False
        for name in listdir("/proc"):
            if name.isdigit() and int(name) not in (1, me) and int(name) not in stopped:
                try:
                    kill(int(name), SIGSTOP)
                except OSError:
                    continue
                stopped.append(int(name))
                found = True
    for pid in stopped if own_namespace else ():
        try:
            tasks = listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            while True:
                try:
                    handle = open_file(f"/proc/{pid}/task/{task}/stat", O_RDONLY)
                    stat = read(handle, 4096)
                    close(handle)
                except OSError:
                    break
                end = stat.rindex(b")")
                if stat[end + 2 : end + 3] in _STOPPED_STATES:
                    break
                sched_yield()
    if own_namespace and len(listdir("/proc/self/task")) != 1:
        return stopped, "threads were started as the test's process was made"
    return stopped, ""


def test_process(
    fd: int,
    user_ns: Any,
    execution_count: Any,
    fork_id: str,
    output_kb: int,
    own_namespace: bool,
    compare_code: CodeType,
) -> NoReturn:
    """Run in the fork made for one test cell (see the module's docstring); exits."""
    settrace(None)
    setprofile(None)
    del gc_callbacks[:]
    for number in _CATCHABLE:
        try:
            set_handler(number, SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            continue
    set_handler(SIGINT, default_int_handler)
    stopped, refused = stop_others(own_namespace)
    scope = dict(user_ns) if isinstance(user_ns, dict) else {}
    scope["__builtins__"] = dict(_PRISTINE_BUILTINS)
    flags: list[str] = []
    scope["__parcours_compare__"] = FunctionType(
        compare_code, {"__builtins__": dict(_PRISTINE_BUILTINS), "_FLAGS": flags}
    )
    count = execution_count if type(execution_count) is int else 0
    send(
        fd, '{"op": "ready", "id": ' + quote(str(fork_id)) + ', "refused": ' + quote(refused) + "}"
    )
    test = read_request(fd) if not refused else None
    if not isinstance(test, dict):
        _resume(stopped)
        _exit(0)
    streams: list[list[str]] = []

    class Out:  # made after the fork: no notebook has seen this class
        def __init__(self, name: str):
            self.name = name

        def write(self, text: Any) -> int:
            text = str.__str__(text if isinstance(text, str) else str(text))
            if streams and streams[-1][0] == self.name:
                streams[-1][1] += text
            else:
                streams.append([self.name, text])
            return len(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    _sys.stdout, _sys.stderr = Out("stdout"), Out("stderr")
    passed, ename, evalue, line, value = True, "", "", 0, None
    try:
        code, last = test.get("code"), test.get("last")
        if type(code) is not CodeType or (last is not None and type(last) is not CodeType):
            raise TypeError("no test to run")
        pthread_sigmask(SIG_SETMASK, ())
        try:
            exec(code, scope)
            if last is not None:
                result = eval(last, scope)
                value = None if result is None else str.__str__(repr(result))
        finally:
            pthread_sigmask(SIG_BLOCK, EVERY_SIGNAL)
    except BaseException as exc:  # a failed test: its exception's name, message, line
        passed = False
        try:
            ename = str.__str__(type(exc).__name__)
            evalue = str.__str__(str(exc))[:2000]
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == "<test>":
                    line = int(tb.tb_lineno or 0)
                tb = tb.tb_next
        except BaseException:  # a message whose str() fails: the name alone
            ename = ename or "Exception"
    cap, size, parts = output_kb * 1024, 0, []
    for name, text in streams:
        if size >= cap:
            break
        parts.append("[" + quote(name) + ", " + quote(text[: cap - size]) + "]")
        size += len(text)
    lies = [quote(str.__str__(f)[:300]) for f in flags if isinstance(f, str)]
    send(
        fd,
        '{"op": "done", "nonce": '
        + quote(str(test.get("nonce")))
        + ', "passed": '
        + ("true" if passed else "false")
        + ', "ename": '
        + quote(ename)
        + ', "evalue": '
        + quote(evalue)
        + ', "line": '
        + str(line)
        + ', "value": '
        + ("null" if value is None or not passed else quote(value[:cap]))
        + ', "count": '
        + str(count)
        + ', "truncated": '
        + ("true" if size > cap else "false")
        + ', "streams": ['
        + ", ".join(parts)
        + '], "flags": ['
        + ", ".join(lies)
        + "]}",
    )
    _resume(stopped)
    _exit(0)


def _resume(stopped: list[int]) -> None:
    for pid in stopped:
        try:
            kill(pid, SIGCONT)
        except OSError:
            continue


def compare(a: Any, b: Any, equal: bool = True) -> Any:
    """What ``assert a == b`` in a test cell evaluates (see testcell.compile_test).

    Same result as ``a == b`` unless one side's class, defined in the notebook, overrides
    ``==`` and claims something the other side's type denies: then the honest answer is
    returned and the lie recorded in ``_FLAGS`` — the class's name and the other side's
    type only, never a value (it would be the test's). Self-contained (its helpers are
    nested): a test's process rebuilds it from its code object, over its own globals."""

    def custom(cls: Any) -> Any:
        """The first class of ``cls``'s MRO that the notebook defined with its own ==."""
        for klass in cls.__mro__:
            if klass.__module__ == "__main__" and (
                "__eq__" in vars(klass) or "__ne__" in vars(klass)
            ):
                return klass
        return None

    def true_eq(liar: Any, honest: Any) -> bool:
        """== as the honest value's type, then the liar's first library base, see it."""
        honest_type: Any = type(honest)
        answer = honest_type.__eq__(honest, liar)
        if answer is NotImplemented:
            base: Any = next(k for k in type(liar).__mro__ if k.__module__ != "__main__")
            answer = base.__eq__(liar, honest)
        return liar is honest if answer is NotImplemented else bool(answer)

    result = a == b if equal else a != b
    for liar, honest in ((a, b), (b, a)):
        klass = custom(type(liar))
        if klass is None or custom(type(honest)) is not None:
            continue
        try:
            claimed = bool(result)
            truth = true_eq(liar, honest)
        except Exception:  # ambiguous truth values (arrays, frames): leave as is
            return result
        truth = truth if equal else not truth
        if claimed != truth:
            name = str.__str__(klass.__qualname__)[:60]
            _FLAGS.append(  # the test's process gives its own list (see test_process)
                f"an object of class {name!r} (defined in the notebook) claims "
                f"{'==' if equal else '!='} a value of type {type(honest).__name__!r:.40}"
            )
            return truth
    return result
