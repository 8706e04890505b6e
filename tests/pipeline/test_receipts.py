"""One receipt for a submission (issue #24 item 5), worded by
:func:`parcours.pipeline.receipts.receipt` for the panel, the service's answer and
``parcours submit``: the local date and time in the assignment's zone, the zone named,
the files counted with gettext's plural, and a late submission said late, with the
penalty when the course has one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course, load_course
from parcours.errors import ExitStatus
from parcours.pipeline.deadlines import find_assignment
from parcours.pipeline.receipts import receipt, receipt_lines

from .conftest import FIXTURE, copy_course

#: the French demo's submission of devoir-3 (due 26 Oct, no late policy) on 6 Dec
SIXTH_OF_DECEMBER = dt.datetime(2026, 12, 6, 15, 40, 55, 555000, tzinfo=dt.UTC)


@pytest.fixture
def demo(repo: Path) -> Course:
    return load_course(repo / "courses" / "analyse-de-donnees")


def _receipt(course: Course, assignment: str, lang: str, files: int | None = 1) -> dict[str, Any]:
    due = course.due(find_assignment(course, assignment))
    return receipt(course, assignment, SIXTH_OF_DECEMBER, due, "", lang, files=files)


def test_a_late_receipt_without_penalty_says_it_is_late_in_local_time(demo: Course) -> None:
    sent = _receipt(demo, "devoir-3", "fr")
    title = find_assignment(demo, "devoir-3").title
    assert sent["message"] == (
        f"Rendu de « {title} » reçu le 2026-12-06 16 h 40 (heure de Paris, UTC+1) (1 fichier)."
    )
    assert "2026-12-06T15" not in sent["message"]  # no raw UTC for a person
    assert sent["late_warning"] == (
        "Votre échéance est passée : ce rendu a 40,7 jours de retard."
    )  # no policy: no penalty named
    assert sent["received"] == SIXTH_OF_DECEMBER.isoformat()


def test_the_plural_of_files_and_the_penalty_when_there_is_one(demo: Course) -> None:
    two = _receipt(demo, "devoir-1", "fr", files=2)
    assert two["message"].endswith("(heure de Paris, UTC+1) (2 fichiers).")
    assert two["late_warning"].endswith(
        "Pénalité de retard : 10 % des points par jour, au plus 50 %."
    )
    zero = _receipt(demo, "devoir-2", "en", files=1)
    assert zero["message"].endswith("received on 2026-12-06 16:40 (Paris time, UTC+1) (1 file).")
    assert zero["late_warning"] == (
        "Your due date has passed: this submission is 54.7 days late. "
        "A late submission gets no points in this course."
    )
    assert _receipt(demo, "devoir-1", "en", files=3)["message"].endswith("(3 files).")


def test_lateness_is_the_receipts_not_the_clocks(demo: Course) -> None:
    """Received before the due date: on time, whenever the receipt is worded."""
    work = find_assignment(demo, "devoir-3")
    early = demo.due(work) - dt.timedelta(hours=1)
    sent = receipt(demo, "devoir-3", early, demo.due(work), "", "fr")
    assert sent["late_warning"] == ""
    assert sent["message"].endswith("reçu le 2026-10-26 22 h 59 (heure de Paris, UTC+1).")


def test_receipt_lines_for_a_terminal(demo: Course) -> None:
    sent = _receipt(demo, "devoir-1", "fr") | {"left_out": "gros.csv laissé de côté"}
    lines = receipt_lines(sent)
    assert lines[0] == sent["message"]
    assert lines[1:] == [f"  {sent['late_warning']}", "  gros.csv laissé de côté"]


def test_parcours_submit_prints_the_receipt_on_one_machine(
    capsys: pytest.CaptureFixture[str], config: ParcoursConfig, tmp_path: Path
) -> None:
    """A learner submitting two days after the due date: the receipt says when in the
    course's zone, named, and that it is late — through the real entry point."""
    from parcours.pipeline.roster import Learner, roster_path, write_roster

    now = dt.datetime.now(dt.UTC)
    folder = copy_course(
        FIXTURE,
        tmp_path / "courses" / "mini-cours",
        {"devoir-a": (now - dt.timedelta(days=9), now - dt.timedelta(days=2))},
    )
    course = load_course(folder)
    write_roster(roster_path(config, course), [Learner("alice", "Alice", "Martin", "", ())])
    into = str(tmp_path / "alice")
    assert main(["release", str(folder), "devoir-a"]) == ExitStatus.CLEAN
    fetched = ["fetch", str(folder), "devoir-a", "--learner", "alice", "--into", into]
    assert main(fetched) == ExitStatus.CLEAN
    capsys.readouterr()
    status = main(["submit", str(folder), "devoir-a", "--learner", "alice", "--into", into])
    out = capsys.readouterr().out
    assert status == ExitStatus.CLEAN, out
    title = find_assignment(course, "devoir-a").title
    assert f"Rendu de « {title} » reçu le " in out and "(heure de " in out, out
    assert "Votre échéance est passée : ce rendu a 2 jours de retard." in out, out


def test_parcours_submit_on_the_hub_prints_the_services_receipt(
    capsys: pytest.CaptureFixture[str], demo: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the hub the service words the receipt (the same function): the command prints
    it as it came, never the raw UTC time nor "1 fichiers"."""
    answer: dict[str, Any] = {"course": demo.id, "assignment": "devoir-3", "files": 1}
    answer |= _receipt(demo, "devoir-3", "fr", files=1)

    class Service:
        def submit(self, course: str, assignment: str, into: Path) -> dict[str, Any]:
            return answer

    monkeypatch.setattr("parcours.cli._course.hub_client", lambda args, config: Service())
    status = main(["submit", demo.id, "devoir-3"])
    out = capsys.readouterr().out
    assert status == ExitStatus.CLEAN
    assert out.splitlines() == [answer["message"], "  " + answer["late_warning"]]
    assert "fichiers" not in out and "+00:00" not in out
