"""The coordinator dashboard's tutoring block (#26, docs/tutoring.md): per course, the
time to a first staff answer in working hours (median, p90) against the commitment of its
``[tutoring]`` table, the share answered within it, the questions still open and those
over the delay; per tutor the same times; the lessons that make people ask most.

The numbers are :func:`parcours.tutoring.figures.figures`' (one read of the questions
beside the events); this module only lays them out, in the language in force (decimal
comma in French), each course's working calendar and time zone named.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course
    from .data import DashboardData

TITLE = N_("Tutoring: response times")
#: the block's HTML class (tests and the page's layout find it by this)
CSS = "parcours-section-tutoring"


def tutoring_figures(config: ParcoursConfig, data: DashboardData) -> list[dict[str, Any]] | None:
    """The tutoring figures of the courses shown, at the page's "now"; None when the
    events are not in a database this process can read (e.g. a hub's service URL)."""
    from pathlib import Path

    from ..errors import EventStoreError
    from ..tutoring import open_tutoring
    from ..tutoring.figures import figures

    courses = list(data.courses.values())
    url = str(config.events_url)
    if not courses or (
        url.startswith("sqlite:") and not Path(url.removeprefix("sqlite:///")).is_file()
    ):
        return []  # no store yet: no question (and none made here: it holds the events)
    try:
        with open_tutoring(url) as store:
            return figures(store, courses, data.now.to_pydatetime())
    except EventStoreError:
        return None


def calendar_text(course: Course) -> str:
    """The working time a course's commitment is counted in, as a reader reads it:
    ``lun.–ven., 09:00–18:00, Europe/Paris, jours fériés : FR``."""
    from babel.dates import get_day_names

    from ..course.tutoring import WEEKDAYS
    from ..i18n import display

    names = get_day_names("abbreviated", locale=display.locale())
    t = course.tutoring
    days = sorted(WEEKDAYS.index(d) for d in t.working_days)
    contiguous = days == list(range(days[0], days[-1] + 1))
    shown = (
        f"{names[days[0]]}\u2013{names[days[-1]]}"
        if contiguous and len(days) > 2
        else ", ".join(names[d] for d in days)
    )
    parts = [shown, f"{t.day_starts}\u2013{t.day_ends}", course.timezone]
    if t.holidays:
        code = t.holidays + (f"-{t.subdivision}" if t.subdivision else "")
        parts.append(_("public holidays: {country}").format(country=code))
    return ", ".join(parts)


def _summary(course: Course, f: dict[str, Any]) -> str:
    """One sentence per course: its times against its commitment."""
    from ..i18n import display

    if not f["answered"]:
        text = _(
            "{course}: no staff answer yet; commitment: a first answer within {hours} "
            "working hours."
        ).format(course=course.title, hours=display.number(f["response_hours"]))
    else:
        text = _(
            "{course}: first staff answer in {p50} working hours (median), {p90} for nine "
            "questions in ten (p90), against a commitment of {hours}; {share} answered within it."
        ).format(
            course=course.title,
            p50=display.number(f["first_response_p50_h"]),
            p90=display.number(f["first_response_p90_h"]),
            hours=display.number(f["response_hours"]),
            share=display.percent(f["within_commitment"]),
        )
    return f"<p id='tutoring-{html.escape(course.id, quote=True)}'>{html.escape(text)}</p>"


def tutoring_html(config: ParcoursConfig, data: DashboardData) -> str:
    """The block as HTML: heading, one sentence per course, the courses' table, the
    tutors' table, the lessons that make people ask most."""
    import pandas as pd

    from .coordinator import activity_title
    from .ui import heading, table_html

    head = heading(_(TITLE))
    found = tutoring_figures(config, data)
    if found is None:
        note = _("The questions are kept by the Parcours service: see `parcours questions`.")
        return f"{head}<p id='tutoring-none'>{html.escape(note)}</p>"
    rows, tutors, lessons = [], [], []
    sentences = []
    for f in found:
        course = data.courses[f["course"]]
        sentences.append(_summary(course, f))
        rows.append(
            {
                "course": course.title,
                "calendar": calendar_text(course),
                "commitment": f["response_hours"],
                "questions": f["questions"],
                "p50": f["first_response_p50_h"],
                "p90": f["first_response_p90_h"],
                "within": f["within_commitment"],
                "open": sum(f["open_by_age"].values()),
                "overdue": f["over_delay_open"],
            }
        )
        for tutor, t in f["tutors"].items():
            tutors.append({"course": course.title, "tutor": tutor, **t})
        for top in f["top_activities"]:
            title = activity_title(data, course.id, top["activity"])
            lessons.append({"course": course.title, "lesson": title, "n": top["questions"]})
    if not any(r["questions"] for r in rows):
        none = _("No question asked yet.")
        return head + "".join(sentences) + f"<p id='tutoring-empty'>{html.escape(none)}</p>"
    wh = _("working h")
    text = (
        head
        + "".join(sentences)
        + table_html(
            pd.DataFrame(rows),
            {
                "course": _("Course"),
                "calendar": _("Working time"),
                "commitment": _("Commitment ({unit})").format(unit=wh),
                "questions": _("Questions"),
                "p50": _("First answer, median ({unit})").format(unit=wh),
                "p90": _("First answer, p90 ({unit})").format(unit=wh),
                "within": _("Answered within the commitment"),
                "open": _("Still open"),
                "overdue": _("Over the delay, unanswered"),
            },
            kinds={"within": "%", "questions": "int", "open": "int", "overdue": "int"},
            table_id="table-tutoring",
        )
    )
    if tutors:
        text += table_html(
            pd.DataFrame(tutors),
            {
                "course": _("Course"),
                "tutor": _("Tutor"),
                "answered": _("Questions answered first"),
                "first_response_p50_h": _("First answer, median ({unit})").format(unit=wh),
                "first_response_p90_h": _("First answer, p90 ({unit})").format(unit=wh),
                "within_commitment": _("Answered within the commitment"),
            },
            kinds={"within_commitment": "%", "answered": "int"},
            table_id="table-tutoring-tutors",
        )
    if lessons:
        text += heading(_("Lessons that make learners ask most"), 3) + table_html(
            pd.DataFrame(lessons),
            {"course": _("Course"), "lesson": _("Lesson"), "n": _("Questions")},
            kinds={"n": "int"},
            table_id="table-tutoring-lessons",
        )
    return text


def show(config: ParcoursConfig, data: DashboardData) -> None:
    """Show the block (:func:`.blocks.show_html`), in its section."""
    from .blocks import show_html

    show_html(f"<div class='{CSS}'>{tutoring_html(config, data)}</div>")
