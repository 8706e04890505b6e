"""`parcours privacy export/erase` cover the questions: her questions and answers in her
export; after the erasure her name is in no file of the store (SQLite rewritten), her
question stays, from "a former learner", with the tutor's answer."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from parcours.cli import main
from parcours.tutoring import open_tutoring
from parcours.tutoring.desk import Desk, Reader

from tests.compliance.conftest import World, gradebook_file, world  # noqa: F401


def test_export_then_erase_her_questions(world: World, tmp_path: Path, capsys) -> None:  # noqa: F811
    config = world.config
    course = world.course.model_copy(update={"tutors": ["tom"]})
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course)
        asked = desk.ask(Reader("alice"), {"title": "Question de zoe-unique-words"})
        desk.answer(Reader("alice"), asked["id"], "Je précise : rien ne marche.")
        desk.answer(Reader("tom", True), asked["id"], "Réponse du tuteur.")
        other = desk.ask(Reader("bob"), {"title": "Question de Bob"})
        desk.answer(Reader("alice"), other["id"], "Essaie loc.")
    assert main(["privacy", "export", "alice", "--out", str(tmp_path)]) == 0
    with zipfile.ZipFile(capsys.readouterr().out.strip()) as zf:
        mine = json.loads(zf.read("tutoring.json"))
    assert [q["title"] for q in mine["questions"]] == ["Question de zoe-unique-words"]
    assert len(mine["answers"]) == 2 and "Bob" not in json.dumps(mine)

    assert main(["privacy", "erase", "alice", "--yes"]) == 0
    events = Path(config.events_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in events.parent.glob(events.name + "*"))
    assert b"alice" not in stored
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course)
        kept = desk.show(Reader("tom", True), asked["id"])
        assert kept["author"] == "former-learner"
        assert [a["author"] for a in kept["answers"]] == ["former-learner", "tom"]
        assert store.questions(author="bob")[0].title == "Question de Bob"


def test_her_evidence_pack_holds_the_exchange(world: World) -> None:  # noqa: F811
    import datetime as dt
    from zoneinfo import ZoneInfo

    from parcours.compliance.evidence import collect
    from parcours.compliance.pack import write_pack

    config = world.config
    paris = ZoneInfo("Europe/Paris")
    clock = {"at": dt.datetime(2027, 1, 8, 22, tzinfo=paris)}  # a Friday night
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, world.course, now=lambda: clock["at"])
        asked = desk.ask(Reader("alice"), {"title": "Pourquoi loc ?"})
        clock["at"] = dt.datetime(2027, 1, 11, 9, 30, tzinfo=paris)
        desk.answer(Reader("bob"), asked["id"], "Une idée de Bob")
        clock["at"] = dt.datetime(2027, 1, 11, 11, tzinfo=paris)
        desk.answer(Reader("prof", True), asked["id"], "Réponse de l'équipe")
    (exchange,) = collect(config, world.course, "alice")["tutoring"]
    assert exchange["first_response_hours"] == 2 and exchange["within_commitment"]
    assert exchange["first_staff_by"] == "prof"
    assert [a["by"] for a in exchange["answers"]] == ["un·e camarade", "prof"]
    assert collect(config, world.course, "bob")["tutoring"] == []
    pack = write_pack(config, world.course, "alice")
    with zipfile.ZipFile(pack.archive) as zf:
        held = json.loads(zf.read("evidence.json"))["tutoring"]
    assert held[0]["answers"][1]["body"] == "Réponse de l'équipe"
