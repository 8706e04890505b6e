"""``parcours peer``: its help in both languages, its refusals as messages and statuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from parcours.cli import main
from parcours.errors import ExitStatus

from .test_manifest import INLINE, _course


@pytest.mark.parametrize(("lang", "word"), [("en", "reviewers"), ("fr", "évaluateurs")])
def test_help(lang: str, word: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["peer", "--lang", lang, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "allocate" in out and "--to-gradebook" in out and word in out


def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _course(tmp_path, INLINE.replace("{top}", "2"))
    # an assignment without peer review
    assert (
        main(["peer", str(folder), "devoir-b", "allocate", "--lang", "en"]) == ExitStatus.BAD_INPUT
    )
    assert "has no peer review" in capsys.readouterr().err
    # a teams file without the columns, then one that cannot be read
    teams = tmp_path / "teams.csv"
    teams.write_text("who,group\nalice,t1\n", encoding="utf-8")
    args = ["peer", str(folder), "devoir-a", "allocate", "--lang", "en", "--teams", str(teams)]
    assert main(args) == ExitStatus.BAD_INPUT
    assert "'learner' and 'team'" in capsys.readouterr().err
    assert main([*args[:-1], str(tmp_path / "none.csv")]) == ExitStatus.BAD_INPUT
    assert "--teams" in capsys.readouterr().err
    # nothing collected: nothing to allocate, said plainly
    teams.write_text("learner,team\nalice,t1\n", encoding="utf-8")
    assert main(args) == ExitStatus.CLEAN
    assert "0 reviews allocated" in capsys.readouterr().out
