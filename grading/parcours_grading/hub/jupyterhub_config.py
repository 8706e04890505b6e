# JupyterHub's configuration for Parcours: every value comes from ParcoursConfig
# (jupyter_config.py); `parcours hub` starts JupyterHub with this file. See
# parcours_grading/hub/settings.py and docs/deployment.md.
from parcours_grading.hub.settings import configure

configure(get_config())  # noqa: F821 (provided by traitlets' config loader)
