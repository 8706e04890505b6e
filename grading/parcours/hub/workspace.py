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
commands: :data:`TEACHER_TOOLS`) and, in a course not taught in English, nbgrader's
English-only learner tools (:data:`ENGLISH_ONLY_LEARNER_TOOLS`: she fetches, hands in and
reads her feedback in the "Mon parcours" panel); a teacher's keeps them all.
"""

from __future__ import annotations

import json
import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _

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


#: nbgrader's JupyterLab plugins for teachers, left out of a learner's JupyterLab
TEACHER_TOOLS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
#: nbgrader's JupyterLab plugins for learners that speak English only (nbgrader ships no
#: translation): its assignment list, its "Validate" button and its "Nbgrader" menu. In a
#: course taught in another language, the learner fetches, hands in and reads her
#: feedback in the "Mon parcours" panel instead, in her language
ENGLISH_ONLY_LEARNER_TOOLS = (
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:validate-assignment",
    "@jupyter/nbgrader:menu",
)
#: the person's JupyterLab page configuration (its disabled extensions)
LAB_PAGE_CONFIG = Path(".jupyter/labconfig/page_config.json")


def learner_page_config(language: str) -> bytes:
    """A learner's JupyterLab page configuration as Parcours writes it for a course in
    ``language``: nbgrader's teacher tools left out, and its English-only learner tools
    too unless the course is in English."""
    tools = TEACHER_TOOLS + (ENGLISH_ONLY_LEARNER_TOOLS if language != "en" else ())
    return json.dumps({"disabledExtensions": dict.fromkeys(tools, True)}).encode()


#: every page configuration Parcours has written for a learner (this version's and the
#: earlier ones): a file still holding one of them is Parcours' own, renewed or removed
OUR_PAGE_CONFIGS = (
    learner_page_config("en"),
    learner_page_config("fr"),
)


@dataclass
class Workspace:
    """What a person's home receives, relative paths to contents: ``always`` written
    every time (manifest, README, sealed banks), ``once`` only where nothing is yet (the
    lesson notebooks, holding the learner's work; the person's own JupyterLab settings),
    ``unless_changed`` removed when it still holds exactly what Parcours wrote (one of
    the contents given), ``renewed`` written where nothing is or where the file still
    holds what Parcours wrote."""

    always: dict[str, bytes] = field(default_factory=dict)
    once: dict[str, bytes] = field(default_factory=dict)
    unless_changed: dict[str, tuple[bytes, ...]] = field(default_factory=dict)
    #: written where nothing is yet, or where the file still holds one of the contents
    #: given (Parcours' own, from an earlier version or for another language)
    renewed: dict[str, tuple[bytes, tuple[bytes, ...]]] = field(default_factory=dict)


def _course_files(content: Path, course: str, workspace: Workspace) -> None:
    """A course's files for the person's copy, read here (as root: the course content is
    closed to learners), sealed banks without readable answers."""
    from ..quizbank import sealed_text

    for name in PLAIN_FILES:
        if (content / name).is_file():
            workspace.always[f"{course}/{name}"] = (content / name).read_bytes()
    for notebook in sorted([*content.glob("*.ipynb"), *(content / "lessons").glob("*.ipynb")]):
        workspace.once[f"{course}/{notebook.relative_to(content)}"] = notebook.read_bytes()
    quizzes = content / "quizzes"
    for bank in sorted([*quizzes.glob("*.yaml"), *quizzes.glob("*.yml")]):
        name, text = sealed_text(bank)
        workspace.always[f"{course}/quizzes/{name}"] = text.encode("utf-8")


def prepare_workspace(
    config: ParcoursConfig, account: str, courses: list[str], *, teaches: bool = False
) -> list[Path]:
    """Copy ``courses`` into ``account``'s home and set up their JupyterLab (see the
    module's text; ``teaches``: they teach a course); returns the files written.

    The files are read here and written by a child process running as the account
    (:func:`_write_as`): whatever the person has put in their home (a symbolic link to a
    folder of root's...), nothing is written, and no file's owner changed, beyond what
    the account itself may do."""
    user = pwd.getpwnam(account)
    home = Path(user.pw_dir)
    workspace = Workspace()
    languages = set()
    for course in courses:
        content = Path(config.courses_dir) / course
        if (content / "course.toml").is_file():
            _course_files(content, course, workspace)
            languages.add(_course_language(content))
    language = languages.pop() if len(languages) == 1 else config.language
    locale = LAB_LOCALES.get(language)
    if locale is not None:  # unless they chose a language themselves
        workspace.once[str(LAB_LANGUAGE_SETTING)] = json.dumps({"locale": locale}).encode()
    # a learner's JupyterLab without nbgrader's teacher tools (nor, in a course not in
    # English, its English-only learner tools); a teacher's keeps them all
    if teaches:
        workspace.unless_changed[str(LAB_PAGE_CONFIG)] = OUR_PAGE_CONFIGS
    else:
        ours = learner_page_config(language)
        workspace.renewed[str(LAB_PAGE_CONFIG)] = (ours, OUR_PAGE_CONFIGS)
    if home.is_dir() and not home.is_symlink():
        os.chown(home, user.pw_uid, user.pw_gid)
        os.chmod(home, 0o700)
    timeout = float(config.spawn_hook_timeout_s)
    return [home / name for name in _write_as(user, home, workspace, timeout)]


def _write(home: Path, workspace: Workspace) -> tuple[list[str], list[str]]:
    """Write ``workspace`` into ``home`` with this process's rights: (written, refused)."""
    written, refused = [], []
    plan = [
        *((name, data, None) for name, data in workspace.always.items()),
        *((name, data, ()) for name, data in workspace.once.items()),
        *((name, data, earlier) for name, (data, earlier) in workspace.renewed.items()),
    ]
    for name, data, replaces in plan:
        path = home / name
        try:
            if replaces is not None and os.path.lexists(path) and _kept(path, data, replaces):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(name)
        except OSError:
            refused.append(name)
    for name, contents in workspace.unless_changed.items():
        path = home / name
        try:
            if _holds(path, contents):
                path.unlink()
        except OSError:
            refused.append(name)
    return written, refused


def _kept(path: Path, data: bytes, replaces: tuple[bytes, ...]) -> bool:
    """Whether the file at ``path`` stays as it is: ``replaces`` none (written once), the
    file not one of them (the person's own), or already ``data``."""
    return not replaces or not _holds(path, replaces) or path.read_bytes() == data


def _holds(path: Path, contents: tuple[bytes, ...]) -> bool:
    """Whether ``path`` is a plain file holding exactly one of ``contents``."""
    return path.is_file() and not path.is_symlink() and path.read_bytes() in contents


def _write_as(
    user: pwd.struct_passwd, home: Path, workspace: Workspace, timeout: float = 60.0
) -> list[str]:
    """:func:`_write` in a child process running as ``user`` (in this process when it is
    that user already), stopped after ``timeout`` seconds; the names written. What the
    account could not write is logged (their JupyterLab starts anyway, without it)."""
    import logging

    if os.geteuid() == user.pw_uid:
        written, refused = _write(home, workspace)
    else:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: the account's rights only, then the writes
            code = 1
            try:
                os.close(reader)
                os.setgroups([])
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
                os.umask(0o077)
                with os.fdopen(writer, "w", encoding="utf-8") as out:
                    json.dump(_write(home, workspace), out)
                code = 0
            finally:
                os._exit(code)
        os.close(writer)
        text, status = _child_answer(pid, reader, timeout)
        if status is None:
            from ..errors import ParcoursError

            raise ParcoursError(
                _(
                    "{home}: the copy of {user}'s courses took over {timeout} s and was "
                    "stopped (c.ParcoursConfig.spawn_hook_timeout_s); see the hub's log"
                ).format(home=home, user=user.pw_name, timeout=f"{timeout:.0f}")
            )
        if os.waitstatus_to_exitcode(status) != 0 or not text:
            from ..errors import ParcoursError

            raise ParcoursError(
                _(
                    "{home}: the copy of {user}'s courses failed (a process writing as that "
                    "account stopped); see the hub's log"
                ).format(home=home, user=user.pw_name)
            )
        written, refused = json.loads(text)
    if refused:
        logging.getLogger("JupyterHub").warning(
            "%s: not written in %s's home (the account cannot write there): %s",
            home,
            user.pw_name,
            ", ".join(refused),
        )
    return list(written)


def _child_answer(pid: int, reader: int, timeout: float) -> tuple[str, int | None]:
    """What the child ``pid`` wrote to ``reader`` and its wait status, within ``timeout``
    seconds; past it the child is killed and the status is None."""
    import select
    import signal
    import time

    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    try:
        while True:  # the answer, until the child closes its end or the time is up
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reader], [], [], left)[0]:
                break
            chunk = os.read(reader, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        # its end: a pidfd becomes readable when the child exits (no polling)
        exited = os.pidfd_open(pid)
        try:
            left = max(deadline - time.monotonic(), 0.0)
            if select.select([exited], [], [], left)[0]:
                status = os.waitpid(pid, 0)[1]
                return b"".join(chunks).decode("utf-8"), status
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)  # reaped at once: SIGKILL cannot be ignored
            return "", None
        finally:
            os.close(exited)
    finally:
        os.close(reader)


