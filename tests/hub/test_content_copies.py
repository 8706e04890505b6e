"""No copy of a course's sources (hidden tests) or quiz banks is readable by a learner
anywhere in the project once ``parcours accounts sync`` has run: not in ``courses/``, not in
the checkout's Git repository (``git show HEAD:courses/...``), not in an sdist in
``dist/``, not in a notebook's checkpoint or a teacher's backup copy.

The learner is the account ``nobody``: it walks the whole project and reads every file
it can, decompressing what it can (Git's objects, archives), looking for nbgrader's
hidden-test marker or a quiz bank."""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.hub.accounts import sync_accounts
from parcours.hub.people import People, data_group, grader_account

from tests.accounts import as_nobody

from .conftest import REPO, _course_copy


@pytest.fixture(autouse=True)
def _as_root() -> None:
    """These tests create Unix accounts: run the suite as root (README's command 2)."""
    assert os.geteuid() == 0, "tests/hub/test_content_copies.py creates Unix accounts: run as root"


COURSE = "cours-copies"
SOURCE = "courses/cours-copies/source/devoir-1/frequentation-mediatheque.ipynb"
GROUP = "parcours-test-copies"

#: run as nobody: every readable file of the project holding a hidden test or a bank
_LOOK = r"""
import gzip, io, json, os, sys, tarfile, zipfile, zlib

def secret(data):
    return b"BEGIN HIDDEN TESTS" in data or (b"questions:" in data and b"answer:" in data)

def forms(data):
    yield data
    for unpack in (zlib.decompress, gzip.decompress):
        try:
            yield unpack(data)
        except (zlib.error, OSError, EOFError):  # not that compression
            pass
    for opened in (lambda: tarfile.open(fileobj=io.BytesIO(data)),):
        try:
            with opened() as tar:
                for member in tar.getmembers():
                    if member.isfile():
                        yield tar.extractfile(member).read()
        except (tarfile.TarError, OSError, EOFError):  # not a tar archive
            pass
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError):  # not a zip archive
        pass

found, read = [], []
for folder, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        path = os.path.join(folder, name)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        read.append(path)
        if any(secret(form) for form in forms(data)):
            found.append(path)
print(json.dumps({"found": found, "read": read}))
"""


def _git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def project() -> Iterator[Path]:
    """A project with one course, its checkout in Git (committed, packed, committed
    again: packed and loose objects), an sdist in dist/, a checkpoint of a source and a
    backup of a bank: every one readable by everyone, as a checkout leaves them."""
    base = Path(tempfile.mkdtemp(prefix="parcours-copies-", dir="/tmp"))
    os.chmod(base, 0o755)
    project = base / "project"
    try:
        (project / "courses").mkdir(parents=True)
        os.chmod(project, 0o755)
        shutil.copytree(REPO / "notebooks", project / "notebooks")
        shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
        course = project / "courses" / COURSE
        _course_copy(REPO / "courses" / "analyse-de-donnees", course, COURSE, "pt-nobody")
        _git(project, "init", "-q")
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "one")
        _git(project, "gc", "-q")
        bank = course / "quizzes" / "l01-decouvrir.yaml"
        bank.write_text(bank.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        _git(project, "commit", "-q", "-am", "two")
        (project / "dist").mkdir()
        with tarfile.open(project / "dist" / "parcours-0.1.0.tar.gz", "w:gz") as sdist:
            sdist.add(project / "courses", arcname="parcours-0.1.0/courses")
        checkpoints = project / "notebooks" / ".ipynb_checkpoints"
        checkpoints.mkdir()
        shutil.copy(project / SOURCE, checkpoints / "devoir-1-checkpoint.ipynb")
        (project / "backup").mkdir()
        shutil.copy(bank, project / "backup" / "banque.yaml")
        yield project
    finally:
        for name in (grader_account(COURSE),):
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        for group in (grader_account(COURSE), data_group(COURSE), GROUP):
            subprocess.run(["groupdel", group], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def _look(project: Path) -> dict[str, list[str]]:
    done = as_nobody(_LOOK.replace("sys.argv[1]", repr(str(project))), project.parent)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_no_copy_of_the_content_is_readable_after_the_sync(project: Path) -> None:
    config = ParcoursConfig(
        root=str(project), data_dir=str(project.parent / "data"), hub_unix_group=GROUP
    )
    assert _look(project)["found"], "the copies are readable before the sync"
    sync_accounts(config, People(by_name={}, courses=[COURSE]))
    assert grp.getgrnam(grader_account(COURSE))

    seen = _look(project)
    assert seen["found"] == []
    # the project itself stays open: the configuration and the dashboards' notebooks
    assert str(project / "jupyter_config.py") in seen["read"]
    assert any(path.endswith("learner.ipynb") for path in seen["read"])
    # what a learner's kernel would try: Git gives the source to root only
    show = ["git", "-c", "safe.directory=*", f"--git-dir={project / '.git'}", "show"]
    mine = subprocess.run([*show, f"HEAD:{SOURCE}"], capture_output=True, check=False)
    assert mine.returncode == 0 and b"BEGIN HIDDEN TESTS" in mine.stdout
    theirs = subprocess.run(
        ["runuser", "-u", "nobody", "--", *show, f"HEAD:{SOURCE}"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(project.parent)},
        check=False,
    )
    assert theirs.returncode != 0 and "BEGIN HIDDEN TESTS" not in theirs.stdout
