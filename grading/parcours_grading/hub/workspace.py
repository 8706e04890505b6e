"""A person's working folder on the hub: a copy of each of their courses.

Before JupyterHub starts someone's JupyterLab, :func:`prepare_workspace` (the spawner's
``pre_spawn_hook``, run as root) gives them, in their own home::

    ~/<course>/course.toml            the manifest (public: the course sheet)
    ~/<course>/README.md
    ~/<course>/*.ipynb, lessons/*.ipynb   lesson notebooks, copied once: the learner's work
    ~/<course>/quizzes/<lesson>.sealed.json   the quiz banks without readable answers

A notebook already there is never replaced (it holds the learner's answers); sealed banks
are refreshed (a teacher's correction reaches the next lesson run). Never the YAML banks,
never the nbgrader sources. Everything belongs to the person, in a home only they read.

JupyterLab speaks the courses' language: for French courses, the person's JupyterLab
setting ``locale`` is set to ``fr_FR`` (JupyterLab's French language pack comes with
Parcours) unless they have chosen a language themselves. A learner's JupyterLab leaves
out nbgrader's teacher tools ("Create Assignment", the formgrader and course list
commands: :data:`TEACHER_TOOLS`), which a teacher's keeps.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: files of a course folder copied as they are (besides notebooks)
PLAIN_FILES = ("course.toml", "README.md")
#: JupyterLab's locale for a course language (its language pack installed with Parcours;
#: English is JupyterLab's own)
LAB_LOCALES = {"fr": "fr_FR"}
#: the person's JupyterLab setting of its display language
LAB_LANGUAGE_SETTING = Path(
    ".jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings"
)


def _copy_course(content: Path, target: Path) -> list[Path]:
    from parcours_lab.quiz.seal import seal_bank

    written: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for name in PLAIN_FILES:
        if (content / name).is_file():
            shutil.copyfile(content / name, target / name)
            written.append(target / name)
    notebooks = [*content.glob("*.ipynb"), *(content / "lessons").glob("*.ipynb")]
    for notebook in sorted(notebooks):
        copy = target / notebook.relative_to(content)
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, copy)
            written.append(copy)
    quizzes = content / "quizzes"
    for bank in sorted([*quizzes.glob("*.yaml"), *quizzes.glob("*.yml")]):
        written.append(seal_bank(bank, target / "quizzes"))
    return written


def prepare_workspace(
    config: ParcoursConfig, account: str, courses: list[str], *, teaches: bool = False
) -> list[Path]:
    """Copy ``courses`` into ``account``'s home and set up their JupyterLab (see the
    module's text; ``teaches``: they teach a course); returns the files written. Everything
    belongs to the account."""
    user = pwd.getpwnam(account)
    home = Path(user.pw_dir)
    written: list[Path] = []
    languages = set()
    for course in courses:
        content = Path(config.courses_dir) / course
        if (content / "course.toml").is_file():
            written += _copy_course(content, home / course)
            languages.add(_course_language(content))
    written += _lab_language(home, languages.pop() if len(languages) == 1 else config.language)
    written += _teacher_tools(home, teaches)
    for folder, dirs, files in os.walk(home):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if not path.is_symlink():
                os.chown(path, user.pw_uid, user.pw_gid)
    os.chown(home, user.pw_uid, user.pw_gid)
    os.chmod(home, 0o700)
    return written


def _course_language(content: Path) -> str:
    """The course's language, or "" when its manifest cannot be read (the person's
    server still starts; `parcours check` names what is wrong)."""
    from ..course import load_course
    from ..errors import ParcoursError

    try:
        return str(load_course(content).language)
    except ParcoursError:
        return ""


def _lab_language(home: Path, language: str) -> list[Path]:
    """The person's JupyterLab in ``language`` (their courses'), unless they have set its
    language already (their choice stays); returns the file written, if any."""
    locale = LAB_LOCALES.get(language)
    path = home / LAB_LANGUAGE_SETTING
    if locale is None or path.exists():
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"locale": locale}), encoding="utf-8")
    return [path]


#: nbgrader's JupyterLab plugins for teachers, left out of a learner's JupyterLab
TEACHER_TOOLS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
#: the person's JupyterLab page configuration (its disabled extensions)
LAB_PAGE_CONFIG = Path(".jupyter/labconfig/page_config.json")


def _teacher_tools(home: Path, teaches: bool) -> list[Path]:
    """Leave nbgrader's teacher tools out of a learner's JupyterLab; give them back to
    someone who teaches now. A page configuration the person wrote is left alone."""
    path = home / LAB_PAGE_CONFIG
    ours = json.dumps({"disabledExtensions": dict.fromkeys(TEACHER_TOOLS, True)}, indent=1)
    if teaches:
        if path.is_file() and path.read_text(encoding="utf-8") == ours:
            path.unlink()
        return []
    if path.exists():
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ours, encoding="utf-8")
    return [path]


def spawn_hook(spawner: object) -> None:
    """JupyterHub's ``Spawner.pre_spawn_hook``: the person's courses copied into their
    home (as learner or teacher) before their JupyterLab starts."""
    from ..config import load_config
    from .people import read_people

    name = spawner.user.name  # type: ignore[attr-defined]
    config = load_config()
    person = read_people(config).by_name.get(name)
    if person is not None:
        courses = sorted(person.learns | person.teaches)
        prepare_workspace(config, name, courses, teaches=bool(person.teaches))


#: the history entry of a login (``hub.history``), one per course the person learns in
LOGGED_IN = "logged-in"


def landing(handler: Any) -> str:
    """JupyterHub's ``default_url``: where the hub sends a person who logs in without
    asking for a page. A coordinator goes to the dashboards' first page
    (:mod:`..dashboards.index`); anyone else gets "", the hub's own default: their
    JupyterLab."""
    from jupyterhub.utils import url_path_join

    from .people import COORDINATORS_GROUP, DASHBOARDS_SERVICE

    user = handler.current_user
    if user is not None and any(g.name == COORDINATORS_GROUP for g in user.groups):
        return str(url_path_join(handler.base_url, f"services/{DASHBOARDS_SERVICE}/"))
    return ""


def login_hook(authenticator: object, handler: object, authentication: Any) -> Any:
    """JupyterHub's ``Authenticator.post_auth_hook``: a learner's login is written in the
    history of each course they learn in (the hub's clock), for the evidence pack's
    activity log. A failure to write is logged and never refuses the login."""
    import logging

    from ..config import load_config
    from ..errors import ParcoursError
    from .history import record
    from .people import read_people

    if not authentication:
        return authentication
    name = authentication["name"] if isinstance(authentication, dict) else str(authentication)
    try:
        config = load_config()
        person = read_people(config).by_name.get(name)
        for course in sorted(person.learns if person is not None else ()):
            record(config, course, name, LOGGED_IN, "")
    except (ParcoursError, OSError) as exc:  # the login goes on; the cause is logged
        logging.getLogger("JupyterHub").error(
            "login of %s not written in the courses' history (%s): check the data "
            "folder's owner and space, or the events database; the login itself went on",
            name,
            exc,
        )
    return authentication
