"""Team assignments on the staff's dashboards (#27, docs/peer-review.md).

For the teacher (:func:`teams_html`, one of :func:`.peer.sections`' blocks): per team
assignment, the teams, their members with their roles and the mean rating of their
contribution their team-mates gave, the last hand-in (who, when, in the assignment's
zone, named) and each team's grade once graded. For the coordinator
(:func:`formed_html`, under the differentiation groups): the teams formed for team
assignments and how each did against its class.

The records are the teams' own (:mod:`parcours.peer.teams`,
:mod:`parcours.peer.contributions`); grades come from the analytics frames, i.e.
nbgrader's gradebooks read in bulk (:func:`parcours.analytics.load_frames`), never per
learner. Every text from a course file or a learner (team names, roles) is escaped by
:func:`.ui.table_html` or :func:`.ui.paragraph`.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext
from .ui import paragraph

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from .data import DashboardData

TEAMS_TITLE = N_("Teams")
FORMED_TITLE = N_("Teams formed for team assignments")
#: the blocks' HTML classes (tests and the page's layout find them by these)
TEAMS_CSS = "parcours-section-teams"
FORMED_CSS = "parcours-section-teams-formed"

log = logging.getLogger("parcours")


def team_assignments(course: Course) -> list[Assignment]:
    """The course's assignments handed in by teams, in manifest order."""
    return [a for a in course.assignments if a.team is not None]


def member_grades(data: DashboardData, course_id: str, assignment_id: str) -> dict[str, float]:
    """login -> her grade on the assignment as a share of its points (what nbgrader's
    feedback shows, the late penalty taken off), for every graded submission: one with
    no cell still waiting for a manual grade. From the analytics frames (the gradebook
    read in bulk)."""
    f = data.frames
    subs = f.submissions
    subs = subs[(subs["course"] == course_id) & (subs["assignment"] == assignment_id)]
    g = f.grades
    g = g[(g["course"] == course_id) & (g["assignment"] == assignment_id)]
    waiting = set(g[g["needs_manual_grade"].astype(bool)]["learner"])
    graded = set(g["learner"]) - waiting
    known = f.learners[f.learners["course"] == course_id]
    logins = dict(zip(known["learner"], known["student_id"], strict=True))
    out: dict[str, float] = {}
    for pseudo, score, points in zip(
        subs["learner"], subs["score"], subs["max_score"], strict=True
    ):
        login = logins.get(pseudo)
        if pseudo in graded and isinstance(login, str) and login and points and points > 0:
            out[login] = float(score) / float(points)
    return out


def _member(data: DashboardData, login: str, role: str, mean: float | None) -> str:
    """A member as staff read her, with her role (one of ``parcours groups``' named in
    the language in force, else the file's text) and the mean of the ratings of her
    contribution her team-mates gave (``mean``, 1 to 5; None when none)."""
    from ..analytics.groups import ROLE_LABELS
    from ..i18n import display
    from .names import name_of_login

    said = [_(ROLE_LABELS[role][0]) if role in ROLE_LABELS else role] if role else []
    if mean is not None:
        said.append(_("contribution {mean}/5").format(mean=display.number(mean, 1)))
    name = name_of_login(data, login)
    return f"{name} ({', '.join(said)})" if said else name


def team_activity(
    config: ParcoursConfig, data: DashboardData, course_id: str, assignment_id: str
) -> pd.DataFrame:
    """One row per team of a team assignment: team, members (``who (role, contribution)``
    as staff read them), logins, size, hand_ins, last_by, last_at (UTC; NaT when none),
    last_at_text (in the assignment's zone, named), grade (the members' mean grade as a
    share; NaN until one is graded), graded (members graded). CourseError when the team
    file cannot be read."""
    import pandas as pd

    from ..course.zones import zone_of
    from ..i18n import display
    from ..peer.contributions import contributions
    from ..peer.teams import hand_ins_record, load_teams
    from ..pipeline.records import read_record
    from .names import name_of_login

    course = data.courses[course_id]
    assignment = course.assignment(assignment_id)
    zone = zone_of(course, assignment)
    members = load_teams(course, assignment)
    # team -> hand-ins (latest last, with who made each): the record teams.hand_ins reads
    handed = read_record(hand_ins_record(config, course, assignment))["entries"]
    grades = member_grades(data, course_id, assignment_id)
    rated = {r["learner"]: r["received_mean"] for r in contributions(config, course, assignment)}
    teams: dict[str, list[Any]] = {}
    for member in sorted(members.values(), key=lambda m: (m.team, m.learner)):
        teams.setdefault(member.team, []).append(member)
    rows = []
    for team, mates in sorted(teams.items()):
        done = list(handed.get(team, []))
        last = done[-1] if done else {}
        at = pd.Timestamp(last["at"]).tz_convert("UTC") if last.get("at") else pd.NaT
        marks = [grades[m.learner] for m in mates if m.learner in grades]
        rows.append(
            {
                "team": team,
                "members": "; ".join(
                    _member(data, m.learner, m.role, rated.get(m.learner)) for m in mates
                ),
                "logins": [m.learner for m in mates],
                "size": len(mates),
                "hand_ins": len(done),
                "last_by": name_of_login(data, str(last["by"])) if last.get("by") else "",
                "last_at": at,
                "last_at_text": "" if pd.isna(at) else display.moment(at, zone),
                "grade": sum(marks) / len(marks) if marks else float("nan"),
                "graded": len(marks),
            }
        )
    columns = ["team", "members", "logins", "size", "hand_ins", "last_by", "last_at"]
    return pd.DataFrame(rows, columns=[*columns, "last_at_text", "grade", "graded"])


