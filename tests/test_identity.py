"""One place says who is asking in a person's own processes (``parcours.identity``);
services take it from the hub's token (tests/hub/test_hub_access.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from parcours.identity import os_login, person

REPO = Path(__file__).resolve().parents[1]
FOLDERS = (REPO / "grading" / "parcours", REPO / "extensions" / "parcours_lab")


def test_the_hub_user_then_the_configured_learner_then_the_login() -> None:
    hub = {"JUPYTERHUB_USER": "alice", "LOGNAME": "root"}
    assert person("bob", hub) == "alice"  # her server on the hub: the hub's user
    assert person("bob", {"LOGNAME": "root"}) == "bob"  # one machine, one learner
    assert person("", {"LOGNAME": "carole"}) == "carole" == os_login({"LOGNAME": "carole"})
    assert person("", {}) == ""  # a given environment alone: nothing guessed


def test_no_other_module_decides_who_is_asking() -> None:
    """Reading ``JUPYTERHUB_USER`` or the OS login anywhere else is a second answer to
    "who is this?" (six functions did, each with its own fallbacks)."""
    found = []
    for folder in FOLDERS:
        for path in folder.rglob("*.py"):
            if path == FOLDERS[0] / "identity.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = getattr(node, "attr", getattr(node, "id", ""))
                if (isinstance(node, ast.Constant) and node.value == "JUPYTERHUB_USER") or (
                    name in ("getuser", "get_username")
                ):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == [], found
