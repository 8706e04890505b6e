"""Root and the Parcours service write, hand over and close files in folders that another
account may write (on the hub a course's data folder is its grader account's, whose
formgrader runs kernels). Whatever that account plants there — a symbolic link to a file
elsewhere, in place of the history, a record's lock or its temporary file, or swapped in
while root changes owners and modes — leads nothing outside: each attack below is run
through the real operation, and the file outside keeps its content, owner and mode.

The folder's owner here is the account ``nobody`` (a grader account's stand-in); the
tests run as root, as the hub's login hook and a teacher's commands do."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.hub import accounts
from parcours.pipeline.records import RELEASES, read_record, update_record
from parcours.store import history


@pytest.fixture(autouse=True)
def _as_root() -> None:
    """These tests plant links as another account: run the suite as root."""
    assert os.geteuid() == 0, "tests/hub/test_planted_links.py plants links as nobody: run as root"


COURSE = "c1"


@pytest.fixture
def site() -> Iterator[tuple[ParcoursConfig, Path, Path]]:
    """(configuration, the course's data folder owned by ``nobody``, a folder of root's
    outside it holding ``secret``: root's, 0600)."""
    base = Path(tempfile.mkdtemp(prefix="parcours-links-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        config = ParcoursConfig(data_dir=str(base / "data"), events_url="sqlite:///:memory:")
        folder = config.course_root(COURSE)
        folder.mkdir(parents=True)
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        outside = base / "root-only"
        outside.mkdir(mode=0o700)
        secret = outside / "secret"
        secret.write_text("root's own\n")
        os.chmod(secret, 0o600)
        yield config, folder, outside
    finally:
        shutil.rmtree(base)


def _plant(link: Path, target: Path) -> None:
    """A link ``link`` -> ``target`` made by the folder's owner (``nobody``)."""
    done = subprocess.run(
        ["runuser", "-u", "nobody", "--", "ln", "-s", str(target), str(link)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _seen(path: Path) -> tuple[str, int, int, int]:
    info = path.stat()
    return path.read_text(), info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def test_a_link_in_place_of_the_history_leads_nowhere(site) -> None:
    """The hub's login hook (root) appends a login to ``history.jsonl``: a link planted
    there neither has root write into, nor create and hand over, a file elsewhere."""
    config, folder, outside = site
    secret, made = outside / "secret", outside / "made-by-root"
    before = _seen(secret)
    for target in (secret, made):
        _plant(folder / history.HISTORY, target)
        with pytest.raises(history.HistoryError):
            history.record(config, COURSE, "alice", "logged-in", "")
        (folder / history.HISTORY).unlink()
    assert _seen(secret) == before
    assert not made.exists()
    # the folder itself is fine: the next entry starts a plain file, owned like its folder
    history.record(config, COURSE, "alice", "logged-in", "")
    written = folder / history.HISTORY
    assert not written.is_symlink() and written.stat().st_uid == folder.stat().st_uid
    assert stat.S_IMODE(written.stat().st_mode) == 0o660
    assert [e["who"] for e in history.read(config, COURSE)] == ["alice"]


def test_a_link_in_place_of_a_records_lock_leads_nowhere(site) -> None:
    _config, folder, outside = site
    made = outside / "made-by-root"
    _plant(folder / f"{RELEASES}.lock", made)
    with pytest.raises(OSError), update_record(folder / RELEASES) as data:
        data["entries"]["a1"] = {"learners": None}
    assert not made.exists()


def test_a_link_in_place_of_a_records_temporary_file_leads_nowhere(site) -> None:
    """The temporary file's old name was predictable (``.<name>.<pid>.tmp``): a link
    planted under it had root write the record into a file elsewhere."""
    _config, folder, outside = site
    secret = outside / "secret"
    before = _seen(secret)
    _plant(folder / f".{RELEASES}.{os.getpid()}.tmp", secret)
    with update_record(folder / RELEASES) as data:
        data["entries"]["a1"] = {"learners": None}
    assert _seen(secret) == before
    assert read_record(folder / RELEASES)["entries"] == {"a1": {"learners": None}}
    assert not (folder / RELEASES).is_symlink()


def test_a_link_in_place_of_a_record_is_not_read_through(site) -> None:
    """A record that is a link to a file elsewhere is refused, not copied into the
    record the folder's owner reads."""
    _config, folder, outside = site
    leaked = outside / "root.json"
    leaked.write_text('{"schema_version": 1, "entries": {"root": "secret"}}')
    os.chmod(leaked, 0o600)
    _plant(folder / RELEASES, leaked)
    from parcours.errors import DataError

    with pytest.raises(DataError):
        read_record(folder / RELEASES)


_RENAME_EXCHANGE = 2


def _swapper(folder: Path, outside: Path, count: int) -> subprocess.Popen[str]:
    """As ``nobody``: ``count`` pairs (``f<n>`` a plain file, ``.l<n>`` a link to root's
    folder and its file), swapped atomically and endlessly (``renameat2`` with
    RENAME_EXCHANGE): ``f<n>`` is by turns a file and a link, as an attacker racing
    root's check-then-act would have it. Prints "ready" once the pairs exist."""
    code = f"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.chdir({str(folder)!r})
for n in range({count}):
    open(f"f{{n}}", "w").close()
    os.symlink(sys.argv[1] if n % 2 else sys.argv[2], f".l{{n}}")
print("ready", flush=True)
while True:
    for n in range({count}):
        libc.renameat2(-100, f"f{{n}}".encode(), -100, f".l{{n}}".encode(), {_RENAME_EXCHANGE})
"""
    return subprocess.Popen(
        [
            "runuser",
            "-u",
            "nobody",
            "--",
            sys.executable,
            "-c",
            code,
            str(outside),
            str(outside / "secret"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # runuser and its Python in one group: killed together
    )


def test_owners_and_modes_are_never_changed_through_a_link_swapped_in(site) -> None:
    """Handing a course folder over (``chown`` of its tree, ``chmod`` to share it with
    the course's group, as ``parcours`` commands run as root do after each change) while
    its owner keeps swapping files for links to root's folder and file: root's folder and
    file keep their owner and mode."""
    _config, folder, outside = site
    secret = outside / "secret"
    before = [_seen(secret), stat.S_IMODE(outside.stat().st_mode), outside.stat().st_uid]
    swapper = _swapper(folder, outside, 16)
    try:
        assert swapper.stdout is not None and swapper.stdout.readline().strip() == "ready"
        nobody = pwd.getpwnam("nobody")
        for _round in range(400):
            accounts._own(folder, nobody.pw_uid, nobody.pw_gid)
            accounts._share_with_group(folder)
            accounts._close(folder, 0o750, 0o640)
            seen = [_seen(secret), stat.S_IMODE(outside.stat().st_mode), outside.stat().st_uid]
            assert seen == before, f"changed through a link in round {_round}"
    finally:
        os.killpg(swapper.pid, signal.SIGKILL)  # runuser does not pass SIGKILL on
        swapper.wait()
