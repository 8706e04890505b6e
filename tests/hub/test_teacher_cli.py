"""A teacher's ``parcours`` in her terminal on the hub: a course id names the deployment's
course (not the copy of it in her home, which has no sources), and a file closed to her
account is named in a message with exit status 1 (README, "Exit statuses"), never a
traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.accounts import as_nobody

REPO = Path(__file__).resolve().parents[2]
COURSE = "analyse-de-donnees"


def _copy_in_home(home: Path) -> None:
    """What the hub's spawn hook copies into a person's home: manifest, README, lessons;
    never the nbgrader sources."""
    course = home / COURSE
    course.mkdir(parents=True)
    for name in ("course.toml", "README.md"):
        shutil.copy(REPO / "courses" / COURSE / name, course / name)


def test_a_course_id_names_the_projects_course_not_the_copy_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from parcours.cli import main
    from parcours.config import load_config
    from parcours.pipeline.roster import Learner, write_roster

    data = tmp_path / "data"
    config = load_config(data_dir=str(data))
    write_roster(config.course_root(COURSE) / "roster.csv", [Learner(id="alice")])
    home = tmp_path / "home"
    _copy_in_home(home)
    monkeypatch.chdir(home)
    status = main(["roster", COURSE, "list", "--data-dir", str(data), "--lang", "en"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.splitlines()[0].startswith("alice") and "1 learner." in out
    # the copy itself, asked for as a folder, is still what it names
    assert main(["check", f"./{COURSE}", "--lang", "en"]) == 2


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder under /tmp that the account ``nobody`` may enter."""
    base = Path(tempfile.mkdtemp(prefix="parcours-teacher-cli-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base)


def test_a_closed_file_is_named_without_a_traceback(shared_tmp: Path) -> None:
    from parcours.config import load_config
    from parcours.pipeline.roster import Learner, write_roster

    assert os.geteuid() == 0, "runs a command as another account"
    # a project of its own, readable by all: the checkout's courses may have been closed
    # to other accounts by README's command 1 (parcours demo) run in it
    project = shared_tmp / "project"
    shutil.copytree(REPO / "courses" / COURSE, project / "courses" / COURSE)
    shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
    subprocess.run(["chmod", "-R", "a+rX", str(project)], check=True)
    data = shared_tmp / "data"
    config = load_config(project, data_dir=str(data))
    roster = config.course_root(COURSE) / "roster.csv"
    write_roster(roster, [Learner(id="alice")])
    os.chmod(roster, 0o600)  # root's, as the service's files are closed to a teacher
    for folder in (data, data / "courses", roster.parent):
        os.chmod(folder, 0o755)
    code = (
        "import sys\nfrom parcours.cli import main\n"
        f"sys.exit(main(['roster', {COURSE!r}, 'list', '--root', {str(project)!r}, "
        f"'--data-dir', {str(data)!r}]))\n"
    )
    run = as_nobody(code, shared_tmp)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert str(roster) in run.stderr and "« nobody »" in run.stderr, run.stderr
    assert run.stderr.startswith("parcours roster"), run.stderr
