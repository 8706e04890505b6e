"""Who is asking: the one place that says it, per context.

* **In a service on the hub** (the Parcours service, the dashboards, formgrader's
  staff views): the person the hub's token or session names, checked by the service
  itself (``hub/service.py``, ``dashboards/viewer.py``); a scope in that token says
  what she may do. Never an environment variable, a flag or a file: nothing here.
* **In a person's own processes** (her JupyterLab server on the hub, its kernels and
  terminals; any command on one machine): :func:`person` — ``JUPYTERHUB_USER``, which
  JupyterHub sets for the server it starts for her (her processes act as her; whatever
  they ask of a service is checked there with her token), else the configured
  ``ParcoursConfig.learner`` (one machine, one learner), else the operating-system login
  (as nbgrader's ``get_username``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def os_login(env: Mapping[str, str] | None = None) -> str:
    """The operating-system login, '' when unknown (``env`` other than the process's own
    environment: from it only)."""
    source = os.environ if env is None else env
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if source.get(name):
            return source[name]
    if env is not None and env is not os.environ:
        return ""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def person(configured: str = "", env: Mapping[str, str] | None = None) -> str:
    """Whose process this is: the hub user of this server, else ``configured``
    (``ParcoursConfig.learner``), else the OS login; '' when none is known."""
    source = os.environ if env is None else env
    return source.get("JUPYTERHUB_USER") or configured or os_login(env)
