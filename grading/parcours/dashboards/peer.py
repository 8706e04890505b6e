"""Peer review on the staff's dashboards (#27, docs/peer-review.md); team assignments
are :mod:`.teams`'.

For the teacher (:func:`sections`, drawn by :mod:`.teacher_page` when the course has
such assignments): per peer-reviewed assignment, the reviews allocated, done and late
(not done once the reviews' due date has passed), the submissions whose reviews disagree
(flagged by :func:`parcours.peer.flow.compute_grades`) and each reviewer's progress;
then the teams (:func:`.teams.teams_html`).

The records are peer review's own (:mod:`parcours.peer.records`);
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
from typing import TYPE_CHECKING

from ..i18n import N_, _, ngettext
from .ui import paragraph

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from .data import DashboardData

PEER_TITLE = N_("Peer review")
#: the block's HTML class (tests and the page's layout find it by this)
PEER_CSS = "parcours-section-peer"

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
    #: reviewer (login), allocated, done, to_do, late, helpful (mean rating, 1 to 5)
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
    from ..peer.appeals import helpfulness
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
    # how helpful the authors found each one's reviews (1 to 5; NaN when none was rated)
    helped = {h.reviewer: h.mean for h in helpfulness(config, course, assignment)}
    reviewers["helpful"] = [helped.get(r, float("nan")) for r in reviewers["reviewer"]]
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
            text += paragraph(f"{assignment.title}: {exc}", css="parcours-note")
            continue
        chosen = p if assignment.id == selected else chosen
        text += paragraph(_progress_sentence(p), f"peer-{assignment.id}")
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
        return text + paragraph(note, "peer-choose", "parcours-note")
    text += heading(_("Each reviewer's progress: {assignment}").format(assignment=chosen.title), 3)
    text += table_html(
        chosen.reviewers,
        {
            "reviewer": _("Reviewer"),
            "allocated": _("Allocated"),
            "done": _("Done"),
            "to_do": _("To do"),
            "late": _("Late"),
            "helpful": _("Helpfulness (1 to 5)"),
        },
        kinds=dict.fromkeys(("allocated", "done", "to_do", "late"), "int"),
        table_id="table-peer-reviewers",
    )
    from .appeals import appeals_html

    text += appeals_html(config, data, course_id, chosen.assignment)
    text += heading(_("Submissions whose reviews disagree"), 3)
    if chosen.problem:
        return text + f"<p role='alert'>{html.escape(chosen.problem)}</p>"
    if chosen.disagreements.empty:
        return text + paragraph(
            _("No submission has reviews that disagree."), "peer-no-disagreement"
        )
    text += paragraph(
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


def sections(
    config: ParcoursConfig, data: DashboardData, course_id: str, selected: str = ""
) -> list[tuple[str, str]]:
    """The teacher page's blocks for a course, as (HTML, CSS class): peer review and
    teams, each only when the course has such assignments."""
    from .teams import TEAMS_CSS, teams_html

    out = []
    for text, css in (
        (peer_html(config, data, course_id, selected), PEER_CSS),
        (teams_html(config, data, course_id), TEAMS_CSS),
    ):
        if text:
            out.append((text, css))
    return out
