"""Working-hours arithmetic of the tutoring commitment: weekends, French public holidays,
the body's closed days and the change of time (Europe/Paris)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from parcours.course.tutoring import Tutoring
from parcours.tutoring.clock import WorkingClock

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def office() -> WorkingClock:
    """Monday to Friday, 09:00-18:00 in Paris, French public holidays."""
    return WorkingClock.of(Tutoring(), "Europe/Paris")


def test_a_question_asked_on_friday_night_is_due_on_tuesday(office: WorkingClock) -> None:
    # Friday 2027-01-08 22:00: the clock starts Monday 09:00; 24 working hours = 9 + 9 + 6
    asked = paris(2027, 1, 8, 22, 0)
    assert office.add(asked, 24) == paris(2027, 1, 13, 15, 0)
    assert office.hours_between(asked, paris(2027, 1, 11, 12, 30)) == pytest.approx(3.5)
    # the weekend itself counts for nothing
    assert office.hours_between(paris(2027, 1, 9, 8), paris(2027, 1, 10, 23)) == 0


def test_french_public_holidays_stop_the_clock(office: WorkingClock) -> None:
    # Easter Monday 2027-03-29, Ascension Thursday 2027-05-06, 14 July 2027 (Wednesday)
    for holiday in (dt.date(2027, 3, 29), dt.date(2027, 5, 6), dt.date(2027, 7, 14)):
        assert not office.is_working_day(holiday)
    # Friday 26 March 17:00 + 2 working hours: 1 h on Friday, Monday is Easter Monday,
    # so the second hour ends Tuesday 10:00
    assert office.add(paris(2027, 3, 26, 17, 0), 2) == paris(2027, 3, 30, 10, 0)
    assert office.hours_between(paris(2027, 7, 13, 17), paris(2027, 7, 15, 10)) == 2
    # Alsace-Moselle (57) adds Good Friday and St Stephen's day
    moselle = WorkingClock.of(Tutoring(subdivision="57"), "Europe/Paris")
    assert not moselle.is_working_day(dt.date(2027, 3, 26))
    assert office.is_working_day(dt.date(2027, 3, 26))


def test_the_body_closed_days_and_another_calendar() -> None:
    clock = WorkingClock.of(
        Tutoring(
            working_days=["mon", "tue", "wed", "thu", "fri", "sat"],
            day_starts="08:30",
            day_ends="12:00",
            holidays="",
            closed=[dt.date(2027, 1, 4)],
        ),
        "America/Cayenne",
    )
    cayenne = ZoneInfo("America/Cayenne")
    saturday = dt.datetime(2027, 1, 2, 11, 0, tzinfo=cayenne)
    # 1 h on Saturday, Sunday off, Monday closed, 2.5 h on Tuesday
    assert clock.add(saturday, 3.5) == dt.datetime(2027, 1, 5, 11, 0, tzinfo=cayenne)
    assert clock.is_working_day(dt.date(2027, 1, 1))  # no holidays named


def test_the_change_of_time_counts_real_hours() -> None:
    every_hour = WorkingClock.of(
        Tutoring(
            working_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            day_starts="00:00",
            day_ends="24:00",
            holidays="",
        ),
        "Europe/Paris",
    )
    # the night of 27 to 28 March 2027 has 23 hours, of 30 to 31 October 25 hours
    assert every_hour.hours_between(paris(2027, 3, 27, 12), paris(2027, 3, 28, 12)) == 23
    assert every_hour.hours_between(paris(2027, 10, 30, 12), paris(2027, 10, 31, 12)) == 25
    assert every_hour.add(paris(2027, 3, 27, 12), 23) == paris(2027, 3, 28, 12)


def test_office_hours_on_the_day_of_the_change(office: WorkingClock) -> None:
    # Monday 2027-11-01 is a holiday; Friday 2027-10-29 17:00 + 2 h: Tuesday 10:00, a week
    # end of 25 hours changes nothing in working time
    assert office.add(paris(2027, 10, 29, 17), 2) == paris(2027, 11, 2, 10)
    # 09:00-18:00 is nine real hours on a Monday after the change of March
    assert office.hours_between(paris(2027, 3, 30, 0), paris(2027, 3, 31, 0)) == 9


def test_many_at_once_agree_with_one_at_a_time(office: WorkingClock) -> None:
    rng = np.random.default_rng(7)
    base = paris(2026, 9, 1).timestamp()
    starts = base + rng.uniform(0, 300 * 86400, 500)
    ends = starts + rng.uniform(0, 20 * 86400, 500)
    ends[::7] = np.nan  # not answered yet
    many = office.between_many(starts, ends)
    for start, end, value in zip(starts, ends, many, strict=True):
        if np.isnan(end):
            assert np.isnan(value)
            continue
        one = office.between(
            dt.datetime.fromtimestamp(start, dt.UTC), dt.datetime.fromtimestamp(end, dt.UTC)
        )
        assert value == pytest.approx(one)


def test_a_manifest_with_a_wrong_calendar_is_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="day_starts"):
        Tutoring(day_starts="18:00", day_ends="09:00")
    with pytest.raises(ValidationError, match="HH:MM"):
        Tutoring(day_starts="9h")
    with pytest.raises(ValidationError, match="pays"):
        Tutoring(holidays="XX")
    with pytest.raises(ValidationError):
        Tutoring(working_days=[])
