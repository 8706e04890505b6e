"""Events through the Parcours hub service (``POST <service>/api/events``), for learners'
kernels on a hub: they cannot write the shared store, and who they are comes from their
JupyterHub token, not from what they send (the service overwrites ``actor``).

``open_store("http://127.0.0.1:8002/services/parcours/")`` returns a :class:`HubEventStore`.
Any failure raises :class:`~parcours.errors.EventStoreError`: the recorder then
keeps the events in the learner's spool and sends them with the next answer, as for a
locked file. Standard library only (the learner's kernel imports it).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from ..errors import EventStoreError
from ..i18n import _
from .base import EventFilter, EventStore, as_filter
from .events import Event


class HubEventStore(EventStore):
    """The service's events endpoint, as the token's user."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0):
        self.url = url.rstrip("/") + "/"
        self.token = token if token is not None else os.environ.get("JUPYTERHUB_API_TOKEN", "")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        if not self.token:
            raise EventStoreError(
                _(
                    "no JupyterHub token (JUPYTERHUB_API_TOKEN) in this kernel: events are "
                    "kept in your spool."
                )
            )
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise EventStoreError(
                _("the Parcours service refused the events ({code}: {answer})").format(
                    code=exc.code, answer=exc.read()[:200].decode("utf-8", "replace")
                )
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as exc:
            raise EventStoreError(
                _("the Parcours service at {url} does not answer ({error})").format(
                    url=self.url, error=exc
                )
            ) from None

    def record_many(self, events: Iterable[Event]) -> int:
        batch = [e.to_dict() for e in events]
        if not batch:
            return 0
        return int(self._call("POST", "api/events", batch)["recorded"])

    def read(self, where: EventFilter | None = None, **filters: Any) -> list[Event]:
        wanted = as_filter(where, filters)
        query = "&".join(
            f"{k}={v}" for k in ("verb", "course", "lesson") if (v := getattr(wanted, k))
        )
        rows = self._call("GET", "api/events" + (f"?{query}" if query else ""))
        return [Event.from_dict(row) for row in rows]

    def count(self, where: EventFilter | None = None, **filters: Any) -> int:
        return len(self.read(where, **filters))


def open_hub_store(url: str) -> EventStore:
    """Factory for :data:`parcours.store.SCHEMES` (``http``/``https``)."""
    return HubEventStore(url)
