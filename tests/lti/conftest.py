"""Fixtures of the LTI tests: a mock LMS platform on loopback and a project whose
configuration registers it, with the mini course linked to the platform's course."""

from __future__ import annotations

import html
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig, load_config
from parcours.lti.launch import KEYS, Person, check_launch, login_redirect
from parcours.lti.platforms import tool_jwks

from tests.lti.mockplatform import MockPlatform, User

FIXTURE = Path(__file__).parents[1] / "pipeline" / "fixtures" / "mini-cours"
#: where the hub receives launches (only registered with the platform here)
LAUNCH_URL = "http://127.0.0.1:8000/hub/lti/launch"


@pytest.fixture(autouse=True)
def english(default_language: str) -> None:
    """Messages matched in English (conftest's fixture puts the default back after)."""
    from parcours.i18n import set_language

    set_language("en")


@pytest.fixture
def platform() -> Iterator[MockPlatform]:
    lms = MockPlatform(redirect_uris=[LAUNCH_URL])
    lms.users = {
        "u-ana": User("ana-7", "learner", "Ana", "Lopes", "ana@example.org"),
        "u-ben": User("ben-8", "learner", "Ben", "Roux", "not an address"),
        "u-cleo": User("cleo-9", "learner", "Cléo", "<b>Noir</b>", ""),
        "u-tina": User("tina-1", "teacher", "Tina", "Prof", "tina@example.org"),
        "u-theo": User("theo-2", "ta", "Théo", "Tuteur", ""),
    }
    lms.start()
    yield lms
    lms.stop()
    KEYS._keys.clear()


@pytest.fixture
def config(
    isolated_jupyter: Path, tmp_path: Path, repo: Path, platform: MockPlatform
) -> ParcoursConfig:
    courses = tmp_path / "courses"
    shutil.copytree(FIXTURE, courses / "mini-cours")
    config = load_config(
        repo,
        courses_dir=str(courses),
        lti_platforms=[platform.registration(courses={platform.context_id: "mini-cours"})],
    )
    platform.tool_jwks = tool_jwks(config)
    return config


def make_project(folder: Path, platform: MockPlatform) -> Path:
    """A project folder whose jupyter_config.py registers ``platform`` (the mini course
    linked to its LMS course), as an administrator writes it."""
    (folder / "courses").mkdir(parents=True)
    shutil.copytree(FIXTURE, folder / "courses" / "mini-cours")
    registration = platform.registration(courses={platform.context_id: "mini-cours"})
    (folder / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.lti_platforms = [{registration!r}]\n", encoding="utf-8"
    )
    return folder


def launch(config: ParcoursConfig, platform: MockPlatform, login_hint: str) -> Person:
    """A launch as a browser makes it: the platform's login initiation, its auth request
    answered with an auto-posting form, the form's fields posted to the tool."""
    person, _state = launch_form(config, platform, login_hint)
    return person


def launch_form(
    config: ParcoursConfig, platform: MockPlatform, login_hint: str
) -> tuple[Person, dict[str, str]]:
    fields = auth_response(config, platform, login_hint)
    return check_launch(config, fields["id_token"], fields["state"]), fields


def auth_response(
    config: ParcoursConfig, platform: MockPlatform, login_hint: str
) -> dict[str, str]:
    """The fields the platform's auto-posting form would send to the launch URL."""
    initiation = {
        "iss": platform.issuer,
        "login_hint": login_hint,
        "target_link_uri": LAUNCH_URL,
        "lti_message_hint": "hint-1",
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }
    url = login_redirect(config, initiation, LAUNCH_URL)
    with urllib.request.urlopen(url, timeout=10) as answer:
        page = answer.read().decode()
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }
