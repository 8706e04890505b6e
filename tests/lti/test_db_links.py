"""The LMS side's files in the data folder (the tool's database, the LRS outbox, the sync
locks) are made by root on a hub, in a folder another account owns: a link planted in
place of one is refused with a message, never followed (nothing is made or changed where
it points)."""

from __future__ import annotations

from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.errors import BadInputError
from parcours.lti.db import connect, one_at_a_time


def test_a_link_in_place_of_the_database_is_not_followed(
    config: ParcoursConfig, tmp_path: Path
) -> None:
    outside = tmp_path / "ailleurs" / "victime.sqlite"
    outside.parent.mkdir()
    planted = Path(config.data_dir) / "lti.sqlite"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.unlink(missing_ok=True)
    planted.symlink_to(outside)  # dangling: following it would make the file there
    with pytest.raises(BadInputError, match=r"lti\.sqlite is not a plain file"), connect(config):
        pass
    assert not outside.exists()


def test_a_link_in_place_of_a_lock_is_not_followed(config: ParcoursConfig, tmp_path: Path) -> None:
    outside = tmp_path / "victime.txt"
    outside.write_text("intact")
    planted = Path(config.data_dir) / "lti-sync.lock"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.symlink_to(outside)
    with (
        pytest.raises(BadInputError, match=r"lti-sync\.lock is not a plain file"),
        one_at_a_time(config, "lti-sync.lock"),
    ):
        pass
    assert outside.read_text() == "intact"


def test_the_files_are_made_once_and_reused(config: ParcoursConfig) -> None:
    with connect(config) as first:
        first.execute("SELECT 1")
    with connect(config) as again, one_at_a_time(config, "lti-sync.lock"):
        again.execute("SELECT 1")
    made = Path(config.data_dir) / "lti.sqlite"
    assert made.is_file() and not made.is_symlink()
    assert made.stat().st_mode & 0o777 == 0o600
