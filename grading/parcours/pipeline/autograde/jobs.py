"""Job folders: what one notebook's grading needs on disk, and nothing more.

::

    <base>/                  0711 root: others can cross it, not list it
      <random token>/        0711 root (unguessable name)
        sandbox.json         limits, paths (nothing secret)
        spec.json            0600: the source cells, hidden tests included
        work/                0700 sandbox user: a copy of this learner's files + the
                             assignment's data files; the working directory of the notebook
        out/                 0700 root: result.json written by the supervisor

The learner's original submission is only ever opened for reading (by the supervisor).
"""

from __future__ import annotations

import fnmatch
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .limits import Limits
from .results import GradeResult, Problem, excerpt
from .source import NotebookSpec

#: nbgrader's CourseDirectory.ignore
IGNORE = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")


def ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in IGNORE)


def copy_tree(src: Path, dest: Path, skip_notebooks: bool = False) -> None:
    """Copy files of ``src`` into ``dest`` (nbgrader's ignore patterns; no symlinks followed)."""
    for folder, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not ignored(d)]
        rel = Path(folder).relative_to(src)
        for name in files:
            path = Path(folder) / name
            if ignored(name) or path.is_symlink() or (skip_notebooks and name.endswith(".ipynb")):
                continue
            target = dest / rel / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.unlink()
            shutil.copyfile(path, target)


def sandbox_ids(user: str) -> tuple[int, int] | None:
    """uid/gid student code runs as, when we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def make_base() -> Path:
    """A fresh folder for job folders (outside every folder the sandbox hides).

    Folders left by runs that were killed (their process is gone) are removed first."""
    tmp = Path(tempfile.gettempdir())
    for stale in tmp.glob("parcours-grading-*-*"):
        try:
            pid = int(stale.name.split("-")[2])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue
    base = Path(tempfile.mkdtemp(prefix=f"parcours-grading-{os.getpid()}-"))
    base.chmod(0o711)
    return base


@dataclass
class Job:
    """One notebook to grade."""

    id: str
    dir: Path
    notebook: str


def prepare(
    base: Path,
    job_id: str,
    spec: NotebookSpec,
    submission: Path,
    limits: Limits,
    learner_dir: Path | None,
    data_dir: Path | None,
    spec_json: str | None = None,
) -> Job:
    """Create a job folder with an empty working directory; ``learner_dir``'s files and
    ``data_dir``'s non-notebook files (the assignment's data) are recorded as its sources
    and copied in once, by the supervisor, on the size-limited file system it mounts
    there (:func:`.workdisk.limit`). ``spec_json`` is ``spec.to_json()`` when the caller
    already has it (one per notebook, not per job)."""
    folder = base / secrets.token_hex(12)
    folder.mkdir(mode=0o711)
    work, out = folder / "work", folder / "out"
    out.mkdir(mode=0o700)
    sources = {
        "learner_dir": str(learner_dir) if learner_dir is not None else None,
        "data_dir": str(data_dir) if data_dir is not None else None,
    }
    work.mkdir(mode=0o700)
    fd = os.open(folder / "spec.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(spec_json or spec.to_json())
    settings = {
        "limits": limits.to_dict(),
        "workdir": str(work),
        "submission": str(submission),
        "notebook": spec.name,
        # to give a new sandbox the files as they were (supervisor._replay)
        "sources": sources,
    }
    (folder / "sandbox.json").write_text(json.dumps(settings))
    return Job(job_id, folder, spec.name)


def fill_workdir(
    work: Path, limits: Limits, learner_dir: str | None = None, data_dir: str | None = None
) -> None:
    """(Re)fill the working directory ``work``: ``learner_dir``'s files and ``data_dir``'s
    non-notebook files (the assignment's data), owned by the sandbox's user. The folder
    itself is kept (a sandbox has it mounted); what it held is removed."""
    if work.is_dir():
        for entry in work.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    else:
        work.mkdir(mode=0o700)
    if learner_dir is not None:
        copy_tree(Path(learner_dir), work)
    if data_dir is not None:
        copy_tree(Path(data_dir), work, skip_notebooks=True)
    ids = sandbox_ids(limits.sandbox_user)
    if ids is not None:
        for path in [work, *work.rglob("*")]:
            os.chown(path, *ids, follow_symlinks=False)


def collect(job: Job, exit_code: int | None) -> GradeResult:
    """The job's result (or an internal problem if the supervisor left none); removes the
    job folder."""
    path = job.dir / "out" / "result.json"
    try:
        result = GradeResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        result = GradeResult(
            notebook=job.notebook,
            status="problems",
            problems=[
                Problem(
                    "internal",
                    f"no result from the grading process (exit {exit_code}): {excerpt(exc)}",
                )
            ],
        )
    shutil.rmtree(job.dir, ignore_errors=True)
    return result
