"""Parcours' commands in every login shell of the hub's machine: ``/etc/profile.d/parcours.sh``.

A terminal of a person's JupyterLab on the hub runs a login shell, and so does
``su - NAME``: the system's ``/etc/profile`` sets ``PATH`` anew, without the folder of
Parcours' Python environment that the hub put first in the person's server (``parcours``,
``jupyter``, ``nbgrader``: "command not found"). :func:`install_login_path`, run as root by
``parcours hub`` (the hub's configuration) and ``parcours accounts sync``, writes
``/etc/profile.d/parcours.sh``, read by every login shell after ``/etc/profile``'s own
``PATH``: it puts that folder back — first in a shell of a JupyterLab on the hub
(``JUPYTERHUB_USER`` set: the order the person's server has), last elsewhere (the machine's
other commands keep theirs).
"""

from __future__ import annotations

import os
import secrets
import shlex
import stat
import sys
from pathlib import Path

#: the script every login shell reads
PROFILE = Path("/etc/profile.d/parcours.sh")


def venv_bin() -> Path:
    """The folder of this Python's scripts (jupyterhub-singleuser, parcours)."""
    return Path(sys.executable).parent


def login_path_script(folder: Path) -> str:
    """The script putting ``folder`` on a login shell's ``PATH`` (POSIX sh: read by
    ``/etc/profile``, whatever the account's shell)."""
    return (
        "# Parcours' commands (parcours, jupyter, nbgrader) in login shells; written by\n"
        "# `parcours hub` and `parcours accounts sync` (parcours.hub.shellpath).\n"
        f"parcours_bin={shlex.quote(str(folder))}\n"
        'case ":$PATH:" in\n'
        '  *":$parcours_bin:"*) ;;\n'
        '  *) if [ -n "${JUPYTERHUB_USER:-}" ]; then PATH="$parcours_bin:$PATH"\n'
        '     else PATH="$PATH:$parcours_bin"; fi\n'
        "     export PATH ;;\n"
        "esac\n"
        "unset parcours_bin\n"
    )


def install_login_path(folder: Path | None = None, profile: Path = PROFILE) -> bool:
    """Write ``profile`` for ``folder`` (default: this Python's scripts) as root: a new
    file (0644) renamed over the old one, so that a link found in its place is replaced,
    never written through. Does nothing unless root, or when ``profile``'s folder is
    missing or not root's own; True when the file was (re)written."""
    text = login_path_script(folder or venv_bin())
    place = profile.parent
    try:
        seen = os.lstat(place)
    except FileNotFoundError:
        return False
    if os.geteuid() != 0 or not stat.S_ISDIR(seen.st_mode) or seen.st_uid != 0:
        return False
    try:
        if not profile.is_symlink() and profile.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    part = place / f".{profile.name}.{secrets.token_hex(4)}"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), 0o644)
        os.replace(part, profile)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return True
