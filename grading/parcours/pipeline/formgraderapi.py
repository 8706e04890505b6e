"""nbgrader's formgrader told what Parcours did (installed by :mod:`.staffview`).

Parcours releases and collects itself (``parcours release``/``collect``: its release
record, its exchange classes, the gradebook's due dates); nbgrader's formgrader would
otherwise judge the exchange by listing it as its own account. On the hub the exchange
belongs to the Parcours service and the formgrader runs as the course's grader account,
which cannot read it: formgrader then warned that the exchange "does not exist", showed
every assignment as a draft and offered release and collect buttons that could only fail
(and that, on one machine, would release to everyone without Parcours' record).

:class:`ParcoursGraderAPI` replaces nbgrader's ``NbGraderAPI`` in the formgrader's
handlers:

- an assignment is *released* when Parcours' release record says so (or, for a release
  made with plain nbgrader, when the exchange's outbound folder the account can read holds
  it) — :class:`ReleasedList`, which needs no write access to the exchange;
- release, unrelease and collect are Parcours' commands: formgrader offers no button for
  them (``releaseable`` is false) and its API answers with what to run instead;
- dates are shown in the course's zone (``NbGraderAPI.timezone``, set by
  :func:`.coursedir.nbgrader_config`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from nbgrader.apps.api import NbGraderAPI
from nbgrader.exchange import ExchangeFactory

from ..i18n import _
from .exchange import ParcoursExchangeList
from .records import RELEASES, read_record


def released_assignments(record: dict[str, Any], outbound: Path) -> set[str]:
    """Assignments released in a course: those of its release record (``releases.json``;
    corrections are not assignments), and the folders of its exchange's ``outbound``
    folder when this account can read it."""
    found = {
        name
        for name, entry in record.get("entries", {}).items()
        if entry.get("kind", "assignment") == "assignment"
    }
    with contextlib.suppress(OSError):  # the hub's exchange is the service's alone
        found |= {entry.name for entry in outbound.iterdir() if entry.is_dir()}
    return found


class ReleasedList(ParcoursExchangeList):
    """nbgrader's exchange list as the formgrader asks it (which assignments are out):
    answered from :func:`released_assignments`, writing nothing, needing no write access
    to the exchange (nbgrader's own list refuses to run without it)."""

    def start(self) -> list[dict[str, Any]]:
        """The course's released assignments, as nbgrader's list gives them (the
        formgrader's course directory is the course's nbgrader folder, with its record)."""
        course = self.coursedir.course_id
        record = read_record(Path(self.coursedir.root) / RELEASES)
        outbound = Path(self.root) / course / "outbound"
        return [
            {"course_id": course, "assignment_id": name, "status": "released"}
            for name in sorted(released_assignments(record, outbound))
        ]


class ParcoursGraderAPI(NbGraderAPI):
    """nbgrader's formgrader API with Parcours' view of releases (see the module's text)."""

    def __init__(
        self,
        coursedir: Any = None,
        authenticator: Any = None,
        exchange: Any = None,
        **kwargs: Any,
    ) -> None:
        if exchange is None:
            exchange = ExchangeFactory(parent=kwargs.get("parent"), list=ReleasedList)
        super().__init__(coursedir, authenticator, exchange, **kwargs)

    def get_assignment(self, assignment_id: str, released: Any = None) -> Any:
        """nbgrader's assignment, without formgrader's release and collect buttons."""
        found = super().get_assignment(assignment_id, released)
        if found is not None:
            found["releaseable"] = False
        return found

    def _parcours_does_it(self, command: str, assignment_id: str) -> dict[str, Any]:
        message = _(
            "Parcours releases and collects assignments itself: run `{command}` instead "
            "(formgrader would bypass who it is released to and the due dates)."
        ).format(command=f"parcours {command} {self.course_id} {assignment_id}")
        return {"success": False, "error": message, "log": message}

    def release_assignment(self, assignment_id: str) -> dict[str, Any]:
        """Refused: ``parcours release`` does it."""
        return self._parcours_does_it("release", assignment_id)

    def unrelease(self, assignment_id: str) -> dict[str, Any]:
        """Refused: a release cannot be taken back from learners who may have fetched it."""
        return self._parcours_does_it("release", assignment_id)

    def collect(self, assignment_id: str) -> dict[str, Any]:
        """Refused: ``parcours collect`` does it."""
        return self._parcours_does_it("collect", assignment_id)


def use_parcours_api() -> None:
    """Make the formgrader's handlers use :class:`ParcoursGraderAPI` (they build an
    ``NbGraderAPI`` per request from their module's name)."""
    from nbgrader.server_extensions.formgrader import base

    base.NbGraderAPI = ParcoursGraderAPI
