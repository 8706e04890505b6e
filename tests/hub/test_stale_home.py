"""A new account never gets the home an earlier account of its name left behind (a
learner removed, then a new one with that login; a killed test run): that folder may hold
another person's files, or belong to whoever has been given the old account's number."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from parcours.hub import accounts

NAME = "pt-stale"


def _clean() -> None:
    subprocess.run(["userdel", "--remove", NAME], capture_output=True, check=False)
    subprocess.run(["groupdel", NAME], capture_output=True, check=False)
    for left in Path("/home").glob(f".{NAME}.left-*"):
        shutil.rmtree(left, ignore_errors=True)
    shutil.rmtree(Path("/home") / NAME, ignore_errors=True)


def test_a_new_account_never_gets_a_home_left_by_an_earlier_one() -> None:
    assert os.geteuid() == 0, "run as root: this test makes a Unix account"
    _clean()
    home = Path("/home") / NAME
    home.mkdir(mode=0o755)
    (home / "notes.txt").write_text("someone else's notes")
    nobody = pwd.getpwnam("nobody")
    os.chown(home, nobody.pw_uid, nobody.pw_gid)  # another account's number owns it now
    try:
        accounts._create(NAME)
        entry = pwd.getpwnam(NAME)
        assert Path(entry.pw_dir) == home
        made = home.stat()
        assert made.st_uid == entry.pw_uid and stat.S_IMODE(made.st_mode) == 0o700
        assert not (home / "notes.txt").exists()
        (aside,) = Path("/home").glob(f".{NAME}.left-*")
        kept = aside.stat()
        assert (kept.st_uid, stat.S_IMODE(kept.st_mode)) == (0, 0o700)  # root's alone
        assert (aside / "notes.txt").read_text() == "someone else's notes"  # nothing lost
    finally:
        _clean()
