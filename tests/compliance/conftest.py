"""A hand-built class for the compliance tests, every figure worked out by hand.

Course ``c1`` (French, Europe/Paris): module m1 = lessons L1 (20 min), L2 (30 min) and
assignment A1 (60 min, 10 points, due 2026-09-13 22:00 UTC); module m2 = lesson L3
(10 min). Estimated total: 120 min.

Learners (roster): alice (Alice Martin, employer Boulangerie Dupain), bob (Bob Durand).

alice's events (UTC):
- 09-08 10:00 opened L1; 10:05 answered q1 right first time (30 s); 10:10 completed L1;
  10:11 reflected on L1 → session 1: 10:00 → 10:11, 11 min;
- 09-09 14:00 opened L2; 14:20 answered q2 wrong (60 s) → session 2: 14:00 → 14:21, 21 min;
- 09-20 09:00 rated the course 4/5 → session 3: 0 s.
Time on task 32 min. A1 received 09-12 10:00, 8/10 (4 cells of 2 points right,
1 wrong), feedback produced
09-14 10:00 (delay 2 days). Work completed (estimated): L1 20 + A1 60 = 80 min.

bob: opened L1 on 09-10 08:00, nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig, load_config
from parcours.course import Course, load_course
from parcours.pipeline.roster import Learner, roster_path, write_roster
from parcours.store import Event, open_store, pseudonymize

REPO = Path(__file__).resolve().parents[2]
UTC = dt.UTC

COURSE_TOML = """schema_version = 1
id = "c1"
title = "Tableurs et données"
language = "fr"
timezone = "Europe/Paris"
starts = 2026-09-07
public = "Salariés"
prerequisites = ["Savoir lire un tableau"]
accessibility = "Référente handicap : Claire"

[[skills]]
id = "s1"
label = "Lire des données"

[[skills]]
id = "s2"
label = "Conclure"

[[modules]]
id = "m1"
title = "Premiers pas"
[[modules.lessons]]
id = "L1"
title = "Leçon un"
notebook = "l1.ipynb"
objectives = ["Ouvrir un tableau"]
skills = ["s1"]
minutes = 20
[[modules.lessons]]
id = "L2"
title = "Leçon deux"
notebook = "l2.ipynb"
objectives = ["Filtrer des lignes"]
skills = ["s2"]
minutes = 30

[[modules]]
id = "m2"
title = "Suite"
[[modules.lessons]]
id = "L3"
title = "Leçon trois"
notebook = "l3.ipynb"
objectives = ["Conclure"]
skills = ["s2"]
minutes = 10

