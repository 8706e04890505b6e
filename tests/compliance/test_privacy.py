"""GDPR: export gathers a learner's data from every store; erase leaves none of their
identifiers outside the retained records; purge removes exactly what is past its period."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from pathlib import Path

from parcours.cli import main
from parcours.compliance import followups
from parcours.compliance.certificate import write_certificate
from parcours.compliance.pack import write_pack
from parcours.store import open_store, pseudonymize

from tests.compliance.conftest import World

UTC = dt.UTC


def spread(world: World) -> None:
    """alice's data in every kind of store the pipeline writes."""
    config, course = world.config, world.course
    root = config.course_root("c1")
    for folder in ("submitted", "autograded", "feedback"):
        (root / folder / "alice" / "A1").mkdir(parents=True, exist_ok=True)
        (root / folder / "alice" / "A1" / "devoir.ipynb").write_text("{}", encoding="utf-8")
    (root / "feedback" / "bob" / "A1").mkdir(parents=True)
    (root / "feedback" / "bob" / "A1" / "devoir.html").write_text("bob's", encoding="utf-8")
    inbound = Path(config.exchange_dir) / "c1" / "inbound" / "alice+A1+2026-09-12 10:00:00 UTC"
    inbound.mkdir(parents=True)
    (inbound / "devoir.ipynb").write_text("{}", encoding="utf-8")
    (root / "extensions.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "entries": {
                    "A1": {
                        "alice": {"until": "2026-09-15T22:00:00+00:00", "by": "prof"},
                        "bob": {"until": "2026-09-16T22:00:00+00:00", "by": "prof"},
                    }
                },
                "log": [
                    {"action": "extend", "learner": "alice"},
                    {"action": "extend", "learner": "bob"},
                ],
            }
        )
    )
    spool = Path(config.data_dir) / "spool" / "spool-host-1.jsonl"
    spool.parent.mkdir()
    spool.write_text(
        json.dumps({"actor": pseudonymize("alice", config.pseudonym_salt)})
        + "\n"
        + json.dumps({"actor": pseudonymize("bob", config.pseudonym_salt)})
        + "\n"
    )
    (root / "gradebook.frames-v3.npz").write_bytes(b"cache alice")
    figures = Path(config.data_dir) / "dashboards" / "figures"  # pictures drawn ahead
    figures.mkdir(parents=True)
    (figures / "0a1b.svg").write_text("<svg><text>Alice Martin</text></svg>", encoding="utf-8")
    followups.record_followup(config, course, "alice", how="phone", outcome="ok", by="tuteur")
    write_certificate(config, course, "alice")
    from parcours.pipeline.roster import remove_learner

    remove_learner(config, course, "bob")  # the roster's history keeps bob's line...
    from parcours.pipeline.roster import Learner, add_learner

    add_learner(config, course, Learner("bob", "Bob", "Durand", "bob@example.org", ("g1",)))


def scan(world: World, words: list[str]) -> list[str]:
    """Every file under the data folder and the course folders holding one of ``words``,
    outside the retained records (evidence/, certificates/)."""
    hits = []
    data = Path(world.config.data_dir)
    for base in (data, world.courses_dir):
        for path in base.rglob("*"):
            if not path.is_file():
                continue
            if base == data and path.relative_to(data).parts[0] in ("evidence", "certificates"):
                continue
            blob = path.read_bytes()
            if any(w.encode() in blob for w in words) or any(w in str(path) for w in words):
                hits.append(str(path))
    return hits


def test_export_then_erase(world: World, tmp_path: Path, capsys) -> None:
    spread(world)
    config = world.config
    words = ["alice", "alice@example.org", "Alice Martin", "Martin",
             pseudonymize("alice", config.pseudonym_salt)]  # fmt: skip
    assert scan(world, words)  # before: everywhere

    assert main(["privacy", "export", "alice", "--out", str(tmp_path)]) == 0
    archive = capsys.readouterr().out.strip()
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        events = json.loads(zf.read("events.json"))
        grades = json.loads(zf.read("gradebook/c1.json"))
        roster = zf.read("files/courses/c1/roster.csv").decode()
        extensions = json.loads(zf.read("files/courses/c1/extensions.json"))
    assert len(events) == 7 and grades["submissions"][0]["assignment"] == "A1"
    assert "Alice" in roster and "Bob" not in roster
    assert list(extensions["entries"]["A1"]) == ["alice"]
    for part in ("submitted/alice", "feedback/alice", "inbound/alice+A1", "followups.jsonl",
                 "certificates/c1/alice.pdf", "spool-host-1.jsonl"):  # fmt: skip
        assert any(part in n for n in names), part
    assert not any("bob" in n for n in names)

    assert main(["privacy", "erase", "alice"]) == 2  # asks for --yes
    assert main(["privacy", "erase", "alice", "--yes"]) == 0
    assert scan(world, words) == []
    # retained: the certificate and a last evidence pack, with its hash
    assert (Path(config.data_dir) / "certificates" / "c1" / "alice.pdf").is_file()
    assert list((Path(config.data_dir) / "evidence" / "c1").glob("alice-*.zip"))
    # bob is untouched, the class's events are still counted
    assert scan(world, ["bob@example.org"])
    assert (config.course_root("c1") / "feedback" / "bob" / "A1" / "devoir.html").is_file()
    with open_store(config.events_url) as store:
        assert store.count(course="c1") == 8


def test_purge_removes_exactly_what_is_past_its_period(world: World, capsys) -> None:
    config = world.configure("c.ParcoursConfig.retention_events_days = 365\n")
    course = world.course
    now = dt.datetime(2032, 9, 20, 12, 0, tzinfo=UTC)

    def dated(path: Path, when: dt.datetime) -> None:
        os.utime(path, (when.timestamp(), when.timestamp()))

    old_cert = write_certificate(config, course, "alice")  # 2029-09-19: 3 y + 1 day
    dated(old_cert, dt.datetime(2029, 9, 19, 12, 0, tzinfo=UTC))
    new_cert = write_certificate(config, course, "bob")  # 2029-09-21: still within 3 y
    dated(new_cert, dt.datetime(2029, 9, 21, 12, 0, tzinfo=UTC))
    old_pack = write_pack(config, course, "alice", now=dt.datetime(2026, 9, 19, tzinfo=UTC))
    new_pack = write_pack(config, course, "bob", now=dt.datetime(2026, 9, 21, tzinfo=UTC))
    followups.record_followup(
        config,
        course,
        "alice",
        how="email",
        outcome="old",
        by="t",
        contacted_at=dt.datetime(2026, 9, 10, tzinfo=UTC),
    )
    followups.record_followup(
        config,
        course,
        "bob",
        how="email",
        outcome="new",
        by="t",
        contacted_at=dt.datetime(2026, 9, 25, tzinfo=UTC),
    )
    with open_store(config.events_url) as store:  # events from 2026: all past 365 days...
        assert store.count(course="c1") == 8

    assert main(["privacy", "purge", "--now", now.isoformat(), "--dry-run"]) == 0
    assert old_cert.is_file()
    assert main(["privacy", "purge", "--now", now.isoformat()]) == 0
    out = capsys.readouterr().out
    assert not old_cert.exists() and new_cert.is_file()
    assert not old_pack.archive.exists() and new_pack.archive.is_file()
    assert [f.outcome for f in followups.list_followups(config, course)] == ["new"]
    assert "events\t8 événements antérieurs au 2031-09-21" in out  # ParcoursConfig.language: fr
    with open_store(config.events_url) as store:
        assert store.count(course="c1") == 0
    assert main(["privacy", "purge", "--now", now.isoformat()]) == 0
    assert "rien n'a dépassé sa durée de conservation" in capsys.readouterr().out


def test_erase_and_purge_on_postgresql(world: World, postgres_server, capsys) -> None:
    """The same duties when the events live on PostgreSQL: alice's events keep counting
    for the class under a random actor, and no file of the events table still holds her
    pseudonym or her answers (the old row versions are rewritten, not only marked free)."""
    import psycopg
    from parcours.store.postgres import libpq_url

    url = postgres_server.parcours_urls(f"t{os.getpid()}_privacy")["events_url"]
    config = world.configure(
        f"c.ParcoursConfig.events_url = {url!r}\nc.ParcoursConfig.retention_events_days = 365\n"
    )
    from tests.compliance.conftest import write_events

    for stale in Path(config.data_dir).glob("events.sqlite*"):  # the world's, on SQLite
        stale.unlink()
    write_events(config)
    alice = pseudonymize("alice", config.pseudonym_salt)

    def table_files() -> bytes:
        with psycopg.connect(libpq_url(url)) as conn:
            (relative,) = conn.execute("SELECT pg_relation_filepath('events')").fetchone()
        return b"".join(p.read_bytes() for p in postgres_server.data.glob(relative + "*"))

    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("CHECKPOINT")  # the rows on disk, as a copy of the files would find them
    assert alice.encode() in table_files()
    assert main(["privacy", "erase", "alice", "--yes"]) == 0
    with open_store(url) as store:
        assert store.count(actor=alice) == 0 and store.count(course="c1") == 8
        erased = [e for e in store.read(course="c1") if e.actor.startswith("erased-")]
    assert len(erased) == 7 and {e.response for e in erased} == {None}
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("CHECKPOINT")
    assert alice.encode() not in table_files()
    capsys.readouterr()
    now = dt.datetime(2032, 9, 20, 12, 0, tzinfo=UTC)
    assert main(["privacy", "purge", "--now", now.isoformat()]) == 0
    assert "events\t8 événements antérieurs au 2031-09-21" in capsys.readouterr().out
    with open_store(url) as store:
        assert store.count() == 0
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
