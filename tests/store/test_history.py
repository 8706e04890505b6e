"""The Parcours service's history (store/history.py) on one machine (JSON lines per course)
and on PostgreSQL (a table of the events database): the same entries, in order, per
course, from several threads at once, and never rewritten."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.store import history

from tests.postgres import Databases


@pytest.fixture
def config(databases: Databases, tmp_path: Path) -> ParcoursConfig:
    config = ParcoursConfig(data_dir=str(tmp_path / "data"), events_url=databases.events_url)
    for course in ("c1", "c2"):
        config.course_root(course).mkdir(parents=True)
    return config


def test_entries_are_kept_per_course_in_order(config: ParcoursConfig, databases: Databases):
    expected = kind = type(history.open_history(config)).__name__
    assert kind == {"sqlite": "FileHistory", "postgresql": "PostgresHistory"}[databases.kind]
    history.record(config, "c1", "prof", "released", "a1")
    history.record(config, "c1", "alice", "fetched", "a1")
    history.record(config, "c2", "bob", "fetched", "b1")
    history.record(config, "c1", "alice", "submitted", "a1")
    entries = history.read(config, "c1")
    assert [(e["who"], e["what"], e["assignment"]) for e in entries] == [
        ("prof", "released", "a1"),
        ("alice", "fetched", "a1"),
        ("alice", "submitted", "a1"),
    ]
    assert all(e["at"].endswith("+00:00") for e in entries)
    assert [e["who"] for e in history.read(config, "c2")] == ["bob"]
    assert history.read(config, "c3") == []
    stored_where = config.course_root("c1") / history.HISTORY
    assert stored_where.is_file() == (expected == "FileHistory")


def test_many_writers_at_once_lose_nothing(config: ParcoursConfig) -> None:
    def submit(n: int) -> None:
        history.record(config, "c1", f"learner{n:03d}", "submitted", "a1")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(submit, range(200)))
    entries = history.read(config, "c1")
    assert sorted(e["who"] for e in entries) == [f"learner{n:03d}" for n in range(200)]


def test_the_file_history_is_only_appended_to(tmp_path: Path) -> None:
    config = ParcoursConfig(data_dir=str(tmp_path), events_url=f"sqlite:///{tmp_path}/e.sqlite")
    config.course_root("c1").mkdir(parents=True)
    history.record(config, "c1", "alice", "fetched", "a1")
    path = config.course_root("c1") / history.HISTORY
    first = path.read_bytes()
    history.record(config, "c1", "alice", "submitted", "a1")
    assert path.read_bytes().startswith(first)
    assert [json.loads(line)["what"] for line in path.read_text().splitlines()] == [
        "fetched",
        "submitted",
    ]


def test_the_postgresql_history_refuses_edits(postgres_server, postgres_db: str) -> None:
    import psycopg

    url = postgres_server.url(postgres_db)
    config = ParcoursConfig(data_dir="/nonexistent", events_url=url)
    history.record(config, "c1", "alice", "submitted", "a1")
    for edit in (
        "UPDATE history SET who = 'bob'",
        "DELETE FROM history",
        "TRUNCATE history",
    ):
        with psycopg.connect(url) as conn, pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(edit)
    assert [e["who"] for e in history.read(config, "c1")] == ["alice"]
