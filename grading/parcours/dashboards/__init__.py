"""Voila dashboards for coordinators, teachers and learners: view-model functions (every
number a dashboard shows), the pages laying them out, and the Voila server that serves
``notebooks/``. See docs/dashboards.md."""
