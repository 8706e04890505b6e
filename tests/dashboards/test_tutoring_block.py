"""The coordinator page's tutoring block: response times to a first staff answer in
working hours against the course's commitment, the share answered within it, the open
and overdue questions, per tutor, in French with a decimal comma and the working
calendar and zone named; questions written into a real tutoring store."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from parcours.dashboards import tutoring as block
from parcours.i18n import language
from parcours.tutoring import open_tutoring
from parcours.tutoring.clock import WorkingClock
from parcours.tutoring.model import Answer, Question

from .conftest import COURSE, REPO

PARIS = ZoneInfo("Europe/Paris")


def _monday_of_a_plain_week(clock: WorkingClock, before: dt.datetime) -> dt.date:
    """A Monday at least two weeks before ``before`` whose Monday to Thursday are all
    working days (no public holiday), so the expected hours are plain arithmetic."""
    day = (before - dt.timedelta(days=14)).date()
    day -= dt.timedelta(days=day.weekday())
    while not all(clock.is_working_day(day + dt.timedelta(days=n)) for n in range(4)):
        day -= dt.timedelta(days=7)
    return day


@pytest.fixture
def asked(dashboard_data, tmp_path):
    """A configuration whose store holds five questions of the course: answered by the
    staff in 2, 9 and 34 working hours, one open for weeks, one asked a minute ago."""
    from parcours.config import load_config

    config = load_config(REPO)
    config.events_url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    course = dashboard_data.courses[COURSE]
    now = dashboard_data.now.to_pydatetime()
    monday = _monday_of_a_plain_week(WorkingClock.of_course(course), now)

    def at(days: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(monday + dt.timedelta(days=days), dt.time(hour), PARIS)

    answers = {"q-1": (at(0, 12), "tom"), "q-2": (at(1, 10), "tom"), "q-3": (at(3, 17), "eve")}
    with open_tutoring(config.events_url) as store:
        for n in range(1, 5):
            store.ask(Question(f"q-{n}", COURSE, f"learner-{n}", "Pourquoi ?", "…", at(0, 10),
                               activity="l01-decouvrir"))  # fmt: skip
        store.ask(
            Question("q-5", COURSE, "learner-5", "Et ça ?", "…", now - dt.timedelta(minutes=1))
        )
        for ident, (when, by) in answers.items():
            store.answer(Answer(f"a-{ident}", ident, COURSE, by, "Voici.", when, staff=True))
    return config


def test_the_block_shows_times_against_the_commitment_in_french(dashboard_data, asked) -> None:
    (figures,) = block.tutoring_figures(asked, dashboard_data)
    assert figures["first_response_p50_h"] == 9.0
    assert figures["first_response_p90_h"] == 29.0  # 9 + 0.8 × (34 − 9)
    assert figures["within_commitment"] == 0.5  # 2 within 24 h of 3 answered + 1 overdue
    assert figures["over_delay_open"] == 1
    with language("fr"):
        text = block.tutoring_html(asked, dashboard_data)
    plain = (
        html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("\u202f", " ").replace("\u00a0", " ")
    )
    plain = " ".join(plain.split())
    assert "Tutorat : délais de réponse" in plain
    assert (
        "première réponse de l'équipe en 9 heures ouvrées (médiane), 29 pour neuf questions "
        "sur dix (p90), pour un engagement de 24 ; 50 % répondues dans le délai."
    ) in plain
    # the calendar the hours are counted in, its zone named
    assert "lun.–ven., 09:00–18:00, Europe/Paris, jours fériés : FR" in plain
    row = re.search(r"<table[^>]*id=\"table-tutoring\".*?<tbody>(.*?)</tbody>", text, re.S)
    assert row is not None
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
    assert cells[2:] == ["24", "5", "9", "29", "50\u00a0%", "2", "1"]
    tutors = re.search(r"id=\"table-tutoring-tutors\".*?<tbody>(.*?)</tbody>", text, re.S)
    assert tutors is not None and "eve" in tutors.group(1) and "tom" in tutors.group(1)
    assert "Leçons qui suscitent le plus de questions" in plain
    assert "Découvrir les Series et les DataFrame 4" in plain  # its title, 4 questions


def test_decimal_comma_and_english(dashboard_data, asked) -> None:
    from parcours.tutoring.model import Answer as A

    with open_tutoring(asked.events_url) as store:  # a first answer after 9 h 30 min
        late = store.question(COURSE, "q-4")
        assert late is not None
        when = late.asked_at.astimezone(PARIS) + dt.timedelta(days=1, minutes=30)
        store.answer(A("a-q-4", "q-4", COURSE, "tom", "Voici.", when, staff=True))
    with language("fr"):
        text = block.tutoring_html(asked, dashboard_data)
    assert "9,25" in text  # p50 of 2, 9, 9.5, 34 working hours
    with language("en"):
        english = block.tutoring_html(asked, dashboard_data)
    assert "Tutoring: response times" in english and "9.25" in english
    assert "Mon–Fri, 09:00–18:00, Europe/Paris, public holidays: FR" in english


def test_no_question_and_no_store(dashboard_data, tmp_path) -> None:
    from parcours.config import load_config

    config = load_config(REPO)
    config.events_url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    with language("en"):
        assert "No question asked yet." in block.tutoring_html(config, dashboard_data)
        config.events_url = "http://127.0.0.1:9/services/parcours/"
        assert "tutoring-none" in block.tutoring_html(config, dashboard_data)
