"""A learner's JupyterLab on the hub, as the spawner's hook leaves it: in a course taught
in French, nbgrader's English-only learner tools (its assignment list, "Validate" button
and "Nbgrader" menu) are left out for the "Mon parcours" panel; a teacher keeps them all;
a file the person changed is never touched."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.hub import workspace
from parcours.hub.workspace import LAB_PAGE_CONFIG, prepare_workspace

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT_LIST = "@jupyter/nbgrader:assignment-list"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home for an account that is this process's own (the hook then writes in-process)."""
    folder = tmp_path / "home"
    folder.mkdir()
    me = pwd.getpwuid(os.geteuid())
    fake = pwd.struct_passwd((me.pw_name, "x", me.pw_uid, me.pw_gid, "", str(folder), ""))
    monkeypatch.setattr(workspace.pwd, "getpwnam", lambda name: fake)
    return folder


def _config(language: str = "fr") -> ParcoursConfig:
    return ParcoursConfig(courses_dir=str(REPO / "courses"), language=language)


def _disabled(home: Path) -> dict[str, bool]:
    return json.loads((home / LAB_PAGE_CONFIG).read_text())["disabledExtensions"]


def test_a_french_learner_gets_the_panel_not_nbgraders_english_tools(home: Path) -> None:
    prepare_workspace(_config(), "apprenante", ["analyse-de-donnees"])
    disabled = _disabled(home)
    assert disabled[ASSIGNMENT_LIST] and disabled["@jupyter/nbgrader:validate-assignment"]
    assert disabled["@jupyter/nbgrader:menu"] and disabled["@jupyter/nbgrader:formgrader"]


def test_an_earlier_parcours_file_is_renewed_her_own_is_kept(home: Path) -> None:
    page = home / LAB_PAGE_CONFIG
    page.parent.mkdir(parents=True)
    earlier = workspace.learner_page_config("en")  # what an earlier version wrote
    page.write_bytes(earlier)
    prepare_workspace(_config(), "apprenante", ["analyse-de-donnees"])
    assert _disabled(home)[ASSIGNMENT_LIST]
    # her own choice (she turned a tool back on by hand): never overwritten
    own = json.dumps({"disabledExtensions": {ASSIGNMENT_LIST: False}}).encode()
    page.write_bytes(own)
    prepare_workspace(_config(), "apprenante", ["analyse-de-donnees"])
    assert page.read_bytes() == own


def test_a_link_in_place_of_the_file_is_not_followed(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_bytes(workspace.learner_page_config("en"))
    page = home / LAB_PAGE_CONFIG
    page.parent.mkdir(parents=True)
    page.symlink_to(target)
    prepare_workspace(_config(), "apprenante", ["analyse-de-donnees"])
    assert target.read_bytes() == workspace.learner_page_config("en")
    assert page.is_symlink()


def test_a_teacher_keeps_nbgraders_tools(home: Path) -> None:
    page = home / LAB_PAGE_CONFIG
    prepare_workspace(_config(), "prof", ["analyse-de-donnees"])  # first a learner
    assert page.is_file()
    prepare_workspace(_config(), "prof", ["analyse-de-donnees"], teaches=True)
    assert not page.exists()  # Parcours' own file taken back: every tool there
