"""The Parcours hub service, attacked as a hostile learner would, through the real hub
(proxy, token checks) and the real CLI run as the learner's own Unix account.

Each attack here succeeded against the one-machine design (a flag or an environment
variable named the learner; the shared files were writable): writing events as a
classmate, submitting as a classmate, reading another course. Through the service, who
asks is the token's user and nothing else."""

from __future__ import annotations

import io
import json
import os
import pwd
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import requests

from .conftest import BOTH, COURSE_A, COURSE_B, HubSite


def _event(**fields: Any) -> dict[str, Any]:
    """A whole schema-v1 event, as a learner's kernel sends it (HubEventStore)."""
    from parcours.store.events import Event

    base = {
        "actor": "p-0000000000000000",
        "verb": "answered",
        "course": COURSE_A,
        "object_type": "question",
        "object_id": "l01-q1",
        "lesson": "l01-decouvrir",
        "score": 1.0,
        "success": 1,
        "response": "1",
        "attempt": 1,
    }
    return Event(**{**base, **fields}).to_dict()


def _token(site: HubSite, name: str) -> str:
    """A token of ``name`` for the Parcours service, made through the hub's API, with the
    Parcours scopes she holds (as her server's token has them)."""
    from parcours.hub.people import read_people
    from parcours.hub.server import HubClient

    client = HubClient(f"{site.url}/hub/api", _accounts_token(site))
    scopes = read_people(site.config).by_name[name].scopes
    made = client.call("POST", f"/users/{name}/tokens", {"scopes": scopes, "note": "test"})
    return str(made["token"])


def _accounts_token(site: HubSite) -> str:
    from parcours.hub.settings import accounts_token

    return accounts_token(site.config)


def _service(site: HubSite) -> str:
    return f"{site.url}/services/parcours/"


def _call(site: HubSite, token: str | None, method: str, path: str, **kwargs: Any) -> Any:
    headers = {
        **kwargs.pop("headers", {}),
        **({"Authorization": f"token {token}"} if token else {}),
    }
    timeout = kwargs.pop("timeout", 120)
    return requests.request(
        method, _service(site) + path, headers=headers, timeout=timeout, **kwargs
    )


def _pseudonym(site: HubSite, name: str) -> str:
    from parcours.store.ids import pseudonymize

    return pseudonymize(name, site.config.pseudonym_salt)


def test_no_token_no_service(hub_site: HubSite) -> None:
    assert _call(hub_site, None, "POST", "api/events", json=[_event()]).status_code == 403
    assert _call(hub_site, "not-a-token", "GET", "api/events").status_code == 403
    # a hub session cookie is not a token: the service takes tokens only
    alice = hub_site.login("pt-alice")
    assert alice.get(_service(hub_site) + "api/events", timeout=60).status_code == 403


def test_events_carry_the_tokens_user_whatever_they_say(hub_site: HubSite) -> None:
    from parcours.store import open_store

    alice, bob = _token(hub_site, "pt-alice"), _token(hub_site, "pt-bob")
    forged = _event(
        id="f" * 32, actor=_pseudonym(hub_site, "pt-bob"), self_reported=0, score=0.0, success=0
    )
    answer = _call(hub_site, alice, "POST", "api/events", json=[forged])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"recorded": 1, "received": 1}
    with open_store(hub_site.config.events_url) as store:
        (stored,) = [e for e in store.read() if e.id == "f" * 32]
    assert stored.actor == _pseudonym(hub_site, "pt-alice")  # not bob
    assert stored.self_reported == 1
    mine = _call(hub_site, alice, "GET", "api/events").json()
    assert "f" * 32 in [e["id"] for e in mine]  # with her lesson's answers, if any
    # her own events, under the actor her kernel writes: the pseudonym is never shown
    assert {e["actor"] for e in mine} == {"p-self"}
    theirs = _call(hub_site, bob, "GET", "api/events").json()
    assert "f" * 32 not in [e["id"] for e in theirs]


