"""Fixtures of the badge tests: a project with the mini course, its badges declared in
``badges.toml``, a roster (one learner's name hostile), and the Parcours service's own
application serving it on loopback (no hub: the badge pages need no token)."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from parcours.config import ParcoursConfig, load_config

FIXTURE = Path(__file__).parents[1] / "pipeline" / "fixtures" / "mini-cours"
BADGES = """
[[badges]]
id = "premiere-lecon"
name = "Première leçon"
description = "A terminé la leçon 1 du mini cours."
criteria = "Leçon 1 terminée."
lessons = ["l01"]

[[badges]]
id = "devoir-reussi"
name = "Devoir A réussi"
assignment = "devoir-a"
min_score = 0.6
"""
#: a name as an LMS or a roster may bring it: shown as text, never run
HOSTILE = 'Zoé <script>document.title="pwned"</script><img src=x onerror=alert(1)>'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    from parcours.course.load import load_course
    from parcours.pipeline.roster import Learner, roster_path, write_roster

    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root / "courses" / "mini-cours")
    (root / "courses" / "mini-cours" / "badges.toml").write_text(BADGES, encoding="utf-8")
    (root / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.data_dir = {str(tmp_path / 'data')!r}\n"
        "c.ParcoursConfig.lrs_home_page = 'https://parcours.example.org'\n",
        encoding="utf-8",
    )
    config = load_config(root)
    course = load_course(root / "courses" / "mini-cours")
    write_roster(
        roster_path(config, course),
        [Learner("zoe", HOSTILE, "Martin"), Learner("bob", "Bob", "Durand")],
    )
    return root


@pytest.fixture
def config(project: Path) -> ParcoursConfig:
    return load_config(project)


def complete_lesson(config: ParcoursConfig, learner: str, lesson: str) -> None:
    """Record that ``learner`` completed ``lesson`` of the mini course, as her kernel does."""
    from parcours.store import open_store
    from parcours.store.events import Event
    from parcours.store.ids import pseudonymize

    event = Event.make(
        actor=pseudonymize(learner, config.pseudonym_salt), verb="completed",
        course="mini-cours", object_type="lesson", object_id=lesson, lesson=lesson,
        duration_s=600.0,
    )  # fmt: skip
    with open_store(config.events_url) as store:
        store.record_many([event])


@pytest.fixture
def service(config: ParcoursConfig) -> Iterator[str]:
    """The Parcours service's application (``service_app.make_app``) on a loopback port:
    its base URL (``…/services/parcours/``)."""
    from parcours.hub import service_app
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port

    ready, held = threading.Event(), dict[str, Any]()

    async def serve() -> None:
        app = service_app.make_app(config, "/services/parcours/")
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
    yield f"http://127.0.0.1:{held['port']}/services/parcours/"
    held["loop"].call_soon_threadsafe(held["stop"].set)
    thread.join(30)
