"""Confine the process that runs student code (Linux).

Applied in the runner, in this order, each measure recorded (never silently skipped):

1. the supervisor already made a new PID namespace (:func:`new_pid_namespace`): the runner
   is its init, so killing the runner kills every process student code started, even ones
   that called ``setsid``; student code cannot signal processes outside it;
2. new network namespace (no interface but a down loopback): no network; new IPC
   namespace (no System V or POSIX message queue of the machine's);
3. new mount namespace with its own root (:mod:`.rootfs`): a fresh tmpfs holding only the
   system (``/usr``, ``/lib*``, ``/bin``, ``/sbin``, a few ``/etc`` files), the interpreter
   and the virtual environment (and Parcours' package folders if installed editable), all
   read-only at their own paths; a minimal ``/dev``; ``/proc`` of the sandbox's own PID
   namespace; a private size-limited ``/tmp``; and the private copy of the submission,
   read-write, at its own path. ``pivot_root(2)`` makes it the root and the machine's root
   is detached: no home, no course, no data folder, no other learner's work, no path of
   the machine exists for student code. Without root, the same is built in the user
   namespace the supervisor made with the PID namespace (the grader's user mapped to
   itself); where the OS allows no PID namespace, in one of its own, with ``/proc`` left
   empty (the machine's would lead back to its files). When the OS refuses a step,
   the refusal is recorded and the configured folders (``Limits.hidden_paths``) are
   covered by empty read-only tmpfs instead, as far as the OS allows;
4. resource limits: address space (memory), processes (the sandbox's own ``pids`` control
   group where there is one; else RLIMIT_NPROC, effective because we then drop root, but
   shared by every sandbox of the same user), CPU seconds (a backstop to the wall-clock
   limits), file size, no core dumps, open files;
5. working directory: a private copy of this submission's files;
6. root drops to ``Limits.sandbox_user`` (``nobody``), no new privileges, not dumpable
   (other sandboxes of the same user cannot read this one's memory or /proc entries);
7. a minimal environment; stdin/stdout/stderr on /dev/null; every inherited file
   descriptor closed but the channel to the supervisor.

Before all of these the runner has joined its own control group where the host allows
one (:mod:`.cgroups`: a per-sandbox process count and memory total).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import select
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import rootfs
from .limits import Limits
from .rootfs import (
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    check,
    mount,
)

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_PRIVATE, MS_MOVE = 1 << 18, 8192
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38

_libc = ctypes.CDLL(None, use_errno=True)


def unshare(flags: int) -> None:
    """``unshare(2)`` (``os.unshare`` is Python 3.12+)."""
    check(_libc.unshare(flags), "unshare")


def new_pid_namespace() -> bool:
    """In the supervisor, before forking the runner: the runner becomes init of a new PID
    namespace. True when the OS allowed it.

    Without root (the hub's Parcours service runs as its own account), a user namespace of
    its own comes first (``CLONE_NEWUSER | CLONE_NEWPID``, the same user inside): the
    runner, forked into it, holds the capabilities its mount namespace and ``/proc`` need
    (:func:`enter` makes no second one), and student code, which runs as the grader's own
    user, can neither see nor signal any process outside its sandbox — the grader's
    service included."""
    from . import rootfs

    try:
        if os.geteuid() == 0:
            unshare(CLONE_NEWPID)
        else:
            uid, gid = os.getuid(), os.getgid()
            unshare(CLONE_NEWUSER | CLONE_NEWPID)
            rootfs.map_user(uid, gid)
        return True
    except OSError:
        return False


def die_with_parent(parent_alive: Callable[[], bool]) -> None:
    """Have the kernel SIGKILL this process when its parent dies (``PR_SET_PDEATHSIG``), so
    that a grading process never outlives the one that started it (a run killed with
    ``kill -9``). If the parent is already gone (``parent_alive()`` is false, checked after
    the request so that no death slips between), exit now.

    The parent is the *thread* that forked this process: fork from a thread that lives as
    long as the parent does. A change of user clears the request: call it after dropping
    root."""
    check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    if not parent_alive():
        os._exit(1)


def peer_open(fd: int) -> bool:
    """True while the other end of the socket ``fd`` is open (the process holding it is
    alive). For a PID namespace's init, whose ``getppid()`` is always 0."""
    poller = select.poll()
    poller.register(fd, select.POLLRDHUP)
    return not any(events & (select.POLLRDHUP | select.POLLHUP) for _, events in poller.poll(0))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _hide_configured(limits: Limits, workdir: Path) -> list[str]:
    """The fallback when the sandbox's own root could not be built: cover the configured
    folders (course sources, gradebook, exchange) with empty read-only tmpfs, as far as
    the OS allows. Returns the folders hidden."""
    hidden: list[str] = []
    for path in limits.hidden_paths:
        folder = Path(path).resolve()
        if not folder.is_dir() or _inside(workdir, folder):
            continue
        try:
            mount(
                "tmpfs",
                str(folder),
                "tmpfs",
                MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=4k,mode=555",
            )
            hidden.append(str(folder))
        except OSError:
            continue
    return hidden


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Give up every capability (``capset(2)``). Grading without root, the runner holds
    all of them in its own user namespace once it has made it; student code must not
    (with them it could remount its read-only folders writable, or mount over its own)."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    check(_libc.capset(ctypes.byref(header), data), "capset")


def _users(limits: Limits, root: bool) -> list[Any]:
    """The accounts the sandbox's ``/etc/passwd`` names: root and the user student code
    runs as (read before the pivot: the machine's ``/etc/passwd`` is not visible after)."""
    import pwd

    users = []
    for find, key in ((pwd.getpwuid, 0), (pwd.getpwuid, os.geteuid())):
        with contextlib.suppress(KeyError):
            users.append(find(key))
    if root:
        with contextlib.suppress(KeyError):
            users.append(pwd.getpwnam(limits.sandbox_user))
    return users


def _own_root(
    limits: Limits, workdir: Path, pid_namespace: bool, root: bool, refused: list[str]
) -> dict[str, Any]:
    """In the new mount namespace: build the sandbox's own file system (:mod:`.rootfs`);
    when the OS refuses, record why and hide the configured folders instead."""
    users = _users(limits, root)
    try:
        mount("none", "/", None, MS_REC | MS_PRIVATE)
        if not root and not pid_namespace:  # a user namespace made here, by enter()
            rootfs.map_user(os.getuid(), os.getgid())
        scratch = workdir.parent / "root"
        scratch.mkdir(mode=0o700, exist_ok=True)
        visible = rootfs.build(scratch, workdir, users, proc=pid_namespace)
        return {
            "filesystem": "own root",
            "visible": visible,
            "proc": "own PID namespace" if pid_namespace else "none (no PID namespace)",
            "hidden_paths": [str(Path(p).resolve()) for p in limits.hidden_paths],
        }
    except OSError as exc:
        refused.append(
            f"the sandbox's own file system could not be built ({exc}): student code sees "
            "the machine's files its user may read, but the configured course folders"
        )
    try:
        hidden = _hide_configured(limits, workdir)
        if pid_namespace:
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        exposed = expose_interpreter(workdir.parent)
    except OSError as exc:
        refused.append(f"course folders could not be hidden ({exc})")
        hidden, exposed = [], []
    return {"filesystem": "machine's", "hidden_paths": hidden, "exposed": exposed}


def _closed_ancestor(path: Path) -> Path | None:
    """The highest folder above ``path`` that others cannot cross (e.g. /root), if any."""
    for folder in reversed(path.parents):
        if folder != Path("/") and not folder.stat().st_mode & 0o001:
            return folder
    return None


def expose_interpreter(scratch: Path) -> list[str]:
    """Fallback only (no own root): make the interpreter reachable by the sandbox user when
    it lives under a folder closed to others (a pyenv Python in /root): the closed
    folder is covered by an empty read-only tmpfs and the interpreter folder is bound back
    at its own path. Returns the folders exposed."""
    exposed: list[str] = []
    for prefix in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}):
        closed = _closed_ancestor(prefix)
        if closed is None:
            continue
        hold = scratch / f"hold-{len(exposed)}"
        hold.mkdir(mode=0o700)
        mount(str(prefix), str(hold), None, MS_BIND | MS_REC)
        mount("tmpfs", str(closed), "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")
        target = closed / prefix.relative_to(closed)
        target.mkdir(parents=True, exist_ok=True)
        mount(str(hold), str(target), None, MS_MOVE)
        mount("none", str(closed), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        exposed.append(str(prefix))
    return exposed


def enter(
    limits: Limits,
    workdir: Path,
    keep_fds: list[int],
    pid_namespace: bool,
    process_group: bool = False,
) -> dict[str, Any]:
    """Confine this process (the runner); return what was applied and what was refused.

    ``process_group``: the runner is in a ``pids`` control group of its own
    (:mod:`.cgroups`), which bounds this sandbox's processes. ``RLIMIT_NPROC`` is then
    left alone: it counts every process of the sandbox user on the machine, so that one
    learner holding her sandbox's whole budget would make another sandbox's forks fail
    (its test cells then fail: one learner's notebook costing another her points)."""
    report: dict[str, Any] = {"pid_namespace": pid_namespace, "refused": []}
    refused: list[str] = report["refused"]
    root = os.geteuid() == 0
    os.setsid()
    flags = CLONE_NEWNS | CLONE_NEWIPC | (0 if limits.network else CLONE_NEWNET)
    # without root, a user namespace is needed for the others: the supervisor's already
    # (with the PID namespace, :func:`new_pid_namespace`), else one made here
    own_userns = not root and not pid_namespace
    try:
        unshare(flags | CLONE_NEWUSER if own_userns else flags)
        report["network"] = "allowed" if limits.network else "cut"
        mount_ns = True
    except OSError as exc:
        report["network"] = "allowed" if limits.network else "not cut"
        if not limits.network:
            refused.append(f"network could not be cut ({exc.strerror})")
        mount_ns = False
    if mount_ns:
        report.update(_own_root(limits, workdir, pid_namespace, root, refused))
        if not root:
            try:
                drop_capabilities()
            except OSError as exc:
                refused.append(f"capabilities could not be dropped ({exc})")
    else:
        refused.append(
            "the sandbox's own file system could not be built (no mount namespace): student "
            "code sees the machine's files its user may read"
        )
        report["filesystem"] = "machine's"
        report["hidden_paths"] = []
    mib = 1024 * 1024
    cpu = int(limits.notebook_timeout_s) + 10
    for name, value in (
        ("RLIMIT_AS", limits.memory_mb * mib),
        *(() if process_group else (("RLIMIT_NPROC", limits.processes),)),
        ("RLIMIT_CPU", cpu),
        ("RLIMIT_FSIZE", 256 * mib),
        ("RLIMIT_CORE", 0),
        ("RLIMIT_NOFILE", 1024),
    ):
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (OSError, ValueError) as exc:
            refused.append(f"{name} could not be set ({exc})")
    os.chdir(workdir)
    user = "root" if root else str(os.geteuid())
    if root:
        import pwd

        try:
            entry = pwd.getpwnam(limits.sandbox_user)
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            user = limits.sandbox_user
        except (KeyError, OSError) as exc:
            refused.append(f"could not run as '{limits.sandbox_user}' ({exc}); ran as root")
    report["user"] = user
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    venv_bin = str(Path(sys.prefix) / "bin")
    sys.dont_write_bytecode = True  # student code leaves no __pycache__ behind
    os.environ.clear()
    os.environ.update(
        {
            "HOME": str(workdir),
            "TMPDIR": "/tmp" if report.get("filesystem") == "own root" else str(workdir),
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "NBGRADER_EXECUTION": "autograde",
            "PARCOURS_EVENTS": "off",
            "MPLBACKEND": "Agg",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    keep = sorted(set(keep_fds) | {0, 1, 2})
    start = 0
    for fd in [*keep, 65536]:
        if fd > start:
            os.closerange(start, fd)
        start = fd + 1
    report["limits"] = {
        "memory_mb": limits.memory_mb,
        "processes": limits.processes,
        "cell_timeout_s": limits.cell_timeout_s,
        "notebook_timeout_s": limits.notebook_timeout_s,
        "output_kb": limits.output_kb,
    }
    return report