def test_learners_fetch_and_submit_as_themselves(hub_site: HubSite) -> None:
    alice = _token(hub_site, "pt-alice")
    fetched = _call(hub_site, alice, "GET", f"api/courses/{COURSE_A}/assignments/devoir-1")
    assert fetched.status_code == 200, fetched.text
    with tarfile.open(fileobj=io.BytesIO(fetched.content), mode="r:gz") as tar:
        names = tar.getnames()
    assert any(n.endswith(".ipynb") for n in names)
    # carol learns the other course: this one does not exist for her
    carol = _token(hub_site, "pt-carol")
    other = _call(hub_site, carol, "GET", f"api/courses/{COURSE_A}/assignments/devoir-1")
    assert other.status_code == 404
    deadlines = _call(hub_site, alice, "GET", f"api/courses/{COURSE_A}/deadlines").json()
    assert [a["assignment"] for a in deadlines["assignments"]][:1] == ["devoir-1"]
    assert _call(hub_site, alice, "GET", f"api/courses/{COURSE_B}/deadlines").status_code == 404


def _as_learner(
    site: HubSite, name: str, token: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """``parcours ARGS`` in the learner's own terminal: their Unix account, their home,
    their token, the environment their JupyterLab has on the hub."""
    home = pwd.getpwnam(name).pw_dir
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": home,
        "PARCOURS_ROOT": str(site.project),
        "JUPYTER_CONFIG_PATH": str(site.project),
        "PARCOURS_SERVICE_URL": _service(site),
        "JUPYTERHUB_API_TOKEN": token,
        "JUPYTERHUB_USER": name,
        "PARCOURS_DATA_DIR": str(site.data_dir),
    }
    return subprocess.run(
        [
            "runuser",
            "-u",
            name,
            "--",
            "env",
            "-i",
            *[f"{k}={v}" for k, v in env.items()],
            str(Path(sys.executable).parent / "parcours"),
            *args,
        ],
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _gzip_bomb(size: int = 2 * 2**30) -> bytes:
    """A tar.gz of one file of 2 GiB of zeros in about 2 MiB (gzip members follow each
    other: one compressed MiB of zeros, repeated)."""
    import gzip

    info = tarfile.TarInfo("devoir-1/donnees.bin")
    info.size = size
    zeros = gzip.compress(b"\0" * 2**20, compresslevel=9)
    header, end = gzip.compress(info.tobuf(format=tarfile.GNU_FORMAT)), gzip.compress(b"\0" * 1024)
    return b"".join([header, zeros * (size // 2**20), end])


def test_a_gzip_bomb_is_refused_with_413(hub_site: HubSite) -> None:
    """2 MiB sent, 2 GiB once unpacked: refused (413) with what, the limit and what to do,
    in the course's language; nothing of it kept, nothing submitted."""
    import tempfile

    alice = _token(hub_site, "pt-alice")
    inbound = Path(hub_site.config.exchange_dir) / COURSE_A / "inbound"
    before = sorted(inbound.iterdir()) if inbound.is_dir() else []
    bomb = _gzip_bomb()
    assert len(bomb) < 3 * 2**20
    answer = _call(
        hub_site, alice, "POST", f"api/courses/{COURSE_A}/assignments/devoir-1", data=bomb
    )
    assert answer.status_code == 413, answer.text
    message = answer.json()["message"]
    assert "100 Mio" in message and "rendez-le à nouveau" in message, message
    assert (sorted(inbound.iterdir()) if inbound.is_dir() else []) == before
    left = [
        p
        for folder in Path(tempfile.gettempdir()).glob("parcours-submit-*")
        for p in folder.rglob("*")
        if p.is_file() and p.stat().st_size > 2**20
    ]
    assert left == []


def test_submitting_as_someone_else_fails(hub_site: HubSite) -> None:
    alice = _token(hub_site, "pt-alice")
    fetched = _as_learner(hub_site, "pt-alice", alice, "fetch", COURSE_A, "devoir-1")
    assert fetched.returncode == 0, fetched.stderr
    home = Path(pwd.getpwnam("pt-alice").pw_dir)
    folder = home / COURSE_A / "devoir-1"
    assert any(folder.glob("*.ipynb"))
    assert all(p.stat().st_uid == pwd.getpwnam("pt-alice").pw_uid for p in folder.iterdir())
    inbound = Path(hub_site.config.exchange_dir) / COURSE_A / "inbound"

    def bobs() -> list[str]:
        return sorted(p.name for p in inbound.glob("pt-bob+*")) if inbound.is_dir() else []

    before = bobs()
    # the attack of the one-machine design: name a classmate
    forged = _as_learner(
        hub_site, "pt-alice", alice, "submit", COURSE_A, "devoir-1", "--learner", "pt-bob"
    )
    assert forged.returncode == 2 and "pt-bob" in forged.stderr
    sent = _as_learner(hub_site, "pt-alice", alice, "submit", COURSE_A, "devoir-1")
    assert sent.returncode == 0, sent.stderr
    # the service's receipt, worded once (issue #24 item 5): local time, zone named,
    # the plural of files, late with the course's penalty — never raw UTC
    receipt = sent.stdout
    assert receipt.startswith("Rendu de « ") and "(heure de Paris, UTC+1) (" in receipt, receipt
    assert " fichiers)" in receipt or " (1 fichier)." in receipt, receipt
    assert "Votre échéance est passée : ce rendu a " in receipt, receipt
    assert "Pénalité de retard : 10 % des points par jour, au plus 50 %." in receipt, receipt
    assert "+00:00" not in receipt
    mine = _as_learner(hub_site, "pt-alice", alice, "deadlines", COURSE_A)
    assert mine.returncode == 0 and mine.stdout.startswith("devoir "), mine.stdout + mine.stderr
    submitted = sorted(p.name.split("+")[0] for p in inbound.iterdir())
    assert "pt-alice" in submitted and bobs() == before  # nothing new in bob's name
    history = (hub_site.config.course_root(COURSE_A) / "history.jsonl").read_text()
    lines = [json.loads(line) for line in history.splitlines()]
    assert {"who": "pt-alice", "what": "submitted"} in [
        {"who": x["who"], "what": x["what"]} for x in lines
    ]
    # and the exchange itself stays closed to her
    peek = subprocess.run(
        ["runuser", "-u", "pt-alice", "--", "ls", str(inbound)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert peek.returncode != 0


def test_teachers_act_on_their_own_course_only(hub_site: HubSite) -> None:
    prof_b, alice = _token(hub_site, "pt-prof-b"), _token(hub_site, "pt-alice")
    collect_a = f"api/courses/{COURSE_A}/assignments/devoir-1/collect"
    assert _call(hub_site, prof_b, "POST", collect_a, json={}).status_code == 404
    assert _call(hub_site, alice, "POST", collect_a, json={}).status_code == 403
    assert _call(hub_site, alice, "GET", f"api/courses/{COURSE_A}/history").status_code == 403
    # the course's teacher, from their own terminal (their Unix account, their token)
    prof_a = _token(hub_site, "pt-prof-a")
    done = _as_learner(hub_site, "pt-prof-a", prof_a, "collect", COURSE_A, "devoir-1")
    assert done.returncode == 0, done.stderr
    # her deadlines: the class's progress, not a learner's "overdue" (issue #24 item 5)
    table = _as_learner(hub_site, "pt-prof-a", prof_a, "deadlines", COURSE_A)
    assert table.returncode == 0, table.stderr
    assert "rendu par" in table.stdout and "en retard, non rendu" not in table.stdout
    answer = _call(hub_site, prof_a, "GET", f"api/courses/{COURSE_A}/deadlines").json()
    assert answer["teaching"] is True and "submitted" in answer["assignments"][0]
    # the same sentence as on one machine, in the course's language (not the service's JSON)
    assert done.stdout.startswith("« devoir-1 » : ") and "{" not in done.stdout, done.stdout
    # her roster, read through the service (the file is the service's)
    listed = _as_learner(hub_site, "pt-prof-a", prof_a, "roster", COURSE_A, "list")
    assert listed.returncode == 0, listed.stderr
    assert "pt-alice" in listed.stdout and "pt-carol" not in listed.stdout
    roster = f"api/courses/{COURSE_A}/roster"
    assert _call(hub_site, alice, "GET", roster).status_code == 403
    assert _call(hub_site, prof_b, "GET", roster).status_code == 404
    history = _call(hub_site, prof_a, "GET", f"api/courses/{COURSE_A}/history").json()
    assert {"who": "pt-prof-a", "what": "collect"} in [
        {"who": x["who"], "what": x["what"]} for x in history
    ]


def test_a_removed_users_token_is_refused(hub_site: HubSite) -> None:
    from parcours.hub.server import HubClient

    carol = _token(hub_site, "pt-carol")
    assert _call(hub_site, carol, "GET", "api/events").status_code == 200
    HubClient(f"{hub_site.url}/hub/api", _accounts_token(hub_site)).call(
        "DELETE", "/users/pt-carol"
    )
    # the service trusts the hub's last answer for service_token_cache_s (5 s here)
    removed = time.monotonic()
    while _call(hub_site, carol, "GET", "api/events").status_code != 403:
        assert time.monotonic() - removed < hub_site.config.service_token_cache_s + 10
    assert _call(hub_site, carol, "GET", f"api/courses/{COURSE_B}/deadlines").status_code == 403
    assert os.geteuid() == 0


def test_a_learner_taken_out_of_a_course_is_refused_at_once(hub_site: HubSite) -> None:
    """`parcours roster COURSE remove NAME` on the hub's machine: the hub's groups follow,
    her token loses the course's scope, and the service — which keeps the hub's answers
    about tokens for service_token_cache_s — refuses her very next request for it (404:
    the course is not hers), while her other course still answers; added back, she is
    served again."""
    from parcours.hub.server import sync_everything

    dora = _token(hub_site, BOTH)
    deadlines = f"api/courses/{COURSE_B}/deadlines"
    for _ in range(3):  # the hub's answer now kept by the service
        assert _call(hub_site, dora, "GET", deadlines).status_code == 200
    try:
        removed = hub_site.run("roster", COURSE_B, "remove", BOTH)
        assert removed.returncode == 0, removed.stderr
        sync_everything(hub_site.config, port=hub_site.hub.port)  # the test hub's port
        answer = _call(hub_site, dora, "GET", deadlines)
        assert answer.status_code == 404, answer.text
        body = answer.json()  # JupyterHub's error shape, nothing else
        assert set(body) == {"status", "message"} and body["status"] == 404, body
        assert COURSE_B in body["message"] and BOTH in body["message"], body
        assert _call(hub_site, dora, "GET", f"api/courses/{COURSE_A}/deadlines").status_code == 200
        courses = [c["id"] for c in _call(hub_site, dora, "GET", "api/courses").json()]
        assert courses == [COURSE_A]
    finally:
        added = hub_site.run("roster", COURSE_B, "add", BOTH, "--first-name", "Dora")
        assert added.returncode == 0, added.stderr
        sync_everything(hub_site.config, port=hub_site.hub.port)
    # back in the course's group: the same token holds its scope again
    assert _call(hub_site, dora, "GET", deadlines).status_code == 200


def _service_token(site: HubSite, name: str, scopes: list[str]) -> tuple[str, Any]:
    """A hub service called ``name`` whose token has ``scopes`` (as an operator gives a
    monitoring or backup service access to Parcours' services), written in the running
    hub's database as JupyterHub keeps its services; (token, a function removing it)."""
    from jupyterhub import orm

    url = f"sqlite:///{site.config.hub_dir / 'jupyterhub.sqlite'}"
    db = orm.new_session_factory(url)()
    service = orm.Service(name=name, from_config=False)
    role = orm.Role(name=f"test-service-{name}", scopes=scopes)
    role.services.append(service)
    db.add_all([service, role])
    db.commit()
    token = service.new_api_token(note="test", scopes=scopes)
    db.commit()

    def remove() -> None:
        for orm_token in list(service.api_tokens):
            db.delete(orm_token)
        db.delete(role)
        db.delete(service)
        db.commit()
        db.close()

    return str(token), remove


def test_a_services_token_is_not_taken_for_a_person(hub_site: HubSite) -> None:
    """A service named like a learner, its token allowed to reach the Parcours service
    and the dashboards: wherever a person is expected, it is refused (403, JupyterHub's
    error shape), never taken for the learner of that name."""
    scopes = ["access:services!service=parcours", "access:services!service=dashboards"]
    alice = _token(hub_site, "pt-alice")
    assert _call(hub_site, alice, "GET", f"api/courses/{COURSE_A}/deadlines").status_code == 200
    token, remove = _service_token(hub_site, "pt-alice", scopes)
    try:
        for method, path in (
            ("GET", "api/events"),
            ("POST", "api/events"),
            ("GET", "api/courses"),
            ("GET", f"api/courses/{COURSE_A}/deadlines"),
            ("GET", f"api/courses/{COURSE_A}/assignments/devoir-1"),
            ("GET", "api/panel"),
        ):
            answer = _call(hub_site, token, method, path, json=[_event()])
            assert answer.status_code == 403, (path, answer.status_code, answer.text[:200])
            body = answer.json()
            assert body["status"] == 403 and "service « pt-alice »" in body["message"], body
        # nor does the dashboards service show her page to it
        page = requests.get(
            hub_site.dashboard("learner"),
            headers={"Authorization": f"token {token}"},
            timeout=120,
            allow_redirects=False,
        )
        assert page.status_code == 403, (page.status_code, page.text[:200])
        assert "pt-alice" not in page.text or "not a person" in page.text
    finally:
        remove()
