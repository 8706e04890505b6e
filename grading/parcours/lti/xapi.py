"""Parcours' recorded events as xAPI 1.0.3 statements (the Parcours xAPI profile).

One event gives one statement, always the same one (nothing in it depends on when it is
built or sent), so that a statement sent again is recognised by the LRS as known:

- ``id``: a UUID (version 5) of the event's id, stable across resends;
- ``actor``: an account ``{homePage, name}`` whose name is the learner's pseudonym
  (:func:`~parcours.store.ids.pseudonymize`, as recorded): never her name or e-mail;
- ``verb``: the ADL / Activity Streams IRI of the event's verb (:data:`VERBS`);
- ``object``: an activity whose id lies under the course's public address
  (``<home>/courses/<course>/<type>/<id>``), of the xAPI activity type of its kind;
- ``result``: scaled score, success, completion, duration, the quiz answer (a question's
  only: reflections and ratings stay in Parcours);
- ``context``: the course as grouping, the lesson as parent, ``platform`` Parcours;
- ``timestamp``: when the learner did it (the event's).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..store.events import Event

VERSION = "1.0.3"
#: namespace of statement ids (UUID5 of the event id): fixed forever, or resends duplicate
NAMESPACE = uuid.UUID("6f1d9a52-2c1e-5b8e-9b2a-7a0c1f3e4d55")
ADL = "http://adlnet.gov/expapi/verbs/"
#: event verb -> (verb IRI, English display)
VERBS: dict[str, tuple[str, str]] = {
    "answered": (ADL + "answered", "answered"),
    "opened": ("http://activitystrea.ms/schema/1.0/open", "opened"),
    "progressed": (ADL + "progressed", "progressed"),
    "completed": (ADL + "completed", "completed"),
    "reflected": (ADL + "commented", "commented"),
    "rated": ("http://id.tincanapi.com/verb/rated", "rated"),
    "submitted": ("http://activitystrea.ms/schema/1.0/submit", "submitted"),
}
ACTIVITIES = "http://adlnet.gov/expapi/activities/"
#: event object type -> (xAPI activity type, path segment of its id)
OBJECTS: dict[str, tuple[str, str]] = {
    "question": (ACTIVITIES + "cmi.interaction", "questions"),
    "lesson": (ACTIVITIES + "lesson", "lessons"),
    "section": ("http://id.tincanapi.com/activitytype/section", "sections"),
    "module": (ACTIVITIES + "module", "modules"),
    "assignment": (ACTIVITIES + "assessment", "assignments"),
}


def home_page(config: ParcoursConfig) -> str:
    """Parcours' public address in statements (``lrs_home_page``, else the hub's)."""
    return (config.lrs_home_page or f"http://{config.ip}:{config.hub_port}").rstrip("/")


def statement_id(event_id: str) -> str:
    """The statement id of an event: the same event always gives the same id."""
    return str(uuid.uuid5(NAMESPACE, event_id))


def activity_id(home: str, course: str, kind: str, ident: str) -> str:
    """The IRI of an activity of a course (``kind`` one of the event object types)."""
    base = f"{home}/courses/{quote(course, safe='')}"
    if kind == "course":
        return base
    return f"{base}/{OBJECTS[kind][1]}/{quote(ident, safe='#')}"


def _duration(seconds: float) -> str:
    """ISO 8601 duration as xAPI writes it (``PT12.5S``), centiseconds kept."""
    return f"PT{round(seconds, 2):g}S"


def statement(event: Event, home: str) -> dict[str, Any]:
    """The xAPI statement of one recorded event (see the module)."""
    verb_iri, display = VERBS[event.verb]
    kind, _segment = OBJECTS[event.object_type]
    course = activity_id(home, event.course, "course", "")
    made: dict[str, Any] = {
        "id": statement_id(event.id),
        "actor": {"objectType": "Agent", "account": {"homePage": home, "name": event.actor}},
        "verb": {"id": verb_iri, "display": {"en-US": display}},
        "object": {
            "objectType": "Activity",
            "id": activity_id(home, event.course, event.object_type, event.object_id),
            "definition": {"type": kind},
        },
        "timestamp": event.timestamp,
        "context": {
            "platform": "Parcours",
            "contextActivities": {
                "grouping": [{"objectType": "Activity", "id": course}],
            },
        },
    }
    if event.lesson and not (event.object_type == "lesson" and event.object_id == event.lesson):
        made["context"]["contextActivities"]["parent"] = [
            {
                "objectType": "Activity",
                "id": activity_id(home, event.course, "lesson", event.lesson),
            }
        ]
    result: dict[str, Any] = {}
    if event.score is not None:
        result["score"] = {"scaled": max(0.0, min(1.0, float(event.score)))}
    if event.success is not None:
        result["success"] = bool(event.success)
    if event.verb == "completed":
        result["completion"] = True
    if event.duration_s is not None and event.duration_s >= 0:
        result["duration"] = _duration(event.duration_s)
    if event.verb == "answered" and event.response is not None:
        # the quiz answer as JSON text: what the learner chose or typed, nothing else
        result["response"] = event.response[:2000]
    if result:
        made["result"] = result
    return made
