"""The class roster: learners and their groups.

The roster is personal data, so it lives with the runtime state, never in ``courses/``:
``<data_dir>/courses/<course-id>/roster.csv``, UTF-8, comma-separated, with a header::

    id,first_name,last_name,email,groups
    alice,Alice,Martin,alice@example.org,remediation;groupe-a
    bob,Bob,Durand,,groupe-b

``id`` is the learner's login (the JupyterHub user name, nbgrader's student id); ``groups``
lists the learner's groups separated by ``;`` (differentiation groups, half-classes...).
Only ``id`` is required. ``parcours release --to NAME`` accepts a group name or a learner id.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadInputError

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

ROSTER_FILE = "roster.csv"
COLUMNS = ("id", "first_name", "last_name", "email", "groups")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass(frozen=True)
class Learner:
    """One learner of the roster."""

    #: login, also nbgrader's student id
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    #: groups the learner belongs to
    groups: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Roster:
    """Every learner of a course, by id, and the file they were read from."""

    learners: dict[str, Learner]
    path: Path

    @property
    def groups(self) -> dict[str, list[str]]:
        """Group name -> ids of its members, sorted."""
        found: dict[str, list[str]] = {}
        for learner in self.learners.values():
            for group in learner.groups:
                found.setdefault(group, []).append(learner.id)
        return {name: sorted(ids) for name, ids in sorted(found.items())}

    def resolve(self, names: list[str]) -> list[str]:
        """Learner ids named by group names or learner ids; unknown names are an error."""
        groups = self.groups
        chosen: set[str] = set()
        for name in names:
            if name in groups:
                chosen.update(groups[name])
            elif name in self.learners:
                chosen.add(name)
            else:
                raise BadInputError(
                    f"--to {name}: neither a group nor a learner of {self.path}. "
                    f"Groups: {', '.join(groups) or '(none)'}; or give a learner id "
                    "listed in the roster's 'id' column."
                )
        return sorted(chosen)


def roster_path(config: ParcoursConfig, course: Course) -> Path:
    """Where a course's roster file is (it may not exist yet)."""
    return config.course_root(course.id) / ROSTER_FILE


def load_roster(config: ParcoursConfig, course: Course) -> Roster:
    """Read ``<data_dir>/courses/<id>/roster.csv``; an absent file is an empty roster."""
    path = roster_path(config, course)
    if not path.is_file():
        return Roster({}, path)
    learners: dict[str, Learner] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise BadInputError(
                f"{path}: the first line must be a header with an 'id' column "
                f"(expected: {','.join(COLUMNS)})."
            )
        for line, row in enumerate(reader, start=2):
            ident = (row.get("id") or "").strip()
            if not _ID.match(ident) or "+" in ident:
                raise BadInputError(
                    f"{path}: line {line}: learner id {ident!r} is not valid; use letters, "
                    "digits, '.', '_', '-' or '@' (no spaces, no '+')."
                )
            if ident in learners:
                raise BadInputError(f"{path}: line {line}: learner id '{ident}' appears twice.")
            groups = tuple(g.strip() for g in (row.get("groups") or "").split(";") if g.strip())
            learners[ident] = Learner(
                id=ident,
                first_name=(row.get("first_name") or "").strip(),
                last_name=(row.get("last_name") or "").strip(),
                email=(row.get("email") or "").strip(),
                groups=groups,
            )
    return Roster(learners, path)


def write_roster(path: Path, learners: list[Learner]) -> Path:
    """Write a roster file (used by the demo and the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for learner in learners:
            writer.writerow(
                [
                    learner.id,
                    learner.first_name,
                    learner.last_name,
                    learner.email,
                    ";".join(learner.groups),
                ]
            )
    return path
