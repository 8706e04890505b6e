"""Badges on the dashboards (#28).

- A learner's page (:func:`course_badges_html`): those she holds (the day, a link to
  each one's public page and its baked image), a revoked one said so, those to earn with
  their criteria.
- The coordinator's page (:func:`issued_html`): per course and badge, how many of the
  learners shown (the page's filters apply) hold it, their share, the revoked, the last
  issued — read from the credentials database in one query per course, never per
  learner.

Read only: her panel issues them (:func:`parcours.badges.mine.badges_view`), and so does
``parcours badges issue``; every text from a course file is escaped here."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from ..course.model import Course
    from .data import DashboardData

#: the coordinator's block's HTML class
ISSUED_CSS = "parcours-section-badges-issued"


def _held(badge: dict[str, Any], t: dict[str, str], zone: str) -> str:
    from ..i18n import display

    def link(url: str, label: str, extra: str = "") -> str:
        return f"<a href='{html.escape(url, quote=True)}'{extra}>{html.escape(label)}</a>"

    when = (
        t["revoked"]
        if badge["revoked"]
        else f"{t['earned_on']} {display.day(badge['issued_at'], zone)}"
    )
    links = [link(badge["url"], t["check"])]
    if not badge["revoked"]:
        links.append(link(badge["image"], t["download"], " download"))
    return (
        f"<li><strong>{html.escape(badge['name'])}</strong> — {html.escape(when)} · "
        + " · ".join(links)
        + "</li>"
    )


def course_badges_html(
    config: ParcoursConfig, course: Course, learner: str, lang: str, titled: bool
) -> str:
    """Her badges of ``course`` ('' when it declares none); ``titled``: under the
    course's title (a learner of several courses)."""
    from ..badges.mine import badges_view

    view = badges_view(config, course, learner, lang, issue=False)
    if not view["badges"]:
        return ""
    t = view["texts"]
    text = f"<h3>{html.escape(course.title)}</h3>" if titled else ""
    if view.get("problem"):
        return text + f"<p role='alert'>{html.escape(view['problem'])}</p>"
    held = "".join(_held(b, t, course.timezone) for b in view["earned"])
    text += (
        f"<ul class='parcours-badges-held'>{held}</ul>"
        if held
        else f"<p>{html.escape(t['none_yet'])}</p>"
    )
    if view["to_earn"]:
        items = "".join(
            f"<li><strong>{html.escape(b['name'])}</strong> — {html.escape(b['criteria'])}</li>"
            for b in view["to_earn"]
        )
        text += f"<h4>{html.escape(t['to_earn'])}</h4><ul>{items}</ul>"
    return text


def issued_table(config: ParcoursConfig, data: DashboardData) -> pd.DataFrame:
    """One row per badge a course declares: ``course`` (its title), ``badge`` (its
    name), ``holders`` (learners shown holding a valid credential), ``share`` of the
    course's learners shown, ``revoked`` (credentials revoked) and ``last`` (the last
    issued, a date in the course's zone, '' for none)."""
    import pandas as pd

    from ..badges import BadgeError
    from ..badges.declared import course_badges
    from ..badges.registry import issued
    from ..i18n import display

    learners = data.frames.learners
    rows = []
    for course_id, course in data.courses.items():
        try:
            declared = course_badges(course)
        except BadgeError:
            continue  # `parcours check` says what is wrong with its badges.toml
        if not declared:
            continue
        shown = set(learners[learners["course"] == course_id]["student_id"])
        credentials = [c for c in issued(config, course_id) if c.learner in shown]
        for badge in declared:
            mine = [c for c in credentials if c.badge == badge.id]
            valid = {c.learner for c in mine if not c.revoked}
            rows.append(
                {
                    "course": course.title,
                    "badge": badge.name,
                    "holders": len(valid),
                    "share": len(valid) / len(shown) if shown else None,
                    "revoked": sum(c.revoked for c in mine),
                    "last": display.day(max(c.issued_at for c in mine), course.timezone)
                    if mine
                    else "",
                }
            )
    columns = ["course", "badge", "holders", "share", "revoked", "last"]
    return pd.DataFrame(rows, columns=columns)


def issued_html(config: ParcoursConfig, data: DashboardData) -> str:
    """The coordinator's "Badges issued" block ('' when no course declares a badge)."""
    from .ui import heading, table_html

    table = issued_table(config, data)
    if table.empty:
        return ""
    several = table["course"].nunique() > 1
    said = _(
        "Open Badges 3.0 credentials held by the learners shown; a badge is issued when "
        "the learner opens her panel, or by parcours badges issue."
    )
    return (
        heading(_("Badges issued"))
        + f"<p>{html.escape(said)}</p>"
        + table_html(
            table,
            {
                **({"course": _("Course")} if several else {}),
                "badge": _("Badge"),
                "holders": _("Holders"),
                "share": _("Share of learners"),
                "revoked": _("Revoked"),
                "last": _("Last issued"),
            },
            kinds={"holders": "int", "revoked": "int", "share": "%"},
            table_id="table-badges-issued",
        )
    )


def show_issued(config: ParcoursConfig, data: DashboardData) -> None:
    """Show the coordinator's block (:func:`.blocks.show_html`), in its section."""
    from .blocks import show_html

    text = issued_html(config, data)
    if text:
        show_html(f"<div class='{ISSUED_CSS}'>{text}</div>")
