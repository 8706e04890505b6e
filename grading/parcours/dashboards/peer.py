"""Peer review and team assignments on the staff's dashboards (#27, docs/peer-review.md).

For the teacher (:func:`sections`, drawn by :mod:`.teacher_page` when the course has
such assignments): per peer-reviewed assignment, the reviews allocated, done and late
(not done once the reviews' due date has passed), the submissions whose reviews disagree
(flagged by :func:`parcours.peer.flow.compute_grades`) and each reviewer's progress; per
team assignment, the teams, their members and roles, the last hand-in (who, when, in the
assignment's zone, named) and each team's grade once graded. For the coordinator
(:func:`formed_html`, under the differentiation groups): the teams formed for team
assignments and how each did against its class.

The records are peer review's own (:mod:`parcours.peer.records`, :mod:`parcours.peer.teams`);
grades come from the analytics frames, i.e. nbgrader's gradebooks read in bulk (one query
per table, :func:`parcours.analytics.load_frames`), never per learner. Numbers and dates are
shown in the language in force (decimal comma in French); every text from a course file
or a learner (team names, roles) is escaped by :func:`.ui.table_html` or here.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from .data import DashboardData

PEER_TITLE = N_("Peer review")
TEAMS_TITLE = N_("Teams")
FORMED_TITLE = N_("Teams formed for team assignments")
#: the blocks' HTML classes (tests and the page's layout find them by these)
PEER_CSS = "parcours-section-peer"
TEAMS_CSS = "parcours-section-teams"
FORMED_CSS = "parcours-section-teams-formed"

log = logging.getLogger("parcours")


@dataclass(frozen=True)
class ReviewProgress:
    """Where the reviews of one peer-reviewed assignment stand, at the page's "now"."""

    course: str
    assignment: str
    title: str
    #: when the reviews are due (time-zone aware) and the zone it was written in
    due: dt.datetime
    zone: str
    #: submissions allocated to reviewers
    submissions: int
    #: reviews allocated (one per submission and reviewer), done, and late: not done
    #: once ``due`` has passed
    allocated: int
    done: int
    late: int
    #: the rubric's points (what ``disagreements``' medians and spreads are out of)
    points: float
    #: reviewer (login), allocated, done, to_do, late
    reviewers: pd.DataFrame
    #: the flagged submissions: author (login), label, reviews, median, spread
    disagreements: pd.DataFrame
    #: why the disagreements could not be computed ('' when they were)
    problem: str = ""

    @property
    def flagged(self) -> int:
        """How many submissions have reviews that disagree."""
        return len(self.disagreements)


def peer_assignments(course: Course) -> list[Assignment]:
    """The course's assignments with a peer review, in manifest order."""
    return [a for a in course.assignments if a.peer_review is not None]


def team_assignments(course: Course) -> list[Assignment]:
    """The course's assignments handed in by teams, in manifest order."""
    return [a for a in course.assignments if a.team is not None]


def _assignment(course: Course, assignment_id: str) -> Assignment:
    return next(a for a in course.assignments if a.id == assignment_id)


