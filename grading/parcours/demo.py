"""``parcours demo``: the whole product on the demo course, in a few minutes.

1. **Course** — the demo course is checked (``parcours check``'s code, manifest and
   notebooks; lessons are executed with ``--check-lessons``).
2. **Class** — a synthetic cohort (:func:`parcours.cohort.make_cohort`): varied
   skill, procrastination, dropouts, late work, reflections; a roster with cohorts and
   groups.
3. **Assignments, through the real pipeline** — for each assignment: ``release`` to
   everyone; for each learner who hands it in, ``fetch`` into the learner's own folder,
   answers written into the real notebook (the source's solution where the learner gets
   a question right, the unanswered stub where they do not; a short text for written
   questions), ``submit``; then ``collect`` and ``autograde`` on real kernels; the
   teacher grades the written answers by hand and releases the feedback of what she has
   graded (:mod:`.demo_teacher`). Each learner's submissions are recorded in nbgrader's
   cache where the hub's Parcours service keeps it (:func:`.hub.service.learner_cache`):
   the released feedback reaches the learner on the hub as real feedback does.
4. **Lessons** — quiz answers, lesson progress, reflections and satisfaction ratings over
   the simulated weeks, written to the event store.
5. **Serve** — Parcours on JupyterHub (:func:`serve_hub`): the class's accounts (40
   learners, the course's teacher ``prof-demo``, the coordinator ``coord-demo``), each
   logging in as themselves; the URL and three accounts with their passwords are printed
   (every account gets a fresh password, all in ``<data_dir>/hub/passwords.csv``).
   With ``--single-user`` (or when not root), JupyterLab and the dashboards for one person
   on this machine instead (:func:`serve`). Ctrl-C stops it all.

**One clock, the class's.** The class starts on the course's first morning (its
``starts``, :func:`first_day`) and is seen "as of" :data:`WEEKS` weeks later, the
Thursday evening of its fifth week (15 Oct 2026 for the demo course): a few learners
behind, devoir-1 graded and fed back, devoir-2 being graded, devoir-3 released and
opening on Monday. Everything the demo writes is dated on that calendar and none of it
after that moment: lesson events, releases, hand-ins (collect record, gradebook row and
``timestamp.txt``: the pipeline's own metadata, never the learner's files), grades given
by hand and feedback pages, a few days after the due date and only for the hand-ins
graded by then (the others wait, "needs manual grading", with no feedback). The
dashboards are served as of that moment (``ParcoursConfig.dashboard_now``, env
``PARCOURS_NOW``), which ``parcours demo`` prints.

Why not "as of now", the class moved so that its fifth week is this week: a class lives
in its course's calendar, and that calendar is the manifest's (``course.toml``'s opens
and due dates, in the course's zone), read by every process of the hub: the learner's
panel, the teacher's ``parcours`` commands, nbgrader's gradebook, the instructions in
the released notebooks. Moving the class would mean moving the course: a second, dated
copy of it that all of them read instead of the project's, kept in step by hand — a
drift a demo should not teach. So the demo lives the class in the course's own dates.
What people do live on the hub afterwards (a hand-in, ``parcours feedback``, a
follow-up) is dated by the real clock, after the class's "as of", and the panel counts
lateness by that clock: on the demo course, past its dates, devoir-3 handed in today is
late; ``parcours feedback`` run again keeps each unchanged page's first release time
(only a regraded page is dated today). To play the class on this term's calendar, move the course's
``starts``, ``opens`` and ``due`` in ``course.toml`` so that its fifth week is this
week, and run ``parcours demo --reset``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .demo_learner import answer_notebook, solutions
from .errors import BadInputError, ParcoursError
from .i18n import _, number

if TYPE_CHECKING:
    import pandas as pd

    from .config import ParcoursConfig
    from .course.model import Course

DEMO_COURSE = "analyse-de-donnees"
#: how far into its calendar the class is seen: Thursday evening of its fifth week
WEEKS = 4.5
#: the hour the class's first day starts (the course's ``starts``, in its zone)
FIRST_MORNING = dt.time(8, 0)


class DemoError(ParcoursError):
    """The demo could not be built."""


@dataclass
class DemoResult:
    """What the demo built."""

    course: str
    learners: int
    data_dir: Path
    #: the moment the class is seen at (the dashboards' "as of")
    now: dt.datetime
    #: the course's time zone, in which that moment is shown
    zone: str = "UTC"
    submissions: int = 0
    graded: int = 0
    events: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _tell(progress: Callable[[str], None] | None, text: str) -> None:
    """Show a step of the demo (translated by the caller) to whoever follows it."""
    if progress:
        progress(text)


def prepare_data_dir(config: ParcoursConfig, reset: bool) -> Path:
    """The demo's data folder: empty, or emptied with ``reset``."""
    folder = Path(config.data_dir)
    used = folder.is_dir() and any(folder.iterdir())
    if used and not reset:
        raise BadInputError(
            _(
                "{folder} already holds Parcours data. Run 'parcours demo --reset' to "
                "replace it with a fresh demo, or give another folder with --data-dir."
            ).format(folder=folder)
        )
    if used:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_demo_course(config: ParcoursConfig, execute: bool) -> Course:
    """``parcours check`` on the demo course; raises with its problems if any."""
    from .course import find_course, load_course
    from .course.check import check_course
    from .errors import CourseError

    folder = find_course(config.courses_dir, DEMO_COURSE)
    report = check_course(folder, config, execute=execute)
    if report.problems:
        raise CourseError(report.problems)
    return load_course(folder)