[[assignments]]
id = "A1"
title = "Devoir un"
source = "source/A1"
module = "m1"
opens = 2026-09-07T08:00:00Z
due = 2026-09-13T22:00:00Z
points = 10
skills = ["s1"]
minutes = 60
"""


def write_course(folder: Path) -> Path:
    """The course folder: its manifest, empty lesson notebooks, A1's source."""
    folder.mkdir(parents=True)
    (folder / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    empty = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    for name in ("l1", "l2", "l3"):
        (folder / f"{name}.ipynb").write_text(empty, encoding="utf-8")
    (folder / "source" / "A1").mkdir(parents=True)
    (folder / "source" / "A1" / "devoir.ipynb").write_text(empty, encoding="utf-8")
    return folder


@dataclass
class World:
    """The hand-built class: its configuration, course and folders."""

    config: ParcoursConfig
    course: Course
    courses_dir: Path
    config_dir: Path

    def configure(self, extra: str = "") -> ParcoursConfig:
        """Rewrite the user's jupyter_config.py with ``extra`` lines; the new configuration."""
        (self.config_dir / "jupyter_config.py").write_text(
            f"c.ParcoursConfig.courses_dir = {str(self.courses_dir)!r}\n"
            "c.ParcoursConfig.organisation_name = 'Formations Parcours SARL'\n"
            "c.ParcoursConfig.organisation_siret = '123 456 789 00012'\n"
            "c.ParcoursConfig.organisation_address = '1 rue des Écoles, 31000 Toulouse'\n"
            "c.ParcoursConfig.organisation_signatory = 'Claire Moreau, directrice'\n"
            "c.ParcoursConfig.organisation_city = 'Toulouse'\n" + extra,
            encoding="utf-8",
        )
        self.config = load_config(REPO)
        return self.config


def event(who: str, salt: str, at: str, verb: str, otype: str, oid: str, lesson: str, **kw):
    return Event.make(
        actor=pseudonymize(who, salt),
        verb=verb,
        course="c1",
        object_type=otype,
        object_id=oid,
        lesson=lesson,
        timestamp=f"2026-{at}:00+00:00",
        **kw,
    )


def write_events(config: ParcoursConfig) -> None:
    salt = config.pseudonym_salt
    events = [
        event("alice", salt, "09-08T10:00", "opened", "lesson", "L1", "L1"),
        event("alice", salt, "09-08T10:05", "answered", "question", "q1", "L1",
              score=1.0, success=True, attempt=1, duration_s=30.0, response="a"),
        event("alice", salt, "09-08T10:10", "completed", "lesson", "L1", "L1"),
        event("alice", salt, "09-08T10:11", "reflected", "lesson", "L1", "L1",
              extra={"minutes": 25, "difficulty": "facile"}),
        event("alice", salt, "09-09T14:00", "opened", "lesson", "L2", "L2"),
        event("alice", salt, "09-09T14:20", "answered", "question", "q2", "L2",
              score=0.0, success=False, attempt=1, duration_s=60.0, response="b"),
        event("alice", salt, "09-20T09:00", "rated", "module", "m1", "",
              score=0.8, extra={"rating": 4}),
        event("bob", salt, "09-10T08:00", "opened", "lesson", "L1", "L1"),
    ]  # fmt: skip
    with open_store(config.events_url) as store:
        store.record_many(events)


@pytest.fixture(scope="session")
def gradebook_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice's A1 in an nbgrader gradebook (made once: nbgrader's schema is slow to
    create): 5 cells of 2 points, all right but one → 8/10, received 09-12 10:00 UTC."""
    import sqlite3

    import pandas as pd
    from parcours.cohort.store import write_gradebook as fill

    folder = tmp_path_factory.mktemp("gradebook")
    write_course(folder / "c1")
    course = load_course(folder / "c1")
    plans = pd.DataFrame(
        {"student_id": ["alice"], "assignment": ["A1"], "fraction_correct": [1.0],
         "submit_at": [pd.Timestamp("2026-09-12T10:00:00Z")]}
    )  # fmt: skip
    path = folder / "gradebook.db"
    fill(path, course, plans, students=["alice", "bob"], cells_per_assignment=5)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE grade SET auto_score = 0 WHERE id = (SELECT MIN(id) FROM grade)")
    return path


def write_gradebook(config: ParcoursConfig, template: Path) -> None:
    import shutil

    root = config.course_root("c1")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, root / "gradebook.db")
    received = {"schema_version": 1, "entries": {
        "A1": {"alice": {"received": "2026-09-12T10:00:00+00:00"}}}}  # fmt: skip
    (root / "submissions.json").write_text(json.dumps(received), encoding="utf-8")
    feedback = root / "feedback" / "alice" / "A1"
    feedback.mkdir(parents=True)
    page = feedback / "devoir.html"
    page.write_text("<html>feedback</html>", encoding="utf-8")
    stamp = dt.datetime(2026, 9, 14, 10, 0, tzinfo=UTC).timestamp()
    os.utime(page, (stamp, stamp))


@pytest.fixture
def world(tmp_path: Path, isolated_jupyter: Path, gradebook_file: Path) -> World:
    """The hand-built class in real stores (events, gradebook, roster) under tmp."""
    courses_dir = tmp_path / "courses"
    write_course(courses_dir / "c1")
    w = World(
        config=load_config(REPO),
        course=load_course(courses_dir / "c1"),
        courses_dir=courses_dir,
        config_dir=isolated_jupyter / "config",
    )
    w.configure()
    write_roster(
        roster_path(w.config, w.course),
        [
            Learner("alice", "Alice", "Martin", "alice@example.org", ("g1",),
                    employer="Boulangerie Dupain"),
            Learner("bob", "Bob", "Durand", "bob@example.org", ("g1",)),
        ],
    )  # fmt: skip
    write_events(w.config)
    write_gradebook(w.config, gradebook_file)
    return w


def pdf_text(path: Path) -> str:
    """The text of a PDF, read by poppler's pdftotext."""
    import subprocess

    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout
