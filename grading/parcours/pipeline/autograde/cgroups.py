"""One control group per sandbox, where the host lets Parcours make them (Linux, root).

Why, beside the rlimits of :mod:`.sandbox`: ``RLIMIT_NPROC`` counts every process of the
sandbox user, so two sandboxes running at once as ``nobody`` share one process budget
(one learner's fork bomb could starve another learner's notebook); a ``pids`` cgroup
counts only this sandbox's tasks. ``RLIMIT_AS`` bounds each process, not their sum; the
``memory`` cgroup bounds the whole sandbox (set a little above the per-process limit, so
that a single greedy process still meets ``MemoryError`` first, which the learner's
feedback can name).

cgroup v2 (``/sys/fs/cgroup/cgroup.controllers``) and v1 (``/sys/fs/cgroup/{memory,pids}``)
are both handled. The supervisor makes the groups under ``parcours/`` before it forks the
runner, the runner moves itself in before any student code runs, and the supervisor
removes them once the runner (and with its PID namespace, every process it started) is
gone. Anything refused (no root, read-only hierarchy, missing controller) is returned as
text, recorded in the sandbox report and the run goes on with the rlimits alone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
#: the whole sandbox may use this much more memory than one process may (RLIMIT_AS)
MEMORY_FACTOR = 1.5


def create(memory_bytes: int, pids: int, root: Path = ROOT) -> tuple[list[str], str]:
    """Make this sandbox's groups with their limits; return their folders and, if none
    could be made, why (empty string when they were)."""
    if os.geteuid() != 0:
        return [], "cgroups need root"
    name = f"sandbox-{os.getpid()}-{secrets.token_hex(4)}"
    made: list[str] = []
    try:
        if (root / "cgroup.controllers").is_file():  # v2, one hierarchy
            parent = root / "parcours"
            _enable(root, "+memory +pids")
            parent.mkdir(exist_ok=True)
            _enable(parent, "+memory +pids")
            group = parent / name
            group.mkdir()
            made.append(str(group))
            (group / "memory.max").write_text(str(memory_bytes))
            (group / "pids.max").write_text(str(pids))
        else:  # v1, one hierarchy per controller
            for controller, limits in (
                ("memory", {"memory.limit_in_bytes": memory_bytes}),
                ("pids", {"pids.max": pids}),
            ):
                if not (root / controller / "cgroup.procs").is_file():
                    raise OSError(f"no '{controller}' hierarchy under {root}")
                group = root / controller / "parcours" / name
                group.mkdir(parents=True)
                made.append(str(group))
                for key, value in limits.items():
                    (group / key).write_text(str(value))
    except OSError as exc:
        remove(made)
        return [], f"control groups unavailable ({exc}); rlimits only"
    return made, ""


def _enable(folder: Path, controllers: str) -> None:
    control = folder / "cgroup.subtree_control"
    wanted = {c.lstrip("+") for c in controllers.split()}
    if not wanted <= set(control.read_text().split()):
        control.write_text(controllers)


def join(groups: list[str]) -> None:
    """Move the calling process into ``groups`` (in the runner, before student code).

    A single-threaded process (the runner, just forked) joins a v1 group through its
    ``tasks`` file, writing ``0`` (the calling thread): the kernel then skips the global
    thread-group lock that a write to ``cgroup.procs`` takes, whose RCU grace period kept
    every notebook's runner off the CPU 6-30 ms, its worker's core idle meanwhile
    (``perf record -e sched:sched_switch``: ``synchronize_rcu`` under
    ``cgroup_procs_write_start``). Threads and processes started later are born in the
    group either way; v2 groups have no ``tasks`` file and keep ``cgroup.procs``."""
    alone = len(os.listdir("/proc/self/task")) == 1
    for group in groups:
        tasks = Path(group) / "tasks"
        if alone and tasks.is_file():
            tasks.write_text("0")
        else:
            (Path(group) / "cgroup.procs").write_text(str(os.getpid()))


def remove(groups: list[str]) -> None:
    """Remove the groups (their processes are gone); what cannot be removed stays."""
    for group in groups:
        with contextlib.suppress(OSError):
            os.rmdir(group)


def remove_left_by(supervisor: int, root: Path = ROOT, wait_s: float = 5.0) -> None:
    """Remove the groups of a supervisor that was killed before it could (its sandbox was
    killed with it): wait, at most ``wait_s`` seconds, for their processes to be gone."""
    deadline = time.monotonic() + wait_s
    pattern = f"parcours/sandbox-{supervisor}-*"
    for group in sorted([*root.glob(pattern), *root.glob(f"*/{pattern}")]):
        try:
            tasks = [int(t) for t in (group / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            tasks = []
        for task in tasks:
            try:
                pidfd = os.pidfd_open(task)
            except OSError:
                continue  # already gone
            try:
                select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
            finally:
                os.close(pidfd)
        remove([str(group)])
