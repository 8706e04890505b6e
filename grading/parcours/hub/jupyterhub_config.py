# JupyterHub's configuration for Parcours: every value comes from ParcoursConfig
# (jupyter_config.py); `parcours hub` starts JupyterHub with this file. See
# parcours/hub/settings.py and docs/deployment.md.
from parcours.hub.hubdb import quick_commits
from parcours.hub.settings import configure

if "get_config" in globals():  # loaded by JupyterHub (importing this module does nothing)
    c = get_config()  # type: ignore[name-defined]  # noqa: F821 (traitlets gives it)
    configure(c)
    # the hub's own database: a commit no longer waits for the disk (see hub/hubdb.py)
    quick_commits(c.JupyterHub.db_url)
