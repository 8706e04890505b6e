"""The nbgrader course folder of a Parcours course, and the nbgrader configuration for it.

Content stays in ``courses/<id>/`` (read-only for the pipeline); nbgrader's runtime folders
live in ``<data_dir>/courses/<id>/``::

    <data_dir>/courses/<id>/
        source -> <courses_dir>/<id>/source   (symlink: nbgrader reads sources from here)
        release/ submitted/ autograded/ feedback/
        gradebook.db                          (or a PostgreSQL database: gradebook_url)
    <data_dir>/exchange/                      (nbgrader's exchange, shared by all courses)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keep traitlets' Config import cheap and nbgrader out of start-up
    from traitlets.config import Config

    from ..config import ParcoursConfig
    from ..course.model import Course


def prepare_course_root(config: ParcoursConfig, course: Course) -> Path:
    """Create the course's runtime folder and link its nbgrader sources; return the folder."""
    root = config.course_root(course.id)
    root.mkdir(parents=True, exist_ok=True)
    link = root / "source"
    target = (course.folder / "source").resolve()
    if link.is_symlink() and Path(os.readlink(link)) != target:
        link.unlink()
    if not link.exists():
        link.symlink_to(target, target_is_directory=True)
    Path(config.exchange_dir).mkdir(parents=True, exist_ok=True)
    from .gradebook import ensure_gradebook_database

    ensure_gradebook_database(config.gradebook_for(course.id))  # PostgreSQL: its database
    return root


def nbgrader_config(config: ParcoursConfig, course: Course) -> Config:
    """nbgrader settings for one course, layered over what jupyter_config.py says."""
    from traitlets.config import Config

    from ..config import use_parcours_exchange

    nb = use_parcours_exchange(Config())
    nb.CourseDirectory.root = str(config.course_root(course.id))
    nb.CourseDirectory.course_id = course.id
    nb.CourseDirectory.db_url = config.gradebook_for(course.id)
    nb.Exchange.root = config.exchange_dir
    nb.ExecutePreprocessor.timeout = int(config.cell_timeout)
    nb.NbGraderAPI.timezone = course.timezone  # formgrader's dates in the course's zone
    return use_safe_html(nb)


def use_safe_html(nb: Config) -> Config:
    """nbgrader's feedback pages render learner content sanitised, under a
    Content-Security-Policy that runs no script (:mod:`.safehtml`, template
    ``parcours_feedback``). Scoped to ``GenerateFeedback``'s exporter: Voila and
    JupyterLab's own exports keep their scripts. Called by ``jupyter_config.py`` (the
    formgrader's "Generate feedback" button) and by :func:`nbgrader_config` (``parcours
    feedback``); the formgrader's pages get theirs from :mod:`.staffview`."""
    from importlib.util import find_spec

    spec = find_spec("nbgrader")  # where it is, without importing it (0.8 s)
    package = Path(spec.origin if spec and spec.origin else ".").parent
    templates = package / "server_extensions" / "formgrader" / "templates"
    exporter = nb.GenerateFeedback.HTMLExporter
    exporter.sanitize_html = True
    exporter.filters = {
        "markdown2html": "parcours.pipeline.safehtml.markdown2html",
        "clean_html": "parcours.pipeline.safehtml.clean_html",
    }
    exporter.preprocessors = ["parcours.pipeline.safehtml.LearnerNotebook"]
    exporter.template_name = "parcours_feedback"
    exporter.extra_template_basedirs = [str(templates), str(Path(__file__).with_name("templates"))]
    # nbgrader's folder itself ({% extends 'feedback/index.html.j2' %}), then the
    # Bootstrap CSS its feedback template inlines (what GenerateFeedback sets)
    bootstrap = templates.parent / "static" / "node_modules" / "bootstrap" / "dist" / "css"
    exporter.extra_template_paths = [str(templates), str(bootstrap)]
    return nb
