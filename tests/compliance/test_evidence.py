"""The evidence pack lists exactly a hand-built learner's activity and results; an edited
archive is detected."""

from __future__ import annotations

import json
import zipfile

from parcours.cli import main
from parcours.compliance.evidence import collect
from parcours.compliance.pack import verify, write_pack

from tests.compliance.conftest import World, pdf_text


def test_pack_of_a_hand_built_learner(world: World) -> None:
    data = collect(world.config, world.course, "alice")
    assert [(s["start"], s["end"], s["seconds"], s["events"]) for s in data["sessions"]] == [
        ("2026-09-08T10:00:00+00:00", "2026-09-08T10:11:00+00:00", 660.0, 4),
        ("2026-09-09T14:00:00+00:00", "2026-09-09T14:21:00+00:00", 1260.0, 2),
        ("2026-09-20T09:00:00+00:00", "2026-09-20T09:00:00+00:00", 0.0, 1),
    ]
    assert data["time_on_task_s"] == 1920.0
    assert len(data["events"]) == 7  # alice's only, bob's left out
    lessons = {x["lesson"]: x for x in data["lessons"]}
    assert lessons["L1"]["opened"] == "2026-09-08T10:00:00+00:00"
    assert lessons["L1"]["completed"] == "2026-09-08T10:10:00+00:00"
    assert (lessons["L1"]["quiz_score"], lessons["L1"]["correct_first_try"]) == (1.0, 1)
    assert (lessons["L2"]["completed"], lessons["L2"]["quiz_score"]) == (None, 0.0)
    assert lessons["L3"]["opened"] is None
    (a1,) = data["assignments"]
    assert a1["received"] == "2026-09-12T10:00:00+00:00"
    assert (a1["score"], a1["max_score"], a1["late"]) == (8.0, 10.0, False)
    assert a1["feedback_at"] == "2026-09-14T10:00:00+00:00"
    assert a1["feedback_delay_s"] == 2 * 86400
    modules = {m["module"]: m for m in data["modules"]}
    assert (modules["m1"]["lessons_completed"], modules["m1"]["assignments_submitted"]) == (1, 1)
    assert modules["m1"]["progress"] == round(2 / 3, 4)
    assert modules["m2"]["progress"] == 0.0
    skills = {s["skill"]: s for s in data["skills"]}
    assert (skills["s1"]["quiz_mean"], skills["s1"]["assignment_mean"]) == (1.0, 0.8)
    assert (skills["s2"]["quiz_mean"], skills["s2"]["assignment_mean"]) == (0.0, None)
    assert data["reflections"] == [
        {"timestamp": "2026-09-08T10:11:00+00:00", "lesson": "L1",
         "answer": {"difficulty": "facile", "minutes": 25}}
    ]  # fmt: skip
    assert [s["answer"] for s in data["satisfaction"]] == [{"rating": 4}]
    assert data["minutes_completed_estimated"] == 80
    assert data["course"]["minutes_estimated"] == 120
    assert data["learner"]["employer"] == "Boulangerie Dupain"
    assert (data["first_activity"], data["last_activity"]) == (
        "2026-09-08T10:00:00+00:00",
        "2026-09-20T09:00:00+00:00",
    )


