"""The class as the hub's services see it: the courses and who learns or teaches them,
from the manifests and rosters, read again only when one of them changed (every request
needs them; a deadline brings hundreds a second). The one roster cache of the Parcours
service and the dashboards. A course folder the service's account cannot read is said in
the log, not passed over in silence (its learners would get 404).

Its stamp also covers the mark :func:`mark_synced` leaves once the hub's users and groups
follow the rosters (``parcours accounts sync``, run by every roster change on a hub
machine): a service keeping the hub's answers about tokens drops them when the stamp
moves (:attr:`Class.version`), so a learner taken out of a course is refused at once."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("parcours.service")

#: in the data folder: written after the hub's users and groups were synced
SYNCED = "hub-synced"


def mark_synced(config: Any) -> None:
    """Say that the hub's users and groups now follow the rosters (services reading
    :data:`CLASS` see its stamp move)."""
    path = Path(config.data_dir) / SYNCED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o644)
    os.utime(path)


class Class:
    """The courses and who learns or teaches them, read again only when a manifest or a
    roster changed (every request needs them; a deadline brings hundreds a second)."""

    def __init__(self) -> None:
        self.stamp: tuple[tuple[str, int], ...] | None = None
        self.value: tuple[Any, dict[str, Any]] = (None, {})
        #: each course's learners (names), from the same reading
        self.learners: dict[str, set[str]] = {}
        #: bumped at each new reading: whoever keeps answers derived from the class
        #: (the hub's answers about tokens) drops them when it moves
        self.version = 0
        self.lock = threading.Lock()

    @staticmethod
    def _stamp(config: Any) -> tuple[tuple[str, int], ...]:
        files = sorted(Path(config.courses_dir).glob("*/course.toml"))
        files += sorted(Path(config.data_dir, "courses").glob("*/roster.csv"))
        synced = Path(config.data_dir, SYNCED)
        files += [synced] if synced.exists() else []
        unseen = [f"{p}:unreadable" for p in unreadable_courses(config)]
        return tuple([(str(p), _mtime(p)) for p in files] + [(u, 0) for u in unseen])

    def now(self, config: Any) -> tuple[Any, dict[str, Any]]:
        """(people, courses by id) as the files say now."""
        from ..course.load import list_courses
        from .people import read_people

        stamp = self._stamp(config)
        with self.lock:
            if stamp != self.stamp:
                for folder in unreadable_courses(config):
                    log.error(
                        "%s: this account (%s) cannot read the course's folder or its "
                        "course.toml: the course is left out (its learners get 404). Give "
                        "the folder to the service's group — the hub does when it starts "
                        "(parcours accounts sync) — or open it: chmod -R g+rX,o+X",
                        folder,
                        _account(),
                    )
                people = read_people(config)
                learners: dict[str, set[str]] = {c: set() for c in people.courses}
                for person in people.by_name.values():
                    for course in person.learns:
                        learners[course].add(person.name)
                # whole values replaced at once: other threads read them meanwhile
                self.value = (people, {c.id: c for c in list_courses(config.courses_dir)})
                self.learners = learners
                self.stamp = stamp
                self.version += 1
            return self.value

    def learners_by_course(self, config: Any) -> dict[str, set[str]]:
        """Each course's learners as the files say now."""
        self.now(config)
        return self.learners


CLASS = Class()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:  # removed between the glob and now: read again next time
        return -1


def _account() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def unreadable_courses(config: Any) -> list[Path]:
    """Course folders of ``courses_dir`` whose ``course.toml`` this process cannot read: a
    glob passes over them in silence, and every learner of theirs would get 404."""
    found = []
    try:
        entries = list(os.scandir(config.courses_dir))
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        folder = Path(entry.path)
        manifest = folder / "course.toml"
        if not os.access(folder, os.R_OK | os.X_OK) or (
            os.path.lexists(manifest) and not os.access(manifest, os.R_OK)
        ):
            found.append(folder)
    return sorted(found)
