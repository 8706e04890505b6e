"""``parcours`` in a person's terminal on the hub: found by a login shell (which sets PATH
anew), a feedback fetch that finds nothing says so, and a teacher's command names the
deployment's course — not the copy in her home — and says what to do with a file closed
to her, without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import COURSE_A, HubSite
from .test_service import _as_learner, _token


def test_a_login_shell_finds_parcours(hub_site: HubSite) -> None:
    """As ``su - NAME`` and a JupyterLab terminal start a shell."""
    for name in ("pt-alice", "pt-prof-a"):
        found = subprocess.run(
            ["su", "-s", "/bin/bash", "-", name, "-c", "command -v parcours"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert found.stdout.strip() == str(Path(sys.executable).parent / "parcours"), name


def test_a_feedback_fetch_that_finds_nothing_says_so(hub_site: HubSite) -> None:
    alice = _token(hub_site, "pt-alice")  # no feedback on devoir-2 is ever released here
    fetched = _as_learner(hub_site, "pt-alice", alice, "fetch", COURSE_A, "devoir-2", "--feedback")
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip() == "Pas encore de retour sur ce devoir."


def test_a_teachers_command_names_the_deployments_course(hub_site: HubSite) -> None:
    import pwd

    from parcours.hub.workspace import prepare_workspace

    teacher = "pt-prof-a"
    prepare_workspace(hub_site.config, teacher, [COURSE_A], teaches=True)  # her copy
    assert (Path(pwd.getpwnam(teacher).pw_dir) / COURSE_A / "course.toml").is_file()
    token = _token(hub_site, teacher)
    # her roster, the deployment's, read through the service
    listed = _as_learner(hub_site, teacher, token, "roster", COURSE_A, "list")
    assert listed.returncode == 0, listed.stderr
    assert "pt-alice" in listed.stdout and "pt-carol" not in listed.stdout
    # changing it is root's: the course is the deployment's (her copy has no sources), the
    # file refused is named, no traceback
    added = _as_learner(hub_site, teacher, token, "roster", COURSE_A, "add", "pt-zoe")
    assert added.returncode == 1, added.stderr
    assert "introuvable" not in added.stderr and "Traceback" not in added.stderr
    folder = hub_site.config.course_root(COURSE_A)  # where the roster and its lock are
    assert str(folder) in added.stderr and f"« {teacher} »" in added.stderr, added.stderr
