"""On a small hub of its own: the learner whose dashboard never came (issue #24, item 13).

In ``bench/hub_login.py`` (100 learners logging in through the hub's form, 10 at a
time) apprenant00094 waited 300 s for a page that never came: she had handed in a devoir
on 25 Oct 2026 at 01:17 UTC, 02:17 in Paris on the night the clocks go back (an hour
Paris lives twice), and the page, rounding that moment on Paris' wall clock, failed
("Cannot infer dst time"); the dashboards service answered 500. Here a learner with
such a hand-in logs in through the hub's form and opens her dashboard: it comes, with her
name, the moment and its offset, and its figures.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO, HubSite, _course_copy

COURSE = "cours-heure"
LEARNER = "pt-heure"
TEACHER = "pt-prof-heure"
#: a group of its own: the session hub (conftest.UNIX_GROUP) may run beside this one
UNIX_GROUP = "parcours-test-heure"
#: the second 02:17:38 of 25 Oct 2026 in Paris, as apprenant00094 handed in
HANDED_IN = dt.datetime(2026, 10, 25, 1, 17, 38, 590650, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def small_hub() -> Iterator[HubSite]:
    from parcours.config import load_config
    from parcours.course import find_course, load_course
    from parcours.dashboards.server import free_port
    from parcours.hub.accounts import set_password, sync_accounts
    from parcours.hub.server import HubServer
    from parcours.hub.shellpath import PROFILE
    from parcours.pipeline.gradebook import open_gradebook, record_submission, sync_assignment
    from parcours.pipeline.roster import Learner, write_roster

    assert os.geteuid() == 0, "the hub tests create Unix accounts: run them as root"
    profile_there = PROFILE.exists()
    base = Path(tempfile.mkdtemp(prefix="parcours-hub-heure-", dir="/tmp"))
    os.chmod(base, 0o711)
    project, data = base / "project", base / "data"
    (project / "courses").mkdir(parents=True)
    os.chmod(project, 0o755)
    shutil.copytree(REPO / "notebooks", project / "notebooks")
    shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
    with (project / "jupyter_config.py").open("a", encoding="utf-8") as handle:
        handle.write(
            "\nc.ParcoursConfig.hub_learner_pool = 0\n"
            f'c.ParcoursConfig.hub_unix_group = "{UNIX_GROUP}"\n'
        )
    _course_copy(
        REPO / "courses" / "analyse-de-donnees", project / "courses" / COURSE, COURSE, TEACHER
    )
    config = load_config(project, data_dir=str(data))
    write_roster(config.course_root(COURSE) / "roster.csv", [Learner(id=LEARNER)])
    course = load_course(find_course(config.courses_dir, COURSE))
    with open_gradebook(config, course) as book:
        sync_assignment(book, course, course.assignment("devoir-1"))
        book.update_or_create_student(LEARNER)
        record_submission(book, "devoir-1", LEARNER, HANDED_IN, None)
    passwords = {LEARNER: f"pw-{secrets.token_hex(6)}"}
    hub = None
    try:
        sync_accounts(config)
        set_password(LEARNER, passwords[LEARNER])
        env = {
            "PARCOURS_ROOT": str(project),
            "PARCOURS_DATA_DIR": str(data),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        }
        hub = HubServer(config, port=free_port(), env=env)
        hub.start(timeout=400)
        yield HubSite(hub.url, project, data, {**os.environ, **env}, passwords, config, hub)
    finally:
        if hub is not None:
            hub.stop()
        for name in (LEARNER, TEACHER, f"grader-{COURSE}"):
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        for group in (UNIX_GROUP, f"grader-{COURSE}", f"data-{COURSE}"):
            subprocess.run(["groupdel", group], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)
        if not profile_there:
            PROFILE.unlink(missing_ok=True)


def test_the_learner_who_handed_in_that_night_gets_her_dashboard(small_hub: HubSite) -> None:
    session = small_hub.login(LEARNER)
    assert session.logged_in
    page = session.get(small_hub.dashboard("learner"), params={"lang": "fr"}, timeout=120)

    assert page.status_code == 200, page.text[-2000:]
    assert re.search(rf"id='learner-name'>.*<strong>{LEARNER}</strong>", page.text)
    assert 'class="parcours-lang"' in page.text
    assert "25 oct. 2026, 02:17 (heure de Paris, UTC+1)" in page.text
    figures = re.findall(r'<div class="parcours-plot"[^>]*>(.*?)</div>', page.text, re.S)
    assert figures and all(f.startswith("<svg") for f in figures)
