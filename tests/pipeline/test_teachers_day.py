"""Issue 16's "done when": a teacher's day with two courses of their own — French in
Europe/Paris, English in America/Cayenne, a learner in both; a late learner with a penalty,
an extension, a group release, a learner who never submits and one who submits twice;
manual grades typed through the formgrader's own HTTP API on the server ``parcours
formgrader`` started. The gradebook, the feedback, the report, the learner dashboard's
and the teacher dashboard's view models then show the same final score per learner."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course, load_course

from tests.twocourses import retarget

from .conftest import FIXTURE, copy_course
from .test_feedback import SOLUTION, _work

WRONG = "def moyenne(valeurs):\n    return 0"
#: manual score of the "explication" cell (2 points) per learner of the French course
MANUAL = {"alice": 2.0, "bob": 1.0}


def _api(base: str, token: str, method: str, path: str, body: object = None) -> object:
    """One call to nbgrader's formgrader API, authenticated by the server's token (a
    token-authenticated request needs no xsrf cookie)."""
    request = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def _grade_by_hand(config: ParcoursConfig, course: Course, tmp_path: Path) -> None:
    """Start ``parcours formgrader`` and type the manual scores through its API."""
    from parcours.servers import free_port

    port = free_port(config.ip)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parcours.cli",
            "formgrader",
            str(course.folder),
            "--port",
            str(port),
            "--log",
            str(tmp_path / "formgrader.log"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # printed once the formgrader answers
        url = line.rsplit(" ", 1)[-1].strip()
        base, token = url.split("/formgrader?token=")
        subs = _api(base, token, "GET", "/formgrader/api/submitted_notebooks/devoir-a/devoir-a")
        by_learner = {s["student"]: s for s in subs}  # type: ignore[union-attr]
        assert set(by_learner) == {"alice", "bob"}  # chloe never submitted
        for learner, score in MANUAL.items():
            grades = _api(
                base,
                token,
                "GET",
                f"/formgrader/api/grades?submission_id={by_learner[learner]['id']}",
            )
            manual = next(g for g in grades if g["name"] == "explication")  # type: ignore[union-attr]
            assert manual["needs_manual_grade"]
            done = _api(
                base,
                token,
                "PUT",
                f"/formgrader/api/grade/{manual['id']}",
                {"manual_score": score, "extra_credit": 0},
            )
            assert done["manual_score"] == score  # type: ignore[index]
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0


def test_a_teachers_day_with_two_courses(
    config: ParcoursConfig, tmp_path: Path, homes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from parcours.analytics.frames import load_frames
    from parcours.cli import main
    from parcours.cli.report import build_tables
    from parcours.dashboards import learner as learner_vm
    from parcours.dashboards import teacher as teacher_vm
    from parcours.dashboards.data import DashboardData
    from parcours.pipeline.autograde import autograde
    from parcours.pipeline.exchange import assignment_folder, fetch, submit
    from parcours.pipeline.gradebook import open_gradebook
    from parcours.pipeline.roster import Learner, roster_path, write_roster

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    past = (now - dt.timedelta(days=2), now - dt.timedelta(seconds=2))
    future = (now - dt.timedelta(days=2), now + dt.timedelta(days=1))
    french = load_course(
        copy_course(
            FIXTURE, tmp_path / "courses" / "mini-cours", {"devoir-a": past, "devoir-b": future}
        )
    )
    english = load_course(
        retarget(
            copy_course(
                FIXTURE,
                tmp_path / "courses" / "mini-course",
                {"devoir-a": future, "devoir-b": future},
            ),
            course_id="mini-course",
            language="en",
            timezone="America/Cayenne",
        )
    )
    write_roster(
        roster_path(config, french),
        [
            Learner("alice", "Alice", "Martin", "", ("groupe-a",)),
            Learner("bob", "Bob", "Durand", "", ("groupe-b",)),
            Learner("chloe", "Chloé", "Petit", "", ("groupe-a",)),
        ],
    )
    write_roster(
        roster_path(config, english),
        [Learner("alice", "Alice", "Martin", "", ()), Learner("dan", "Dan", "Reed", "", ())],
    )
    fr, en = str(french.folder), str(english.folder)

    for folder in (fr, en):
        assert main(["release", folder, "devoir-a"]) == 0
    assert main(["release", fr, "devoir-b", "--to", "groupe-a"]) == 0  # a group release
    assert (
        main(["extend", fr, "devoir-a", "bob", "--until", (now + dt.timedelta(days=1)).isoformat()])
        == 0
    )
    capsys.readouterr()

    def hand_in(course: Course, learner: str, code: str, answer: str) -> None:
        home = homes / course.id / learner
        if not (home / course.id).exists():
            fetch(config, course, "devoir-a", learner=learner, into=home, cache_dir=home / ".cache")
        _work(assignment_folder(course, "devoir-a", home), code, answer)
        submit(config, course, "devoir-a", learner=learner, into=home, cache_dir=home / ".cache")

    hand_in(french, "alice", WRONG, "Un premier jet.")  # submits twice: the last counts
    hand_in(french, "alice", SOLUTION, "La somme divisée par n.")  # late: a penalty
    hand_in(french, "bob", SOLUTION, "La moyenne.")  # late but for his extension
    hand_in(english, "alice", SOLUTION, "The mean.")  # on time, in Cayenne
    hand_in(english, "dan", WRONG, "No idea.")
    # bob is not in groupe-a: devoir-b is not his to see
    assert main(["deadlines", fr, "--learner", "bob", "--json"]) == 0
    assert {r["assignment"] for r in json.loads(capsys.readouterr().out)} == {"devoir-a"}

    for course in (french, english):
        assert main(["collect", str(course.folder), "devoir-a"]) == 0
        autograde(config, course, "devoir-a", workers=1, progress=False)
    capsys.readouterr()
    _grade_by_hand(config, french, tmp_path)
    for folder in (fr, en):
        assert main(["feedback", folder, "devoir-a"]) == 0

    # the gradebook: nbgrader's score (manual grades in), less the late penalty
    final: dict[tuple[str, str], float] = {}
    for course in (french, english):
        with open_gradebook(config, course) as gb:
            for sub in gb.assignment_submissions("devoir-a"):
                raw, penalty = float(sub.score), float(sub.late_submission_penalty or 0)
                final[(course.id, sub.student.id)] = raw - penalty
                assert (penalty > 0) == ((course.id, sub.student.id) == (french.id, "alice"))
        for learner, score in MANUAL.items():
            if course is french:
                grade = gb.find_grade("explication", "devoir-a", "devoir-a", learner)
                assert grade.manual_score == score
    assert final == {
        (french.id, "alice"): 3 + 2 - 0.5,
        (french.id, "bob"): 3 + 1,
        (english.id, "alice"): 3.0,
        (english.id, "dan"): 0.0,
    }

    # the feedback each learner fetches: the same score
    for (cid, learner), score in final.items():
        page = next(
            (config.course_root(cid) / "feedback" / learner / "devoir-a").glob("*.html")
        ).read_text(encoding="utf-8")
        # nbgrader's heading (its GetGrades takes the late penalty off)
        assert f"devoir-a (Score: {score:.1f} / 5.0)" in page, (cid, learner, score)
        if (cid, learner) == (french.id, "alice"):  # Parcours' late note says it too
            said = f"note {score:g}/5 (note brute : {score + 0.5:g})".replace(".", ",")
            assert said in page  # French numbers: a decimal comma

    # the report (the coordinator's file: pseudonymous ids) and the dashboards' view models
    from parcours.store.ids import pseudonymize

    known = {pseudonymize(x, config.pseudonym_salt): x for x in ("alice", "bob", "dan")}
    for course in (french, english):
        rows = build_tables(config, str(course.folder))["assignments"]
        got = {(course.id, known[r["learner"]]): float(r["score"]) for _, r in rows.iterrows()}
        assert got == {k: v for k, v in final.items() if k[0] == course.id}
    frames = load_frames(config, [french, english])
    data = DashboardData(
        frames=frames,
        memberships=pd.DataFrame(columns=["course", "learner", "student_id", "group", "is_cohort"]),
        now=pd.Timestamp.now(tz="UTC"),
        salt=config.pseudonym_salt,
    )
    for learner in ("alice", "bob", "chloe", "dan"):
        mine = learner_vm.my_results(data, learner_vm.pseudonym(data, learner))
        shown = {(r["course"], learner): float(r["score"]) for _, r in mine.iterrows()}
        assert shown == {k: v for k, v in final.items() if k[1] == learner}, learner
    for course in (french, english):
        spread = sorted(teacher_vm.score_distribution(data, course.id, "devoir-a"))
        assert spread == pytest.approx(sorted(v / 5 for k, v in final.items() if k[0] == course.id))
