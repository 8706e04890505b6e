"""``parcours check`` reads what the manifest leaves beside it: ``badges.toml``, a peer
review's rubric and calibration scores, a team file (issue #27, #28). Each mistake is
named with its file and the command exits 2 (bad input); a team file not written yet is
a warning (teams are formed once the class is known), the check still passing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from parcours.cli import main

FIXTURE = Path(__file__).parents[1] / "pipeline" / "fixtures" / "mini-cours"
CUT = '[[assignments]]\nid = "devoir-b"'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root / "courses" / "mini-cours")
    (root / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.data_dir = {str(tmp_path / 'data')!r}\n", encoding="utf-8"
    )
    return root


def _declare(project: Path, table: str) -> Path:
    folder = project / "courses" / "mini-cours"
    manifest = folder / "course.toml"
    body = manifest.read_text(encoding="utf-8")
    manifest.write_text(body.replace(CUT, table + "\n" + CUT), encoding="utf-8")
    return folder


def _check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["check", "mini-cours", "--no-execute", "--root", str(project), "--lang", "en"])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_a_wrong_badge_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project / "courses" / "mini-cours"
    (folder / "badges.toml").write_text('[[badges]]\nid = "x"\nname = "X"\nlessons = ["l9"]\n')
    status, out = _check(project, capsys)
    assert status == 2, out
    assert f"{folder / 'badges.toml'}: badges.x" in out and "'l9'" in out, out


def test_a_missing_rubric_and_bad_calibration_scores(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _declare(
        project,
        "[assignments.peer_review]\nreviewers = 3\ndue = 2026-10-05T23:59:00\n"
        'rubric = "peer/grille.toml"\n'
        'calibration = ["peer/exemple.ipynb"]\n',
    )
    status, out = _check(project, capsys)
    assert status == 2 and "grille.toml" in out and "peer_review.rubric" in out, out
    (folder / "peer").mkdir()
    (folder / "peer" / "grille.toml").write_text(
        '[[tasks]]\nid = "t"\ntitle = "T"\n[[tasks.criteria]]\nid = "c"\ntitle = "C"\n'
        'levels = [{ points = 0, description = "non" }, { points = 1, description = "oui" }]\n'
    )
    (folder / "peer" / "exemple.ipynb.scores.toml").write_text('"t.c" = 7\n')
    status, out = _check(project, capsys)
    assert status == 2 and "t.c" in out, out
    (folder / "peer" / "exemple.ipynb.scores.toml").write_text('"t.c" = 1\n')
    status, out = _check(project, capsys)
    assert status == 0, out


def test_a_team_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _declare(project, '[assignments.team]\nsize = 2\nfile = "equipes.csv"\n')
    status, out = _check(project, capsys)
    assert status == 0 and "equipes.csv" in out and "parcours groups" in out, out
    (folder / "equipes.csv").write_text("learner,team\nalice,a\nbob,a\nchloe,a\n")
    status, out = _check(project, capsys)
    assert status == 2 and "equipes.csv" in out and "more than 2" in out, out
