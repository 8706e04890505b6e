"""The loop's commands: bad input gives exit 2 and a message naming what and where; the
happy path prints a summary in the course's language (or --lang)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import ExitStatus
from parcours.pipeline.roster import load_roster, roster_path, write_roster


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["release", "{course}", "devoir-z"], "le devoir « devoir-z » n'est pas dans"),
        (
            ["release", "{course}", "devoir-b", "--to", "groupe-z"],
            "« groupe-z » n'est ni un groupe ni un apprenant",
        ),
        (
            ["extend", "{course}", "devoir-a", "zoe", "--until", "2030-01-01T00:00Z"],
            "l'apprenant « zoe » n'est pas dans la liste de classe",
        ),
        (
            ["extend", "{course}", "devoir-a", "bob", "--until", "2030-01-01T00:00"],
            "n'a pas de fuseau horaire",
        ),
        (
            ["extend", "{course}", "devoir-a", "bob", "--until", "2000-01-01T00:00Z"],
            "n'est pas après la date limite",
        ),
        (["collect", "{course}", "devoir-z"], "devoirs connus : devoir-a, devoir-b"),
        (["feedback", "nowhere-course", "devoir-a"], "aucun cours ici"),
        (["fetch", "{course}", "devoir-z", "--learner", "bob"], "le devoir « devoir-z »"),
        (["deadlines", "{course}", "--learner", "zoe"], "--learner zoe : absent de la liste"),
        (
            ["submit", "{course}", "devoir-a", "--learner", "bob", "--into", "{tmp}"],
            "rien à rendre",
        ),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
    course: Course,
    tmp_path: Path,
    argv: list[str],
    expected: str,
) -> None:
    args = [a.format(course=course.folder, tmp=tmp_path) for a in argv]
    status, out, err = _run(capsys, *args)
    assert status == 2, (out, err)
    assert expected in err
    assert "Traceback" not in err


def test_release_extend_deadlines_commands(
    capsys: pytest.CaptureFixture[str], config: ParcoursConfig, course: Course, tmp_path: Path
) -> None:
    folder = str(course.folder)
    status, out, _ = _run(capsys, "release", folder, "devoir-b", "--to", "groupe-a")
    assert status == 0 and "alice, chloe" in out and "publié pour 2 apprenants" in out
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat()
    status, out, _ = _run(capsys, "extend", folder, "devoir-b", "alice", "--until", until)
    assert status == 0 and "Prolongation" in out
    status, out, _ = _run(
        capsys, "fetch", folder, "devoir-b", "--learner", "alice", "--into", str(tmp_path)
    )
    assert status == 0 and (tmp_path / "mini-cours" / "devoir-b" / "devoir-b.ipynb").is_file()
    status, out, _ = _run(
        capsys, "submit", folder, "devoir-b", "--learner", "alice", "--into", str(tmp_path)
    )
    assert status == 0 and "Rendu envoyé" in out
    status, out, _ = _run(capsys, "deadlines", folder, "--learner", "alice", "--lang", "en")
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("devoir")}
    assert "handed in" in lines["devoir-b"] and "upcoming" in lines["devoir-a"]
    status, out, _ = _run(capsys, "deadlines", folder, "--learner", "bob")
    assert "devoir-b" not in out and "à venir" in out
    status, out, _ = _run(capsys, "collect", folder, "devoir-b")
    assert status == 0 and "1 rendu," in out and "non rendus : chloe" in out
    # alice leaves the roster: her submission is collected all the same, and listed (exit 3)
    learners = load_roster(config, course).learners
    write_roster(roster_path(config, course), [v for k, v in learners.items() if k != "alice"])
    status, out, _ = _run(capsys, "collect", folder, "devoir-b")
    assert status == ExitStatus.PROBLEMS and "hors liste de la classe : alice" in out


def test_teacher_commands_speak_the_courses_language(
    capsys: pytest.CaptureFixture[str], config: ParcoursConfig, course: Course
) -> None:
    """An English course under a French configuration: release, extend, collect,
    autograde and feedback answer in English, unless --lang says otherwise."""
    from tests.twocourses import retarget

    assert config.language == "fr"
    import shutil

    from parcours.course import load_course

    folder = str(
        retarget(course.folder, course_id="mini-course", language="en", timezone="America/Cayenne")
    )
    english = roster_path(config, load_course(Path(folder)))
    english.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(roster_path(config, course), english)
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat()
    said = {}
    for name, argv in (
        ("release", ["release", folder, "devoir-a"]),
        ("extend", ["extend", folder, "devoir-a", "alice", "--until", until]),
        ("collect", ["collect", folder, "devoir-a"]),
        ("autograde", ["autograde", folder, "devoir-a", "--no-progress"]),
        ("feedback", ["feedback", folder, "devoir-a"]),
    ):
        status, out, err = _run(capsys, *argv)
        assert status == 0, (name, err)
        said[name] = out
    assert "'devoir-a' released to everyone" in said["release"]
    assert "(Cayenne time, UTC" in said["release"]
    assert said["extend"].startswith("Extension: alice has until")
    assert "0 submissions, 0 late" in said["collect"]
    assert "submissions graded" in said["autograde"] or "submission graded" in said["autograde"]
    assert "feedback released to" in said["feedback"]
    status, out, _ = _run(capsys, "feedback", folder, "devoir-a", "--lang", "fr")
    assert status == 0 and "retours publiés" in out


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["release", "{course}", "devoir-b", "--to", "groupe-z"], "(--to)"),
        (["extend", "{course}", "devoir-a", "bob", "--until", "demain"], "(--until)"),
        (["extend", "{course}", "devoir-a", "bob", "--until", "2000-01-01T00:00Z"], "(--until)"),
    ],
)
def test_the_cli_names_the_option_a_lower_layer_refused(
    capsys: pytest.CaptureFixture[str], course: Course, argv: list[str], option: str
) -> None:
    """The pipeline names the value in a teacher's words; the CLI adds its option, once."""
    status, _, err = _run(capsys, *[a.format(course=course.folder) for a in argv])
    assert status == 2
    assert err.rstrip().endswith(option)
    assert err.count("--") == 1, err
