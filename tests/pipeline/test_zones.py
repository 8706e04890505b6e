"""One time-zone story: a due date written 23:59 America/Cayenne in a Europe/Paris course
reads 23:59 Cayenne time, the zone named, in ``release``, ``extend`` and ``deadlines``;
its JSON carries ISO 8601 with the -03:00 offset."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course, load_course
from parcours.course.zones import shown, zone_of
from parcours.i18n.display import MINUS, offset_text
from parcours.pipeline.deadlines import format_deadlines, learner_deadlines

CAYENNE = ZoneInfo("America/Cayenne")


@pytest.fixture
def cayenne_course(course: Course) -> Course:
    """The mini course (Europe/Paris) whose devoir-b is due at 23:59 two days from now,
    written in America/Cayenne (the assignment's own zone)."""
    day = (dt.datetime.now(CAYENNE) + dt.timedelta(days=2)).date()
    manifest = course.folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    head, tail = text.split('id = "devoir-b"', 1)
    tail = re.sub(
        r"^due = .*$",
        f'due = {day.isoformat()}T23:59:00\ntimezone = "America/Cayenne"',
        tail,
        count=1,
        flags=re.MULTILINE,
    )
    manifest.write_text(head + 'id = "devoir-b"' + tail, encoding="utf-8")
    return load_course(course.folder)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


@pytest.mark.parametrize(
    ("moment", "zone", "lang", "expected"),
    [
        (
            "2026-09-28T23:59:00-03:00",
            "America/Cayenne",
            "fr",
            f"2026-09-28 23 h 59 (heure de Cayenne, UTC{MINUS}3)",
        ),
        (
            "2026-09-28T23:59:00-03:00",
            "America/Cayenne",
            "en",
            f"2026-09-28 23:59 (Cayenne time, UTC{MINUS}3)",
        ),
        ("2026-09-28T23:59:00-03:00", "Europe/Paris", "en", "2026-09-29 04:59 (Paris time, UTC+2)"),
        (
            "2026-12-01T12:00:00+00:00",
            "Asia/Kolkata",
            "en",
            "2026-12-01 17:30 (Kolkata time, UTC+5:30)",
        ),
        ("2026-12-01T12:00:00+00:00", "UTC", "fr", "2026-12-01 12 h 00 (UTC)"),
    ],
)
def test_a_date_is_shown_with_its_zone_named(
    moment: str, zone: str, lang: str, expected: str
) -> None:
    assert shown(dt.datetime.fromisoformat(moment), zone, lang) == expected
    assert shown(None, zone, lang) == "-"


def test_offset_text() -> None:
    assert offset_text(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == "UTC"
    assert offset_text(dt.datetime(2026, 1, 1, tzinfo=CAYENNE)) == f"UTC{MINUS}3"


def test_release_extend_and_deadlines_show_the_assignments_own_zone(
    capsys: pytest.CaptureFixture[str],
    config: ParcoursConfig,
    cayenne_course: Course,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course = cayenne_course
    assignment = course.assignment("devoir-b")
    assert zone_of(course, assignment) == "America/Cayenne"
    assert zone_of(course, course.assignment("devoir-a")) == "Europe/Paris"
    day = course.due(assignment).date().isoformat()
    folder = str(course.folder)

    out = _run(capsys, "release", folder, "devoir-b")
    assert f"échéance {day} 23 h 59 (heure de Cayenne, UTC{MINUS}3)" in out, out

    until = dt.datetime.combine(
        course.due(assignment).date() + dt.timedelta(days=1), dt.time(23, 59), CAYENNE
    )
    out = _run(
        capsys,
        "extend",
        folder,
        "devoir-b",
        "alice",
        "--until",
        until.astimezone(dt.UTC).isoformat(),
        "--lang",
        "en",
    )
    assert f"{until.date()} 23:59 (Cayenne time, UTC{MINUS}3)" in out, out

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    out = _run(capsys, "deadlines", folder, "--learner", "alice", "--lang", "en")
    line = next(x for x in out.splitlines() if x.startswith("devoir-b"))
    assert f"{day} 23:59 (Cayenne time, UTC{MINUS}3)" in line
    # the machine's zone differs: the learner's own date (the extension) there too
    tokyo = until.astimezone(ZoneInfo("Asia/Tokyo"))
    assert line.rstrip().endswith(f"{tokyo:%Y-%m-%d %H:%M} (Tokyo time, UTC+9)"), line
    assert "due here" in out
    other = next(x for x in out.splitlines() if x.startswith("devoir-a"))
    assert "(Paris time, UTC+" in other

    rows = json.loads(_run(capsys, "deadlines", folder, "--learner", "alice", "--json"))
    row = next(r for r in rows if r["assignment"] == "devoir-b")
    assert row["timezone"] == "America/Cayenne"
    assert row["due"] == f"{day}T23:59:00-03:00"
    assert row["extension"] == until.isoformat()
    assert dt.datetime.fromisoformat(row["due"]) == course.due(assignment)


def test_deadlines_without_another_local_zone_add_no_column(
    config: ParcoursConfig, cayenne_course: Course
) -> None:
    rows = learner_deadlines(config, cayenne_course, "alice")
    assert {r.zone for r in rows} == {"Europe/Paris", "America/Cayenne"}
    table = format_deadlines(rows, "fr", "")
    assert "échéance ici" not in table and "(heure de Cayenne, UTC" in table
    assert "(heure de Paris, UTC+" in table
    assert (
        format_deadlines([r for r in rows if r.zone == "Europe/Paris"], "en", "Europe/Paris").count(
            "due here"
        )
        == 0
    )


def test_the_manifest_wall_clock_survives(cayenne_course: Course, tmp_path: Path) -> None:
    due = cayenne_course.due(cayenne_course.assignment("devoir-b"))
    assert (due.hour, due.minute, due.utcoffset()) == (23, 59, dt.timedelta(hours=-3))
