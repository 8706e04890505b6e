"""A learner's badges as her "Mon parcours" panel shows them: those she holds (with the
link to each one's public verification page) and those still to earn, with their
criteria.

A badge is issued as soon as it is earned: each time she looks, the badges of the course
whose criteria she now meets are issued to her (:func:`.registry.award`, for her alone;
safe to repeat, and concurrent looks issue one credential). A teacher may still issue
them all at once with ``parcours badges issue``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import _, language
from ..pipeline.roster import read_roster
from . import BadgeError
from .declared import Badge, course_badges
from .registry import award, issued
from .signing import base_url

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


def texts(lang: str) -> dict[str, str]:
    """The section's labels in ``lang`` (the panel holds no text)."""
    with language(lang):
        return {
            "heading": _("My badges"),
            "earned_on": _("earned on"),
            "check": _("Check it"),
            "download": _("Image (PNG)"),
            "revoked": _("revoked"),
            "to_earn": _("To earn"),
            "none_yet": _("No badge yet: here is how to earn them."),
        }


def badges_view(
    config: ParcoursConfig, course: Course, learner: str, lang: str, *, issue: bool = True
) -> dict[str, Any]:
    """``{"badges": false}`` when the course declares none; else her credentials of the
    course (newest first) and the badges she may still earn. A declaration the teacher
    got wrong is said (``problem``), never a failure of her panel. ``issue``: first issue
    the badges she now meets the criteria of (her panel does; a page that only reads,
    the learner's dashboard, does not)."""
    try:
        declared = course_badges(course)
    except BadgeError as error:
        return {"badges": True, "texts": texts(lang), "problem": str(error)}
    if not declared or learner not in {p.id for p in read_roster(config, course)}:
        return {"badges": False}  # a teacher trying her panel holds none
    if issue:
        award(config, course, learner=learner)
    held = credentials(config, course, learner, declared)
    valid = {c["badge"] for c in held if not c["revoked"]}
    earned = [
        {
            key: c[key]
            for key in ("badge", "name", "description", "issued_at", "revoked", "url", "image")
        }
        for c in reversed(held)
        if not c["revoked"] or c["badge"] not in valid
    ]
    to_earn = [
        {"badge": b.id, "name": b.name, "criteria": b.criteria}
        for b in declared
        if b.id not in valid
    ]
    return {"badges": True, "texts": texts(lang), "earned": earned, "to_earn": to_earn}


def credentials(
    config: ParcoursConfig, course: Course, learner: str, declared: list[Badge] | None = None
) -> list[dict[str, Any]]:
    """Every credential of ``course`` issued to ``learner``, oldest first, revoked ones
    included (when and why): the badge's name and description as declared, the date,
    the public verification page and the baked image (served while the credential is
    valid). Issues nothing (her panel does, when she looks)."""
    if declared is None:
        try:
            declared = course_badges(course)
        except BadgeError:
            declared = []  # names unknown: the badge's id stands for it
    names = {b.id: b for b in declared}
    base = base_url(config)
    return [
        {
            "badge": i.badge,
            "name": names[i.badge].name if i.badge in names else i.badge,
            "description": names[i.badge].description if i.badge in names else "",
            "issued_at": i.issued_at,
            "revoked": i.revoked,
            "revoked_at": i.revoked_at or None,
            "reason": i.reason,
            "url": f"{base}/{i.id}",
            "image": f"{base}/{i.id}.png",
        }
        for i in issued(config, course.id, learner=learner)
    ]
