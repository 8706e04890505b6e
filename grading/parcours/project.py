"""Where the project is, which ``jupyter_config.py`` files count (highest priority first)
and their settings merged (:mod:`.config` makes a ``ParcoursConfig`` of them). On the
CLI's start-up path: imports the standard library and traitlets (jupyter_core when asked
for the folders)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigurationError
from .i18n import _

if TYPE_CHECKING:
    from traitlets.config import Config

#: Environment variable naming the project folder (the one holding ``jupyter_config.py``
#: and ``courses/``). Set by :func:`activate_project` for child processes.
ROOT_ENV = "PARCOURS_ROOT"
CONFIG_FILE = "jupyter_config.py"


def find_root(start: Path | None = None) -> Path:
    """The project folder: ``$PARCOURS_ROOT``, else the nearest folder upwards from ``start``
    (default: the working directory) that holds both ``jupyter_config.py`` and ``courses/``,
    else the source checkout this package was installed from (editable install), else the
    copy a wheel installs in ``<prefix>/share/parcours`` (its configuration file and the
    dashboard notebooks)."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / "courses").is_dir():
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / CONFIG_FILE).is_file():
        return checkout
    import sys

    installed = Path(sys.prefix) / "share" / "parcours"
    if (installed / CONFIG_FILE).is_file():
        return installed
    return here


def config_paths(root: Path) -> list[str]:
    """Folders searched for ``jupyter_config.py``, highest priority first."""
    from jupyter_core.paths import jupyter_config_dir

    user = jupyter_config_dir()
    paths = [user, str(root)]
    for extra in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep):
        if extra and extra not in paths:
            paths.append(extra)
    return paths


def activate_project(root: Path | str | None = None) -> Path:
    """Make this process and its children use the project's configuration.

    Sets ``PARCOURS_ROOT`` and puts the user's Jupyter config folder, then the project
    folder, at the head of ``JUPYTER_CONFIG_PATH`` (where the user's file keeps priority).
    Idempotent. Returns the project folder.
    """
    root = (Path(root) if root else find_root()).resolve()
    os.environ[ROOT_ENV] = str(root)
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(config_paths(root))
    return root


def load_traitlets_config(root: Path | str | None = None) -> Config:
    """Merge every ``jupyter_config.py`` on the search path, user's file last (it wins)."""
    from traitlets.config import Config
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    folder_root = activate_project(root)
    merged = Config()
    for folder in reversed(config_paths(folder_root)):
        path = Path(folder) / CONFIG_FILE
        try:
            if not path.is_file():
                continue
        except PermissionError:
            if Path(folder) == folder_root:
                raise ConfigurationError(
                    _(
                        "{path}: this process's account cannot read the project's configuration; "
                        "make the project folder readable by it (the hub's services run as their "
                        "own accounts: docs/deployment.md)."
                    ).format(path=path)
                ) from None
            continue  # another account's folder left on the search path: not ours

        try:
            loaded = PyFileConfigLoader(CONFIG_FILE, path=folder).load_config()
        except ConfigFileNotFound:
            continue
        except Exception as exc:  # a user's config file may raise anything
            raise ConfigurationError(
                _(
                    "{path}: this configuration file could not be loaded ({error}). Fix the "
                    "line it names, or move the file away to use the defaults."
                ).format(path=path, error=exc)
            ) from exc
        merged.merge(loaded)
    return merged
