"""`parcours questions` for a tutor, and the tutors' reminder of questions near or over
the delay, received by a real SMTP server (aiosmtpd on 127.0.0.1) once per stage."""

from __future__ import annotations

import datetime as dt
import email
import re
import shutil
import socket
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from parcours.cli import main
from parcours.config import load_config
from parcours.course.load import load_course
from parcours.tutoring import open_tutoring
from parcours.tutoring.desk import Desk, Reader
from parcours.tutoring.remind import send_tutor_reminders

REPO = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox) -> Path:
    _box, port = inbox
    root = tmp_path / "project"
    course = root / "courses" / "c1"
    shutil.copytree(REPO / "courses" / "analyse-de-donnees", course)
    manifest = course / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    text = re.sub(r'^id = ".*"$', 'id = "c1"', text, count=1, flags=re.M)
    text = re.sub(r"^(teachers = .*)$", r'\1\ntutors = ["tom"]', text, count=1, flags=re.M)
    text += '\n[tutoring]\nresponse_hours = 8\nnotify = ["tutorat@example.org"]\n'
    manifest.write_text(text, encoding="utf-8")
    (root / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.events_url = 'sqlite:///{tmp_path}/events.sqlite'\n"
        f"c.ParcoursConfig.smtp_host = '127.0.0.1'\nc.ParcoursConfig.smtp_port = {port}\n"
        "c.ParcoursConfig.smtp_sender = 'Parcours <formation@example.org>'\n"
        "c.ParcoursConfig.learner = 'tom'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PARCOURS_ROOT", str(root))
    monkeypatch.delenv("PARCOURS_DATA_DIR", raising=False)
    return root


def test_a_tutor_lists_and_answers_from_the_command_line(project: Path, capsys) -> None:
    config = load_config(project)
    course = load_course(project / "courses" / "c1")
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course)
        asked = desk.ask(Reader("alice"), {"title": "Que fait \x1b[31mread_csv ?", "body": "?"})
    assert main(["questions", "c1"]) == 0
    listed = capsys.readouterr().out
    assert asked["id"] in listed and "alice" in listed and "\x1b" not in listed
    assert main(["questions", "c1", "answer", asked["id"], "Il lit un **CSV**."]) == 0
    shown = capsys.readouterr().out
    assert "Il lit un **CSV**." in shown and "[answered]" in shown
    assert main(["questions", "c1", "figures"]) == 0
    assert '"answered": 1' in capsys.readouterr().out
    # only the course's staff
    (project / "jupyter_config.py").open("a").write("c.ParcoursConfig.learner = 'alice'\n")
    assert main(["questions", "c1"]) == 2
    assert "ni enseignant ni tuteur" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["questions", "--help"])
    assert done.value.code == 0


def test_the_tutors_reminder_once_near_once_over(project: Path, inbox) -> None:
    box, _port = inbox
    config = load_config(project)
    course = load_course(project / "courses" / "c1")
    clock = {"at": dt.datetime(2027, 1, 11, 9, tzinfo=PARIS)}  # Monday 09:00
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course, now=lambda: clock["at"], near_hours=2)
        asked = desk.ask(Reader("alice"), {"title": "Question <b>urgente</b>"})
        answered = desk.ask(Reader("bruno"), {"title": "Déjà répondue"})
        desk.answer(Reader("tom", True), answered["id"], "Oui")
        assert send_tutor_reminders(config, desk).sent == []  # 8 working hours left
        clock["at"] = dt.datetime(2027, 1, 11, 15, 30, tzinfo=PARIS)  # 1.5 h left
        assert send_tutor_reminders(config, desk).sent == [f"{asked['id']}:near"]
        assert send_tutor_reminders(config, desk).sent == []  # never twice
        clock["at"] = dt.datetime(2027, 1, 12, 10, tzinfo=PARIS)  # Tuesday: 2 h over
        assert send_tutor_reminders(config, desk).sent == [f"{asked['id']}:over"]
    near, over = box.messages
    assert near["To"] == "tutorat@example.org"
    assert near["Subject"] == "[c1] 1 question proche du délai ou en retard"
    body = over.get_content()
    assert "Question <b>urgente</b>" in body and asked["id"] in body and "Déjà" not in body
    assert "en retard de 2 heures ouvrées" in body  # Monday 17:00-18:00, Tuesday 09:00-10:00
    assert "(8 heures ouvrées pour une première réponse)" in body
