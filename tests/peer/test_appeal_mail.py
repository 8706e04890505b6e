"""Appeals by e-mail, received by a real SMTP server (aiosmtpd on 127.0.0.1): a learner's
appeal tells the course's staff addresses (what the service sends once it is recorded),
her text made printable; the teacher's answer by ``parcours peer … settle`` tells her at
her roster address, in the course's language; a server that refuses loses no answer
(the appeal stays answered, the command says the mail was not sent, exit 3); with no
SMTP server configured, nothing is sent and nothing fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig, load_config
from parcours.course import Course, load_course
from parcours.peer import appeals
from parcours.peer.notify import tell_learner, tell_staff
from parcours.peer.records import add_allocations, read_allocation, record_review
from parcours.pipeline.roster import Learner, roster_path, write_roster

from ..tutoring.test_cli_remind import inbox  # noqa: F401
from .test_appeals import HOSTILE, WRITTEN
from .test_manifest import INLINE, _course

STAFF = "equipe-pedagogique@example.org"


@pytest.fixture
def mailed(
    tmp_path: Path,
    isolated_jupyter: Path,
    repo: Path,
    inbox: Any,  # noqa: F811
) -> tuple[ParcoursConfig, Course, Any]:
    """devoir-a peer-reviewed, alice's work reviewed twice; the course's staff address;
    alice's roster address; the SMTP settings in the user's jupyter_config.py."""
    box, port = inbox
    (isolated_jupyter / "config" / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.smtp_host = '127.0.0.1'\nc.ParcoursConfig.smtp_port = {port}\n"
        "c.ParcoursConfig.smtp_sender = 'Parcours <formation@example.org>'\n",
        encoding="utf-8",
    )
    folder = _course(tmp_path, INLINE.replace("{top}", "2"))
    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text + f'\n[tutoring]\nnotify = ["{STAFF}"]\n', encoding="utf-8")
    config, course = load_config(repo), load_course(folder)
    write_roster(
        roster_path(config, course),
        [
            Learner("alice", "Alice", "Martin", "alice@example.org"),
            Learner("bob", "Bob", "Durand", ""),
            Learner("chloe", "Chloé", "Petit", "chloe@example.org"),
        ],
    )
    add_allocations(config, course, "devoir-a", [("alice", "bob"), ("alice", "chloe")])
    label = read_allocation(config, course, "devoir-a")["alice"]["label"]
    assignment = course.assignment("devoir-a")
    for reviewer, points in (("bob", 2), ("chloe", 0)):
        record_review(
            config, course, assignment, reviewer, label, {"code.lisible": points}, now=WRITTEN
        )
    return config, course, box


def test_the_staff_then_the_learner_are_told(
    mailed: tuple[ParcoursConfig, Course, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config, course, box = mailed
    assignment = course.assignment("devoir-a")
    made = appeals.appeal(config, course, assignment, "alice", HOSTILE)
    assert tell_staff(config, course, assignment, "alice", made["text"]) == [STAFF]
    (staff,) = box.messages
    assert staff["To"] == STAFF and staff["Auto-Submitted"] == "auto-generated"
    assert staff["Subject"] == f"[{course.id}] Contestation d'une note par les pairs : devoir-a"
    body = staff.get_content()
    assert "alice conteste la note par les pairs" in body and "c'est injuste !" in body
    assert "\x1b" not in body  # her text made printable: no terminal escape
    assert f"parcours peer {course.id} devoir-a settle --learner alice" in body

    args = ["peer", str(course.folder), "devoir-a", "settle", "--learner", "alice"]
    assert main([*args, "--answer", "Relu : la note reste 1/2."]) == 0
    assert "alice@example.org" in capsys.readouterr().out
    learner = box.messages[1]
    assert learner["To"] == "alice@example.org"
    assert learner["Subject"] == f"[{course.id}] Votre contestation a une réponse : devoir-a"
    said = learner.get_content()
    assert "Relu : la note reste 1/2." in said and "Mon parcours" in said
    assert "bob" not in said.lower() and "chloe" not in said.lower()  # no reviewer named


def test_a_refusing_server_loses_no_answer(
    mailed: tuple[ParcoursConfig, Course, Any],
    isolated_jupyter: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, course, box = mailed
    assignment = course.assignment("devoir-a")
    appeals.appeal(config, course, assignment, "alice", "Relisez.")
    settings = isolated_jupyter / "config" / "jupyter_config.py"
    text = settings.read_text(encoding="utf-8")
    port = config.smtp_port
    settings.write_text(text.replace(f"= {port}\n", f"= {port + 1}\n"), encoding="utf-8")
    args = ["peer", str(course.folder), "devoir-a", "settle", "--learner", "alice"]
    assert main([*args, "--answer", "Vu.", "--lang", "en"]) == 3
    err = capsys.readouterr().err
    assert "the e-mail telling alice of the answer was not sent" in err and "smtp_port" in err
    (row,) = appeals.appeals(config, course, assignment)
    assert row.state == "settled" and row.answer == "Vu."  # the answer is kept
    assert box.messages == []


def test_no_smtp_server_no_mail(mailed: tuple[ParcoursConfig, Course, Any]) -> None:
    config, course, box = mailed
    config.smtp_host = ""
    assignment = course.assignment("devoir-a")
    assert tell_staff(config, course, assignment, "alice", "Relisez.") == []
    assert tell_learner(config, course, assignment, "alice", {"answer": "Vu."}) == []
    config.smtp_host = "127.0.0.1"
    assert tell_learner(config, course, assignment, "bob", {"answer": "Vu."}) == []  # no address
    assert box.messages == []
