"""A pytest plugin: the panel's server extension (``parcours_lab``) on a real
jupyter_server (pytest-jupyter), one machine, in the learner's world of
:func:`tests.lab.learner_day.write_world`. Used by the panel's endpoint tests::

    pytest_plugins = ["pytest_jupyter.jupyter_server", "tests.lab.panelserver"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.lab.learner_day import World, write_world


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """The learner's project, data and home (the server's user is the learner)."""
    return write_world(tmp_path / "monde", monkeypatch)


@pytest.fixture
def jp_server_config(world: World) -> dict[str, Any]:
    """The server with the panel's extension on."""
    return {"ServerApp": {"jpserver_extensions": {"parcours_lab": True}}}


@pytest.fixture
def jp_root_dir(world: World) -> Path:
    """The server's folder: her home."""
    return world.home