def class_mean(data: DashboardData, course_id: str, assignment_id: str) -> float:
    """The class's mean grade on an assignment (share of its points, graded submissions
    only); NaN when none is graded."""
    grades = list(member_grades(data, course_id, assignment_id).values())
    return sum(grades) / len(grades) if grades else float("nan")


def teams_formed(config: ParcoursConfig, data: DashboardData) -> pd.DataFrame:
    """The coordinator's view: every team of every team assignment of the courses shown
    that has a member among the learners shown (the filters apply), with its mean grade,
    the class's and the difference (in percentage points): course, assignment (its
    title), team, members, size, grade, class_mean, difference. Teams whose file cannot
    be read are left out (logged)."""
    import pandas as pd

    from ..errors import ParcoursError

    shown = data.frames.learners
    rows = []
    for course in data.courses.values():
        logins = set(shown[shown["course"] == course.id]["student_id"].dropna())
        for assignment in team_assignments(course):
            try:
                teams = team_activity(config, data, course.id, assignment.id)
            except (OSError, ParcoursError) as exc:
                log.warning("teams of %s/%s not shown: %s", course.id, assignment.id, exc)
                continue
            mean = class_mean(data, course.id, assignment.id)
            keep = [bool(logins & set(m)) for m in teams["logins"]]
            shown_teams = teams[pd.Series(keep, index=teams.index, dtype=bool)]
            for t, who, size, grade in shown_teams[["team", "members", "size", "grade"]].values:
                gap = round((grade - mean) * 100, 1)
                rows.append((course.title, assignment.title, t, who, size, grade, mean, gap))
    columns = ["course", "assignment", "team", "members", "size", "grade", "class_mean"]
    return pd.DataFrame(rows, columns=[*columns, "difference"])


def _team_table(frame: pd.DataFrame, table_id: str, *, coordinator: bool = False) -> str:
    from .ui import table_html

    if coordinator:
        columns = {
            "course": _("Course"),
            "assignment": _("Assignment"),
            "team": _("Team"),
            "members": _("Members and roles"),
            "grade": _("Team mean grade"),
            "class_mean": _("Class mean"),
            "difference": _("Difference (percentage points)"),
        }
        kinds = {"grade": "%", "class_mean": "%"}
        return table_html(frame, columns, kinds=kinds, table_id=table_id)
    columns = {
        "team": _("Team"),
        "members": _("Members and roles"),
        "hand_ins": _("Hand-ins"),
        "last_by": _("Last hand-in by"),
        "last_at_text": _("Last hand-in"),
        "grade": _("Team grade"),
    }
    return table_html(frame, columns, kinds={"hand_ins": "int", "grade": "%"}, table_id=table_id)


def teams_html(config: ParcoursConfig, data: DashboardData, course_id: str) -> str:
    """The teacher's teams block ('' when the course has no team assignment): per team
    assignment, a sentence (teams, hand-ins, class mean) and the teams' table."""
    from ..errors import ParcoursError
    from ..i18n import display
    from .ui import heading

    course = data.courses[course_id]
    found = team_assignments(course)
    if not found:
        return ""
    text = heading(_(TEAMS_TITLE))
    for assignment in found:
        text += heading(assignment.title, 3)
        try:
            frame = team_activity(config, data, course_id, assignment.id)
        except (OSError, ParcoursError) as exc:
            text += f"<p role='alert'>{html.escape(str(exc))}</p>"
            continue
        mean = class_mean(data, course_id, assignment.id)
        said = ngettext(
            "{n} team, {handed} of which handed in; class mean {mean}.",
            "{n} teams, {handed} of which handed in; class mean {mean}.",
            len(frame),
        ).format(
            n=display.integer(len(frame)),
            handed=display.integer(int((frame["hand_ins"] > 0).sum())),
            mean=display.percent(mean, 1),
        )
        text += paragraph(said, f"teams-{assignment.id}")
        text += _team_table(frame, f"table-teams-{assignment.id}")
    return text


def formed_html(config: ParcoursConfig, data: DashboardData) -> str:
    """The coordinator's block ('' when no course shown has a team assignment): the
    teams formed and how each did against its class."""
    from .ui import heading

    if not any(team_assignments(c) for c in data.courses.values()):
        return ""
    frame = teams_formed(config, data)
    note = _(
        "Each team's mean grade against its class's on the same assignment (graded hand-ins only)."
    )
    return (
        heading(_(FORMED_TITLE), 3)
        + paragraph(note, "teams-formed-note")
        + _team_table(frame, "table-teams-formed", coordinator=True)
    )


def show_formed(config: ParcoursConfig, data: DashboardData) -> None:
    """Show the coordinator's block (:func:`.blocks.show_html`), in its section."""
    from .blocks import show_html

    text = formed_html(config, data)
    if text:
        show_html(f"<div class='{FORMED_CSS}'>{text}</div>")
