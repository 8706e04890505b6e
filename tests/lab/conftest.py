"""Fixtures for the learner-side widgets: a small project (course + quiz bank) in tmp, and
a real IPython kernel started in the course's lessons folder."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

COURSE = "cours-test"
SALT = "sel-de-test"
LEARNER = "alice"

COURSE_TOML = """\
schema_version = 1
id = "cours-test"
title = "Cours de test"
language = "fr"
timezone = "Europe/Paris"

[[skills]]
id = "lire"
label = "Lire"

[workload]
hours_per_day = 1.0

[[modules]]
id = "m1"
title = "Module 1"
[[modules.lessons]]
id = "l01"
title = "Leçon 1"
notebook = "lessons/l01.ipynb"
objectives = ["Lire"]
skills = ["lire"]
minutes = 10
[[modules.lessons]]
id = "l02"
title = "Leçon 2"
notebook = "lessons/l02.ipynb"
objectives = ["Lire"]
minutes = 10
"""

BANK = """\
schema_version: 1
lesson: l01
questions:
  - id: l01-q1
    type: single
    prompt: "Quel objet pandas représente une colonne ?"
    options: ["DataFrame", "Series", "Index"]
    answer: 1
    explanation: "Une colonne d'un DataFrame est une **Series**."
    hints: ["Pensez à df['col']", "Ce n'est pas un tableau à deux dimensions."]
    attempts: 2
    skills: [lire]
  - id: l01-q2
    type: multiple
    prompt: "Lesquelles sont des méthodes de DataFrame ?"
    options: ["head", "shape", "describe", "lenght"]
    answer: [0, 2]
    explanation: "head() et describe() sont des méthodes ; shape est un attribut."
  - id: l01-q3
    type: numeric
    prompt: "Prix moyen (en euros) ?"
    answer: 12.5
    tolerance: 0.01
    unit: "€"
    explanation: "(10 + 15) / 2 = 12,5 €"
    attempts: 3
  - id: l01-q4
    type: text
    prompt: "Comment s'appelle la structure à deux dimensions de pandas ?"
    answer: ["DataFrame", "data frame"]
    explanation: "Un DataFrame."
  - id: l01-q5
    type: ordering
    prompt: "Remettez les étapes dans l'ordre."
    options: ["nettoyer", "lire", "analyser"]
    answer: ["lire", "nettoyer", "analyser"]
    explanation: "On lit, on nettoie, puis on analyse."
  - id: l01-q6
    type: code
    prompt: "Écrivez une fonction `moyenne(s)` qui renvoie la moyenne d'une Series."
    target: moyenne
    check: |
      def check(moyenne):
          assert moyenne([1, 2, 3]) == 2, "La moyenne de 1, 2 et 3 vaut 2."
    explanation: "sum(s) / len(s), ou s.mean()."
"""


@dataclass
class Project:
    """A throw-away Parcours project: root, course folder, data dir and store path."""

    root: Path
    course: Path
    data: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        return self.data / "events.sqlite"

    @property
    def lessons(self) -> Path:
        return self.course / "lessons"

    def store(self):  # -> EventStore
        from parcours.store import open_store

        return open_store(f"sqlite:///{self.store_path}")

    def actor(self) -> str:
        from parcours.store.ids import pseudonymize

        return pseudonymize(LEARNER, SALT)


def write_project(root: Path, *, bank: str = BANK, events_url: str = "") -> Project:
    course = root / "courses" / COURSE
    (course / "lessons").mkdir(parents=True)
    (course / "quizzes").mkdir()
    (course / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    (course / "quizzes" / "l01.yaml").write_text(bank, encoding="utf-8")
    data = root / "data"
    config = textwrap.dedent(
        f"""\
        c = get_config()  # noqa
        c.ParcoursConfig.data_dir = {str(data)!r}
        c.ParcoursConfig.courses_dir = {str(root / "courses")!r}
        c.ParcoursConfig.learner = {LEARNER!r}
        c.ParcoursConfig.pseudonym_salt = {SALT!r}
        c.ParcoursConfig.language = "fr"
        c.VoilaConfiguration.extension_denylist = ["nbgrader"]
        """
    )
    if events_url:
        config += f"c.ParcoursConfig.events_url = {events_url!r}\n"
    (root / "jupyter_config.py").write_text(config, encoding="utf-8")
    return Project(root=root, course=course, data=data)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project with course 'cours-test' (lessons l01, l02; bank l01 with every type)."""
    proj = write_project(tmp_path / "projet")
    monkeypatch.setenv("PARCOURS_ROOT", str(proj.root))
    monkeypatch.setenv("PARCOURS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.delenv("PARCOURS_EVENTS", raising=False)
    return proj


class Kernel:
    """A real IPython kernel; ``run`` executes code and returns its stdout (raising with
    the kernel's traceback on error)."""

    def __init__(self, cwd: Path):
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env=dict(os.environ))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, *, timeout: float = 60) -> str:
        out: list[str] = []
        errors: list[str] = []

        def hook(msg: dict) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")

        self.kc.execute_interactive(textwrap.dedent(code), output_hook=hook, timeout=timeout)
        if errors:
            raise KernelError("\n".join(errors))
        return "".join(out)

    def value(self, expression: str) -> object:
        """A JSON-able expression evaluated in the kernel."""
        text = self.run(f"import json as _j; print(_j.dumps({expression}))")
        return json.loads(text.strip().splitlines()[-1])

    def stop(self, *, graceful: bool = False) -> None:
        """Shut the kernel down (``graceful``: by a shutdown request, so its exit
        handlers run, as when a learner closes the notebook). Idempotent."""
        if not self.km.has_kernel:
            return
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=not graceful)


class KernelError(AssertionError):
    """Code run in the test kernel raised."""


@pytest.fixture
def kernel(project: Project) -> Iterator[Kernel]:
    """A kernel started in the course's lessons folder with the project's environment."""
    k = Kernel(project.lessons)
    try:
        yield k
    finally:
        k.stop()
