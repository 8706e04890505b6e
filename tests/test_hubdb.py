"""JupyterHub's own database commits without waiting for the disk (parcours/hub/hubdb.py,
issue #24: 10 learners logging in at once waited 2 to 3 s for the hub's login, whose
event loop waited for each commit's fsync)."""

from __future__ import annotations

import runpy
import sqlite3
from pathlib import Path
from typing import Any

import pytest


def journal(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def test_the_hubs_database_writes_ahead_and_other_databases_are_left_alone(
    tmp_path: Path,
) -> None:
    from jupyterhub import orm
    from parcours.hub.hubdb import quick_commits

    hub_db, other = tmp_path / "jupyterhub.sqlite", tmp_path / "other.sqlite"
    assert quick_commits(f"sqlite:///{hub_db}")
    assert quick_commits(f"sqlite:///{hub_db}")  # twice: one listener
    sessions = {path: orm.new_session_factory(f"sqlite:///{path}")() for path in (hub_db, other)}
    assert journal(hub_db) == "wal"
    assert journal(other) == "delete"
    # JupyterHub's own writes (a user, its activity), committed through its engine:
    # they go to the log, which SQLite syncs at checkpoints, not at each commit
    session = sessions[hub_db]
    user = orm.User(name="apprenant00001")
    session.add(user)
    session.commit()
    user.last_activity = orm.utcnow()
    session.commit()
    connection = session.connection().connection.dbapi_connection
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert hub_db.with_name(hub_db.name + "-wal").stat().st_size > 0
    for session in sessions.values():
        session.close()


def test_memory_and_other_engines_are_not_hub_databases() -> None:
    from parcours.hub.hubdb import quick_commits, sqlite_file

    assert not quick_commits("sqlite:///:memory:")
    assert not quick_commits("postgresql+psycopg://hub@127.0.0.1/jupyterhub")
    assert (
        sqlite_file("sqlite:////srv/hub/jupyterhub.sqlite?timeout=5")
        == "/srv/hub/jupyterhub.sqlite"
    )


def test_the_hubs_configuration_file_makes_its_database_write_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``parcours hub``'s JupyterHub configuration file installs it for the database it
    names (its other settings are :func:`parcours.hub.settings.configure`'s, tested with
    the hub)."""
    import parcours.hub.settings as settings
    from jupyterhub import orm
    from parcours.hub.server import CONFIG_FILE
    from traitlets.config import Config

    hub_db = tmp_path / "hub" / "jupyterhub.sqlite"
    hub_db.parent.mkdir()

    def configure(c: Any) -> None:
        c.JupyterHub.db_url = f"sqlite:///{hub_db}"

    monkeypatch.setattr(settings, "configure", configure)
    c = Config()
    runpy.run_path(str(CONFIG_FILE), init_globals={"get_config": lambda: c})
    orm.new_session_factory(c.JupyterHub.db_url)().close()
    assert journal(hub_db) == "wal"
