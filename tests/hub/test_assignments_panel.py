"""nbgrader's Assignments panel in a learner's JupyterLab on the hub works through the
Parcours service: the learner's server cannot read the exchange, yet the panel lists,
fetches and submits — as the server's user, through the service, into their own home."""

from __future__ import annotations

import json
import pwd
import subprocess
from pathlib import Path
from typing import Any

from .conftest import COURSE_A, HubSite


def _panel(site: HubSite, session: Any, name: str, method: str, path: str, **data: str) -> Any:
    """A call of the panel's own backend (nbgrader's assignment_list server extension)."""
    xsrf = session.cookies.get("_xsrf", path=f"/user/{name}/") or ""
    answer = session.request(
        method,
        f"{site.url}/user/{name}/{path}",
        headers={"X-XSRFToken": xsrf},
        data=data or None,
        timeout=300,
    )
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
    body = json.loads(answer.text)
    assert body["success"], body.get("value")
    return body.get("value")


def test_the_assignments_panel_goes_through_the_service(hub_site: HubSite) -> None:
    name = "pt-bob"
    session = hub_site.login(name)
    hub_site.start_server(session, name)
    assert session.get(f"{hub_site.url}/user/{name}/lab", timeout=120).status_code == 200
    # the exchange is closed to bob's account: only the service can list it
    peek = subprocess.run(
        ["runuser", "-u", name, "--", "ls", str(hub_site.config.exchange_dir)],
        capture_output=True,
        check=False,
    )
    assert peek.returncode != 0

    assert COURSE_A in _panel(hub_site, session, name, "GET", "courses")
    listed = _panel(hub_site, session, name, "GET", f"assignments?course_id={COURSE_A}")
    devoir = [a for a in listed if a["assignment_id"] == "devoir-1"]
    assert [a["status"] for a in devoir] == ["released"]

    _panel(
        hub_site, session, name, "POST", "assignments/fetch", course_id=COURSE_A,
        assignment_id="devoir-1",
    )  # fmt: skip
    home = Path(pwd.getpwnam(name).pw_dir)
    folder = home / COURSE_A / "devoir-1"
    notebooks = sorted(folder.glob("*.ipynb"))
    assert notebooks and all(p.stat().st_uid == pwd.getpwnam(name).pw_uid for p in notebooks)
    listed = _panel(hub_site, session, name, "GET", f"assignments?course_id={COURSE_A}")
    fetched = [a for a in listed if a["assignment_id"] == "devoir-1" and a["status"] == "fetched"]
    assert fetched and {n["notebook_id"] for n in fetched[0]["notebooks"]} == {
        p.stem for p in notebooks
    }

    _panel(
        hub_site, session, name, "POST", "assignments/submit", course_id=COURSE_A,
        assignment_id="devoir-1",
    )  # fmt: skip
    listed = _panel(hub_site, session, name, "GET", f"assignments?course_id={COURSE_A}")
    submitted = [a for a in listed if a["status"] == "submitted"]
    assert [a["student_id"] for a in submitted] == [name]
    stamps = [s["timestamp"] for s in submitted[0]["submissions"]]
    inbound = Path(hub_site.config.exchange_dir) / COURSE_A / "inbound"
    theirs = [p.name for p in inbound.iterdir() if p.name.startswith(f"{name}+devoir-1+")]
    assert len(stamps) == len(theirs) >= 1
    assert all(any(stamp in folder_name for folder_name in theirs) for stamp in stamps)
    # nothing of the service's folders reaches the learner
    assert str(hub_site.data_dir) not in json.dumps(listed)
