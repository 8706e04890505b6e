"""A one-machine world for the learner's day in JupyterLab: a course with a lesson holding
every quiz type and an assignment already due (released, with a late penalty), the
project's jupyter_config.py, the learner's home folder with the lesson notebook, and a
real JupyterLab server (``LabServer``) with Parcours' server extension and panel."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from ..pipeline.conftest import FIXTURE, copy_course

COURSE = "mini-cours"
LEARNER = "alice"
SALT = "sel-du-jour"
TOKEN = "jeton-de-test"

BANK = """\
schema_version: 1
lesson: l01
questions:
  - id: l01-q1
    attempts: 3
    type: single
    prompt: "Que vaut `ventes.shape` pour 7 lignes et 4 colonnes ?"
    options:
      - "`(4, 7)` : 4 lignes, 7 colonnes"
      - "`(7, 4)` : 7 lignes (les ventes) et 4 colonnes (date, produit, quantité, prix) — un
        texte assez long pour passer à la ligne dans une colonne de 250 px"
      - "`28`"
    answer: 1
    hints: ["Les lignes d'abord."]
    explanation: "`shape` donne (lignes, colonnes)."
  - id: l01-q2
    attempts: 3
    type: multiple
    prompt: "Lesquelles sont des méthodes de DataFrame ?"
    options: ["`head()`", "`shape`", "`describe()`"]
    answer: [0, 2]
  - id: l01-q3
    attempts: 3
    type: numeric
    prompt: "Prix moyen (en euros) de 10 € et 15 € ?"
    answer: 12.5
    tolerance: 0.01
    unit: "€"
  - id: l01-q4
    attempts: 3
    type: text
    prompt: "Comment s'appelle la structure à deux dimensions de pandas ?"
    answer: ["DataFrame", "data frame"]
  - id: l01-q5
    attempts: 3
    type: ordering
    prompt: "Remettez les étapes dans l'ordre."
    options: ["nettoyer", "lire", "analyser"]
    answer: ["lire", "nettoyer", "analyser"]
  - id: l01-q6
    attempts: 3
    type: code
    prompt: "Écrivez une fonction `moyenne(s)` qui renvoie la moyenne d'une liste."
    target: moyenne
    check: |
      def check(moyenne):
          assert moyenne([1, 2, 3]) == 2, "La moyenne de 1, 2 et 3 vaut 2."
"""

#: the lesson's cells: (source, input hidden) — the learner sees the widgets, and the one
#: cell where they write code
LESSON_CELLS = [
    ('from parcours_lab import lesson\nL = lesson.start("mini-cours", "l01")', True),
    ('L.quiz("l01-q1")', True),
    ('L.quiz("l01-q2")', True),
    ('L.quiz("l01-q3")', True),
    ('L.quiz("l01-q4")', True),
    ('L.quiz("l01-q5")', True),
    ("def moyenne(s):\n    return 0", False),
    ('L.quiz("l01-q6")', True),
    ('L.section("quiz")', True),
    ("L.reflection()", True),
]


@dataclass
class World:
    root: Path
    courses: Path
    data: Path
    home: Path
    config: object  # ParcoursConfig

    @property
    def course_folder(self) -> Path:
        return self.courses / COURSE

    def course(self):  # -> Course
        from parcours.course import load_course

        return load_course(self.course_folder)

    def actor(self) -> str:
        from parcours.store.ids import pseudonymize

        return pseudonymize(LEARNER, SALT)

    def events(self) -> list:
        from parcours.store import open_store

        with open_store(f"sqlite:///{self.data / 'events.sqlite'}") as store:
            return list(store.read(actor=self.actor()))


def write_world(base: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """The course (devoir-a due five days ago, released), the roster, the configuration
    and the learner's home with the lesson notebook."""
    from parcours.config import load_config
    from parcours.pipeline.release import release
    from parcours.pipeline.roster import Learner, roster_path, write_roster
    from parcours.project import activate_project

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    root, data, home = base / "projet", base / "data", base / "home"
    courses = root / "courses"
    dates = {
        "devoir-a": (now - dt.timedelta(days=12), now - dt.timedelta(days=5)),
        "devoir-b": (now + dt.timedelta(days=30), now + dt.timedelta(days=40)),
    }
    folder = copy_course(FIXTURE, courses / COURSE, dates)
    (folder / "quizzes").mkdir(exist_ok=True)
    (folder / "quizzes" / "l01.yaml").write_text(BANK, encoding="utf-8")
    (root / "jupyter_config.py").write_text(
        textwrap.dedent(
            f"""\
            c = get_config()  # noqa
            c.ParcoursConfig.data_dir = {str(data)!r}
            c.ParcoursConfig.courses_dir = {str(courses)!r}
            c.ParcoursConfig.learner = {LEARNER!r}
            c.ParcoursConfig.pseudonym_salt = {SALT!r}
            c.ParcoursConfig.language = "fr"
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("PARCOURS_ROOT", str(root))
    monkeypatch.delenv("PARCOURS_DATA_DIR", raising=False)
    monkeypatch.setenv("PARCOURS_SPOOL_DIR", str(base / "spool"))
    monkeypatch.delenv("PARCOURS_EVENTS", raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "")
    activate_project(root)
    config = load_config(root)
    world = World(root, courses, data, home, config)
    course = world.course()
    write_roster(roster_path(config, course), [Learner(LEARNER, "Alice", "Martin", "", ())])
    release(config, course, "devoir-a")
    lessons = home / COURSE / "lessons"
    lessons.mkdir(parents=True)
    shutil.copyfile(folder / "course.toml", home / COURSE / "course.toml")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Leçon 1 : lire un tableau")]
    for source, hidden in LESSON_CELLS:
        cell = nbformat.v4.new_code_cell(source)
        if hidden:
            cell.metadata["jupyter"] = {"source_hidden": True}
        nb.cells.append(cell)
    nbformat.write(nb, lessons / "01.ipynb")
    return world


class LabServer:
    """JupyterLab on a free loopback port, the learner's home as its root."""

    def __init__(self, world: World, log: Path):
        from parcours.servers import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = open(log, "wb")  # noqa: SIM115 (closed in stop)
        self.log_path = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             f"--port={self.port}", "--ServerApp.ip=127.0.0.1",
             f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={world.home}",
             "--LabApp.news_url=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=world.home, env=dict(os.environ), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"{self.url}api/status?token={TOKEN}", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)  # the server is starting: poll with a bounded deadline
        raise AssertionError(f"JupyterLab did not start: {log.read_text(errors='replace')}")

    def kernel_idle(self) -> bool:
        """A kernel is running and idle (the lesson's, started when it was opened)."""
        import json

        try:
            with urllib.request.urlopen(f"{self.url}api/kernels?token={TOKEN}", timeout=5) as r:
                kernels = json.loads(r.read())
        except (urllib.error.URLError, TimeoutError):  # a kernel starting on a busy machine
            return False
        return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
