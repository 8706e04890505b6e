"""Reminders arrive at a real SMTP server (aiosmtpd on 127.0.0.1) once, at the right
moments, not in quiet hours, not to a learner who opted out."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from email.policy import default

import pytest
from parcours.cli import main
from parcours.compliance import remind
from parcours.compliance.evidence import collect

from tests.compliance.conftest import World


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def take(self) -> list[tuple[str, str]]:
        """(To, Subject) of the messages received since the last call."""
        got = [(m["To"], m["Subject"]) for m in self.messages]
        self.messages.clear()
        return got


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


def test_reminders_once_at_the_right_moments(world: World, inbox) -> None:
    box, port = inbox
    config = world.configure(
        f"c.ParcoursConfig.smtp_host = '127.0.0.1'\nc.ParcoursConfig.smtp_port = {port}\n"
        "c.ParcoursConfig.smtp_sender = 'Parcours <formation@example.org>'\n"
        "c.ParcoursConfig.quiet_hours = '21:00-08:00'\n"
        "c.ParcoursConfig.risk_thresholds = {'days_inactive': 2}\n"
    )
    course = world.course

    def at(moment: str) -> list[tuple[str, str]]:
        import datetime as dt

        remind.send_reminders(config, course, dt.datetime.fromisoformat(moment))
        return box.take()

    # A1 is due 09-13 22:00 UTC; alice handed it in, bob did not (last seen 09-10 08:00)
    assert at("2026-09-10T12:00:00+00:00") == []
    assert at("2026-09-11T08:00:00+00:00") == [
        ("bob@example.org", "Rappel : Devoir un est à rendre le 2026-09-14 0 h 00 "
         "(heure de Paris, UTC+2)")
    ]  # fmt: skip
    assert at("2026-09-11T09:00:00+00:00") == []  # never twice, cron or not
    assert at("2026-09-12T23:00:00+00:00") == []  # 01:00 in Paris: quiet hours
    got = at("2026-09-13T07:00:00+00:00")  # 09:00 in Paris: the 1-day one and the nudge
    assert sorted(subject.split(" ")[0] for _to, subject in got) == ["Rappel", "Vous"]
    assert {to for to, _s in got} == {"bob@example.org"}
    # the course is over: the survey, for bob only (alice answered it), unless he opts out
    remind.set_opt_out(config, course, "bob")
    assert at("2026-09-20T10:00:00+00:00") == []
    assert main(["remind", "c1", "--opt-in", "bob"]) == 0
    assert main(["remind", "c1", "--now", "2026-09-20T10:00:00+00:00"]) == 0
    assert [to for to, _s in box.take()] == ["bob@example.org"]
    assert at("2026-09-21T10:00:00+00:00") == []  # the next relance is a week later
    assert at("2026-09-27T09:59:00+00:00") == []
    assert len(at("2026-09-27T10:00:00+00:00")) == 1
    # every message is evidence
    kinds = [r["kind"] for r in collect(config, course, "bob")["reminders"]]
    assert kinds == ["deadline", "deadline", "inactivity", "satisfaction", "satisfaction"]
    assert collect(config, course, "alice")["reminders"] == []


def test_no_smtp_server_configured_or_reachable(world: World, capsys) -> None:
    assert main(["remind", "c1", "--now", "2026-09-11T08:00:00+00:00"]) == 2
    assert "smtp_host" in capsys.readouterr().err
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    world.configure(
        f"c.ParcoursConfig.smtp_host = '127.0.0.1'\nc.ParcoursConfig.smtp_port = {port}\n"
        "c.ParcoursConfig.smtp_sender = 'formation@example.org'\n"
    )
    assert main(["remind", "c1", "--now", "2026-09-11T08:00:00+00:00"]) == 1
    assert f"127.0.0.1:{port}" in capsys.readouterr().err
    assert remind.sent_to(world.config, world.course, "bob") == []
