"""Scores passed back by the pipeline itself: ``parcours autograde`` (and ``parcours
feedback``) of a course linked to an LMS queues each graded learner's score in the LTI
outbox and sends it at once; a course on no platform imports nothing of the LTI tool."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from parcours.cli import main
from parcours.config import load_config
from parcours.course.load import load_course
from parcours.lti.ags import outbox_status
from parcours.lti.platforms import tool_jwks
from parcours.pipeline.roster import Learner, roster_path, write_roster

from tests.lti.conftest import launch
from tests.lti.mockplatform import MockPlatform
from tests.pipeline.conftest import FIXTURE, copy_course


def lms_project(folder: Path, platform: MockPlatform) -> Path:
    """A project with the mini course (devoir-a open, due tomorrow) linked to the mock
    platform's course, configured as an administrator does (the exchange included)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    copy_course(
        FIXTURE,
        folder / "courses" / "mini-cours",
        {"devoir-a": (now - dt.timedelta(days=1), now + dt.timedelta(days=1))},
    )
    registration = platform.registration(courses={platform.context_id: "mini-cours"})
    (folder / "jupyter_config.py").write_text(
        "from parcours.pipeline.coursedir import use_parcours_exchange, use_safe_html\n"
        "c = get_config()\n"
        f"c.ParcoursConfig.data_dir = {str(folder / 'data')!r}\n"
        "use_parcours_exchange(c)\n"
        "use_safe_html(c)\n"
        f"c.ParcoursConfig.lti_platforms = [{registration!r}]\n",
        encoding="utf-8",
    )
    return folder


def test_autograde_passes_the_scores_back(
    tmp_path: Path, platform: MockPlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    project = lms_project(tmp_path / "project", platform)
    config = load_config(project)
    platform.tool_jwks = tool_jwks(config)
    ana = launch(config, platform, "u-ana")  # her account, linked to her LMS `sub`
    course = load_course(project / "courses" / "mini-cours")
    write_roster(roster_path(config, course), [Learner(ana.account, "Ana", "Lopes")])
    common = ["--root", str(project), "--lang", "en"]
    work = tmp_path / "ana"
    for argv in (
        ["release", "mini-cours", "devoir-a"],
        ["fetch", "mini-cours", "devoir-a", "--learner", ana.account, "--into", str(work)],
        ["submit", "mini-cours", "devoir-a", "--learner", ana.account, "--into", str(work)],
        ["collect", "mini-cours", "devoir-a"],
    ):
        assert main([*argv, *common]) == 0, (argv, capsys.readouterr())
    capsys.readouterr()

    status = main(["autograde", "mini-cours", "devoir-a", "--no-progress", *common])
    out = capsys.readouterr().out
    assert status in (0, 3), out
    assert "LMS: 1 scores queued, 1 sent, 0 waiting" in out
    (row,) = outbox_status(config, "mini-cours")
    assert (row["account"], row["status"]) == (ana.account, "sent")
    ((ident, _item),) = platform.lineitems.items()
    held = platform.results[(ident, "ana-7")]
    assert held["resultScore"] == row["score"] and row["maximum"] > 0

    # graded again with nothing new: nothing queued, nothing sent twice
    assert main(["autograde", "mini-cours", "devoir-a", "--no-progress", *common]) in (0, 3)
    assert "LMS: 0 scores queued, 0 sent" in capsys.readouterr().out
    assert len(outbox_status(config, "mini-cours")) == 1

    # feedback released: the score queued again, its comment now naming the feedback,
    # and posted although the score is the same (the comment is what is new)
    posts = len(platform.score_posts)
    assert main(["feedback", "mini-cours", "devoir-a", *common]) == 0
    assert "LMS: 1 scores queued, 1 sent, 0 waiting" in capsys.readouterr().out
    assert [r["status"] for r in outbox_status(config, "mini-cours")] == ["sent", "sent"]
    assert len(platform.score_posts) == posts + 1
    assert platform.score_posts[-1].get("comment")
    assert held["comment"] == platform.score_posts[-1]["comment"]


def test_no_platform_no_lti_import(tmp_path: Path) -> None:
    (tmp_path / "courses").mkdir()
    (tmp_path / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.data_dir = {str(tmp_path / 'data')!r}\n", encoding="utf-8"
    )
    script = (
        "import json, sys\n"
        "from parcours.config import load_config\n"
        "from parcours.cli._passback import pass_back\n"
        f"said = pass_back(load_config({str(tmp_path)!r}), 'mini-cours', 'devoir-a')\n"
        "lti = sorted(m for m in sys.modules if m.startswith('parcours.lti'))\n"
        "print(json.dumps([said, lti]))\n"
    )
    answer = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert json.loads(answer.stdout) == ["", []]
