"""A class of two courses in real stores: the demo course (French, Europe/Paris) and an
English copy of it in another time zone (America/Cayenne), with learners enrolled in both.

Built by :func:`write_two_courses` into a folder of its own (courses, data, Jupyter
folders); the fixtures ``two_courses`` (tests/conftest.py) and the dashboards' browser
fixtures use it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.sessionenv import REPO, session_env

FRENCH = "analyse-de-donnees"
ENGLISH = "data-basics"
#: learners of each course; the first ENGLISH_LEARNERS ids are enrolled in both
FRENCH_LEARNERS = 12
ENGLISH_LEARNERS = 8


@dataclass(frozen=True)
class TwoCourses:
    """Where the two-course class lives and what it holds."""

    base: Path
    courses_dir: Path
    data_dir: Path
    config_dir: Path
    #: the moment the class is looked at (ISO, UTC)
    now: str
    #: student ids per course
    students: dict[str, list[str]]

    def env(self) -> dict[str, str]:
        """The environment a process needs to see this class."""
        return session_env(self.base)


def english_copy(target: Path) -> Path:
    """The demo course copied to ``target/data-basics`` as an English course in
    America/Cayenne (its manifest edited; lessons, quizzes and sources kept)."""
    folder = target / ENGLISH
    shutil.copytree(REPO / "courses" / FRENCH, folder)
    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    for old, new in (
        (f'id = "{FRENCH}"', f'id = "{ENGLISH}"'),
        ('title = "Analyse de données avec pandas"', 'title = "Data basics"'),
        ('language = "fr"', 'language = "en"'),
        ('timezone = "Europe/Paris"', 'timezone = "America/Cayenne"'),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    manifest.write_text(text, encoding="utf-8")
    return folder


def retarget(folder: Path, *, course_id: str, language: str, timezone: str) -> Path:
    """Make the course in ``folder`` another course: its manifest's id, language and time
    zone replaced (the first of each; lessons, sources and dates kept)."""
    import re

    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    for key, value in (("id", course_id), ("language", language), ("timezone", timezone)):
        text, n = re.subn(
            rf'^{key} = "[^"]*"$', f'{key} = "{value}"', text, count=1, flags=re.MULTILINE
        )
        assert n == 1, key
    manifest.write_text(text, encoding="utf-8")
    return folder


def write_two_courses(base: Path) -> TwoCourses:
    """Write the two-course class under ``base``. The process environment must already
    point at ``base`` (see :func:`session_env`)."""
    from parcours.config import load_config
    from parcours.course import load_course
    from parcours.dashboards.sample import write_sample_class

    courses_dir = base / "courses"
    courses_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "courses" / FRENCH, courses_dir / FRENCH)
    english_copy(courses_dir)
    (base / "config" / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.courses_dir = {str(courses_dir)!r}\n", encoding="utf-8"
    )
    config = load_config(REPO)
    assert Path(config.courses_dir) == courses_dir
    nows = []
    students = {}
    for cid, n, seed in ((FRENCH, FRENCH_LEARNERS, 11), (ENGLISH, ENGLISH_LEARNERS, 12)):
        course = load_course(courses_dir / cid)
        sample = write_sample_class(config, course, n, seed=seed, weeks=5)
        nows.append(sample.now)
        students[cid] = list(sample.cohort.learners["student_id"])
    now = max(nows).isoformat()
    (base / "config" / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.courses_dir = {str(courses_dir)!r}\n"
        f"c.ParcoursConfig.dashboard_now = {now!r}\n"
        "c.ParcoursConfig.dashboard_teachers = ['prof-martin']\n"
        f"c.ParcoursConfig.learner = {students[ENGLISH][0]!r}\n",
        encoding="utf-8",
    )
    return TwoCourses(base, courses_dir, Path(config.data_dir), base / "config", now, students)
