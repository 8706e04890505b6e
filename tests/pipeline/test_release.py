"""Release to everyone or to a group: who sees, fetches and submits what, through
nbgrader's real exchange (and its list, as JupyterLab's assignment list calls it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import BadInputError
from parcours.pipeline.deadlines import learner_deadlines
from parcours.pipeline.exchange import assignment_folder, fetch, submit
from parcours.pipeline.gradebook import nbgrader_course, open_gradebook
from parcours.pipeline.release import release


def _listed(config: ParcoursConfig, course: Course, learner: str, home: Path) -> list[str]:
    """What nbgrader's list (the JupyterLab assignment list's back end) shows a learner."""
    nbc = nbgrader_course(
        config,
        course,
        CourseDirectory__student_id=learner,
        CourseDirectory__root=str(home),
        Exchange__assignment_dir=str(home),
        Exchange__cache=str(home / ".cache"),
    )
    lister = nbc.exchange.List(
        coursedir=nbc.coursedir, authenticator=nbc.authenticator, config=nbc.config
    )
    return sorted(a["assignment_id"] for a in lister.start())


def _get(config: ParcoursConfig, course: Course, aid: str, who: str, homes: Path) -> Path:
    home = homes / who
    return fetch(config, course, aid, learner=who, into=home, cache_dir=home / ".cache")


def test_group_release_is_seen_fetched_and_submitted_by_its_members_only(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    everyone = release(config, course, "devoir-a")
    group = release(config, course, "devoir-b", to=["groupe-a"])
    assert everyone.learners is None
    assert group.learners == ["alice", "chloe"]
    with open_gradebook(config, course) as gb:
        assert sorted(s.id for s in gb.students) == ["alice", "bob", "chloe"]
        assert gb.find_assignment("devoir-a").duedate is not None

    assert _listed(config, course, "alice", homes / "alice") == ["devoir-a", "devoir-b"]
    assert _listed(config, course, "bob", homes / "bob") == ["devoir-a"]

    folder = _get(config, course, "devoir-b", "alice", homes)
    assert (folder / "devoir-b.ipynb").is_file()
    with pytest.raises(BadInputError, match="« devoir-b » ne vous est pas publié"):
        _get(config, course, "devoir-b", "bob", homes)
    assert not assignment_folder(course, "devoir-b", homes / "bob").exists()

    # bob copies alice's folder and tries to submit it anyway: refused
    shutil.copytree(folder, assignment_folder(course, "devoir-b", homes / "bob"))
    from parcours.i18n import language

    with language("en"), pytest.raises(BadInputError, match="cannot be submitted"):
        submit(
            config,
            course,
            "devoir-b",
            learner="bob",
            into=homes / "bob",
            cache_dir=homes / "bob" / ".cache",
        )
    inbound = Path(config.exchange_dir) / course.id / "inbound"
    assert not list(inbound.glob("bob+devoir-b+*"))

    assert [d.assignment for d in learner_deadlines(config, course, "bob")] == ["devoir-a"]
    alice_rows = {d.assignment: d.status for d in learner_deadlines(config, course, "alice")}
    assert alice_rows == {"devoir-a": "open", "devoir-b": "open"}

    # releasing again to bob widens the audience; the student version stays nbgrader's
    widened = release(config, course, "devoir-b", to=["bob"])
    assert widened.learners == ["alice", "bob", "chloe"]
    assert _listed(config, course, "bob", homes / "bob") == ["devoir-a", "devoir-b"]
    record = json.loads((config.course_root(course.id) / "releases.json").read_text())
    assert [h["action"] for h in record["history"]] == ["release", "release", "release"]
    released = json.loads((folder / "devoir-b.ipynb").read_text())
    assert "BEGIN HIDDEN TESTS" not in json.dumps(released)
    assert "return 2 * x" not in json.dumps(released)


def test_fetch_again_restores_missing_files_and_keeps_the_learners_work(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    release(config, course, "devoir-a")
    folder = _get(config, course, "devoir-a", "bob", homes)
    notebook = folder / "devoir-a.ipynb"
    notebook.write_text(notebook.read_text().replace("raise NotImplementedError()", "return 0"))
    mine = notebook.read_bytes()
    (folder / "extra.txt").write_text("mes notes")
    _get(config, course, "devoir-a", "bob", homes)
    assert notebook.read_bytes() == mine
    notebook.unlink()
    _get(config, course, "devoir-a", "bob", homes)
    assert b"NotImplementedError" in notebook.read_bytes()
    assert (folder / "extra.txt").read_text() == "mes notes"


def test_release_before_opening_is_hidden_until_it_opens(
    config: ParcoursConfig, course: Course, homes: Path, now: object
) -> None:
    import datetime as dt

    from parcours.pipeline.records import RELEASES, update_record

    release(config, course, "devoir-a")
    with update_record(config.course_root(course.id) / RELEASES) as data:
        data["entries"]["devoir-a"]["opens"] = (
            dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        ).isoformat()
    assert _listed(config, course, "bob", homes / "bob") == []
    with pytest.raises(BadInputError, match=r"« devoir-a » ouvre le .*; récupérez-le"):
        _get(config, course, "devoir-a", "bob", homes)


def test_jupyterlab_assignment_list_backend_respects_group_release(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    """nbgrader's own JupyterLab assignment-list back end, configured only by the
    project's jupyter_config.py, shows the learner (the OS user, as nbgrader takes it)
    the group release only once the learner is in the audience."""
    import getpass

    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    me = getpass.getuser()
    release(config, course, "devoir-a")
    release(config, course, "devoir-b", to=["groupe-a"])
    home = homes / me
    home.mkdir()
    backend = AssignmentList()
    backend.root_dir = str(home)

    def listed() -> list[str]:
        answer = backend.list_released_assignments(course_id=course.id)
        assert answer["success"], answer
        return sorted(a["assignment_id"] for a in answer["value"])

    assert listed() == ["devoir-a"]
    from parcours.pipeline.roster import Learner, roster_path, write_roster

    write_roster(roster_path(config, course), [Learner(me)])
    release(config, course, "devoir-b", to=[me])
    assert listed() == ["devoir-a", "devoir-b"]


def test_teacher_sees_every_release_in_nbgrader_api(config: ParcoursConfig, course: Course) -> None:
    """formgrader's view (NbGraderAPI on the course root) lists group releases too."""
    from nbgrader.apps import NbGraderAPI

    release(config, course, "devoir-b", to=["groupe-a"])
    nbc = nbgrader_course(config, course)
    api = NbGraderAPI(coursedir=nbc.coursedir, config=nbc.config)
    assert api.get_released_assignments() == {"devoir-b"}
