"""Parcours on JupyterHub: every person logs in as themselves.

- :mod:`.people` — who is who, from the rosters, the manifests' ``teachers`` and
  ``ParcoursConfig.coordinators``: the hub's groups, roles and custom scopes.
- :mod:`.accounts` — the Unix accounts behind them (``parcours accounts sync``).
- :mod:`.workspace` — a learner's working folder: copies of their courses' lessons.
- :mod:`.settings` — the JupyterHub configuration, derived from ``ParcoursConfig``
  (``jupyterhub_config.py`` beside it only calls :func:`.settings.configure`).
- :mod:`.dashboards` — the Voila dashboards as a hub service behind the hub's OAuth.
- :mod:`.server` — start and stop the hub (``parcours hub``, the demo, the tests).

See docs/deployment.md.
"""
