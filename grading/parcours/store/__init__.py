"""The event store: schema v1 events, the store interface, the SQLite and PostgreSQL
implementations (one table description: :mod:`.table`) and the local spool that keeps
answers when the store cannot be written.

``open_store(url)`` picks the implementation from the URL's scheme (see :data:`SCHEMES`).
This package imports only the standard library (the learner's kernel imports it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import EventStoreError
from ..i18n import _
from .base import EventFilter, EventStore
from .events import Event
from .ids import pseudonymize

__all__ = [
    "SCHEMES",
    "Event",
    "EventFilter",
    "EventStore",
    "open_store",
    "pseudonymize",
]


def _open_sqlite(url: str) -> EventStore:
    from .sqlite import SQLiteEventStore

    path = url.removeprefix("sqlite:///")
    if not path or path == ":memory:":
        raise EventStoreError(
            _("events_url {url!r}: name a file, e.g. sqlite:////srv/parcours/events.sqlite").format(
                url=url
            )
        )
    return SQLiteEventStore(Path(path).expanduser())


def _open_postgres(url: str) -> EventStore:
    from .postgres import PostgresEventStore

    return PostgresEventStore(url)


def _open_hub(url: str) -> EventStore:
    from .hub import HubEventStore

    return HubEventStore(url)


#: URL scheme -> factory: a SQLite file (one machine), a PostgreSQL database (the hub
#: deployment's service), or the Parcours hub service (learners' kernels on a hub); others
#: through the ``parcours.event_stores`` entry point group (docs/events.md).
SCHEMES: dict[str, Callable[[str], EventStore]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "postgresql+psycopg": _open_postgres,
    "postgres": _open_postgres,
    "http": _open_hub,
    "https": _open_hub,
}


def open_store(url: str) -> EventStore:
    """The event store named by ``url`` (``ParcoursConfig.events_url``), e.g.
    ``sqlite:////srv/parcours/events.sqlite`` or
    ``postgresql://parcours@127.0.0.1/parcours_events``. Opening is lazy: a missing or locked store
    fails on the first write, not here."""
    scheme = url.split(":", 1)[0] if ":" in url else ""
    factory = SCHEMES.get(scheme)
    if factory is None:
        from importlib.metadata import entry_points

        for entry in entry_points(group="parcours.event_stores"):
            if entry.name == scheme:
                factory = entry.load()
                break
    if factory is None:
        raise EventStoreError(
            _(
                "events_url {url!r}: unknown kind of store {scheme!r} (known: {known}); "
                "set c.ParcoursConfig.events_url in jupyter_config.py to "
                "sqlite:///<path> or postgresql://<role>@<host>/<database>"
            ).format(url=url, scheme=scheme, known=", ".join(sorted(SCHEMES)))
        )
    return factory(url)
