"""The class as the Parcours service sees it: the courses and who learns or teaches them,
from the manifests and rosters, read again only when one of them changed (every request
needs them; a deadline brings hundreds a second). A course folder the service's account
cannot read is said in the log, not passed over in silence (its learners would get 404)."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("parcours.service")


class Class:
    """The courses and who learns or teaches them, read again only when a manifest or a
    roster changed (every request needs them; a deadline brings hundreds a second)."""

    def __init__(self) -> None:
        self.stamp: tuple[tuple[str, int], ...] | None = None
        self.value: tuple[Any, dict[str, Any]] = (None, {})
        self.lock = threading.Lock()

    @staticmethod
    def _stamp(config: Any) -> tuple[tuple[str, int], ...]:
        files = sorted(Path(config.courses_dir).glob("*/course.toml"))
        files += sorted(Path(config.data_dir, "courses").glob("*/roster.csv"))
        unseen = [f"{p}:unreadable" for p in unreadable_courses(config)]
        return tuple([(str(p), p.stat().st_mtime_ns) for p in files] + [(u, 0) for u in unseen])

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
                self.value = (
                    read_people(config),
                    {c.id: c for c in list_courses(config.courses_dir)},
                )
                self.stamp = stamp
            return self.value


CLASS = Class()


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
