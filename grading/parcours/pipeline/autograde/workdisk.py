"""The working folder of a notebook being graded, on a private size-limited tmpfs.

Student code writes in its working folder (the private copy of the submission and the
data files, :mod:`.jobs`); on the machine's disk, only the per-file limit (RLIMIT_FSIZE)
bounded it: a notebook wrote 1 GiB there. In the supervisor, before the runner is forked
(:func:`limit`, called by the fork server), a tmpfs of ``Limits.disk_mb`` MiB is mounted
over the folder in a mount namespace of the supervisor's own (a user namespace of its own
too when grading without root) and filled from the recorded sources (once: the job's
folder holds it empty until then); the sandbox
binds it at its own path as before (:mod:`.rootfs`), and a new interpreter after a
stubborn cell gets it refilled by the supervisor (``jobs.fill_workdir``), which sees the
same tmpfs. Nothing is read back from the folder after grading (the graded notebook
travels over the channel), so the tmpfs simply disappears with the supervisor.

After grading (:func:`assess`, in the supervisor before it writes its result): a
notebook that filled the folder — an error ``[Errno 28]`` in a cell's outputs, or the
folder full at the end — gets a ``disk`` problem (that learner's only: every notebook
has its own tmpfs); when the OS refused the tmpfs, the refusal is recorded like any other
sandbox measure (``sandbox`` problem) and the folder is filled on the disk, bounded per
file only.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from pathlib import Path
from typing import Any

from . import rootfs, sandbox
from .limits import Limits
from .results import GradeResult, Problem, excerpt

#: free space below which the folder counts as filled (tmpfs counts whole pages)
FULL_BELOW = 2**20


def limit(job: Path) -> str | None:
    """In the supervisor process, before :func:`.supervisor.supervise`: mount the working
    folder of ``job`` on a tmpfs of ``disk_mb`` MiB and fill it (the job's folder holds it
    empty, :func:`.jobs.prepare`). ``None`` when done, else why not: the folder is then
    filled on the machine's disk."""
    from .jobs import fill_workdir

    settings = json.loads((job / "sandbox.json").read_text())
    limits = Limits.from_dict(settings["limits"])
    work = Path(settings["workdir"])
    sources = settings.get("sources") or {}
    size = f"{limits.disk_mb} MiB"
    try:
        if os.geteuid() == 0:
            sandbox.unshare(sandbox.CLONE_NEWNS)
        else:  # the mount capability in a user namespace of its own, the same user inside
            uid, gid = os.getuid(), os.getgid()
            sandbox.unshare(sandbox.CLONE_NEWUSER | sandbox.CLONE_NEWNS)
            rootfs.map_user(uid, gid)
        # nothing mounted here propagates to the machine's mount namespace
        rootfs.mount("none", "/", None, rootfs.MS_REC | sandbox.MS_PRIVATE)
        flags = rootfs.MS_NOSUID | rootfs.MS_NODEV
        rootfs.mount("tmpfs", work, "tmpfs", flags, f"mode=700,size={limits.disk_mb}m")
    except OSError as exc:
        fill_workdir(work, limits, **sources)
        return (
            f"the working folder could not be limited to {size} ({exc.strerror or exc}): "
            "files written there go to the machine's disk, 256 MiB per file"
        )
    try:
        fill_workdir(work, limits, **sources)
    except OSError as exc:
        with contextlib.suppress(OSError):  # back to the folder on the machine's disk
            rootfs.umount2(str(work), rootfs.MNT_DETACH)
        fill_workdir(work, limits, **sources)
        if exc.errno == errno.ENOSPC:
            return (
                f"the learner's files and the assignment's data files take more than {size}: "
                "the working folder was left on the machine's disk, 256 MiB per file "
                "(raise c.ParcoursConfig.disk_limit_mb)"
            )
        return f"the working folder could not be filled ({exc}); left on the machine's disk"
    return None


def _filled_in(notebook: dict[str, Any] | None) -> str | None:
    """The name of the first cell whose outputs show a full disk, if any."""
    for index, cell in enumerate((notebook or {}).get("cells") or []):
        for output in cell.get("outputs") or []:
            if output.get("output_type") == "error" and "[Errno 28]" in str(output.get("evalue")):
                meta = (cell.get("metadata") or {}).get("nbgrader") or {}
                return str(meta.get("grade_id") or f"cell {index}")
    return None


def assess(result: GradeResult, limits: Limits, workdir: Path, refused: str | None) -> None:
    """After grading, in the supervisor, before its result is written: add what became
    of the working folder's limit — a ``disk`` problem when the notebook filled it, a
    ``sandbox`` one when it could not be applied."""
    report = result.sandbox
    if refused is not None:
        report["workdir"] = "machine's disk"
        report.setdefault("refused", []).append(refused)
        result.problems.append(Problem("sandbox", refused))
        return
    report["workdir"] = f"private tmpfs, {limits.disk_mb} MiB"
    try:
        stat = os.statvfs(workdir)
        full = stat.f_bavail * stat.f_frsize < FULL_BELOW
    except OSError:
        full = False
    cell = _filled_in(result.notebook_json)
    if cell is not None or full:
        where = (
            f"cell '{excerpt(cell)}'" if cell and not cell.startswith("cell ") else cell
        ) or "the notebook"
        result.problems.append(
            Problem(
                "disk",
                f"{where} filled the working folder ({limits.disk_mb} MiB limit): writing "
                "there failed once it was full",
                excerpt(cell) if cell else "",
            )
        )
