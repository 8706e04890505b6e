"""``parcours lti COURSE sync-grades|status|sync-roster`` against the mock platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parcours.cli import main
from parcours.config import load_config
from parcours.lti.ags import queue_score

from tests.lti.conftest import launch, make_project
from tests.lti.mockplatform import MockPlatform


def test_sync_grades_status_and_roster(
    tmp_path: Path, platform: MockPlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "project", platform)
    config = load_config(project)
    from parcours.lti.platforms import tool_jwks

    platform.tool_jwks = tool_jwks(config)
    ana = launch(config, platform, "u-ana")
    queue_score(config, "mini-cours", "devoir-a", ana.account, 6, 10)
    args = ["--root", str(project), "--lang", "en"]

    assert main(["lti", "mini-cours", "sync-grades", *args]) == 0
    assert "1 sent" in capsys.readouterr().out
    ((ident, _item),) = platform.lineitems.items()
    platform.instructor_sets(ident, "ana-7", 9)
    queue_score(config, "mini-cours", "devoir-a", ana.account, 7, 10)
    assert main(["lti", "mini-cours", "sync-grades", *args]) == 3  # reported to the teacher
    assert "1 changed in the LMS" in capsys.readouterr().out
    assert main(["lti", "mini-cours", "status", "--json", *args]) == 3
    statuses = [row["status"] for row in json.loads(capsys.readouterr().out)]
    assert statuses == ["conflict", "sent"]

    assert main(["lti", "mini-cours", "sync-roster", *args]) == 0
    assert "3 arrived" in capsys.readouterr().out

    # the nightly run: the roster (a learner made inactive in the LMS leaves), then the
    # scores waiting (none new: the conflict stays reported by `status`, not resent)
    platform.users["u-ben"].status = "Inactive"
    posts = len(platform.score_posts)
    assert main(["lti", "mini-cours", "sync", *args]) == 0
    out = capsys.readouterr().out
    assert "0 arrived, 1 left" in out and "0 queued, 0 sent" in out, out
    assert len(platform.score_posts) == posts
