"""Deep linking: a teacher picks an assignment and a lesson; the mock LMS checks the
signed response and makes the activities and the assignment's gradebook column, which
the scores then go to."""

from __future__ import annotations

import urllib.parse
import urllib.request
from urllib.parse import quote

import pytest
from parcours.config import ParcoursConfig
from parcours.course.load import find_course, load_course
from parcours.lti import LtiLaunchError
from parcours.lti.ags import queue_score, sync_grades
from parcours.lti.deeplinking import choices, landing, response

from tests.lti.conftest import LAUNCH_URL, launch
from tests.lti.mockplatform import MockPlatform


def test_a_teacher_deep_links_an_assignment(config: ParcoursConfig, platform: MockPlatform) -> None:
    keys = [c.key for c in choices(config, "mini-cours")]
    assert "assignment:devoir-a" in keys and any(k.startswith("lesson:") for k in keys)
    lesson = next(k for k in keys if k.startswith("lesson:"))

    platform.tamper = platform.deep_linking_request()
    tina = launch(config, platform, "u-tina")
    assert tina.message_type == "LtiDeepLinkingRequest"
    url, token = response(config, tina, ["assignment:devoir-a", lesson], LAUNCH_URL)
    form = urllib.parse.urlencode({"JWT": token}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=10) as answer:
        assert answer.status == 200
    assert [item["custom"]["parcours_item"] for item in platform.links] == [
        "assignment:devoir-a",
        lesson,
    ]
    assert "lineItem" not in platform.links[1]  # a lesson has no gradebook column
    ((ident, column),) = platform.lineitems.items()
    assert (column["resourceId"], column["scoreMaximum"]) == ("devoir-a", 5)

    # the learner's score goes to that column, none made twice
    platform.tamper = {}
    ana = launch(config, platform, "u-ana")
    queue_score(config, "mini-cours", "devoir-a", ana.account, 7, 10)
    assert sync_grades(config, "mini-cours").sent
    assert list(platform.lineitems) == [ident]
    assert platform.results[(ident, "ana-7")]["resultScore"] == 3.5  # 7/10 of 5 points

    # each launch of an activity carries the item picked: a lesson's lands in its notebook
    custom = "https://purl.imsglobal.org/spec/lti/claim/custom"
    course = load_course(find_course(config.courses_dir, "mini-cours"))
    notebook = next(
        x.notebook for m in course.modules for x in m.lessons if f"lesson:{x.id}" == lesson
    )
    for item, landed in (
        (lesson, f"lab/tree/mini-cours/{quote(notebook)}"),
        ("assignment:devoir-a", ""),  # her JupyterLab as it opens, her panel there
        ("lesson:gone", ""),  # a lesson the course no longer has
    ):
        platform.tamper = {custom: {"parcours_item": item}}
        assert landing(config, launch(config, platform, "u-ana")) == landed


def test_only_a_teacher_deep_links_and_only_the_course_items(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    platform.tamper = platform.deep_linking_request()
    ana = launch(config, platform, "u-ana")
    with pytest.raises(LtiLaunchError, match="teacher"):
        response(config, ana, ["assignment:devoir-a"], LAUNCH_URL)
    tina = launch(config, platform, "u-tina")
    with pytest.raises(LtiLaunchError, match="devoir-z"):
        response(config, tina, ["assignment:devoir-z"], LAUNCH_URL)
