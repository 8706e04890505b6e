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


#: Parcours' nbgrader exchange classes (:mod:`.exchange`), by ``ExchangeFactory``
#: trait: release-record checks for learners, and every exchange's root from
#: ``ParcoursConfig.exchange_dir``. Written into a configuration by :func:`use_parcours_exchange`.
EXCHANGE_CLASSES = {
    "list": "parcours.pipeline.exchange.ParcoursExchangeList",
    "fetch_assignment": "parcours.pipeline.exchange.ParcoursFetchAssignment",
    "submit": "parcours.pipeline.exchange.ParcoursSubmit",
    "fetch_feedback": "parcours.pipeline.exchange.ParcoursFetchFeedback",
    "release_assignment": "parcours.pipeline.exchange.ParcoursReleaseAssignment",
    "release_feedback": "parcours.pipeline.exchange.ParcoursReleaseFeedback",
    "collect": "parcours.pipeline.exchange.ParcoursCollect",
}


def use_parcours_exchange(config: Config) -> Config:
    """Make nbgrader use Parcours' exchange classes (:data:`EXCHANGE_CLASSES`) in ``config``.

    Called by the project's ``jupyter_config.py`` (so that nbgrader's JupyterLab assignment
    list and every nbgrader application use them) and by the pipeline's own nbgrader
    configuration. The exchange's folder is not written here: each class takes it from
    ``ParcoursConfig.exchange_dir`` when it is used, after the user's file has been read.
    """
    for trait, klass in EXCHANGE_CLASSES.items():
        setattr(config.ExchangeFactory, trait, klass)
    config.Exchange.path_includes_course = True
    return config


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
    ensure_gradebook_database(config.gradebook_for(course.id))  # PostgreSQL: its database
    return root


def nbgrader_config(config: ParcoursConfig, course: Course) -> Config:
    """nbgrader settings for one course, layered over what jupyter_config.py says."""
    from traitlets.config import Config

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


def ensure_gradebook_database(url: str) -> None:
    """Make room for a course's gradebook before nbgrader opens it (nbgrader then makes its
    tables): a PostgreSQL gradebook's database is created when missing (``gradebook_url =
    postgresql+psycopg://…/parcours_{course}``), a SQLite gradebook's folder too."""
    from ..errors import GradingError
    from ..store.postgres import POSTGRES_SCHEMES, ensure_database

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    elif url.split("://", 1)[0] in POSTGRES_SCHEMES:
        ensure_database(url, error=GradingError)
