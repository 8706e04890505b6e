"""View-model of the learner dashboard, and who the learner is.

Scoping: :func:`resolve_learner` decides whose dashboard this is, and for a teacher on the
hub which courses of theirs she sees (:attr:`Viewer.courses`: the page reads data
restricted to them, :meth:`.data.DashboardData.only_courses`); every function below takes
that learner's id and returns only that learner's rows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..i18n import _
from .coordinator import mastery as class_mastery
from .coordinator import status as class_status

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from .data import DashboardData


@dataclass(frozen=True)
class Viewer:
    """Who is looking (``user``) and whose data they see (``student_id``)."""

    user: str
    student_id: str
    #: True when the viewer may choose another learner (a teacher)
    may_choose: bool
    #: the only courses whose rows the viewer sees (a hub teacher on a learner's page:
    #: the courses she teaches); None: all of the learner's courses
    courses: tuple[str, ...] | None = None


def resolve_learner(
    config: ParcoursConfig, query: dict[str, str], environ: dict[str, str] | None = None
) -> Viewer:
    """The learner shown, from who is asking.

    On the hub's dashboards service the user is the one the service authenticated
    (:func:`parcours.dashboards.viewer.hub_viewer`), and nothing else counts.
    Elsewhere the user is ``JUPYTERHUB_USER`` (set by JupyterHub for the user's server), else
    ``ParcoursConfig.learner`` (single-machine mode), else the system login. Only users
    who teach a course (:func:`parcours.course.teachers.teaches`: its manifest's
    ``teachers``) may pick another learner with ``?learner=<id>``, seeing her rows of
    their own courses; anyone else asking for someone else gets a
    :class:`~parcours.errors.BadInputError` (the page says so, shows nothing).
    """
    from ..course.teachers import courses_taught
    from ..errors import BadInputError
    from ..identity import person
    from .viewer import hub_mode, hub_viewer

    env = os.environ if environ is None else environ
    if hub_mode(env):  # the hub service checked who asks, and whether they may
        user, role, courses = hub_viewer(env)
        if not user:
            raise BadInputError(_("no hub user for this page: open it through JupyterHub."))
        asked = (query.get("learner") or "").strip()
        if asked and asked != user:
            if role not in ("teacher", "coordinator"):
                raise BadInputError(
                    _("'{user}' may not open the dashboard of '{asked}'.").format(
                        user=user, asked=asked
                    )
                )
            # a teacher sees the learner in her own courses only; a coordinator, in all
            return Viewer(user, asked, True, None if role == "coordinator" else tuple(courses))
        return Viewer(user, user, role != "learner")
    user = person(config.learner, env)
    taught = courses_taught(config, user) if user else []
    teacher = bool(taught)
    asked = (query.get("learner") or "").strip()
    if asked and asked != user:
        if not teacher:
            raise BadInputError(
                _(
                    "'{user}' may not open the dashboard of learner '{asked}'. Only a "
                    "course's teachers (its course.toml's teachers) may choose a learner."
                ).format(user=user or "?", asked=asked)
            )
        # a teacher sees the learner in her own courses only, as on the hub
        return Viewer(user, asked, True, tuple(taught))
    if not user:
        raise BadInputError(
            _(
                "no learner known: set c.ParcoursConfig.learner in jupyter_config.py, or "
                "open the dashboard from JupyterHub."
            )
        )
    return Viewer(user, user, teacher)


def pseudonym(data: DashboardData, student_id: str) -> str:
    """The pseudonymous id the frames know ``student_id`` by."""
    from ..store.ids import pseudonymize

    return pseudonymize(student_id, data.salt)


def my_path(data: DashboardData, learner: str) -> pd.DataFrame:
    """My activities in course order with their status, my deadline, and which is next
    (the first not completed, per course)."""
    st = class_status(data)
    # each learner's rows, found once for this data (every learner's page reads its own)
    by_learner = data.cached("status_by_learner", lambda: st.groupby("learner", sort=False).indices)
    mine = st.iloc[by_learner.get(learner, [])].merge(
        data.frames.activities[["course", "activity", "title", "minutes"]],
        on=["course", "activity"],
    )
    mine = mine.sort_values(["course", "order"], ignore_index=True)
    todo = ~mine["status"].isin(["done", "late"])
    mine["next"] = False
    for _course, group in mine[todo].groupby("course"):
        mine.loc[group.index[0], "next"] = True
    return mine[["course", "activity", "kind", "title", "minutes", "deadline", "status", "next"]]


def my_deadlines(data: DashboardData, learner: str) -> pd.DataFrame:
    """My assignments: opens, due date, my own deadline (with an extension), days left
    (missing once handed in or past the deadline); ``timezone`` (the assignment's, else
    its course's), ``due_local`` and ``deadline_local`` in that zone."""
    import pandas as pd

    path = my_path(data, learner)
    a = path[path["kind"] == "assignment"].merge(
        data.frames.activities[["course", "activity", "opens", "due"]], on=["course", "activity"]
    )
    # moments even when nothing is there (no learner in the courses yet: the frames'
    # empty columns have no type)
    for column in ("due", "deadline"):
        a[column] = pd.to_datetime(a[column], utc=True)
    a["extended"] = a["deadline"] > a["due"]
    # days left only while there are some and the work is still to hand in: finished or
    # missed work has none (its status says which), never a negative count
    left = ((a["deadline"] - data.now).dt.total_seconds() / 86400).round(1)
    a["days_left"] = left.where((left >= 0) & ~a["status"].isin(["done", "late"]))
    a["timezone"] = data.zones(a["course"], a["activity"])
    a["due_local"] = data.local_times(a["course"], a["due"], a["activity"])
    a["deadline_local"] = data.local_times(a["course"], a["deadline"], a["activity"])
    return a[
        [
            "course",
            "activity",
            "title",
            "opens",
            "due",
            "deadline",
            "extended",
            "days_left",
            "status",
            "timezone",
            "due_local",
            "deadline_local",
        ]
    ].reset_index(drop=True)


def my_results(data: DashboardData, learner: str, feedback_url: str = "") -> pd.DataFrame:
    """My submitted assignments: when, how late (``late_seconds``), score after the late
    penalty (as in my feedback), ``raw_score`` and ``penalty``, points, share, and my
    feedback: when it was released, in the language in force and the assignment's zone,
    the zone named (fetch it with ``parcours fetch <course> <assignment> --feedback`` or
    JupyterLab's assignment list), or a link ``feedback_url`` + ``<course>/<assignment>/``
    when a feedback server is configured; '' while not released."""
    from ..i18n import get_language

    sub = data.frames.submissions
    sub = sub[sub["learner"] == learner].copy()
    sub["fraction"] = sub["score"] / sub["max_score"].where(sub["max_score"] > 0)
    sub["late_seconds"] = sub["days_late"].astype(float) * 86400
    sub["penalty"] = sub["late_penalty"]
    released = data.shown_times(
        sub["course"], sub["feedback_at"], get_language(), sub["assignment"]
    )
    sub["feedback"] = [
        (f"{feedback_url}{c}/{a}/" if feedback_url else when) if when else ""
        for c, a, when in zip(sub["course"], sub["assignment"], released, strict=True)
    ]
    return sub[
        [
            "course",
            "assignment",
            "timestamp",
            "late",
            "late_seconds",
            "score",
            "raw_score",
            "penalty",
            "max_score",
            "fraction",
            "feedback",
        ]
    ].reset_index(drop=True)


def my_mastery(data: DashboardData, learner: str) -> pd.DataFrame:
    """My mastery per skill: posterior mean, credible interval, evidence, band."""
    import pandas as pd

    from ..analytics.groups import bands
    from ..i18n import get_language
    from .coordinator import skill_label

    m = class_mastery(data)

    def every_band() -> pd.DataFrame:
        skills = m[["course", "skill"]].drop_duplicates()
        parts = [
            bands(
                m,
                skill,
                data.band_thresholds or None,
                course=course,
                label=skill_label(data, course, skill),
            )
            for course, skill in skills.itertuples(index=False)
        ]
        return pd.concat(parts, ignore_index=True) if parts else m.assign(band=[], why=[])

    # the class's bands, worded once for this data in each language: every learner's
    # page reads its own rows
    banded = data.cached(f"bands:{get_language()}", every_band)
    mine = m.loc[m["learner"] == learner, ["course", "skill"]]
    if mine.empty:
        return m[m["learner"] == learner].assign(band=[])
    return mine.merge(banded[banded["learner"] == learner], on=["course", "skill"])[
        ["course", "skill", "n", "mean", "low", "high", "band", "why"]
    ]


def my_week(data: DashboardData, learner: str, days: int = 7) -> pd.DataFrame:
    """My planned minutes of unfinished work for each of the next ``days`` days (analytics
    ``daily_load``), with the day's limit and whether it is exceeded."""
    import pandas as pd

    from ..analytics.workload import daily_load

    # the class's load, computed once for this data: every learner's page reads it
    daily = data.cached(
        "daily_load_remaining",
        lambda: daily_load(data.frames, remaining_only=True, status=class_status(data)),
    )
    mine = daily[daily["learner"] == learner].set_index("day")
    start = data.now.tz_convert(None).normalize()
    dates = [start + pd.Timedelta(days=d) for d in range(days)]
    limit = (
        float(mine["limit_minutes"].iloc[0])
        if len(mine)
        else min((c.workload.hours_per_day * 60 for c in data.courses.values()), default=210.0)
    )
    minutes = [float(mine["minutes"].get(d, 0.0)) for d in dates]
    return pd.DataFrame(
        {
            "day": [d.date() for d in dates],
            "minutes": [round(m) for m in minutes],
            "limit": limit,
            "over": [m > limit + 1e-9 for m in minutes],
        }
    )


#: the longest question text the review list shows (characters; the rest is "…")
QUESTION_TEXT_CHARS = 120
_MARKUP = re.compile(r"`|\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")


def question_text(prompt: str, limit: int = QUESTION_TEXT_CHARS) -> str:
    """A question's text as a reader reads it in a list: its author's markdown without
    marks (backticks, stars), on one line, cut after a whole word at ``limit``
    characters with "…"."""
    text = " ".join(_MARKUP.sub("", prompt).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:.") + "…"


def review_queue(config: ParcoursConfig, data: DashboardData, learner: str) -> pd.DataFrame:
    """Quiz questions to review today (the spaced-repetition scheduler of
    :mod:`parcours.review`, within the day's workload budget), most overdue
    first: ``question`` (its id), ``text`` (its text, :func:`question_text`), ``lesson``,
    ``reviews``, ``last_rating``, ``due``, ``days_due`` (whole days it has waited in
    its course's zone: 0 when due today) and ``minutes`` (the time it is planned to take)."""
    import pandas as pd

    from ..review import learner_queue
    from ..store import open_store

    prompts = {
        (str(c), str(q)): str(t)
        for c, q, t in data.frames.questions[["course", "question", "prompt"]].itertuples(
            index=False
        )
    }
    today = data.now.date()
    rows = []
    with open_store(config.events_url) as store:
        for course in data.courses.values():
            queue = learner_queue(store, course, learner, today)
            zone = ZoneInfo(course.timezone)
            for item in queue.items:
                waited = (today - item.due.astimezone(zone).date()).days
                rows.append(
                    {
                        "course": course.id,
                        "question": item.question,
                        "text": question_text(prompts.get((course.id, item.question), ""))
                        or item.question,
                        "lesson": item.lesson,
                        "reviews": item.reviews,
                        "last_rating": item.last_rating,
                        "due": pd.Timestamp(item.due),
                        "days_due": max(0, waited),
                        "minutes": queue.minutes_per_item,
                    }
                )
    columns = ["course", "question", "text", "lesson", "reviews", "last_rating", "due"]
    return pd.DataFrame(rows, columns=[*columns, "days_due", "minutes"])