def first_day(course: Course) -> dt.datetime | None:
    """The class's first morning: the course's ``starts`` at :data:`FIRST_MORNING` in its
    zone (None without ``starts``: the cohort then starts at the first opening)."""
    from zoneinfo import ZoneInfo

    if course.starts is None:
        return None
    return dt.datetime.combine(course.starts, FIRST_MORNING, tzinfo=ZoneInfo(course.timezone))


def _planned_roster(config: ParcoursConfig, course: Course, cohort_learners: pd.DataFrame) -> None:
    from .dashboards.sample import roster_groups
    from .pipeline.roster import Learner, roster_path, write_roster

    write_roster(
        roster_path(config, course),
        [
            Learner(id=s, groups=roster_groups(i))
            for i, s in enumerate(cohort_learners["student_id"])
        ],
    )


def run_assignment(
    config: ParcoursConfig,
    course: Course,
    assignment: str,
    plans: pd.DataFrame,
    homes: Path,
    now: dt.datetime,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Release, fetch, answer, submit, collect and autograde one assignment; then the
    teacher grades by hand and releases the feedback of what she has graded by ``now``
    (:mod:`.demo_teacher`). Returns (submissions, notebooks graded)."""
    import random

    from . import demo_teacher as teacher
    from .hub.service import learner_cache
    from .pipeline.autograde import autograde
    from .pipeline.collect import collect
    from .pipeline.exchange import fetch, submit
    from .pipeline.release import release

    a = course.assignment(assignment)
    sources = sorted(course.path(a.source).glob("*.ipynb"))
    answers = {nb.name: solutions(nb) for nb in sources}
    release(config, course, assignment)
    teacher.date_release(config, course, assignment, now)
    mine = plans[plans["assignment"] == assignment]
    if mine.empty:  # not handed in yet by anyone
        return 0, 0
    times: dict[str, dt.datetime] = {}
    answered: dict[str, set[str]] = {}  # learner -> questions answered (not the stub)
    rng = random.Random(f"{seed}:{assignment}")
    for row in mine.itertuples(index=False):
        home = homes / row.student_id
        # nbgrader's record of the learner's submissions where the hub's service keeps it:
        # the feedback is found through it (see the module's text)
        cache = learner_cache(config, row.student_id)
        folder = fetch(config, course, assignment, learner=row.student_id, into=home,
                       cache_dir=cache)  # fmt: skip

        mine_answered = answered.setdefault(row.student_id, set())

        def right(
            gid: str, p: float = float(row.fraction_correct), got: set[str] = mine_answered
        ) -> bool:
            if rng.random() < p:
                got.add(gid)
                return True
            return False

        for notebook in sources:
            target = folder / notebook.name
            answer_notebook(target, answers[notebook.name], right)
        submit(config, course, assignment, learner=row.student_id, into=home, cache_dir=cache)
        times[row.student_id] = row.submit_at.floor("us").to_pydatetime()
    _tell(
        progress,
        _("  {assignment}: {n} submissions; collecting and grading…").format(
            assignment=assignment, n=len(times)
        ),
    )
    collect(config, course, assignment)
    teacher.set_submission_times(config, course, assignment, times)
    report = autograde(config, course, assignment, progress=False)
    due = course.due(a)
    graded = teacher.hand_grading_times(due, times, now, f"{seed}:{assignment}:grading")
    teacher.grade_by_hand(config, course, assignment, answered, sorted(graded))
    waiting = sorted(set(times) - set(graded))
    teacher.release_feedback(config, course, assignment, graded, waiting, now)
    return len(times), len(report.graded)


def build_demo(
    config: ParcoursConfig,
    learners: int = 40,
    *,
    seed: int = 2026,
    weeks: float = WEEKS,
    reset: bool = False,
    check_lessons: bool = False,
    progress: Callable[[str], None] | None = print,
) -> DemoResult:
    """Build the demo: course checked, cohort, the real pipeline, lesson events."""
    if not 1 <= learners <= 2000:
        raise BadInputError(
            _("--learners {n}: choose between 1 and 2000 learners.").format(n=learners)
        )
    import pandas as pd

    from .cohort import make_cohort, write_events

    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    data_dir = prepare_data_dir(config, reset)
    _tell(progress, _("Parcours demo in {folder}").format(folder=data_dir))
    _tell(progress, _("1/5 checking the demo course…"))
    course = check_demo_course(config, execute=check_lessons)
    seconds["check"] = time.perf_counter() - clock
    _tell(
        progress,
        _("2/5 a synthetic class of {learners} learners over {weeks} weeks…").format(
            learners=learners, weeks=number(weeks)
        ),
    )
    cohort = make_cohort(
        course,
        learners,
        seed=seed,
        weeks=weeks,
        salt=config.pseudonym_salt,
        start=first_day(course),
        id_prefix="apprenant",
    )
    _planned_roster(config, course, cohort.learners)
    stamps = pd.to_datetime(cohort.events["timestamp"], utc=True, format="ISO8601")
    plan_times = pd.to_datetime(cohort.plans["submit_at"], utc=True)
    end = max(stamps.max(), plan_times.max() if len(plan_times) else stamps.max())
    now = (end + pd.Timedelta(hours=2)).floor("s").to_pydatetime()
    plans = cohort.plans.assign(submit_at=plan_times)
    plans = plans[plans["submit_at"] < now]
    result = DemoResult(course.id, learners, data_dir, now, zone=course.timezone)
    _tell(
        progress,
        _(
            "3/5 assignments through the real pipeline (release, fetch, submit, "
            "collect, autograde, feedback)…"
        ),
    )
    homes = data_dir / "demo-learners"
    for a in course.assignments:  # each released: the teacher releases ahead of its opening
        started = time.perf_counter()
        subs, graded = run_assignment(config, course, a.id, plans, homes, now, seed, progress)
        result.submissions += subs
        result.graded += graded
        seconds[a.id] = time.perf_counter() - started
    _tell(progress, _("4/5 lesson events: quizzes, progress, reflections, satisfaction…"))
    result.events = write_events(cohort.events, config.events_url.removeprefix("sqlite:///"))
    seconds["total"] = time.perf_counter() - clock
    result.seconds = seconds
    return result


@dataclass
class Servers:
    """JupyterLab and the dashboards, started by :func:`serve`."""

    lab: subprocess.Popen[bytes]
    lab_url: str
    dashboards: Any

    def stop(self) -> None:
        self.dashboards.stop()
        if self.lab.poll() is None:
            self.lab.terminate()
            try:
                self.lab.wait(20)
            except subprocess.TimeoutExpired:
                self.lab.kill()


#: the accounts the demo prints, one per role (every account's password is set anew on
#: each run: :func:`demo_accounts`)
DEMO_TEACHER = "prof-demo"
DEMO_COORDINATOR = "coord-demo"


def demo_accounts(
    config: ParcoursConfig, progress: Callable[[str], None] | None = print
) -> tuple[dict[str, str], Path]:
    """The demo's Unix accounts synced from its roster, manifest and configuration (as
    root), each with a fresh password: every one of them is written in
    ``<data_dir>/hub/passwords.csv`` (replaced, root's only), which therefore holds the
    password that works now, whether the accounts were made by this run or an earlier
    one. Returns one account per role (learner, teacher, coordinator) with its password,
    by ``"<role>:<name>"``, and the file's path."""
    from .hub.accounts import new_password, set_passwords, sync_accounts, write_passwords
    from .hub.people import read_people

    people = read_people(config)
    learner = sorted(n for n, p in people.by_name.items() if p.role == "learner")[0]
    shown = {"learner": learner, "teacher": DEMO_TEACHER, "coordinator": DEMO_COORDINATOR}
    missing = [name for name in shown.values() if name not in people.by_name]
    if missing:
        raise DemoError(
            _(
                "{people}: not in the demo's people (the course's 'teachers', "
                "c.ParcoursConfig.coordinators); restore them in "
                "courses/analyse-de-donnees/course.toml and jupyter_config.py."
            ).format(people=", ".join(missing))
        )
    report = sync_accounts(config, people)
    _tell(
        progress,
        _("accounts: {n} ({created} created)").format(
            n=len(people.by_name), created=len(report.created)
        ),
    )
    passwords = {name: new_password() for name in sorted(people.by_name)}
    set_passwords(passwords)
    path = write_passwords(config, passwords)
    return {f"{role}:{name}": passwords[name] for role, name in shown.items()}, path


def serve_hub(
    config: ParcoursConfig,
    now: dt.datetime,
    *,
    port: int = 0,
    progress: Callable[[str], None] | None = print,
) -> tuple[Any, dict[str, str]]:
    """Parcours on JupyterHub over the demo's data, "as of" ``now``: accounts synced from
    the roster, the manifest and the configuration, with fresh passwords
    (:func:`demo_accounts`); returns the running
    :class:`~parcours.hub.server.HubServer` and one account per role with its
    password (learner, teacher, coordinator)."""
    from .hub.server import HubServer

    passwords, _path = demo_accounts(config, progress)
    hub = HubServer(config, port=port or config.hub_port, env={"PARCOURS_NOW": now.isoformat()})
    _tell(progress, _("starting JupyterHub (proxy, dashboards, formgrader)…"))
    hub.start()
    return hub, passwords


def serve(
    config: ParcoursConfig,
    now: dt.datetime,
    *,
    lab_port: int = 0,
    dashboard_port: int = 0,
    timeout: float = 120.0,
) -> Servers:
    """Start JupyterLab (project config, random token) and the dashboards "as of" ``now``.

    Ports already taken (``c.ParcoursConfig.lab_port``, ``dashboard_port``) are refused
    before anything starts (:class:`~.servers.PortInUseError`, exit status 2).
    JupyterLab's log: ``<data_dir>/jupyterlab.log``; Voila's:
    ``<data_dir>/dashboards/voila.log``."""
    from .dashboards.server import DashboardServer
    from .project import activate_project
    from .servers import ServerError, ensure_port_free, free_port, wait_until_answers

    root = activate_project(Path(config.root))
    # who teaches is the course's course.toml, never an environment variable
    demo_env = {"PARCOURS_NOW": now.isoformat()}
    env = {**os.environ, "PARCOURS_DATA_DIR": str(config.data_dir), **demo_env}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for taken, what, setting in (
        (lab_port, "JupyterLab", "lab_port"),
        (dashboard_port, "the dashboards", "dashboard_port"),
    ):
        if taken:
            ensure_port_free(config.ip, taken, what, f"c.ParcoursConfig.{setting} =")
    token = secrets.token_hex(16)
    port = lab_port or free_port(config.ip)
    log = open(Path(config.data_dir) / "jupyterlab.log", "ab")  # noqa: SIM115
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            f"--ip={config.ip}",
            f"--port={port}",
            "--no-browser",
            "--allow-root",
            f"--ServerApp.token={token}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
        ],
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    dashboards = DashboardServer(config, port=dashboard_port, pool_size=1, env=demo_env)
    try:
        dashboards.start(timeout)
        url = f"http://{config.ip}:{port}/lab?token={token}"
        try:
            wait_until_answers(
                f"http://{config.ip}:{port}/api/status?token={token}",
                lab,
                timeout,
                "JupyterLab",
                Path(log.name),
            )
        except ServerError as exc:
            raise DemoError(str(exc)) from None
    except BaseException:
        dashboards.stop()
        if lab.poll() is None:
            lab.terminate()
        raise
    return Servers(lab, url, dashboards)
