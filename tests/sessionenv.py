"""The environment of a test world: Jupyter's folders, HOME and Parcours' data under one
folder, set for a test (monkeypatch) or for a session fixture (:func:`environ`)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: the folders :func:`session_env` makes under its base
FOLDERS = ("config", "data", "runtime", "home", "ipython", "parcours")


def session_env(base: Path) -> dict[str, str]:
    """Jupyter's folders, HOME and Parcours' data under ``base`` (created)."""
    env = {
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        "HOME": str(base / "home"),
        "PARCOURS_DATA_DIR": str(base / "parcours"),
        "PARCOURS_ROOT": str(REPO),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # nbgrader runs ``alembic`` as a subprocess: the venv's bin first
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    }
    for name in FOLDERS:
        (base / name).mkdir(parents=True, exist_ok=True)
    return env


@contextlib.contextmanager
def environ(
    env: dict[str, str], drop: tuple[str, ...] = ("JUPYTER_CONFIG_PATH",)
) -> Iterator[None]:
    """``os.environ`` with ``env`` set and ``drop`` unset, restored on leaving: for session
    and module fixtures, which cannot use ``monkeypatch``."""
    saved = {key: os.environ.get(key) for key in (*env, *drop)}
    os.environ.update(env)
    for key in drop:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
