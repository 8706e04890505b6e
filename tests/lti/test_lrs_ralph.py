"""Recorded events forwarded to a real Ralph LRS (its own venv, its file backend, HTTP
Basic; tests/lti/ralphlrs.py) through a TCP proxy that resets connections, before the
request reaches Ralph or after Ralph stored it: Ralph holds exactly one statement per
recorded event whatever failed in between."""

from __future__ import annotations

import base64
import json
import random
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig, load_config
from parcours.lti.lrs import lrs_status, sync_statements
from parcours.lti.xapi import statement, statement_id

from tests.lti.ralphlrs import PASSWORD, USER, Ralph, TcpProxy, available
from tests.lti.test_lrs import HOME, record


@pytest.fixture(scope="module")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ralph]:
    if not available():
        pytest.fail("Ralph's venv is missing: run .ci/setup (it makes .venv-ralph)")
    server = Ralph(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


def project(folder: Path, url: str, password: str = PASSWORD) -> ParcoursConfig:
    (folder / "courses").mkdir(parents=True)
    (folder / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.data_dir = {str(folder / 'data')!r}\n"
        f"c.ParcoursConfig.lrs_url = {url!r}\n"
        f"c.ParcoursConfig.lrs_user = {USER!r}\n"
        f"c.ParcoursConfig.lrs_password = {password!r}\n"
        f"c.ParcoursConfig.lrs_home_page = {HOME!r}\n",
        encoding="utf-8",
    )
    return load_config(folder)


def held(ralph: Ralph, ids: set[str]) -> Counter[str]:
    """How many times Ralph's file holds each of ``ids``."""
    return Counter(str(s["id"]) for s in ralph.stored() if s["id"] in ids)


def test_one_statement_per_event_through_a_breaking_network(ralph: Ralph, tmp_path: Path) -> None:
    chance = random.Random(28)

    def decide(_n: int) -> str:
        roll = chance.random()
        return "reset" if roll < 0.3 else "lose_answer" if roll < 0.5 else "pass"

    proxy = TcpProxy(ralph.port, decide)
    proxy.start()
    try:
        config = project(tmp_path / "p", proxy.url)
        events = record(config, 400, course="breaking")
        waits: list[float] = []
        runs, stored, known = 0, 0, 0
        while runs < 20:  # a run gives up after its tries; the next one goes on
            runs += 1
            report = sync_statements(config, batch=20, tries=4, wait=waits.append)
            stored, known = stored + report.stored, known + report.known
            if not report.error:
                break
    finally:
        proxy.stop()
    ids = {statement_id(e.id) for e in events}
    assert held(ralph, ids) == Counter(dict.fromkeys(ids, 1))  # each once, none missing
    assert {"reset", "lose_answer"} <= set(proxy.actions)
    # batches Ralph stored but whose answer was lost came back as known, not stored twice
    assert known > 0 and stored + known == len(events) and waits
    status = lrs_status(config, "breaking")
    assert (status["stored"] + status["known"], status["waiting"]) == (400, 0)
    # what Ralph holds is what Parcours built (Ralph adds `stored` and `authority`)
    first = next(s for s in ralph.stored() if s["id"] == statement_id(events[0].id))
    built = statement(events[0], HOME)
    assert {k: first[k] for k in ("actor", "verb", "object", "context")} == {
        k: built[k] for k in ("actor", "verb", "object", "context")
    }


def test_answer_lost_after_ralph_stored_the_batch(ralph: Ralph, tmp_path: Path) -> None:
    proxy = TcpProxy(ralph.port, lambda n: "lose_answer" if n == 1 else "pass")
    proxy.start()
    try:
        config = project(tmp_path / "p", proxy.url)
        events = record(config, 30, course="lost-answer")
        waits: list[float] = []
        report = sync_statements(config, batch=10, backoff=0.5, wait=waits.append)
    finally:
        proxy.stop()
    # the first batch: stored by Ralph, its answer reset; sent again, Ralph answers 204
    assert (report.stored, report.known, report.retries, report.error) == (20, 10, 1, "")
    assert waits == [0.5]
    ids = {statement_id(e.id) for e in events}
    assert held(ralph, ids) == Counter(dict.fromkeys(ids, 1))


def test_ralph_keeps_its_own_statement_on_a_conflicting_id(ralph: Ralph, tmp_path: Path) -> None:
    config = project(tmp_path / "p", ralph.url)
    events = record(config, 5, course="conflict")
    clash = statement(events[2], HOME)
    clash["verb"] = {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    pair = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    post = urllib.request.Request(
        ralph.url + "statements",
        data=json.dumps([clash]).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3",
                 "Authorization": f"Basic {pair}"},
    )  # fmt: skip
    with urllib.request.urlopen(post, timeout=30) as answer:
        assert answer.status == 200
    report = sync_statements(config)
    assert (report.stored, report.conflicts, report.error) == (4, 1, "")
    mine = [s for s in ralph.stored() if s["id"] == clash["id"]]
    assert [s["verb"]["id"] for s in mine] == [clash["verb"]["id"]]  # Ralph's own, once
    assert sync_statements(config).conflicts == 0  # never sent again


def test_wrong_password_is_refused_by_ralph_at_once(ralph: Ralph, tmp_path: Path) -> None:
    config = project(tmp_path / "p", ralph.url, password="wrong")
    events = record(config, 3, course="refused")
    waits: list[float] = []
    report = sync_statements(config, wait=waits.append)
    assert waits == [] and report.waiting == 3
    assert "401" in report.error and "lrs_password" in report.error
    assert not held(ralph, {statement_id(e.id) for e in events})


def test_every_kind_of_statement_passes_ralphs_xapi_model(tmp_path: Path) -> None:
    """Ralph's own pydantic model of an xAPI 1.0.3 statement (``BaseXapiStatement``),
    in Ralph's venv, accepts the statement of every kind of recorded event."""
    import subprocess

    from parcours.store.events import Event

    from tests.lti.ralphlrs import VENV
    from tests.lti.test_lrs import KINDS

    if not available():
        pytest.fail("Ralph's venv is missing: run .ci/setup (it makes .venv-ralph)")
    made = [
        statement(Event.make(actor="p-0000000000000001", course="c1", **kind), HOME)
        for kind in KINDS
    ]
    check = (
        "import json, sys\n"
        "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
        "for line in sys.stdin:\n"
        "    BaseXapiStatement(**json.loads(line))\n"
    )
    done = subprocess.run(
        [str(VENV / "bin" / "python"), "-c", check],
        input="\n".join(json.dumps(s) for s in made),
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "RALPH_APP_DIR": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert {s["verb"]["id"].rsplit("/", 1)[1] for s in made} >= {"answered", "completed", "open"}
