"""The badges a course declares, in ``courses/<id>/badges.toml`` beside its manifest::

    [[badges]]
    id = "moyenne"                 # letters, digits, - and _
    name = "Calculer une moyenne"
    description = "Calcule et interprète une moyenne."
    criteria = "Toutes les leçons du module 1 terminées et le devoir A réussi à 60 %."
    modules = ["m1"]               # every lesson of these modules completed, and/or
    lessons = ["l01"]              # these lessons completed, and/or
    assignment = "devoir-a"        # this assignment graded at least
    min_score = 0.6                #   this share of its points (default 0.5)

A learner earns a badge when she meets every criterion it names (at least one).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import BadgeError

if TYPE_CHECKING:
    from ..course.model import Course

FILE = "badges.toml"
#: the first bytes of every PNG file
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
KEYS = {
    "id", "name", "description", "criteria", "modules", "lessons", "assignment", "min_score",
    "image",
}  # fmt: skip


@dataclass(frozen=True)
class Badge:
    """One declared badge (an OB 3.0 ``Achievement``)."""

    id: str
    name: str
    description: str
    #: what a learner did to earn it, as a person reads it
    criteria: str
    #: lessons to complete (those of the named modules included)
    lessons: tuple[str, ...] = field(default_factory=tuple)
    #: assignment to pass, and the share of its points needed
    assignment: str = ""
    min_score: float = 0.5
    #: its PNG image, relative to the course folder ("": a medal typeset by Parcours)
    image: str = ""


def _problem(path: str, where: str, message: str) -> BadgeError:
    return BadgeError(
        _("{file}, {where}: {message} (see docs/badges.md)").format(
            file=path, where=where, message=message
        )
    )


def _texts(path: str, where: str, entry: dict[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _problem(path, where, _("'{key}' must be a list of ids").format(key=key))
    return tuple(value)


def _badge(path: str, index: int, entry: Any, course: Course) -> Badge:
    where = f"badges[{index}]"
    if not isinstance(entry, dict):
        raise _problem(path, where, _("a badge is a table"))
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise _problem(path, where, _("unknown key '{key}'").format(key=unknown[0]))
    ident = entry.get("id")
    if not isinstance(ident, str) or not IDENT.fullmatch(ident):
        raise _problem(path, where, _("'id' must be letters, digits, - or _"))
    where = f"badges.{ident}"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _problem(path, where, _("'name' is required"))
    modules = {m.id: m for m in course.modules}
    lessons = list(_texts(path, where, entry, "lessons"))
    known = {lesson.id for m in course.modules for lesson in m.lessons}
    for module in _texts(path, where, entry, "modules"):
        if module not in modules:
            raise _problem(path, where, _("no module '{id}' in the course").format(id=module))
        lessons += [lesson.id for lesson in modules[module].lessons]
    for lesson in lessons:
        if lesson not in known:
            raise _problem(path, where, _("no lesson '{id}' in the course").format(id=lesson))
    assignment = entry.get("assignment", "")
    if assignment and assignment not in {a.id for a in course.assignments}:
        raise _problem(path, where, _("no assignment '{id}' in the course").format(id=assignment))
    share = entry.get("min_score", 0.5)
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        raise _problem(path, where, _("'min_score' is a share of the points, 0 to 1"))
    if not lessons and not assignment:
        raise _problem(path, where, _("name lessons, modules or an assignment to earn it by"))
    image = entry.get("image", "")
    if not isinstance(image, str) or (image and not _is_png(course, image)):
        raise _problem(
            path,
            where,
            _("'image' must name a PNG file of the course folder ({image})").format(image=image),
        )
    description = str(entry.get("description", "")).strip() or name
    return Badge(
        id=ident,
        name=name.strip(),
        description=description,
        criteria=str(entry.get("criteria", "")).strip() or description,
        lessons=tuple(dict.fromkeys(lessons)),
        assignment=assignment,
        min_score=float(share),
        image=image,
    )


def _is_png(course: Course, image: str) -> bool:
    """Whether ``image`` is a PNG file inside the course folder."""
    folder = course.folder.resolve()
    path = (folder / image).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE


def course_badges(course: Course) -> list[Badge]:
    """The badges ``course`` declares (none without ``badges.toml``)."""
    path = course.folder / FILE
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _problem(str(path), "", str(error)) from None
    entries = data.get("badges", [])
    if not isinstance(entries, list):
        raise _problem(str(path), "badges", _("write each badge as [[badges]]"))
    found = [_badge(str(path), i, entry, course) for i, entry in enumerate(entries)]
    ids = [b.id for b in found]
    for ident in ids:
        if ids.count(ident) > 1:
            raise _problem(str(path), f"badges.{ident}", _("two badges with one id"))
    return found


def find_badge(course: Course, badge_id: str) -> Badge:
    """The badge ``badge_id`` of ``course``."""
    for badge in course_badges(course):
        if badge.id == badge_id:
            return badge
    raise BadgeError(
        _("No badge '{badge}' in course '{course}' ({file}).").format(
            badge=badge_id, course=course.id, file=course.folder / FILE
        )
    )
