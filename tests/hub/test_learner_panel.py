"""The "Mon parcours" panel in a learner's JupyterLab on the hub: their server reads no
course data (neither the courses, the exchange nor the event store), yet every part of
the panel answers — path, deadlines with the lateness warning, fetch, a late submission
with its reflection and receipt, feedback, review queue, workload — computed by the
Parcours service for the server's own user, through the real hub and proxy."""

from __future__ import annotations

import json
import pwd
import subprocess
from pathlib import Path
from typing import Any

import requests

from .conftest import COURSE_A, COURSE_B, HubSite
from .test_service import _call, _event, _token

LEARNER = "pt-bob"


def _panel(site: HubSite, session: Any, method: str, path: str, body: Any = None) -> Any:
    """A call of the panel's backend in the learner's own server (as JupyterLab makes it)."""
    xsrf = session.cookies.get("_xsrf", path=f"/user/{LEARNER}/") or ""
    return session.request(
        method,
        f"{site.url}/user/{LEARNER}/parcours/api/{path}",
        headers={"X-XSRFToken": xsrf},
        data=None if body is None else json.dumps(body),
        timeout=300,
    )


def _ok(answer: requests.Response) -> Any:
    assert answer.status_code == 200, (answer.request.url, answer.status_code, answer.text[:500])
    return answer.json()


def test_the_panel_works_on_the_hub_through_the_service(hub_site: HubSite) -> None:
    session = hub_site.login(LEARNER)
    hub_site.start_server(session, LEARNER)
    lab = session.get(f"{hub_site.url}/user/{LEARNER}/lab", timeout=120)  # the server's OAuth
    assert lab.status_code == 200
    # his server's account cannot read the course data the panel shows
    for closed in (hub_site.project / "courses", hub_site.data_dir / "courses"):
        peek = subprocess.run(
            ["runuser", "-u", LEARNER, "--", "ls", str(closed)], capture_output=True, check=False
        )
        assert peek.returncode != 0, closed
    token = _token(hub_site, LEARNER)
    done = _event(verb="completed", object_type="lesson", object_id="l01-decouvrir", score=None)
    assert _call(hub_site, token, "POST", "api/events", json=[done]).status_code == 200

    path = _ok(_panel(hub_site, session, "GET", "path"))
    assert path["learner"] == LEARNER and path["lang"] == "fr"
    assert path["texts"]["title"] == "Mon parcours"
    mine = [c for c in path["courses"] if c["course"] == COURSE_A]
    assert [c["course"] for c in path["courses"]] == [COURSE_A]  # not cours-b
    states = {lesson["id"]: lesson["state"] for lesson in mine[0]["lessons"]}
    assert states["l01-decouvrir"] == "done" and states["l02-lire-csv"] == "next"
    assert _panel(hub_site, session, "GET", "path?learner=pt-alice").status_code == 403

    deadlines = _ok(_panel(hub_site, session, "GET", f"deadlines?course={COURSE_A}"))
    assert deadlines["learner"] == LEARNER and deadlines["timezone"] == "Europe/Paris"
    devoir = next(a for a in deadlines["assignments"] if a["assignment"] == "devoir-1")
    assert devoir["can_fetch"] and devoir["due"].startswith("2026-09-28T23:59:00+02:00")
    assert "échéance est passée" in devoir["late_warning"]
    refused = _panel(hub_site, session, "GET", f"deadlines?course={COURSE_B}")
    assert refused.status_code == 404

    fetched = _ok(
        _panel(hub_site, session, "POST", "fetch", {"course": COURSE_A, "assignment": "devoir-1"})
    )
    home = Path(pwd.getpwnam(LEARNER).pw_dir)
    assert fetched["open"] and all((home / name).is_file() for name in fetched["open"])
    assert all(
        (home / name).stat().st_uid == pwd.getpwnam(LEARNER).pw_uid for name in fetched["open"]
    )
    assert fetched["message"] == f"Récupéré dans {COURSE_A}/devoir-1."

    reflection = {"minutes": 45, "difficulties": "les jointures", "confidence": 4}
    sent = _ok(
        _panel(
            hub_site,
            session,
            "POST",
            "submit",
            {"course": COURSE_A, "assignment": "devoir-1", "reflection": reflection},
        )
    )
    assert sent["message"].startswith("Rendu de « ") and "(heure de Paris" in sent["message"]
    assert "échéance est passée" in sent["late_warning"]
    assert sent["received"].endswith("+00:00")
    reflected = _call(hub_site, token, "GET", "api/events?verb=reflected").json()
    assert [
        (e["object_id"], e["actor"], json.loads(e["extra"])["confidence"]) for e in reflected
    ] == [("devoir-1", "p-self", 4)]

    feedback = _ok(
        _panel(
            hub_site, session, "POST", "feedback", {"course": COURSE_A, "assignment": "devoir-1"}
        )
    )
    assert feedback == {"message": "Pas encore de retour sur ce devoir.", "open": []}

    review = _ok(_panel(hub_site, session, "GET", f"review?course={COURSE_A}"))
    assert review["course"] == COURSE_A and review["summary"]
    workload = _ok(_panel(hub_site, session, "GET", f"workload?course={COURSE_A}"))
    assert len(workload["days"]) == 7 and workload["limit_minutes"] > 0
    # nothing of the service's folders reaches the learner
    everything = json.dumps([path, deadlines, fetched, sent, review, workload])
    assert str(hub_site.data_dir) not in everything
