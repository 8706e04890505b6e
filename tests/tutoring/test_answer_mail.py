"""The asker's e-mail when the staff answer her question (she asked for it when asking),
received by a real SMTP server (aiosmtpd on 127.0.0.1): from the tutor's command line,
never for a classmate's answer nor to who did not ask for it; an SMTP server that
refuses loses no answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from parcours.cli import main
from parcours.config import load_config
from parcours.course.load import load_course
from parcours.errors import ParcoursError
from parcours.pipeline.roster import Learner, roster_path, write_roster
from parcours.tutoring import open_tutoring
from parcours.tutoring.desk import Desk, Reader
from parcours.tutoring.remind import send_answer_mail

from .test_cli_remind import inbox, project  # noqa: F401

TOM = Reader("tom", True)


def _class(project: Path):  # noqa: F811
    config = load_config(project)
    course = load_course(project / "courses" / "c1")
    write_roster(
        roster_path(config, course),
        [
            Learner("alice", "Alice", "Martin", "alice@example.org"),
            Learner("bruno", "Bruno", "Durand", "bruno@example.org"),
        ],
    )
    return config, course


def test_the_asker_is_told_by_mail_when_the_staff_answer(project: Path, inbox) -> None:  # noqa: F811
    box, _port = inbox
    config, course = _class(project)
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course)
        asked = desk.ask(Reader("alice"), {"title": "Que fait <b>loc</b> ?", "mail": True})
        quiet = desk.ask(Reader("bruno"), {"title": "Et iloc ?"})  # no e-mail asked
        # a classmate's answer: no e-mail
        classmate = desk.answer(Reader("bruno"), asked["id"], "Je crois que c'est par nom.")
        assert send_answer_mail(config, desk, classmate) == []
        assert send_answer_mail(config, desk, desk.answer(TOM, quiet["id"], "Par position.")) == []
    assert box.messages == []
    # the tutor answers from her terminal: alice is told, in the course's language
    assert main(["questions", "c1", "answer", asked["id"], "Par **étiquette**."]) == 0
    (message,) = box.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "[c1] Votre question a une réponse"
    body = message.get_content()
    assert "tom a répondu à votre question « Que fait <b>loc</b> ? »" in body
    assert "Par **étiquette**." in body and "Mon parcours" in body
    assert "bruno" not in body.lower()


def test_a_refusing_smtp_server_loses_no_answer(project: Path, inbox) -> None:  # noqa: F811
    box, port = inbox
    config, course = _class(project)
    config.smtp_port = port + 1 if port < 65535 else port - 1  # nobody listens there
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course)
        asked = desk.ask(Reader("alice"), {"title": "Une question", "mail": True})
        answer = desk.answer(TOM, asked["id"], "Une réponse.")
        with pytest.raises(ParcoursError, match="alice"):
            send_answer_mail(config, desk, answer)
        assert [a.body for a in store.answers(asked["id"])] == ["Une réponse."]
    assert box.messages == []
