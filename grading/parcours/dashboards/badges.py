"""A learner's badges on her dashboard page (#28): those she holds (the day, a link to
each one's public page and its baked image), a revoked one said so, those to earn with
their criteria. Read only: her panel issues them (:func:`parcours.badges.mine.badges_view`);
every text from a course file is escaped here."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


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
