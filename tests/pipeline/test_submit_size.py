"""A submission folder over nbgrader's 100 MB limit, which nbgrader refuses whole
("Directory size is too big"), is sent without its largest files: the notebook reaches
the teacher, the learner is told what was left out, the size and the limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import ExitStatus
from parcours.pipeline.collect import collect
from parcours.pipeline.exchange import assignment_folder, fetch
from parcours.pipeline.release import release
from parcours.pipeline.submitsize import LEFT_OUT_FILE, weigh_submission

MB = 1_000_000


def sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no room on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


def test_oversized_folder_is_submitted_without_its_largest_files(
    config: ParcoursConfig, course: Course, homes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release(config, course, "devoir-a")
    home = homes / "alice"
    fetch(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")
    folder = assignment_folder(course, "devoir-a", home)
    sparse(folder / "donnees" / "capture.mp4", 150 * MB)
    (folder / "notes.txt").write_text("mes notes", encoding="utf-8")
    argv = ["submit", str(course.folder), "devoir-a", "--learner", "alice", "--into", str(home)]
    status = main([*argv, "--lang", "en"])
    out, err = capsys.readouterr()
    assert status == ExitStatus.PROBLEMS, (out, err)
    assert "Submitted:" in out
    assert "your folder weighs 150 MB, over the limit of 100 MB" in out
    assert "left out: donnees/capture.mp4 (150 MB)" in out

    collect(config, course, "devoir-a")
    submitted = config.course_root(course.id) / "submitted" / "alice" / "devoir-a"
    assert (submitted / "devoir-a.ipynb").is_file() and (submitted / "notes.txt").is_file()
    assert not (submitted / "donnees" / "capture.mp4").exists()
    record = json.loads((submitted / LEFT_OUT_FILE).read_text())
    assert record["limit"] == 100 * MB
    assert record["left_out"] == [{"file": "donnees/capture.mp4", "bytes": 150 * MB}]


def test_files_under_the_per_file_limit_are_left_out_largest_first(tmp_path: Path) -> None:
    (tmp_path / "devoir.ipynb").write_text("{}", encoding="utf-8")
    sparse(tmp_path / "a.csv", 60 * MB)
    sparse(tmp_path / "b.csv", 45 * MB)
    sparse(tmp_path / "c.csv", 1 * MB)
    sparse(tmp_path / ".ipynb_checkpoints" / "devoir-checkpoint.ipynb", 200 * MB)
    weighed = weigh_submission(tmp_path, 100 * MB, 100 * MB, exclude=[".ipynb_checkpoints"])
    assert weighed.left_out == (("a.csv", 60 * MB),)
    assert weighed.size == 46 * MB + 2 and weighed.total == 106 * MB + 2  # checkpoints ignored
    # notebooks are never left out: too big alone, the submission is refused
    sparse(tmp_path / "enorme.ipynb", 120 * MB)
    alone = weigh_submission(tmp_path, 100 * MB, 200 * MB)
    assert sorted(name for name, _ in alone.left_out) == ["a.csv", "b.csv", "c.csv"]
    assert alone.size > alone.limit
