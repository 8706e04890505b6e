"""A course taught in an LMS (issue #28), in a real chromium against a real Parcours hub
whose logins are LTI 1.3 launches from the mock platform (``tests/lti/mockplatform.py``):

- a learner opens the activity in the LMS: its launch page posts the login initiation to
  the hub, the LMS's authentication answer posts the id token back, and she lands in her
  own JupyterLab with her course, her account made on this first launch;
- a teacher adds an assignment and a lesson to her LMS course by deep linking: she
  picks them on the hub's page, and the LMS receives the content items and makes the
  assignment's gradebook column; a learner launching the lesson's activity lands in it;
- an instructor of the LMS course whom the manifest does not name teaches it on the hub
  from his launch (the teacher dashboard of the course);
- the learners hand in through the Parcours service, which grades on submit and sends
  the early score (Submitted, Pending); after the teacher's ``parcours autograde`` and
  ``parcours feedback`` the LMS holds the gradebook's scores, Completed, FullyGraded;
- a score an instructor changed in the LMS is reported, not overwritten;
- a learner dropped from the LMS course (NRPS status Inactive) loses her hub access
  after ``parcours lti COURSE sync``.

Run under ``flock /tmp/parcours-hub.lock`` (it starts a hub and makes Unix accounts)."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.lti.mockplatform import MockPlatform, User

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .conftest import REPO, HubSite, _course_copy
from .test_service import _call, _token

pytestmark = pytest.mark.browser

COURSE = "cours-lti"
ASSIGNMENT = "devoir-1"
#: its title, as the teacher dashboard lists it
ASSIGNMENT_TITLE = "Explorer la fréquentation d'une médiathèque"
#: the lesson a teacher adds by deep linking (lessons/01-decouvrir.ipynb)
LESSON = "l01-decouvrir"
#: the Unix group of this hub's people (not the other hub tests' group)
UNIX_GROUP = "parcours-test-lti"
#: the hand-graded answer of devoir-1, left out of this copy: graded automatically only
BY_HAND = "q5-diagnostic"
POINTS = 8


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is required: apt-get install -y chromium"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def lms() -> Iterator[MockPlatform]:
    platform = MockPlatform(context_id="moodle-course-42")
    platform.users = {
        "u-ana": User("ana-7", "learner", "Ana", "Lopes", "ana@example.org"),
        "u-ben": User("ben-8", "learner", "Ben", "Roux", "ben@example.org"),
        "u-tina": User("tina-1", "teacher", "Tina", "Prof", "tina@example.org"),
        # an instructor of the LMS course the course's manifest does not name
        "u-remi": User("remi-3", "teacher", "Rémi", "Second", "remi@example.org"),
    }
    platform.start()
    yield platform
    platform.stop()


def _automatic_only(course: Path) -> None:
    """devoir-1 open now, due in a week, without its hand-graded answer (POINTS points)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    manifest = course / "course.toml"
    lines, current = [], None
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith("[["):
            current = None
        if found := re.match(r'^id = "([^"]+)"', line):
            current = found.group(1)
        if current == ASSIGNMENT and line.startswith("opens = "):
            line = f"opens = {(now - dt.timedelta(days=3)).isoformat()}"
        elif current == ASSIGNMENT and line.startswith("due = "):
            line = f"due = {(now + dt.timedelta(days=7)).isoformat()}"
        elif current == ASSIGNMENT and line.startswith("points = "):
            line = f"points = {POINTS}"
        lines.append(line)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (notebook,) = (course / "source" / ASSIGNMENT).glob("*.ipynb")
    data = json.loads(notebook.read_text(encoding="utf-8"))
    kept = [
        c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != BY_HAND
    ]
    assert len(kept) == len(data["cells"]) - 1
    data["cells"] = kept
    notebook.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def site(lms: MockPlatform) -> Iterator[HubSite]:
    """A Parcours hub on loopback whose logins are launches from ``lms``; the course
    ``cours-lti`` linked to the LMS course, taught by the LMS's teacher."""
    from parcours.config import load_config
    from parcours.hub.accounts import sync_accounts
    from parcours.hub.server import HubServer
    from parcours.hub.shellpath import PROFILE
    from parcours.lti.platforms import tool_jwks
    from parcours.servers import free_port

    assert os.geteuid() == 0, "the hub tests create Unix accounts: run them as root"
    saved_environ = dict(os.environ)
    profile_there = PROFILE.exists()
    base = Path(tempfile.mkdtemp(prefix="parcours-lti-hub-", dir="/tmp"))
    os.chmod(base, 0o711)
    project, data = base / "project", base / "data"
    (project / "courses").mkdir(parents=True)
    os.chmod(project, 0o755)
    shutil.copytree(REPO / "notebooks", project / "notebooks")
    teacher = lms.registration_account("u-tina")
    _course_copy(REPO / "courses" / "analyse-de-donnees", project / "courses" / COURSE, COURSE,
                 teacher, "Cours en ligne")  # fmt: skip
    _automatic_only(project / "courses" / COURSE)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    lms.redirect_uris = [f"{url}/hub/lti/launch"]
    lms.tool_login_url = f"{url}/hub/lti/login"
    registration = lms.registration(courses={lms.context_id: COURSE})
    shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
    with (project / "jupyter_config.py").open("a", encoding="utf-8") as handle:
        handle.write(
            '\nc.ParcoursConfig.hub_authenticator = "parcours.hub.lti_login.LTI13Authenticator"\n'
            f"c.ParcoursConfig.lti_platforms = [{registration!r}]\n"
            f"c.ParcoursConfig.hub_port = {port}\n"  # the commands below reach this hub
            "c.ParcoursConfig.hub_learner_pool = 1\n"
            "c.ParcoursConfig.service_token_cache_s = 5\n"
            f'c.ParcoursConfig.hub_unix_group = "{UNIX_GROUP}"\n'
        )
    homes = {name: base / name for name in ("config", "jdata", "runtime", "home")}
    for folder in homes.values():
        folder.mkdir()
    env = {
        **os.environ,
        "PARCOURS_ROOT": str(project),
        "PARCOURS_DATA_DIR": str(data),
        "JUPYTER_CONFIG_DIR": str(homes["config"]),
        "JUPYTER_DATA_DIR": str(homes["jdata"]),
        "JUPYTER_RUNTIME_DIR": str(homes["runtime"]),
        "HOME": str(homes["home"]),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
    }
    env.pop("JUPYTER_CONFIG_PATH", None)
    config = load_config(project, data_dir=str(data))
    lms.tool_jwks = tool_jwks(config)
    hub = None
    try:
        sync_accounts(config)
        hub = HubServer(config, port=port, env={k: env[k] for k in (
            "PARCOURS_ROOT", "PARCOURS_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
            "JUPYTER_RUNTIME_DIR", "HOME")})  # fmt: skip
        site = HubSite(url, project, data, env, {}, config, hub)
        released = site.run("release", COURSE, ASSIGNMENT)
        assert released.returncode == 0, released.stderr
        hub.start(timeout=400)
        yield site
    finally:
        if hub is not None:
            hub.stop()
            kept = REPO / "tests" / "_output" / "hub"
            kept.mkdir(parents=True, exist_ok=True)
            if hub.log_path.exists():
                shutil.copy(hub.log_path, kept / "jupyterhub-lti.log")
        for hint in lms.users:
            subprocess.run(["userdel", "--remove", lms.registration_account(hint)],
                           capture_output=True, check=False)  # fmt: skip
        subprocess.run(
            ["userdel", "--remove", f"grader-{COURSE}"], capture_output=True, check=False
        )
        for group in (UNIX_GROUP, f"grader-{COURSE}", f"data-{COURSE}"):
            subprocess.run(["groupdel", group], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)
        if not profile_there:
            PROFILE.unlink(missing_ok=True)
        os.environ.clear()
        os.environ.update(saved_environ)