def review_progress(
    config: ParcoursConfig, data: DashboardData, course_id: str, assignment_id: str
) -> ReviewProgress:
    """The reviews of one assignment: allocated, done, late, per reviewer, and the
    submissions flagged for disagreement (those of :func:`..peer.flow.compute_grades`)."""
    import pandas as pd

    from ..course.zones import zone_of
    from ..errors import ParcoursError
    from ..peer.flow import compute_grades
    from ..peer.records import read_allocation, read_reviews

    course = data.courses[course_id]
    assignment = _assignment(course, assignment_id)
    review = assignment.peer_review
    assert review is not None, assignment_id
    due = course.aware(review.due, assignment.timezone)
    past = data.now.to_pydatetime() > due
    allocation = read_allocation(config, course, assignment.id)
    reviews = read_reviews(config, course, assignment.id)
    per: dict[str, list[int]] = {}
    for entry in allocation.values():
        done = reviews.get(entry["label"], {})
        for reviewer in entry["reviewers"]:
            counts = per.setdefault(reviewer, [0, 0])
            counts[0] += 1
            counts[1] += reviewer in done
    rows = [(r, n, d, n - d, n - d if past else 0) for r, (n, d) in per.items()]
    rows.sort(key=lambda row: (-row[4], -row[3], row[0]))  # the late first
    reviewers = pd.DataFrame(rows, columns=["reviewer", "allocated", "done", "to_do", "late"])
    flagged: list[tuple[str, str, int, float, float]] = []
    problem, points = "", 0.0
    try:
        grades = compute_grades(config, course, assignment)
        points = grades.points
        flagged = [
            (grades.authors[label], label, g.reviews, float(g.median), float(g.spread))
            for label, g in grades.total.submissions.items()
            if g.flagged and label in grades.authors
        ]
    except ParcoursError as exc:  # a rubric that cannot be read: said, the rest shown
        problem = str(exc)
    return ReviewProgress(
        course=course.id,
        assignment=assignment.id,
        title=assignment.title,
        due=due,
        zone=zone_of(course, assignment),
        submissions=len(allocation),
        allocated=int(reviewers["allocated"].sum()),
        done=int(reviewers["done"].sum()),
        late=int(reviewers["late"].sum()),
        points=float(points),
        reviewers=reviewers,
        disagreements=pd.DataFrame(
            sorted(flagged, key=lambda f: (-f[4], f[0])),
            columns=["author", "label", "reviews", "median", "spread"],
        ),
        problem=problem,
    )


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


def _member(data: DashboardData, login: str, role: str) -> str:
    """A member as staff read her, with her role: one of ``parcours groups``' named in
    the language in force, else the file's text."""
    from ..analytics.groups import ROLE_LABELS
    from .names import name_of_login

    role = _(ROLE_LABELS[role][0]) if role in ROLE_LABELS else role
    return f"{name_of_login(data, login)} ({role})" if role else name_of_login(data, login)


def team_activity(
    config: ParcoursConfig, data: DashboardData, course_id: str, assignment_id: str
) -> pd.DataFrame:
    """One row per team of a team assignment: team, members (``who (role)`` as staff
    read them), logins, size, hand_ins, last_by, last_at (UTC; NaT when none),
    last_at_text (in the assignment's zone, named), grade (the members' mean grade as a
    share; NaN until one is graded), graded (members graded). CourseError when the team
    file cannot be read."""
    import pandas as pd

    from ..course.zones import zone_of
    from ..i18n import display
    from ..peer.teams import hand_ins_record, load_teams
    from ..pipeline.records import read_record
    from .names import name_of_login

    course = data.courses[course_id]
    assignment = _assignment(course, assignment_id)
    zone = zone_of(course, assignment)
    members = load_teams(course, assignment)
    # team -> hand-ins (latest last, with who made each): the record teams.hand_ins reads
    handed = read_record(hand_ins_record(config, course, assignment))["entries"]
    grades = member_grades(data, course_id, assignment_id)
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
                "members": "; ".join(_member(data, m.learner, m.role) for m in mates),
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


def _p(text: str, ident: str = "", css: str = "") -> str:
    """A paragraph of plain text (escaped), its id and class when given."""
    ident = f" id='{html.escape(ident, quote=True)}'" if ident else ""
    return f"<p{ident}{f' class={css!r}' if css else ''}>{html.escape(text)}</p>"


def _progress_sentence(p: ReviewProgress) -> str:
    from ..i18n import display

    return ngettext(
        "{title}: {done} of {allocated} review done for {n} submission, {late} late; "
        "reviews due {due}.",
        "{title}: {done} of {allocated} reviews done for {n} submissions, {late} late; "
        "reviews due {due}.",
        p.allocated,
    ).format(
        title=p.title,
        done=display.integer(p.done),
        allocated=display.integer(p.allocated),
        n=display.integer(p.submissions),
        late=display.integer(p.late),
        due=display.moment(p.due, p.zone),
    )


