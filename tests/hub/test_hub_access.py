"""Who may see what, through real HTTP against a running hub (login form, OAuth with the
dashboards service, 403s), and the dashboards' kernels stopping when a page is left."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import psutil

from .conftest import (
    ACCOUNTS,
    BOTH,
    COORDINATOR,
    COURSE_A,
    COURSE_B,
    COURSE_E,
    UNIX_GROUP,
    HubSite,
)


def _kernels() -> set[int]:
    """Kernels of the dashboards service (Voila's children)."""
    found: set[int] = set()
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info["cmdline"] or []
        if any("parcours.hub.voila_service" in part for part in cmd):
            found |= {
                c.pid
                for c in proc.children(recursive=True)
                if "ipykernel_launcher" in " ".join(c.cmdline())
            }
    return found


def test_login_needs_the_password(hub_site: HubSite) -> None:
    wrong = hub_site.login("pt-alice", "not-her-password")
    assert not wrong.logged_in
    assert wrong.get(f"{hub_site.url}/hub/api/user", timeout=30).status_code in (401, 403)
    stranger = hub_site.login("root", "anything")
    assert not stranger.logged_in
    right = hub_site.login("pt-alice")
    assert right.logged_in
    me = right.get(f"{hub_site.url}/hub/api/user", timeout=30).json()
    assert me["name"] == "pt-alice"
    assert f"nbgrader-{COURSE_A}" in me["groups"]


def test_learner_sees_only_her_own_page(hub_site: HubSite) -> None:
    alice = hub_site.login("pt-alice")
    for page in ("coordinator", "teacher"):
        answer = alice.get(hub_site.dashboard(page), timeout=120)
        assert answer.status_code == 403, (page, answer.status_code)
    for query in ({"learner": "pt-bob"}, {"learner": "pt-carol", "lang": "en"}):
        answer = alice.get(hub_site.dashboard("learner"), params=query, timeout=120)
        assert answer.status_code == 403, query
    # her own page, even when she sends the headers the service uses to name the viewer
    for query in ({}, {"voila": "1"}):  # served without a kernel, and the Voila page
        own = alice.get(
            hub_site.dashboard("learner"),
            params=query,
            timeout=180,
            headers={"X-Parcours-User": "pt-bob", "X-Parcours-Role": "coordinator"},
        )
        assert own.status_code == 200, query
        assert "pt-alice" in own.text and "pt-bob" not in own.text, query


def test_logins_are_recorded_for_the_evidence(hub_site: HubSite) -> None:
    """Each login of a learner lands in her course's history (the hub's clock), read by
    the evidence pack; a teacher's login is nobody's learning activity."""
    from parcours.compliance.evidence import logins
    from parcours.course import find_course, load_course

    course = load_course(find_course(hub_site.config.courses_dir, COURSE_A))
    before = len(logins(hub_site.config, course, "pt-alice"))
    hub_site.login("pt-alice")
    hub_site.login("pt-prof-a")
    after = logins(hub_site.config, course, "pt-alice")
    assert len(after) == before + 1
    assert after[-1]["at"].endswith("+00:00")
    assert logins(hub_site.config, course, "pt-prof-a") == []


def test_anonymous_visitors_are_sent_to_the_login(hub_site: HubSite) -> None:
    import requests

    answer = requests.get(hub_site.dashboard("coordinator"), timeout=60)
    assert answer.status_code == 200 and "/hub/login" in answer.url


def test_learner_cannot_reach_another_learners_server_or_files(hub_site: HubSite) -> None:
    bob = hub_site.login("pt-bob")
    hub_site.start_server(bob, "pt-bob")
    lab = bob.get(f"{hub_site.url}/user/pt-bob/lab", timeout=120)
    assert lab.status_code == 200 and "/user/pt-bob/lab" in lab.url
    xsrf = {"X-XSRFToken": bob.cookies.get("_xsrf", path="/user/pt-bob/") or ""}
    mine = bob.get(f"{hub_site.url}/user/pt-bob/api/contents/{COURSE_A}", headers=xsrf, timeout=60)
    assert mine.status_code == 200
    assert "lessons" in {item["name"] for item in mine.json()["content"]}
    alice = hub_site.login("pt-alice")
    for path in ("lab", f"api/contents/{COURSE_A}"):
        theirs = alice.get(f"{hub_site.url}/user/pt-bob/{path}", timeout=60)
        assert theirs.status_code == 403, (path, theirs.status_code, theirs.url)
        assert "lessons" not in theirs.text
    # what her own kernel could do, as her Unix account: bob's home is closed to her
    peek = subprocess.run(
        ["runuser", "-u", "pt-alice", "--", "ls", "/home/pt-bob"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert peek.returncode != 0 and "Permission denied" in peek.stderr
    assert hub_site.config.pseudonym_salt  # the key exists (made by the first to need it)
    for secret in (
        hub_site.data_dir / "courses" / COURSE_A / "gradebook.db",
        hub_site.project / "courses" / COURSE_A / "quizzes",
        hub_site.project / "courses" / COURSE_A / "source",
        hub_site.data_dir / "secrets" / "pseudonyms.key",  # nobody's pseudonym computable
    ):
        peek = subprocess.run(
            ["runuser", "-u", "pt-alice", "--", "ls", str(secret)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert peek.returncode != 0, secret


def test_the_service_runs_as_its_own_account_which_alone_holds_the_data(
    hub_site: HubSite,
) -> None:
    """The Parcours service is not root: its process runs as ``parcours-service``, which
    owns the data folder (the hub's own state excepted); a course's nbgrader folder is
    shared by its grader account and the service only (the course's data group) — the
    course's teacher, in the grader's group for the content, cannot read its gradebook
    from their Lab."""
    import grp
    import pwd
    import stat

    from parcours.hub.people import SERVICE_ACCOUNT, data_group, grader_account

    service = pwd.getpwnam(SERVICE_ACCOUNT)
    running = [
        proc
        for proc in psutil.process_iter(["cmdline", "uids"])
        if "parcours.hub.service" in " ".join(proc.info["cmdline"] or [])
    ]
    assert running, "the Parcours service is not running"
    assert {p.info["uids"].real for p in running} == {service.pw_uid}
    assert {p.info["uids"].effective for p in running} == {service.pw_uid}
    data = hub_site.data_dir
    for owned in (data, data / "exchange", data / "secrets" / "pseudonyms.key"):
        assert owned.stat().st_uid == service.pw_uid, owned
    assert hub_site.config.hub_dir.stat().st_uid == 0
    assert stat.S_IMODE(hub_site.config.hub_dir.stat().st_mode) == 0o700
    course = hub_site.config.course_root(COURSE_A)
    info = course.stat()
    assert info.st_uid == pwd.getpwnam(grader_account(COURSE_A)).pw_uid
    shared = grp.getgrgid(info.st_gid)
    assert shared.gr_name == data_group(COURSE_A)
    assert set(shared.gr_mem) == {SERVICE_ACCOUNT, grader_account(COURSE_A)}
    assert stat.S_IMODE(info.st_mode) == 0o2770
    gradebook = course / "gradebook.db"
    assert stat.S_IMODE(gradebook.stat().st_mode) & 0o060 == 0o060  # formgrader and service
    for who in ("pt-prof-a", "pt-alice"):
        peek = subprocess.run(
            ["runuser", "-u", who, "--", "head", "-c", "16", str(gradebook)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert peek.returncode != 0 and "Permission denied" in peek.stderr, who


def test_teacher_acts_on_their_own_course_only(hub_site: HubSite) -> None:
    prof = hub_site.login("pt-prof-a")
    own = prof.get(
        hub_site.dashboard("teacher"), timeout=180, params={"assignment": f"{COURSE_A}/devoir-1"}
    )
    assert own.status_code == 200
    other = prof.get(
        hub_site.dashboard("teacher"), timeout=60, params={"assignment": f"{COURSE_B}/devoir-1"}
    )
    assert other.status_code == 403
    assert prof.get(hub_site.dashboard("coordinator"), timeout=60).status_code == 403
    assert (
        prof.get(
            hub_site.dashboard("learner"), params={"learner": "pt-alice"}, timeout=180
        ).status_code
        == 200
    )
    assert (
        prof.get(
            hub_site.dashboard("learner"), params={"learner": "pt-carol"}, timeout=60
        ).status_code
        == 403
    )
    grader_b = prof.get(f"{hub_site.url}/services/formgrader-{COURSE_B}/formgrader", timeout=60)
    assert grader_b.status_code == 403
    grader_a = prof.get(f"{hub_site.url}/services/formgrader-{COURSE_A}/formgrader", timeout=120)
    assert grader_a.status_code == 200 and "formgrader" in grader_a.text.lower()
    learner = hub_site.login("pt-alice")
    assert (
        learner.get(
            f"{hub_site.url}/services/formgrader-{COURSE_A}/formgrader", timeout=60
        ).status_code
        == 403
    )


def _rows(page: str, table: str) -> int:
    """The rows of the table ``table`` of a served dashboard page (0 when it is empty)."""
    found = re.search(rf'id="{table}"[^>]*>.*?<tbody>(.*?)</tbody>', page, re.S)
    return found.group(1).count("<tr>") if found else 0


def test_the_formgrader_service_runs_no_learner_script(hub_site: HubSite) -> None:
    """The hub's formgrader runs Parcours' staff-view extension (pipeline/staffview.py):
    its pages carry a Content-Security-Policy allowing no inline script but its own."""
    prof = hub_site.login("pt-prof-a")
    grader = prof.get(f"{hub_site.url}/services/formgrader-{COURSE_A}/formgrader", timeout=120)
    assert grader.status_code == 200
    policy = grader.headers.get("Content-Security-Policy", "")
    script_src = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
    assert "'self'" in script_src and "'unsafe-inline'" not in script_src
    assert "frame-ancestors" in policy  # the hub's own directive kept


def test_a_teacher_reads_a_learner_in_her_own_courses_only(hub_site: HubSite) -> None:
    """A learner of two courses: each course's teacher, opening her page, reads her rows
    of that course only (not what she does in a course they do not teach); the
    coordinator and the learner herself read them all. (Her path's rows, counted per
    course from the same data.)"""
    from parcours.dashboards import learner as vm
    from parcours.dashboards.data import load_dashboard_data

    data = load_dashboard_data(hub_site.config)
    path = vm.my_path(data, vm.pseudonym(data, BOTH))
    per_course = {c: int((path["course"] == c).sum()) for c in (COURSE_A, COURSE_B)}
    assert per_course[COURSE_A] > 0  # course A's rows: what course B's teacher must not read
    expected = {
        "pt-prof-a": per_course[COURSE_A],
        "pt-prof-b": per_course[COURSE_B],
        COORDINATOR: len(path),
        BOTH: len(path),
    }
    shown = {}
    for viewer in expected:
        session = hub_site.login(viewer)
        query = {} if viewer == BOTH else {"learner": BOTH}
        page = session.get(hub_site.dashboard("learner"), params=query, timeout=180)
        assert page.status_code == 200, (viewer, page.status_code)
        assert BOTH in page.text, viewer
        shown[viewer] = _rows(page.text, "table-path")
    assert shown == expected


def test_the_dashboards_do_not_run_as_root(hub_site: HubSite) -> None:
    """The process answering on the dashboards service's port, and its kernels, run as
    the service's account: never root."""
    import pwd

    from parcours.hub.people import SERVICE_ACCOUNT

    service = pwd.getpwnam(SERVICE_ACCOUNT)
    assert hub_site.hub.process is not None
    voila = [  # this hub's (another test run's hub may be running beside it)
        proc
        for proc in psutil.Process(hub_site.hub.process.pid).children(recursive=True)
        if any("parcours.hub.voila_service" in part for part in proc.cmdline())
        and not proc.cmdline()[0].endswith("sh")
    ]
    assert voila, "the dashboards service is not running"
    (port,) = {
        int(part.split("=", 1)[1])
        for proc in voila
        for part in proc.cmdline()
        if part.startswith("--port=")
    }
    listening = {
        conn.pid
        for conn in psutil.net_connections("tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
    }
    assert listening, f"nothing listens on the dashboards' port {port}"
    for pid in listening:
        user = subprocess.run(
            ["ps", "-o", "user:32=", "-p", str(pid)], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert user == SERVICE_ACCOUNT, (pid, user)
        kernels = psutil.Process(pid).children(recursive=True)
        assert {k.uids().real for k in kernels} <= {service.pw_uid}


def test_coordinator_reads_every_course(hub_site: HubSite) -> None:
    coord = hub_site.login(COORDINATOR)
    page = coord.get(hub_site.dashboard("coordinator"), timeout=240)
    assert page.status_code == 200
    for course in (COURSE_A, COURSE_B):
        assert (
            coord.get(
                hub_site.dashboard("teacher"),
                timeout=180,
                params={"assignment": f"{course}/devoir-1"},
            ).status_code
            == 200
        )


def test_each_person_finds_the_dashboards_that_are_theirs(hub_site: HubSite) -> None:
    """A coordinator who logs in lands on the dashboards' first page (the others on
    their JupyterLab, as before); that page lists, for each person, only the dashboards
    they may open, named in the course's language."""
    first_page = f"{hub_site.url}/services/dashboards/"
    expected = {
        COORDINATOR: ["coordinator", "teacher"],
        "pt-prof-a": ["teacher"],
        "pt-alice": ["learner"],
    }
    for name, pages in expected.items():
        session = hub_site.login(name)
        lands_on_dashboards = session.landing.endswith("/services/dashboards/")
        assert lands_on_dashboards == (name == COORDINATOR), (name, session.landing)
        answer = session.get(first_page, timeout=120)
        assert answer.status_code == 200, name
        assert "Tableaux de bord de Parcours" in answer.text, name
        listed = re.findall(r'href="[^"]*voila/render/(\w+)\.ipynb', answer.text)
        assert listed == pages, (name, listed)


def test_the_hub_lets_in_only_its_own_group(hub_site: HubSite) -> None:
    """The hub's login accepts the members of its installation's Unix group
    (c.ParcoursConfig.hub_unix_group) and nobody else, whatever their password: an
    account of the machine outside the rosters cannot log in."""
    from parcours.hub.accounts import group_members, set_password

    assert group_members(UNIX_GROUP) == set(ACCOUNTS)
    outsider = "pt-outsider"
    subprocess.run(["useradd", "--create-home", outsider], check=True)
    try:
        set_password(outsider, "a-good-password-1")
        assert not hub_site.login(outsider, "a-good-password-1").logged_in
    finally:
        subprocess.run(["userdel", "--remove", outsider], capture_output=True, check=False)
    assert hub_site.login("pt-alice").logged_in


def test_links_in_a_home_do_not_lead_the_hub_into_roots_folders(hub_site: HubSite) -> None:
    """Before a learner's JupyterLab starts, the hub (root) copies her courses into her
    home. Links she put there in place of her course's folders, to folders of root's,
    receive nothing: the copy is written with her rights only. Her server starts."""
    import pwd
    import shutil
    import tempfile

    name = "pt-e30"  # a learner whose server no other test starts
    user = pwd.getpwnam(name)
    home = Path(user.pw_dir)
    session = hub_site.login(name)
    model = session.get(f"{hub_site.url}/hub/api/users/{name}", timeout=30).json()
    assert not model.get("servers"), "her server must start in this test"
    roots = [Path(tempfile.mkdtemp(prefix="parcours-root-")) for _ in range(2)]  # 0700
    try:
        course = home / COURSE_E
        course.mkdir(exist_ok=True)  # what she may do in her home
        os.chown(course, user.pw_uid, user.pw_gid)
        for folder, target in zip(("quizzes", "lessons"), roots, strict=True):
            shutil.rmtree(course / folder, ignore_errors=True)
            (course / folder).symlink_to(target)
            os.lchown(course / folder, user.pw_uid, user.pw_gid)
        hub_site.start_server(session, name)
        for target in roots:
            assert list(target.iterdir()) == [], target
        manifest = course / "course.toml"
        assert manifest.is_file() and manifest.stat().st_uid == user.pw_uid
    finally:
        for target in roots:
            shutil.rmtree(target, ignore_errors=True)


def test_kernels_stop_when_pages_are_left(hub_site: HubSite) -> None:
    """Three visits, each left as Voila's page leaves (its unload beacon): each page's
    kernel stops (204, then 404), and no kernel is left over (the preheated pool refills)."""
    alice = hub_site.login("pt-alice")
    before = _kernels()
    shutdown = f"{hub_site.url}/services/dashboards/voila/api/shutdown/"
    for _visit in range(3):  # the Voila page (the default learner page has no kernel)
        answer = alice.get(hub_site.dashboard("learner"), params={"voila": "1"}, timeout=180)
        assert answer.status_code == 200
        kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', answer.text)
        assert kernel_id, "the page names its kernel"
        xsrf = alice.cookies.get("_xsrf", path="/services/dashboards/")
        assert xsrf, "the page sets the _xsrf cookie its unload beacon sends back"
        # what Voila's page sends on 'beforeunload': navigator.sendBeacon with a form
        gone = alice.post(shutdown + kernel_id.group(1), files={"_xsrf": (None, xsrf)}, timeout=60)
        assert gone.status_code == 204, gone.text
        again = alice.post(shutdown + kernel_id.group(1), files={"_xsrf": (None, xsrf)}, timeout=60)
        assert again.status_code == 404  # no such kernel any more
    # without the beacon every visit leaves its kernel (+3); Voila may still be refilling
    # its preheated pool for the last visit (+1 at most)
    deadline = time.monotonic() + 120
    while len(_kernels()) > len(before) + 1 and time.monotonic() < deadline:
        time.sleep(0.5)  # a condition polled until a bounded deadline (no event for it)
    assert len(_kernels()) <= len(before) + 1, (sorted(before), sorted(_kernels()))
