"""One score story: a learner who hands in a few seconds late sees the same score —
after the late penalty — in the gradebook, the feedback, ``parcours report`` and their
dashboard, with the raw score, the penalty and how late (in seconds, not "0.0 day")."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from parcours.config import load_config
from parcours.course import load_course
from parcours.pipeline.deadlines import lateness

from tests.postgres import Databases

from .conftest import FIXTURE, copy_course
from .test_feedback import SOLUTION, _work


@pytest.mark.parametrize(
    ("seconds", "fr", "en"),
    [
        (14, "14 s", "14 s"),
        (59.9, "59 s", "59 s"),
        (75, "1 min", "1 min"),
        (3 * 3600 + 5 * 60, "3 h 05 min", "3 h 05 min"),
        (86400, "1 jour", "1 day"),
        (1.5 * 86400, "1,5 jours", "1.5 days"),
    ],
)
def test_lateness_in_words(seconds: float, fr: str, en: str) -> None:
    assert lateness(seconds, "fr") == fr and lateness(seconds, "en") == en


def test_a_late_learner_sees_one_score_everywhere(
    databases: Databases, isolated_jupyter: Path, repo: Path, tmp_path: Path, homes: Path, capsys
) -> None:
    """On SQLite and on PostgreSQL (gradebook and events): release, collect, the autograde
    writer, feedback, the report and the dashboard all read and write the same gradebook."""
    from parcours.analytics.frames import load_frames
    from parcours.cli import main
    from parcours.cli.report import build_tables
    from parcours.dashboards import learner as vm
    from parcours.dashboards.data import DashboardData
    from parcours.dashboards.learner_page import LearnerPage
    from parcours.dashboards.pages import State
    from parcours.pipeline.autograde import autograde
    from parcours.pipeline.exchange import assignment_folder, fetch, submit
    from parcours.pipeline.feedback import feedback
    from parcours.pipeline.gradebook import open_gradebook
    from parcours.pipeline.release import release
    from parcours.pipeline.roster import Learner, roster_path, write_roster

    databases.write_config(isolated_jupyter / "config")  # every command below uses them
    config = load_config(repo)
    assert config.gradebook_url == databases.gradebook_url
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # due a moment ago: the hand-in below is seconds late
    folder = copy_course(
        FIXTURE,
        tmp_path / "courses" / "mini-cours",
        {"devoir-a": (now - dt.timedelta(days=2), now - dt.timedelta(seconds=2))},
    )
    course = load_course(folder)
    write_roster(roster_path(config, course), [Learner("alice", "Alice", "Martin", "", ())])
    release(config, course, "devoir-a")
    home = homes / "alice"
    fetch(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")
    _work(assignment_folder(course, "devoir-a", home), SOLUTION, "La somme divisée par n.")
    submit(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")

    assert main(["collect", str(folder), "devoir-a"]) == 0
    said = capsys.readouterr().out
    late = re.search(r"alice \(.*, (\d+) s\)", said)
    assert late, said  # seconds, not "0.00 jour(s)"
    autograde(config, course, "devoir-a", workers=1, progress=False)
    feedback(config, course, "devoir-a")

    with open_gradebook(config, course) as gb:
        sub = gb.find_submission("devoir-a", "alice")
        raw = float(sub.score)
        penalty = float(sub.late_submission_penalty)
        points = float(sub.max_score)
    assert penalty > 0 and raw > penalty
    final = raw - penalty

    # the feedback (nbgrader's GetGrades takes the penalty off) and Parcours' note
    page = next(
        (config.course_root(course.id) / "feedback" / "alice" / "devoir-a").glob("*.html")
    ).read_text(encoding="utf-8")
    assert re.search(r"Rendu en retard</strong> de \d+ s", page), "lateness in seconds"
    # the due date in the zone it was written in, the zone named
    assert re.search(
        r"\(échéance : \d{4}-\d\d-\d\d \d+ h \d\d \(heure de Paris, UTC\+[12]\)\)", page
    ), "due date with its zone"

    def fr(value: float) -> str:  # a decimal comma in French
        return f"{value:g}".replace(".", ",")

    word = "point" if penalty == 1 else "points"
    assert (
        f"pénalité de {fr(penalty)} {word} ; note {fr(final)}/{fr(points)} (note brute : {fr(raw)})"
    ) in page

    # parcours report: score after the penalty, the raw score, the penalty, how late
    tables = build_tables(config, str(folder))
    row = tables["assignments"].set_index("assignment").loc["devoir-a"]
    assert row["score"] == pytest.approx(final) and row["raw_score"] == pytest.approx(raw)
    assert row["penalty"] == pytest.approx(penalty) and bool(row["late"])
    assert 0 < row["late_hours"] < 1 and row["late_days"] < 0.01
    learner = tables["learners"].iloc[0]
    assert learner["score"] == pytest.approx(final) and learner["penalty"] == pytest.approx(penalty)
    assert learner["devoir-a"] == pytest.approx(final / points)

    # the learner's dashboard
    import pandas as pd

    frames = load_frames(config, [course])
    data = DashboardData(
        frames=frames,
        memberships=pd.DataFrame(columns=["course", "learner", "student_id", "group", "is_cohort"]),
        now=pd.Timestamp.now(tz="UTC"),
        salt=config.pseudonym_salt,
    )
    me = vm.pseudonym(data, "alice")
    mine = vm.my_results(data, me).iloc[0]
    assert mine["score"] == pytest.approx(final) and mine["raw_score"] == pytest.approx(raw)
    assert mine["penalty"] == pytest.approx(penalty)
    assert mine["fraction"] == pytest.approx(final / points)
    assert 0 < mine["late_seconds"] < 3600
    config.learner = "alice"
    shown = LearnerPage(State(config, data, 0.0), {"lang": "fr"})
    shown.render()
    html = "".join(str(o) for b in shown.blocks if hasattr(b, "outputs") for o in b.outputs)
    assert "Pénalité de retard" in html and "Note brute" in html
    assert re.search(r">\d+ s<", html), "lateness in seconds on the dashboard"