def _course_language(content: Path) -> str:
    """The course's language, or "" when its manifest cannot be read (the person's
    server still starts; `parcours check` names what is wrong)."""
    from ..course import load_course
    from ..errors import ParcoursError

    try:
        return str(load_course(content).language)
    except ParcoursError:
        return ""


async def spawn_hook(spawner: object) -> None:
    """JupyterHub's ``Spawner.pre_spawn_hook``: the person's courses copied into their
    home (as learner or teacher) before their JupyterLab starts — in a thread, never on
    the hub's event loop (the copy runs as the person, within ``spawn_hook_timeout_s``)."""
    import asyncio

    await asyncio.to_thread(_prepare_for, spawner.user.name)  # type: ignore[attr-defined]


def _prepare_for(name: str) -> None:
    from ..config import load_config
    from .people import read_people

    config = load_config()
    person = read_people(config).by_name.get(name)
    if person is not None:
        courses = sorted(person.learns | person.teaches)
        prepare_workspace(config, name, courses, teaches=bool(person.teaches))


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


async def login_hook(authenticator: object, handler: object, authentication: Any) -> Any:
    """JupyterHub's ``Authenticator.post_auth_hook``: a learner's login is written in the
    history of each course they learn in (the hub's clock), for the evidence pack's
    activity log, in a thread (the history may be a database far away: never on the hub's
    event loop). A failure to write is logged and never refuses the login."""
    import asyncio

    await asyncio.to_thread(_record_login, authentication)
    return authentication


def _record_login(authentication: Any) -> Any:
    import logging

    from ..config import load_config
    from ..errors import ParcoursError
    from ..store.history import LOGGED_IN, record
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
