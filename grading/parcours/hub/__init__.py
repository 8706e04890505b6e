"""Parcours on JupyterHub: every person logs in as themselves.

- :mod:`.people` — who is who, from the rosters, the manifests' ``teachers`` and
  ``ParcoursConfig.coordinators``: the hub's groups, roles and custom scopes.
- :mod:`.accounts` — the Unix accounts behind them (``parcours accounts sync``).
- :mod:`.workspace` — a learner's working folder: copies of their courses' lessons.
- :mod:`.settings` — the JupyterHub configuration, derived from ``ParcoursConfig``
  (``jupyterhub_config.py`` beside it only calls :func:`.settings.configure`).
- :mod:`.dashboards` — the Voila dashboards as a hub service behind the hub's OAuth.
- :mod:`.server` — start and stop the hub (``parcours hub``, the demo, the tests).
- :mod:`.service` — the Parcours service (its own account, ``parcours-service``): the one
  process holding the course data; :mod:`.learner_api` and :mod:`.teacher_api` hold its
  handlers, :mod:`.client` is its learners' side, :mod:`.exchange` nbgrader's exchange
  over it, :mod:`.ongrade` grading on submit, :mod:`.history` the courses' history.

See docs/deployment.md.
"""
