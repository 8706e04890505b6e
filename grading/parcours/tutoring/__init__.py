"""Tutoring: a question space on every lesson and assignment of a course, answered by its
staff within the delay the training body commits to (``[tutoring]`` in ``course.toml``),
counted in working hours (docs/tutoring.md).

* :mod:`.model` — questions and answers as plain data, what each reader sees of them;
* :mod:`.clock` — working hours (days, hours, public holidays, the course's zone);
* :mod:`.store` — their tables beside the events (SQLite or PostgreSQL), suggestions;
* :mod:`.desk` — what a learner, a classmate and the staff may do, and read;
* :mod:`.figures` — response times against the commitment, for the coordinator;
* :mod:`.remind` — the tutors' e-mail reminder of questions near or over the delay.
"""

from __future__ import annotations

from ..errors import EventStoreError
from ..i18n import _
from .store import TutoringStore

__all__ = ["TutoringStore", "open_tutoring"]


def open_tutoring(url: str) -> TutoringStore:
    """The tutoring store beside the events at ``url`` (``ParcoursConfig.events_url``):
    the same SQLite file or PostgreSQL database."""
    scheme = url.split(":", 1)[0]
    if scheme not in ("sqlite", "postgresql", "postgres", "postgresql+psycopg"):
        raise EventStoreError(
            _(
                "events_url {url!r}: questions are kept in SQLite or PostgreSQL only; on a "
                "hub, ask through the Parcours service"
            ).format(url=url)
        )
    return TutoringStore(url)
