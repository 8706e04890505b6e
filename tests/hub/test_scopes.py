"""Authorisation from the token's scopes, in this process (no hub, no root): the one model
of the Parcours service and the dashboards (:mod:`parcours.hub.scopes`), declared on each
handler; JupyterHub's own ``HubAuth`` and its cache, dropped when the class changes, so
that a learner taken out of a course is refused at her very next request; every error in
JupyterHub's shape. The same through the real hub: tests/hub/test_service.py."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import pytest

from .test_service_deadline import LEARNERS, TEACHER, bench

PARCOURS = "access:services!service=parcours"


def test_teaching_includes_learning_and_a_service_is_never_a_person() -> None:
    from parcours.hub.scopes import Access, learn_scope, teach_scope

    prof = Access.of({"name": "prof", "scopes": [PARCOURS, teach_scope("a"), learn_scope("b")]})
    assert prof.teaches == {"a"} and prof.learns == {"b"} and prof.courses == {"a", "b"}
    assert prof.may("learn", "a") and prof.may("teach", "a") and not prof.may("teach", "b")
    assert not prof.may("learn", "c") and not prof.may("coordinate")
    # a service named like a teacher, holding the same scopes, may nothing a person may
    service = Access.of({"name": "prof", "kind": "service", "scopes": [teach_scope("a")]})
    assert not service.may("teach", "a") and not service.may("learn", "a")
    # the dashboards read the same model: a teacher opens her own course's learners only
    from parcours.hub.scopes import may_view

    rosters = {"a": {"alice"}, "b": {"bob"}}
    assert may_view(
        {"name": "prof", "scopes": [teach_scope("a")]}, "learner", {"learner": "alice"}, rosters
    )[0]
    assert not may_view(
        {"name": "prof", "scopes": [teach_scope("a")]}, "learner", {"learner": "bob"}, rosters
    )[0]


def test_a_handler_states_its_need_or_does_not_exist() -> None:
    from parcours.hub.scopes import needs_scope

    with pytest.raises(ValueError):
        needs_scope("grade")


class FakeHub:
    """The hub's answers about tokens (token -> its model), and how often it was asked."""

    def __init__(self) -> None:
        self.models: dict[str, dict[str, Any]] = {}
        self.asked = 0

    async def answer(self, method: str, url: str, /, **kwargs: Any) -> Any:
        self.asked += 1
        token = kwargs["headers"]["Authorization"].split(" ", 1)[1]
        return self.models.get(token)  # None: the hub's 403, no such token


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The bench's project: courses bench-a and bench-b (teacher ``TEACHER``), learners
    ``LEARNERS`` in both."""
    with pytest.MonkeyPatch.context() as env:
        base = tmp_path_factory.mktemp("scopes")
        for name in ("PARCOURS_ROOT", "JUPYTER_CONFIG_PATH", "PARCOURS_DATA_DIR"):
            env.setenv(name, "")
        env.delenv("PARCOURS_SERVICE_URL", raising=False)
        env.setenv("PARCOURS_DATA_DIR", str(base / "data"))
        yield bench().make_project(base, LEARNERS, {})


def run(config: Any, hub: FakeHub, test: Callable[[Any], Coroutine[Any, Any, None]]) -> None:
    """``test(fetch)`` against the service's application with JupyterHub's own HubAuth,
    whose calls to the hub ``hub`` answers."""
    from parcours.hub import service, service_app
    from tornado.httpclient import AsyncHTTPClient
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port

    ready, held = threading.Event(), dict[str, Any]()

    async def serve() -> None:
        app = service_app.make_app(config, "/services/parcours/")
        auth = service.ServiceHandler.hub_auth
        auth.access_scopes = {PARCOURS}
        auth._api_request = hub.answer
        sock, held["port"] = bind_unused_port()
        server = HTTPServer(app)
        server.add_sockets([sock])
        held["loop"], held["stop"] = asyncio.get_running_loop(), asyncio.Event()
        ready.set()
        await held["stop"].wait()
        server.stop()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(30)

    async def fetch(token: str, path: str, method: str = "GET") -> tuple[int, Any]:
        answer = await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{held['port']}/services/parcours/{path}",
            method=method,
            body=b"{}" if method == "POST" else None,
            headers={"Authorization": f"token {token}"},
            raise_error=False,
        )
        return answer.code, json.loads(answer.body) if answer.body else None

    try:
        asyncio.run(test(fetch))
    finally:
        held["loop"].call_soon_threadsafe(held["stop"].set)
        thread.join(30)


def test_scopes_decide_and_a_removed_learner_is_refused_at_once(project: Any) -> None:
    from parcours.hub.classlist import mark_synced
    from parcours.hub.scopes import learn_scope, teach_scope
    from parcours.pipeline.roster import remove_learner

    config, learner, other = project, LEARNERS[0], LEARNERS[1]
    hub = FakeHub()
    hub.models = {
        "t-learner": {
            "kind": "user",
            "name": learner,
            "scopes": [PARCOURS, learn_scope("bench-a")],
        },
        "t-other": {"kind": "user", "name": other, "scopes": [PARCOURS, learn_scope("bench-a")]},
        "t-prof": {"kind": "user", "name": TEACHER, "scopes": [PARCOURS, teach_scope("bench-a")]},
    }

    async def test(fetch: Callable[..., Awaitable[tuple[int, Any]]]) -> None:
        deadlines = "api/courses/bench-a/deadlines"
        assert (await fetch("t-learner", deadlines))[0] == 200
        # her token holds no scope of bench-b, although the roster lists her there: 404
        code, body = await fetch("t-learner", "api/courses/bench-b/deadlines")
        assert (
            code == 404
            and body
            == {
                "status": 404,
                "message": body["message"],
            }
            and "bench-b" in body["message"]
        ), body
        # a teacher's action, by a learner of the course: 403, JupyterHub's shape
        code, body = await fetch("t-learner", "api/courses/bench-a/history")
        assert code == 403 and set(body) == {"status", "message"}, body
        code, body = await fetch("t-prof", "api/courses/bench-a/history")
        assert code == 200, body
        courses = (await fetch("t-learner", "api/courses"))[1]
        assert [c["id"] for c in courses] == ["bench-a"]
        # the hub's answer is kept (HubAuth's own cache): not asked again
        asked = hub.asked
        assert (await fetch("t-learner", deadlines))[0] == 200
        assert hub.asked == asked
        # taken out of bench-a: the roster changes, the hub's groups follow (her token
        # loses the scope), the sync is marked: her very next request is refused
        await asyncio.to_thread(remove_learner, config, "bench-a", learner)
        hub.models["t-learner"]["scopes"] = [PARCOURS]
        await asyncio.to_thread(mark_synced, config)
        code, body = await fetch("t-learner", deadlines)
        assert code == 404, body
        assert (await fetch("t-other", deadlines))[0] == 200  # the others still served
        # a token the hub no longer knows (her account deleted): 403
        del hub.models["t-other"]
        await asyncio.to_thread(mark_synced, config)
        assert (await fetch("t-other", deadlines))[0] == 403

    run(config, hub, test)


def test_a_servers_token_asks_for_every_parcours_scope(project: Any) -> None:
    """Her server's token asks for every course's scopes (the hub keeps those she holds);
    a person's scopes are those her groups' roles grant."""
    from parcours.hub.people import read_people
    from parcours.hub.settings import server_token_scopes

    people = read_people(project)
    asked = set(server_token_scopes(people))
    assert set(people.custom_scopes()) <= asked and PARCOURS in asked
    granted = {
        scope for role in people.roles() for scope in role["scopes"] if scope.startswith("custom:")
    }
    for person in people.by_name.values():
        assert set(person.scopes) - {PARCOURS} <= granted
    assert people.by_name[TEACHER].scopes == [
        PARCOURS,
        "custom:parcours:teach:bench-a",
        "custom:parcours:teach:bench-b",
    ]


def test_no_setting_opens_the_hub_to_an_account_no_course_names(project: Any) -> None:
    """The deprecated ``dashboard_teachers`` (one machine's teachers) makes no one a
    person of the hub: there, only the manifests make teachers."""
    from parcours.hub.people import read_people

    project.dashboard_teachers = ["prof-hors-cours"]
    try:
        people = read_people(project)
    finally:
        project.dashboard_teachers = []
    assert "prof-hors-cours" not in people.by_name
    assert TEACHER in people.by_name
