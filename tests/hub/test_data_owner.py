"""The data folder as the Parcours service finds it after ``parcours demo`` or ``parcours
accounts sync`` (as root): every file of its top level — the event store, its snapshots —
belongs to the service's account, which reads and writes them; links other accounts could
have put there are never followed. No hub needed: the hand-over itself, then the service's
account at work."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_service import _event

#: as the service's account: one event written into the store, then every event read back
AS_SERVICE = """
import sys, uuid
from parcours.store import open_store
from parcours.store.events import Event
with open_store(sys.argv[1]) as store:
    store.record(Event(**{**store.read()[0].to_dict(), "id": uuid.uuid4().hex}))
    print(len(store.read()))
"""


@pytest.fixture
def shared_data() -> Iterator[Path]:
    """A data folder under a folder every account may pass through, filled as root."""
    assert os.geteuid() == 0, "the hand-over to the service's account needs root"
    base = Path(tempfile.mkdtemp(prefix="parcours-owner-", dir="/tmp"))
    os.chmod(base, 0o711)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_data_folders_files_become_the_services(shared_data: Path) -> None:
    from parcours.config import load_config
    from parcours.hub.accounts import close_data_folder, ensure_service_account
    from parcours.hub.people import SERVICE_ACCOUNT, People
    from parcours.store import open_store
    from parcours.store.events import Event

    data = shared_data / "data"
    config = load_config(data_dir=str(data))
    with open_store(config.events_url) as store:  # root writes the store, as the demo does
        store.record(Event.from_dict(_event()))
    snapshot = data / "events.sqlite.columns-v1.npz"
    snapshot.write_bytes(b"a snapshot")
    for path in data.iterdir():
        os.chmod(path, 0o600 if path.is_file() else 0o700)
    roots = shared_data / "roots-only"
    roots.write_text("root's", encoding="utf-8")
    os.chmod(roots, 0o640)
    (data / "planted-link").symlink_to(roots)
    os.link(roots, data / "planted-hard-link")

    ensure_service_account(People(by_name={}, courses=[]))
    service = pwd.getpwnam(SERVICE_ACCOUNT)
    close_data_folder(config)

    store_file = data / "events.sqlite"
    for path in (store_file, snapshot):
        assert path.stat().st_uid == service.pw_uid, path
    # never through a link: root's file stays root's, its mode untouched
    assert roots.stat().st_uid == 0 and roots.stat().st_mode & 0o777 == 0o640
    as_service = subprocess.run(
        ["runuser", "-u", SERVICE_ACCOUNT, "--", sys.executable, "-c", AS_SERVICE,
         config.events_url],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(shared_data)},
        check=False,
    )  # fmt: skip
    assert as_service.returncode == 0, as_service.stderr[-2000:]
    assert as_service.stdout.strip() == "2"