def test_archive_pdf_and_hash_check(world: World, tmp_path) -> None:
    from parcours.store.history import LOGGED_IN, record

    for who in ("alice", "alice", "bob"):  # the hub's login hook, as on the hub
        record(world.config, "c1", who, LOGGED_IN, "")
    record(world.config, "c1", "alice", "fetched", "A1")  # not a login
    pack = write_pack(world.config, world.course, "alice")
    with zipfile.ZipFile(pack.archive) as zf:
        names = set(zf.namelist())
        assert {
            "evidence.json",
            "events.csv",
            "sessions.csv",
            "logins.csv",
            "evidence.pdf",
        } <= names
        assert json.loads(zf.read("evidence.json"))["learner"]["id"] == "alice"
        (tmp_path / "evidence.pdf").write_bytes(zf.read("evidence.pdf"))
    text = pdf_text(tmp_path / "evidence.pdf")
    assert "Alice Martin" in text and "Devoir un" in text
    assert "32 min" in text  # time on task
    assert "Connexions au hub" in text and "2 (dernière" in text  # alice's two, not bob's
    assert verify(world.config, pack.archive) is None
    assert main(["evidence", "--verify", str(pack.archive)]) == 0

    # someone "improves" the record: the archive no longer matches its hash
    with zipfile.ZipFile(pack.archive, "a") as zf:
        zf.writestr("note.txt", "added later")
    assert pack.sha256 in (verify(world.config, pack.archive) or "")  # recorded vs found
    assert main(["evidence", "--verify", str(pack.archive)]) == 3


def test_class_packs_from_the_command_line(world: World, capsys) -> None:
    assert main(["evidence", "c1", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("sha256:" in line for line in lines)
    (summary,) = (world.config.course_root("c1").parents[1] / "evidence" / "c1").glob("class-*")
    rows = summary.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("learner,name,first_activity")
    assert [r.split(",")[0] for r in rows[1:]] == ["alice", "bob"]
    assert rows[1].split(",")[5:8] == ["1920.0", "80", "120"]
    assert main(["evidence", "c1", "nobody"]) == 2


BADGES = """[[badges]]
id = "premiere-lecon"
name = "Première leçon"
description = "A terminé la leçon L1."
criteria = "Terminer la leçon L1."
lessons = ["L1"]

[[badges]]
id = "devoir-reussi"
name = "Devoir réussi"
description = "A obtenu 70 % au devoir A1."
criteria = "Au moins 70 % des points au devoir A1."
assignment = "A1"
min_score = 0.7
"""


def test_the_badges_she_holds_are_in_her_evidence(world: World, tmp_path) -> None:
    """Her credentials go into her pack (an auditor's proof of skills acquired): each
    badge's name, date, public verification page, and a revoked one with when and why;
    none of another learner's; collecting issues nothing."""
    from parcours.badges.registry import award, issued, revoke
    from parcours.course import load_course

    (world.course.folder / "badges.toml").write_text(BADGES, encoding="utf-8")
    course = load_course(world.course.folder)
    assert collect(world.config, course, "alice")["badges"] == []
    assert issued(world.config, "c1") == []  # looking issued nothing
    held = award(world.config, course)  # alice earned both (L1 done, A1 8/10); bob none
    assert sorted((i.learner, i.badge) for i in held) == [
        ("alice", "devoir-reussi"),
        ("alice", "premiere-lecon"),
    ]
    (work,) = [i for i in held if i.badge == "devoir-reussi"]
    revoke(world.config, work.id, "note corrigée après réclamation")
    badges = {b["badge"]: b for b in collect(world.config, course, "alice")["badges"]}
    assert badges["premiere-lecon"]["name"] == "Première leçon"
    assert not badges["premiere-lecon"]["revoked"]
    assert badges["premiere-lecon"]["url"].endswith(
        f"/{next(i.id for i in held if i.badge == 'premiere-lecon')}"
    )
    assert badges["devoir-reussi"]["revoked"]
    assert badges["devoir-reussi"]["reason"] == "note corrigée après réclamation"
    assert collect(world.config, course, "bob")["badges"] == []

    pack = write_pack(world.config, course, "alice")
    with zipfile.ZipFile(pack.archive) as zf:
        assert len(json.loads(zf.read("evidence.json"))["badges"]) == 2
        (tmp_path / "evidence.pdf").write_bytes(zf.read("evidence.pdf"))
    text = " ".join(pdf_text(tmp_path / "evidence.pdf").split())
    assert "Badges délivrés" in text and "Première leçon" in text, text
    assert "Révoqué le" in text and "note corrigée après" in text, text
