"""The class roster: learners and their groups.

The roster is personal data, so it lives with the runtime state, never in ``courses/``:
``<data_dir>/courses/<course-id>/roster.csv``, UTF-8, comma-separated, with a header::

    id,first_name,last_name,email,groups
    alice,Alice,Martin,alice@example.org,remediation;groupe-a
    bob,Bob,Durand,,groupe-b

``id`` is the learner's login (the JupyterHub user name, nbgrader's student id); ``groups``
lists the learner's groups separated by ``;`` (differentiation groups, half-classes...).
An optional ``employer`` column names the learner's employer (on the certificate of
completion). Only ``id`` is required. ``parcours release --to NAME`` accepts a group name
or a learner id.

Changing the roster (``parcours roster COURSE import|add|remove|list``, or the functions
below, the Python API): every row is validated first — ids (valid, not twice), e-mails,
groups (a group the roster does not know yet is refused unless named with ``new_groups``:
a typo such as ``groupe-l`` for ``groupe-1`` would otherwise make a group of one) — and
every problem is reported at once with its line; nothing is written unless all is well.
Each change is appended to ``roster.history.jsonl`` next to the roster (one JSON object a
line: action, learner, before, after, by whom, when), which is never rewritten. The
JupyterHub integration reads the roster with :func:`read_roster` to sync accounts.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _, language

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

ROSTER_FILE = "roster.csv"
HISTORY_FILE = "roster.history.jsonl"
COLUMNS = ("id", "first_name", "last_name", "email", "groups", "employer")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
#: a plausible address: one @, a dot in the domain, no spaces
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


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
    #: employer, when the training is paid by one (printed on the certificate)
    employer: str = ""


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
                    _(
                        "'{name}' is neither a group nor a learner of {roster}. Groups: "
                        "{groups}; or give a learner id listed in the roster's 'id' column."
                    ).format(name=name, roster=self.path, groups=", ".join(groups) or _("(none)"))
                ).about("to")
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
                _(
                    "{path}: the first line must be a header with an 'id' column (expected: "
                    "{columns})."
                ).format(path=path, columns=",".join(COLUMNS))
            )
        for line, row in enumerate(reader, start=2):
            ident = (row.get("id") or "").strip()
            if not _ID.match(ident) or "+" in ident:
                raise BadInputError(
                    _(
                        "{path}: line {line}: learner id {ident!r} is not valid; use letters, "
                        "digits, '.', '_', '-' or '@' (no spaces, no '+')."
                    ).format(path=path, line=line, ident=ident)
                )
            if ident in learners:
                raise BadInputError(
                    _("{path}: line {line}: learner id '{ident}' appears twice.").format(
                        path=path, line=line, ident=ident
                    )
                )
            groups = tuple(g.strip() for g in (row.get("groups") or "").split(";") if g.strip())
            learners[ident] = Learner(
                id=ident,
                first_name=(row.get("first_name") or "").strip(),
                last_name=(row.get("last_name") or "").strip(),
                email=(row.get("email") or "").strip(),
                groups=groups,
                employer=(row.get("employer") or "").strip(),
            )
    return Roster(learners, path)


def roster_text(learners: list[Learner]) -> str:
    """A roster file's content (CSV, :data:`COLUMNS`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for learner in learners:
        writer.writerow(
            [
                learner.id,
                learner.first_name,
                learner.last_name,
                learner.email,
                ";".join(learner.groups),
                learner.employer,
            ]
        )
    return buffer.getvalue()


def write_roster(path: Path, learners: list[Learner]) -> Path:
    """Write a roster file (used by the demo and the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(roster_text(learners))
    return path


# -- changing the roster (the Python API of `parcours roster`) ---------------------------


def _course_of(config: ParcoursConfig, course: Course | str) -> Course:
    if isinstance(course, str):
        from ..course.load import find_course, load_course

        return load_course(find_course(config.courses_dir, course))
    return course


def read_roster(config: ParcoursConfig, course: Course | str) -> list[Learner]:
    """Every learner of ``course`` (a :class:`Course` or its id), in roster order: what
    the JupyterHub integration syncs accounts from. An absent roster is empty."""
    return list(load_roster(config, _course_of(config, course)).learners.values())


def history_path(config: ParcoursConfig, course: Course) -> Path:
    """The roster's append-only change log."""
    return config.course_root(course.id) / HISTORY_FILE


