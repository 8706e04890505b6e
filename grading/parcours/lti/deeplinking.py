"""Deep linking (LTI Deep Linking 2.0): a teacher in the LMS picks a Parcours lesson or
assignment, and the LMS makes the activity (and, for an assignment, its gradebook
column: ``resourceId`` = the assignment id, ``scoreMaximum`` = its points). Each launch
of that activity carries the item picked (custom ``parcours_item``): a lesson's lands
in that lesson (:func:`landing`).

:func:`choices` lists what the teacher may pick from her course; :func:`response`
signs the ``LtiDeepLinkingResponse`` (the tool's key) that her browser posts back to
the LMS's ``deep_link_return_url`` as the form field ``JWT``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import LtiLaunchError
from .launch import CLAIM, Person
from .platforms import tool_key

if TYPE_CHECKING:
    from ..config import ParcoursConfig

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@dataclass(frozen=True)
class Choice:
    """A lesson or an assignment a teacher may add to her LMS course."""

    #: "assignment:<id>" or "lesson:<id>"
    key: str
    title: str
    #: the assignment's points; None for a lesson (no gradebook column)
    points: float | None = None


def choices(config: ParcoursConfig, course_id: str) -> list[Choice]:
    """The course's assignments, then its lessons, in the manifest's order."""
    from ..course.load import find_course, load_course

    course = load_course(find_course(config.courses_dir, course_id))
    found = [Choice(f"assignment:{a.id}", a.title, a.points) for a in course.assignments]
    for module in course.modules:
        found.extend(Choice(f"lesson:{lesson.id}", lesson.title) for lesson in module.lessons)
    return found


def response(
    config: ParcoursConfig, person: Person, picked: list[str], launch_url: str
) -> tuple[str, str]:
    """(the LMS's return URL, the signed response) for the ``picked`` choice keys of a
    deep-linking launch by a teacher; anything else is refused."""
    from jwcrypto.jwt import JWT

    settings = person.claims.get(DL_CLAIM + "deep_linking_settings") or {}
    if person.message_type != "LtiDeepLinkingRequest" or not settings.get("deep_link_return_url"):
        raise LtiLaunchError(_("This launch is not a deep-linking request from the LMS."))
    if person.role != "teacher":
        raise LtiLaunchError(_("Only a teacher of the course adds Parcours activities."))
    known = {choice.key: choice for choice in choices(config, person.course)}
    unknown = [key for key in picked if key not in known]
    if unknown or not picked:
        raise LtiLaunchError(
            _("Pick one or more of the course's lessons or assignments ({unknown}).").format(
                unknown=", ".join(unknown)[:200]
            )
        )
    if not settings.get("accept_multiple", True):
        picked = picked[:1]
    items: list[dict[str, Any]] = []
    for key in picked:
        choice = known[key]
        item: dict[str, Any] = {
            "type": "ltiResourceLink",
            "title": choice.title,
            "url": launch_url,
            "custom": {"parcours_item": key},
        }
        if choice.points is not None:
            item["lineItem"] = {
                "scoreMaximum": choice.points,
                "label": choice.title,
                "resourceId": key.split(":", 1)[1],
                "tag": "parcours",
            }
        items.append(item)
    audience = person.claims.get("aud")
    client_id = audience[0] if isinstance(audience, list) else str(audience)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": person.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": person.claims.get(CLAIM + "deployment_id", ""),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": items,
    }
    if "data" in settings:
        claims[DL_CLAIM + "data"] = settings["data"]
    key = tool_key(config)
    token = JWT(header={"alg": "RS256", "typ": "JWT", "kid": key.kid}, claims=claims)
    token.make_signed_token(key)
    return str(settings["deep_link_return_url"]), token.serialize()


def landing(config: ParcoursConfig, person: Person) -> str:
    """Where in her JupyterLab a learner's launch of a deep-linked activity lands,
    relative to her server's URL: a lesson picked by the teacher opens that lesson's
    notebook (``lab/tree/<course>/<notebook>``, her own copy of the course); '' for an
    assignment, an activity made otherwise, or an item the course no longer has (her
    JupyterLab as it opens, her panel there)."""
    from urllib.parse import quote

    from ..course.load import find_course, load_course
    from ..errors import ParcoursError

    custom = person.claims.get(CLAIM + "custom") or {}
    item = str(custom.get("parcours_item", "")) if isinstance(custom, dict) else ""
    kind, _sep, ident = item.partition(":")
    if kind != "lesson" or not ident:
        return ""
    try:
        course = load_course(find_course(config.courses_dir, person.course))
    except ParcoursError:  # her JupyterLab all the same; `parcours check` says what is wrong
        return ""
    lessons = {lesson.id: lesson for module in course.modules for lesson in module.lessons}
    if ident not in lessons:
        return ""
    return "lab/tree/" + quote(f"{course.id}/{lessons[ident].notebook}")
