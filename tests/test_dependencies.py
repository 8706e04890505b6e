"""pyproject.toml bounds the libraries whose internals Parcours uses, uv.lock pins them,
and this environment runs what is locked (.ci/setup installs from uv.lock)."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REQUIREMENTS = [Requirement(text) for text in PROJECT["dependencies"]]
#: libraries whose internals Parcours uses (subclassed, patched, private calls, raw SQL)
INTERNALS = [
    "nbgrader",
    "jupyter-client",
    "voila",
    "jupyterhub",
    "nbclient",
    "nbconvert",
    "jupyter-server",
    "ipython",
    "tornado",
    "sqlalchemy",
    "traitlets",
    "fastjsonschema",
]


def locked() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {canonicalize_name(p["name"]): p["version"] for p in lock["package"] if "version" in p}


@pytest.mark.parametrize("name", INTERNALS)
def test_internals_have_an_upper_bound(name: str) -> None:
    [requirement] = [r for r in REQUIREMENTS if canonicalize_name(r.name) == name]
    assert any(spec.operator == "<" for spec in requirement.specifier), requirement


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=[r.name for r in REQUIREMENTS])
def test_lock_and_environment_follow_pyproject(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    pinned = locked()[name]
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"uv.lock pins {name} {pinned}, outside {requirement}: run .venv/bin/uv lock"
    )
    installed = version(requirement.name)
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"{name} {installed} installed, outside {requirement}: run bash .ci/setup"
    )


@pytest.mark.parametrize("name", INTERNALS)
def test_environment_runs_the_locked_internals(name: str) -> None:
    assert version(name) == locked()[name], (
        f"{name} {version(name)} installed, uv.lock says {locked()[name]}: run bash .ci/setup "
        "(or, upgrading on purpose: .venv/bin/uv lock --upgrade-package " + name + ")"
    )
