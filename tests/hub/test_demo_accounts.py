"""The demo's accounts and ``passwords.csv``: the file the demo's last line names holds the
password that works now for every account of the demo — on the first run, and on a
second one (``parcours demo --reset``: the data folder replaced, the Unix accounts already
there) — root's only, never written through a link. Real Unix accounts and PAM, no hub
(the accounts' names are the tests', not the demo's: a demo may run on this machine)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
COURSE = "analyse-de-donnees"
TEACHER, COORDINATOR = "pt-dprof", "pt-dcoord"
LEARNERS = ["pt-dl1", "pt-dl2"]
UNIX_GROUP = "parcours-test-demo"


@pytest.fixture
def demo_project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A copy of the demo's project (its course taught by :data:`TEACHER`, coordinated by
    :data:`COORDINATOR`, two learners on the roster), its data folder empty."""
    from parcours import demo
    from parcours.config import load_config

    assert os.geteuid() == 0, "the demo's accounts are Unix accounts: run as root"
    saved = dict(os.environ)
    base = Path(tempfile.mkdtemp(prefix="parcours-demo-accounts-", dir="/tmp"))
    os.chmod(base, 0o711)
    project = base / "project"
    shutil.copytree(REPO / "courses" / COURSE, project / "courses" / COURSE)
    manifest = project / "courses" / COURSE / "course.toml"
    text = manifest.read_text(encoding="utf-8").replace('["prof-demo"]', f'["{TEACHER}"]')
    manifest.write_text(text, encoding="utf-8")
    config_file = project / "jupyter_config.py"
    shutil.copy(REPO / "jupyter_config.py", config_file)
    with config_file.open("a", encoding="utf-8") as handle:
        handle.write(
            f'\nc.ParcoursConfig.coordinators = ["{COORDINATOR}"]\n'
            f'c.ParcoursConfig.hub_unix_group = "{UNIX_GROUP}"\n'
        )
    monkeypatch.setattr(demo, "DEMO_TEACHER", TEACHER)
    monkeypatch.setattr(demo, "DEMO_COORDINATOR", COORDINATOR)
    config = load_config(project, data_dir=str(base / "data"))
    _roster(config)
    try:
        yield config
    finally:
        for name in [*LEARNERS, TEACHER, COORDINATOR]:
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        subprocess.run(["groupdel", UNIX_GROUP], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


def _roster(config: Any) -> None:
    """The demo's roster: :data:`LEARNERS`."""
    from parcours.pipeline.roster import Learner, write_roster

    write_roster(config.course_root(COURSE) / "roster.csv", [Learner(id=n) for n in LEARNERS])


def _working(path: Path) -> dict[str, str]:
    """passwords.csv's rows, each checked: root's file, 0600, and the password logs in."""
    import pamela

    assert not path.is_symlink() and path.is_file()
    assert path.stat().st_uid == 0 and path.stat().st_mode & 0o777 == 0o600
    with path.open(encoding="utf-8", newline="") as handle:
        rows = {row["account"]: row["first_password"] for row in csv.DictReader(handle)}
    for name, password in rows.items():
        pamela.authenticate(name, password, service="login")  # raises when refused
    return rows


def test_passwords_csv_holds_every_working_password(demo_project: Any, tmp_path: Path) -> None:
    from parcours.demo import demo_accounts

    config = demo_project
    everyone = {*LEARNERS, TEACHER, COORDINATOR}
    shown, path = demo_accounts(config, progress=None)
    assert path == config.hub_dir / "passwords.csv"
    first = _working(path)
    assert set(first) == everyone
    assert shown == {
        f"learner:{LEARNERS[0]}": first[LEARNERS[0]],
        f"teacher:{TEACHER}": first[TEACHER],
        f"coordinator:{COORDINATOR}": first[COORDINATOR],
    }

    # a second demo (--reset): a new data folder, the accounts already there; a link left
    # where the file goes is replaced, never written through
    shutil.rmtree(config.data_dir)
    _roster(config)
    config.hub_dir.mkdir(parents=True)
    roots = tmp_path / "roots-only"
    roots.write_text("root's\n", encoding="utf-8")
    (config.hub_dir / "passwords.csv").symlink_to(roots)
    shown_again, again_path = demo_accounts(config, progress=None)
    assert again_path == path
    again = _working(path)
    assert set(again) == everyone
    assert shown_again[f"teacher:{TEACHER}"] == again[TEACHER] != first[TEACHER]
    assert roots.read_text(encoding="utf-8") == "root's\n"


def _login_shell(name: str, command: str, *env: str) -> str:
    """``command``'s output in ``name``'s login shell (as ``su - NAME`` or a JupyterLab
    terminal starts it), with only its HOME and ``env`` in its environment before the
    shell's own."""
    import pwd

    home = f"HOME={pwd.getpwnam(name).pw_dir}"
    done = subprocess.run(
        ["runuser", "-u", name, "--", "env", "-i", home, *env, "bash", "-lc", command],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
        timeout=60,
    )
    return done.stdout.strip()


def test_a_login_shell_finds_parcours(demo_project: Any) -> None:
    """After the accounts' sync (the demo's, or ``parcours accounts sync``), ``parcours``
    is on the PATH of a login shell, which /etc/profile sets anew; in a terminal of a
    JupyterLab on the hub (JUPYTERHUB_USER set), Parcours' environment comes first."""
    import sys

    from parcours.demo import demo_accounts
    from parcours.hub.shellpath import PROFILE

    venv = Path(sys.executable).parent
    kept = PROFILE.read_bytes() if PROFILE.is_file() else None
    PROFILE.unlink(missing_ok=True)
    try:
        demo_accounts(demo_project, progress=None)
        learner = LEARNERS[0]
        assert _login_shell(learner, "command -v parcours") == str(venv / "parcours")
        su = subprocess.run(
            ["su", "-s", "/bin/bash", "-", learner, "-c", "command -v parcours"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert su.stdout.strip() == str(venv / "parcours"), su.stderr
        terminal = _login_shell(learner, "command -v python3", f"JUPYTERHUB_USER={learner}")
        assert terminal == str(venv / "python3")
        assert _login_shell(learner, "command -v python3") != str(venv / "python3")
        assert PROFILE.stat().st_mode & 0o777 == 0o644 and PROFILE.stat().st_uid == 0
    finally:  # the machine's file as it was
        PROFILE.unlink(missing_ok=True)
        if kept is not None:
            PROFILE.write_bytes(kept)
