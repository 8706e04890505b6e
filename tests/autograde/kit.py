"""Build a small nbgrader course for autograde tests: real ``nbgrader generate_assignment``
(gradebook + release version), then learners' submissions made from the release version."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
ASSIGNMENT = "devoir-test"
COURSE = "cours-test"

#: answers by solution cell: right, partly right, wrong
RIGHT = {
    "q1": "def moyenne(s):\n    return s.mean()",
    "q2": "def total(df):\n    return df['montant'].sum()",
    "q3": "def pairs(n):\n    return [2 * i for i in range(n)]",
    "q4": "Elle regroupe les lignes par valeur d'une colonne.",
}
PARTIAL = {
    "q1": "def moyenne(s):\n    return s.mean()",
    "q2": "def total(df):\n    return 0",
    "q3": "def pairs(n):\n    return [0, 2, 5, 7][:n]",
}


@dataclass
class Course:
    root: Path  # nbgrader course root (<data_dir>/courses/<id>)
    release: Path  # the release version of the notebook

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def submit(
        self,
        learner: str,
        content: bytes | dict,
        name: str = "devoir",
        timestamp: str | None = "2026-11-20 10:00:00.000000 UTC",
    ) -> Path:
        """Put a submission in submitted/<learner>/<assignment>/; return the notebook path."""
        folder = self.root / "submitted" / learner / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.ipynb"
        if isinstance(content, dict):
            content = json.dumps(content, indent=1).encode()
        path.write_bytes(content)
        if timestamp:
            (folder / "timestamp.txt").write_text(timestamp)
        return path


def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real nbgrader app, its Jupyter folders kept under ``cwd``."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    for name in ("config", "data", "runtime"):
        (cwd / f".jupyter-{name}").mkdir(exist_ok=True)
        env[f"JUPYTER_{name.upper()}_DIR"] = str(cwd / f".jupyter-{name}")
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(bindir / "nbgrader"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )


SOURCE = FIXTURES / "cours-test" / "source" / ASSIGNMENT


def make_course(data_dir: Path, source: Path = SOURCE) -> Course:
    root = data_dir / "courses" / COURSE
    (root / "source").mkdir(parents=True)
    shutil.copytree(source, root / "source" / ASSIGNMENT)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'\n"
        "c.ExecutePreprocessor.timeout = 30\n"
    )
    done = nbgrader("generate_assignment", ASSIGNMENT, "--create", "--force", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    release = next((root / "release" / ASSIGNMENT).glob("*.ipynb"))
    return Course(root, release)


def answered(release: Path, answers: dict[str, str]) -> dict:
    """The release notebook with some solution cells answered."""
    nb = json.loads(release.read_text())
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return nb


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def gradebook_rows(db_url: str, assignment: str = ASSIGNMENT) -> dict[tuple[str, str, str], tuple]:
    """(learner, notebook, cell) -> (auto_score, needs_manual_grade, score) from a gradebook."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(db_url) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            for nb in submission.notebooks:
                for grade in nb.grades:
                    rows[(submission.student.id, nb.name, grade.cell.name)] = (
                        grade.auto_score,
                        grade.needs_manual_grade,
                        grade.score,
                    )
    return rows
