"""Copies of the course content elsewhere in the project, closed with ``courses/``.

:func:`.accounts.secure_folders` closes each course folder of ``courses/`` (sources with
their hidden tests, YAML quiz banks) to learners. The same content is also kept, in other
forms, elsewhere in the project, where every account that may enter the project could
read it; :func:`close_copies` closes those (group and others lose every right; owners
keep theirs):

- the Git repository of the checkout: ``.git`` anywhere in the project, and the one of a
  repository the project is a folder of (its objects hold every committed source and
  bank: ``git show HEAD:courses/...``), a worktree's own Git folder and its common one;
- ``dist/`` and ``build/`` at the project's top (an sdist holds ``courses/``), and
  archives anywhere (``.tar.gz``, ``.zip``, ``.whl``...), which cannot be read cheaply;
- any other notebook holding nbgrader's markers (``BEGIN HIDDEN TESTS``, ``BEGIN
  SOLUTION``: a copied source notebook, a checkpoint) and any YAML quiz bank
  (``questions`` with their ``answer``).

Left as they are: ``courses/``'s course folders and the data folder (closed by their own
functions), Python environments (a folder with ``pyvenv.cfg``: an installed Parcours holds
no course content: the wheel ships the package, ``jupyter_config.py`` and the dashboards'
notebooks) and ``node_modules``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..safefs import chmod_tree

#: markers of nbgrader sources (hidden tests, solutions)
MARKERS = (b"BEGIN HIDDEN TESTS", b"BEGIN SOLUTION")
#: archives: closed whatever they hold
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".whl", ".7z")
#: build outputs at the project's top (an sdist holds courses/)
BUILDS = ("dist", "build")
#: files larger than this are not read for markers (a project's notebooks are far smaller)
MAX_SCANNED = 32 * 2**20
_BANK = re.compile(rb"^questions\s*:", re.M)
_ANSWER = re.compile(rb"^\s+-?\s*answers?\s*:", re.M)


def holds_content(path: Path) -> bool:
    """Whether the file ``path`` holds course content learners must not read: a notebook
    with nbgrader's markers, a YAML quiz bank, or an archive. (Python files are code, not
    content: Parcours' own source names the markers, and the services must read it.)"""
    name = path.name.lower()
    if name.endswith(ARCHIVES):
        return True
    try:
        if path.stat().st_size > MAX_SCANNED:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    if name.endswith(".ipynb"):
        return any(marker in data for marker in MARKERS)
    return name.endswith((".yaml", ".yml")) and bool(_BANK.search(data) and _ANSWER.search(data))


def _git_folders(git: Path) -> list[Path]:
    """The Git folders behind ``git`` (a ``.git`` folder, or a worktree's ``.git`` file
    naming its own folder, whose ``commondir`` names the shared one)."""
    if git.is_dir() and not git.is_symlink():
        return [git]
    try:
        text = git.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if not text.startswith("gitdir:"):
        return []
    own = (git.parent / text.split(":", 1)[1].strip()).resolve()
    found = [own]
    try:
        common = (own / (own / "commondir").read_text().strip()).resolve()
        found.append(common)
    except OSError:
        pass
    return found


def content_copies(root: Path, leave: set[Path]) -> list[Path]:
    """Files and folders under the project ``root`` holding course content (see the
    module's text), ``leave`` (folders closed otherwise) and what is inside them left
    out; plus the Git folder of a repository ``root`` is inside of."""
    found: list[Path] = []
    root = Path(root).resolve()
    for parent in root.parents:
        if (parent / ".git").exists():
            found += _git_folders(parent / ".git")
            break
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        for name in sorted(dirs):
            sub = here / name
            skipped = (
                sub.resolve() in leave
                or name == "node_modules"
                or (sub / "pyvenv.cfg").is_file()
                or sub.is_symlink()
            )
            if name == ".git":
                found += _git_folders(sub)
            elif here == root and name in BUILDS:
                found.append(sub)
            if skipped or name == ".git" or (here == root and name in BUILDS):
                dirs.remove(name)
        for name in files:
            path = here / name
            if name == ".git":
                found += _git_folders(path)
            elif not path.is_symlink() and holds_content(path):
                found.append(path)
    return found


def _owner_only(mode: int) -> int:
    return mode & 0o700


def close_copies(root: Path, leave: set[Path]) -> list[Path]:
    """Close every copy :func:`content_copies` finds (group and others lose every
    right, the owner keeps theirs; links left alone); returns them."""
    copies = content_copies(root, leave)
    for path in copies:
        if path.is_dir() and not path.is_symlink():
            chmod_tree(path, _owner_only, _owner_only)
        elif path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                os.fchmod(fd, _owner_only(os.fstat(fd).st_mode))
            finally:
                os.close(fd)
    return copies