def roster_history(config: ParcoursConfig, course: Course | str) -> list[dict[str, Any]]:
    """Every recorded change of the roster, oldest first."""
    path = history_path(config, _course_of(config, course))
    if not path.is_file():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@dataclass(frozen=True)
class RosterChange:
    """What a change did: ids added, removed and changed (fields or groups)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def validate(
    rows: Iterable[tuple[int, dict[str, str]]],
    known_groups: Iterable[str],
    new_groups: Iterable[str] = (),
    *,
    source: str = "",
) -> list[Learner]:
    """Learners from ``(line, row)`` pairs, every problem reported at once (a
    :class:`BadInputError` listing each with its line and the fix). A group must be
    known (``known_groups``, the roster's) or declared in ``new_groups``; when nothing is
    known yet (a first import) the file's groups are the roster's."""
    import difflib

    known = set(known_groups)
    allowed = known | set(new_groups)
    first = not known
    problems: list[str] = []
    undeclared = False  # a group neither known nor declared in new_groups
    seen: dict[str, int] = {}
    learners: list[Learner] = []
    where = f"{source}: " if source else ""
    for line, row in rows:
        here = where + _("line {n}").format(n=line) + ": "
        ident = (row.get("id") or "").strip()
        if not _ID.match(ident) or "+" in ident:
            problems.append(
                here
                + _(
                    "learner id {id!r} is not valid — use letters, digits, "
                    "'.', '_', '-' or '@' (no spaces, no '+')"
                ).format(id=ident)
            )
            continue
        if ident in seen:
            problems.append(
                here
                + _(
                    "learner id '{id}' is already on line {other} — keep one line per learner"
                ).format(id=ident, other=seen[ident])
            )
            continue
        seen[ident] = line
        email = (row.get("email") or "").strip()
        if email and not _EMAIL.match(email):
            problems.append(
                here
                + _(
                    "e-mail {email!r} of '{id}' is not an address — write "
                    "it like name@example.org, or leave it empty"
                ).format(email=email, id=ident)
            )
        groups = tuple(
            dict.fromkeys(g.strip() for g in (row.get("groups") or "").split(";") if g.strip())
        )
        for group in groups:
            if not _ID.match(group):
                problems.append(
                    here
                    + _(
                        "group {group!r} of '{id}' is not a valid name — use "
                        "letters, digits, '.', '_' or '-'"
                    ).format(group=group, id=ident)
                )
            elif not first and group not in allowed:
                close = difflib.get_close_matches(group, sorted(known), n=1)
                hint = _(" (did you mean '{group}'?)").format(group=close[0]) if close else ""
                problems.append(
                    here
                    + _(
                        "group '{group}' of '{id}' is not in the roster"
                        "{hint} — known groups: {known}; to create it, "
                        "declare it as a new group ({group})"
                    ).format(group=group, id=ident, hint=hint, known=", ".join(sorted(known)))
                )
                undeclared = True
        learners.append(
            Learner(
                id=ident,
                first_name=(row.get("first_name") or "").strip(),
                last_name=(row.get("last_name") or "").strip(),
                email=email,
                groups=groups,
                employer=(row.get("employer") or "").strip(),
            )
        )
    if problems:
        head = _("{n} problem(s) in the roster, nothing was changed:").format(n=len(problems))
        error = BadInputError("\n".join([head, *[f"  - {p}" for p in problems]]))
        raise error.about("new_groups") if undeclared else error
    return learners


def read_roster_file(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a roster CSV file with their line numbers (header on line 1, columns
    ``id,first_name,last_name,email,groups``; only ``id`` is required)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInputError(
            _(
                "{path}: file not found — give the path of a CSV file with the columns {columns}"
            ).format(path=path, columns=",".join(COLUMNS))
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(
            _("{path}: cannot be read ({reason}) — save it as UTF-8 CSV").format(
                path=path, reason=exc
            )
        ) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and "id;" in sample else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip() for f in reader.fieldnames or []]
    if "id" not in fields:
        raise BadInputError(
            _(
                "{path}: the first line must be a header with an 'id' column (expected: {columns})"
            ).format(path=path, columns=",".join(COLUMNS))
        )
    unknown = [f for f in fields if f not in COLUMNS]
    if unknown:
        raise BadInputError(
            _("{path}: unknown column(s) {names} — the columns are {columns}").format(
                path=path, names=", ".join(unknown), columns=",".join(COLUMNS)
            )
        )
    reader.fieldnames = fields
    return [(reader.line_num, {k: v or "" for k, v in row.items() if k}) for row in reader]


@contextlib.contextmanager
def _locked(config: ParcoursConfig, course: Course) -> Iterator[Roster]:
    """The roster under an exclusive lock (two teachers' commands never interleave)."""
    path = roster_path(config, course)
    from .records import folder_lock

    with folder_lock(path):  # nothing planted in the folder followed (records.py)
        yield load_roster(config, course)


def _commit(
    config: ParcoursConfig,
    course: Course,
    before: dict[str, Learner],
    after: list[Learner],
    action: str,
    **details: Any,
) -> RosterChange:
    """Write the new roster atomically and append its changes to the history."""
    from ..safefs import append_plain, open_folder, umask
    from .records import actor, now_utc, replace_in

    path = roster_path(config, course)
    new = {learner.id: learner for learner in after}
    change = RosterChange(
        added=[i for i in new if i not in before],
        removed=[i for i in before if i not in new],
        changed=[i for i in new if i in before and new[i] != before[i]],
    )
    stamp = {"by": actor(), "at": now_utc().isoformat()}
    lines = [
        {
            "action": action,
            **stamp,
            **details,
            "added": change.added,
            "removed": change.removed,
            "changed": change.changed,
        }
    ]
    for ident in [*change.added, *change.removed, *change.changed]:
        lines.append(
            {
                "action": "learner",
                **stamp,
                "learner": ident,
                "before": _plain(before.get(ident)),
                "after": _plain(new.get(ident)),
            }
        )
    text = "".join(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n" for entry in lines)
    # in a folder other accounts may write (the hub): no link planted there followed
    append_plain(history_path(config, course), text.encode("utf-8"), 0o666 & ~umask(), sync=True)
    folder = open_folder(path.parent)
    try:
        replace_in(folder, path.name, roster_text(after).encode("utf-8"))
    finally:
        os.close(folder)
    return change


def _plain(learner: Learner | None) -> dict[str, Any] | None:
    return None if learner is None else {**asdict(learner), "groups": list(learner.groups)}


def import_roster(
    config: ParcoursConfig,
    course: Course | str,
    file: Path | str,
    *,
    new_groups: Iterable[str] = (),
) -> RosterChange:
    """Replace the roster of ``course`` with the learners of a CSV file, after validating
    every row (see :func:`validate`); the differences go to the history."""
    course = _course_of(config, course)
    with language(course.language), _locked(config, course) as roster:
        rows = read_roster_file(Path(file))
        learners = validate(rows, roster.groups, new_groups, source=str(file))
        return _commit(config, course, roster.learners, learners, "import", file=str(file))


def add_learner(
    config: ParcoursConfig,
    course: Course | str,
    learner: Learner,
    *,
    new_groups: Iterable[str] = (),
) -> RosterChange:
    """Add ``learner`` to the roster (validated; an id already there is refused)."""
    course = _course_of(config, course)
    with language(course.language), _locked(config, course) as roster:
        if learner.id in roster.learners:
            raise BadInputError(
                _(
                    "learner '{id}' is already in the roster {path} — remove "
                    "them first to change their line"
                ).format(id=learner.id, path=roster.path)
            )
        row = {**asdict(learner), "groups": ";".join(learner.groups)}
        (checked,) = validate(
            [(len(roster.learners) + 2, row)], roster.groups, new_groups, source=str(roster.path)
        )
        learners = [*roster.learners.values(), checked]
        return _commit(config, course, roster.learners, learners, "add", learner=learner.id)


def remove_learner(config: ParcoursConfig, course: Course | str, learner_id: str) -> RosterChange:
    """Remove a learner from the roster (their work and grades stay where they are)."""
    course = _course_of(config, course)
    with language(course.language), _locked(config, course) as roster:
        if learner_id not in roster.learners:
            raise BadInputError(
                _(
                    "learner '{id}' is not in the roster {path} — check the id "
                    "with 'parcours roster {course} list'"
                ).format(id=learner_id, path=roster.path, course=course.id)
            )
        kept = [x for x in roster.learners.values() if x.id != learner_id]
        return _commit(config, course, roster.learners, kept, "remove", learner=learner_id)
