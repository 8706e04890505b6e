"""Her badges in the "Mon parcours" panel (``GET parcours/api/badges``, the view
:func:`parcours.pipeline.learnerpanel.badges_view`): a badge is issued as soon as she
has earned it, the moment she looks, once; each held badge links to its public page,
which says it is valid; what is left to earn is listed with its criteria; a badge
revoked is said so until she earns it again; a broken ``badges.toml`` is said, never a
failure of her panel; nobody outside the roster is shown badges."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path
from typing import Any

from parcours.badges.registry import issued, revoke
from parcours.config import ParcoursConfig
from parcours.course.load import load_course
from parcours.pipeline.learnerpanel import badges_view

from tests.badges.conftest import complete_lesson


def _course(project: Path) -> Any:
    return load_course(project / "courses" / "mini-cours")


def test_a_badge_is_issued_when_she_looks_and_linked_to_its_page(
    project: Path, config: ParcoursConfig, service: str
) -> None:
    course = _course(project)
    before = badges_view(config, course, "zoe", "fr")
    assert before["earned"] == [] and before["texts"]["heading"] == "Mes badges"
    assert [b["badge"] for b in before["to_earn"]] == ["premiere-lecon", "devoir-reussi"]
    assert before["to_earn"][0]["criteria"] == "Leçon 1 terminée."
    assert issued(config, "mini-cours") == []  # looking earns nothing by itself

    complete_lesson(config, "zoe", "l01")
    # two looks at once (her panel loads twice at start-up): one credential
    views: list[dict] = []
    looks = [
        threading.Thread(target=lambda: views.append(badges_view(config, course, "zoe", "fr")))
        for _ in range(2)
    ]
    for look in looks:
        look.start()
    for look in looks:
        look.join()
    [held] = issued(config, "mini-cours")
    assert (held.badge, held.learner) == ("premiere-lecon", "zoe")
    for view in views:
        [shown] = view["earned"]
        assert shown["name"] == "Première leçon" and not shown["revoked"]
        assert shown["url"].endswith(f"/services/parcours/badges/{held.id}")
        assert [b["badge"] for b in view["to_earn"]] == ["devoir-reussi"]
    # bob has completed nothing: nothing of zoe's shows in his panel
    assert badges_view(config, course, "bob", "en")["earned"] == []
    # someone not in the roster (a teacher trying her panel) holds none, is shown none
    assert badges_view(config, course, "prof", "fr") == {"badges": False}

    # the link leads to the public page, which says the badge is valid
    local = service + "badges/" + held.id
    with urllib.request.urlopen(local + "?lang=fr") as page:
        assert 'data-status="valid"' in page.read().decode()

    # revoked: said so in her panel, and issued again since she still meets the criteria
    revoke(config, held.id, "erreur de saisie")
    again = badges_view(config, course, "zoe", "en")
    [new] = again["earned"]
    assert new["url"] != views[0]["earned"][0]["url"] and not new["revoked"]
    assert len(issued(config, "mini-cours")) == 2


def test_no_badges_and_broken_badges(project: Path, config: ParcoursConfig) -> None:
    folder = project / "courses" / "mini-cours"
    (folder / "badges.toml").unlink()
    assert badges_view(config, _course(project), "zoe", "fr") == {"badges": False}
    (folder / "badges.toml").write_text("[[badges]]\nid = 'x'\nlessons = ['nope']\n")
    view = badges_view(config, _course(project), "zoe", "fr")
    assert view["badges"] and "badges.toml" in view["problem"], view