def _requests_launch(site: HubSite, lms: MockPlatform, hint: str) -> requests.Session:
    """A launch as the LMS's page makes it, followed by hand (no JupyterLab started):
    the session holds the person's hub cookie."""
    session = requests.Session()
    page = session.get(f"{lms.url}/launch/{hint}", timeout=30)
    fields = {
        k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)
    }
    to_lms = session.post(lms.tool_login_url, data=fields, allow_redirects=False, timeout=30)
    assert to_lms.status_code == 302, to_lms.text
    form = session.get(to_lms.headers["Location"], timeout=30).text
    posted = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}
    landed = session.post(lms.redirect_uris[0], data=posted, allow_redirects=False, timeout=120)
    assert landed.status_code == 302, landed.text
    return session


def _tar(files: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in files:
            tar.add(path, arcname=path.name, recursive=False)
    return buffer.getvalue()


def _hand_in(site: HubSite, token: str, body: bytes | None) -> dict[str, Any]:
    """Fetch, hand in (``body``, or the fetched copy untouched), wait for the on-submit
    result; the result."""
    path = f"api/courses/{COURSE}/assignments/{ASSIGNMENT}"
    fetched = _call(site, token, "GET", path)
    assert fetched.status_code == 200, fetched.text
    sent = _call(site, token, "POST", path, data=body or fetched.content,
                 headers={"Content-Type": "application/gzip"})  # fmt: skip
    assert sent.status_code == 201 and sent.json()["graded_on_submit"], sent.text
    started = time.monotonic()
    while True:  # the service answers once the result is written (or after 60 s)
        result: dict[str, Any] = _call(site, token, "GET", path + "/result?wait=60").json()
        if result["status"] != "pending":
            return result
        assert time.monotonic() - started < 300, "no on-submit result in 5 minutes"


def _gradebook(site: HubSite) -> dict[str, tuple[float, float]]:
    """(score, maximum) of each learner's devoir-1 in nbgrader's gradebook."""
    from parcours.course.load import find_course, load_course
    from parcours.pipeline.gradebook import open_gradebook

    course = load_course(find_course(site.config.courses_dir, COURSE))
    with open_gradebook(site.config, course) as gb:
        return {
            s.student_id: (float(s.score), float(s.max_score))
            for s in gb.assignment_submissions(ASSIGNMENT)
        }


@pytest.mark.timeout(900)
def test_a_course_taught_in_the_lms(
    browser: Any, site: HubSite, lms: MockPlatform, output_dir: Path
) -> None:
    from parcours.hub.server import HubClient, HubError
    from parcours.hub.settings import accounts_token
    from parcours.pipeline.roster import read_roster

    ana, ben = lms.registration_account("u-ana"), lms.registration_account("u-ben")

    # the learner opens the activity in the LMS: her JupyterLab, her course in it
    learner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    learner.goto(f"{lms.url}/launch/u-ana", timeout=60_000)
    learner.wait_for_url(f"**/user/{ana}/lab**", timeout=180_000)
    learner.locator(".jp-LabShell").wait_for(timeout=120_000)
    learner.locator(".jp-DirListing-itemName", has_text=COURSE).first.wait_for(timeout=60_000)
    learner.screenshot(path=str(output_dir / "lti-learner-lab.png"))
    assert [x.id for x in read_roster(site.config, COURSE)] == [ana]  # made at her launch

    # the teacher adds devoir-1 to her LMS course (deep linking), picking it on the hub
    teacher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    teacher.goto(f"{lms.url}/launch/u-tina?message=deep-linking", timeout=60_000)
    teacher.locator(f'input[value="assignment:{ASSIGNMENT}"]').check(timeout=60_000)
    teacher.locator(f'input[value="lesson:{LESSON}"]').check()
    teacher.screenshot(path=str(output_dir / "lti-deep-linking.png"))
    teacher.locator("form button").click()
    teacher.get_by_role("heading", name="Activities added").wait_for(timeout=60_000)
    link, lesson = lms.links
    assert link["type"] == "ltiResourceLink" and link["custom"]["parcours_item"] == (
        f"assignment:{ASSIGNMENT}"
    )
    assert lesson["custom"]["parcours_item"] == f"lesson:{LESSON}" and "lineItem" not in lesson
    ((column, item),) = lms.lineitems.items()  # a column for the assignment only
    assert (item["resourceId"], item["scoreMaximum"]) == (ASSIGNMENT, POINTS)

    # the learner opens the lesson's activity in the LMS: that lesson, in her JupyterLab
    learner.goto(f"{lms.url}/launch/u-ana?link=2", timeout=60_000)
    learner.wait_for_url(
        f"**/user/{ana}/lab/tree/{COURSE}/lessons/01-decouvrir.ipynb", timeout=180_000
    )
    learner.locator(".jp-Notebook:visible").first.wait_for(timeout=120_000)
    tab = learner.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").first
    assert tab.inner_text().strip() == "01-decouvrir.ipynb"
    learner.screenshot(path=str(output_dir / "lti-learner-lesson.png"))

    # an instructor the manifest does not name: the LMS says he teaches, so he does (the
    # hub's teachers' group): from his launch, the course's teacher dashboard is his
    remi = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    remi.goto(f"{lms.url}/launch/u-remi", timeout=60_000)
    remi.wait_for_url("**/services/dashboards/", timeout=180_000)
    remi.get_by_role("link", name="Enseignement").click()
    remi.wait_for_url("**/voila/render/teacher.ipynb**", timeout=60_000)
    chosen = remi.locator(".parcours-assignment select")
    chosen.wait_for(timeout=240_000)
    assert ASSIGNMENT_TITLE in chosen.inner_text().replace("\xa0", " "), chosen.inner_text()
    remi.screenshot(path=str(output_dir / "lti-lms-teacher-dashboard.png"))
    remi.context.close()

    # both learners hand in through the service (Ben launched too, his cookie kept):
    # graded on submit, the early score in the LMS, Submitted and Pending
    ben_browser = _requests_launch(site, lms, "u-ben")
    tokens = {ana: _token(site, ana), ben: _token(site, ben)}
    source = sorted((site.project / "courses" / COURSE / "source" / ASSIGNMENT).glob("*.ipynb"))
    early = {ana: _hand_in(site, tokens[ana], _tar(source)), ben: _hand_in(site, tokens[ben], None)}
    subs = {ana: "ana-7", ben: "ben-8"}
    lms.wait_until(lambda: all(lms.progress(column, s)[2] for s in subs.values()), 120)
    for account, sub in subs.items():
        score = early[account]["score"] * POINTS / early[account]["max_score"]
        assert lms.progress(column, sub) == (pytest.approx(score), "Submitted", "Pending")
    assert early[ana]["score"] == early[ana]["max_score"] > early[ben]["score"]

    # the teacher collects and autogrades: the gradebook's scores, Completed, FullyGraded
    for command in ("collect", "autograde"):
        done = site.run(command, COURSE, ASSIGNMENT, "--lang", "en")
        assert done.returncode == 0, done.stdout + done.stderr
    assert "LMS: 2 scores queued, 2 sent, 0 waiting" in done.stdout, done.stdout
    graded = _gradebook(site)
    for account, sub in subs.items():
        score, top = graded[account]
        assert lms.progress(column, sub) == (
            pytest.approx(score * POINTS / top),
            "Completed",
            "FullyGraded",
        )

    # an instructor changes Ben's grade in the LMS; feedback reports it, leaves it there
    lms.instructor_sets(column, "ben-8", 7.0)
    done = site.run("feedback", COURSE, ASSIGNMENT, "--lang", "en")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"LMS: {ben}'s score of {ASSIGNMENT} was changed by an instructor" in done.stdout
    assert lms.progress(column, "ben-8")[0] == 7.0  # not overwritten
    assert lms.results[(column, "ana-7")]["comment"]  # hers: the link to her feedback
    assert lms.progress(column, "ana-7")[1:] == ("Completed", "FullyGraded")
    status = site.run("lti", COURSE, "status", "--lang", "en")
    assert status.returncode == 3, status.stdout + status.stderr
    (conflict,) = [line for line in status.stdout.splitlines() if line.startswith("conflict")]
    assert ben in conflict and "the LMS holds 7/8 (changed there)" in conflict, conflict

    # Ben is dropped from the LMS course: the nightly sync ends his hub access
    assert ben_browser.get(f"{site.url}/hub/home", allow_redirects=False, timeout=30).ok
    lms.users["u-ben"].status = "Inactive"
    synced = site.run("lti", COURSE, "sync", "--lang", "en")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "0 arrived, 1 left" in synced.stdout and "1 deleted" in synced.stdout, synced.stdout
    assert [x.id for x in read_roster(site.config, COURSE)] == [ana]
    home = ben_browser.get(f"{site.url}/hub/home", allow_redirects=False, timeout=30)
    assert home.status_code in (302, 403) and "/hub/login" in home.headers.get(
        "Location", "/hub/login"
    )
    path = f"api/courses/{COURSE}/assignments/{ASSIGNMENT}"
    assert _call(site, tokens[ben], "GET", path).status_code == 403
    assert _call(site, tokens[ana], "GET", path).status_code == 200  # hers goes on
    with pytest.raises(HubError, match="404"):
        HubClient(f"{site.url}/hub/api", accounts_token(site.config)).call("GET", f"/users/{ben}")