def peer_html(
    config: ParcoursConfig, data: DashboardData, course_id: str, selected: str = ""
) -> str:
    """The teacher's peer-review block ('' when the course has no peer review): one line
    per peer-reviewed assignment, then, for ``selected`` when it is one of them, each
    reviewer's progress and the submissions whose reviews disagree."""
    import pandas as pd

    from ..errors import ParcoursError
    from ..i18n import display
    from ..peer.grades import Settings
    from .ui import heading, table_html

    course = data.courses[course_id]
    found = peer_assignments(course)
    if not found:
        return ""
    text = heading(_(PEER_TITLE))
    rows, chosen = [], None
    for assignment in found:
        try:
            p = review_progress(config, data, course_id, assignment.id)
        except (OSError, ParcoursError) as exc:
            text += _p(f"{assignment.title}: {exc}", css="parcours-note")
            continue
        chosen = p if assignment.id == selected else chosen
        text += _p(_progress_sentence(p), f"peer-{assignment.id}")
        due = display.moment(p.due, p.zone)
        rows.append((p.title, due, p.submissions, p.allocated, p.done, p.late, p.flagged))
    counts = ("submissions", "allocated", "done", "late", "flagged")
    if rows:
        text += table_html(
            pd.DataFrame(rows, columns=["assignment", "due", *counts]),
            {
                "assignment": _("Assignment"),
                "due": _("Review deadline"),
                "submissions": _("Submissions allocated"),
                "allocated": _("Reviews allocated"),
                "done": _("Reviews done"),
                "late": _("Reviews late"),
                "flagged": _("Submissions with disagreement"),
            },
            kinds=dict.fromkeys(counts, "int"),
            table_id="table-peer",
        )
    if chosen is None:
        note = _("Choose a peer-reviewed assignment above to see each reviewer's progress.")
        return text + _p(note, "peer-choose", "parcours-note")
    text += heading(_("Each reviewer's progress: {assignment}").format(assignment=chosen.title), 3)
    text += table_html(
        chosen.reviewers,
        {
            "reviewer": _("Reviewer"),
            "allocated": _("Allocated"),
            "done": _("Done"),
            "to_do": _("To do"),
            "late": _("Late"),
        },
        kinds=dict.fromkeys(("allocated", "done", "to_do", "late"), "int"),
        table_id="table-peer-reviewers",
    )
    text += heading(_("Submissions whose reviews disagree"), 3)
    if chosen.problem:
        return text + f"<p role='alert'>{html.escape(chosen.problem)}</p>"
    if chosen.disagreements.empty:
        return text + _p(_("No submission has reviews that disagree."), "peer-no-disagreement")
    text += _p(
        ngettext(
            "{n} submission's scores spread over more than {share} of the {points} points: "
            "read it and set its grade if needed.",
            "{n} submissions' scores spread over more than {share} of the {points} points: "
            "read them and set their grades if needed.",
            chosen.flagged,
        ).format(
            n=display.integer(chosen.flagged),
            share=display.percent(Settings().disagreement),
            points=display.number(chosen.points, 2),
        ),
        "peer-disagreement-count",
    )
    return text + table_html(
        chosen.disagreements,
        {
            "author": _("Author"),
            "label": _("Anonymous label"),
            "reviews": _("Reviews received"),
            "median": _("Median (points)"),
            "spread": _("Spread (points)"),
        },
        kinds={"reviews": "int"},
        table_id="table-peer-disagreements",
    )


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
        text += _p(said, f"teams-{assignment.id}")
        text += _team_table(frame, f"table-teams-{assignment.id}")
    return text


def sections(
    config: ParcoursConfig, data: DashboardData, course_id: str, selected: str = ""
) -> list[tuple[str, str]]:
    """The teacher page's blocks for a course, as (HTML, CSS class): peer review and
    teams, each only when the course has such assignments."""
    out = []
    for text, css in (
        (peer_html(config, data, course_id, selected), PEER_CSS),
        (teams_html(config, data, course_id), TEAMS_CSS),
    ):
        if text:
            out.append((text, css))
    return out


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
        + _p(note, "teams-formed-note")
        + _team_table(frame, "table-teams-formed", coordinator=True)
    )


def show_formed(config: ParcoursConfig, data: DashboardData) -> None:
    """Show the coordinator's block (:func:`.blocks.show_html`), in its section."""
    from .blocks import show_html

    text = formed_html(config, data)
    if text:
        show_html(f"<div class='{FORMED_CSS}'>{text}</div>")
