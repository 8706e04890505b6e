"""Tutoring through the real hub and the Parcours service: identity from the token only;
every refusal tested through HTTP (another learner's private question, who asked, staff
actions without the role, another course's questions); learner text sanitised where
others read it; a tutor (the manifest's ``tutors``) acts as staff on her course only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import COURSE_A, COURSE_B, HubSite
from .test_service import _call, _token

TUTOR = "pt-prof-b"  # teaches cours-b; made a tutor of analyse-de-donnees below


@pytest.fixture(scope="module")
def tutored(hub_site: HubSite) -> Iterator[dict[str, str]]:
    """COURSE_A with ``tutors = [TUTOR]``, and a token per person (the manifest as it was
    afterwards: the hub is shared by the session)."""
    manifest = hub_site.project / "courses" / COURSE_A / "course.toml"
    before = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        re.sub(r"^(teachers = .*)$", rf'\1\ntutors = ["{TUTOR}"]', before, count=1, flags=re.M),
        encoding="utf-8",
    )
    names = ("pt-alice", "pt-bob", "pt-carol", "pt-dora", "pt-prof-a", TUTOR)
    try:
        yield {name: _token(hub_site, name) for name in names}
    finally:
        manifest.write_text(before, encoding="utf-8")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_asking_reading_answering_through_the_service(
    hub_site: HubSite, tutored: dict[str, str]
) -> None:
    alice, bob, carol, dora = (tutored[n] for n in ("pt-alice", "pt-bob", "pt-carol", "pt-dora"))
    tutor, teacher = tutored[TUTOR], tutored["pt-prof-a"]
    base = f"api/courses/{COURSE_A}/questions"
    asked = _ok(
        _call(
            hub_site,
            alice,
            "POST",
            base,
            json={
                "title": "Comment créer un DataFrame <img src=x onerror=alert(1)> ?",
                "body": "Voici mon essai <script>alert('x')</script>",
                "code": "pd.DataFrame(d)",
                "activity": "l01-decouvrir",
                "notebook": "lessons/01-decouvrir.ipynb",
                "cell": "c3",
                # who asks is the token's user, whatever the body says
                "author": "pt-bob",
            },
        ),
        201,
    )
    qid = asked["id"]
    assert asked["author"] == "vous"
    # a classmate sees it, never who asked, the text sanitised
    seen = _ok(_call(hub_site, bob, "GET", f"{base}/{qid}"))
    assert seen["author"] == "un·e camarade"  # the course's language
    assert "pt-alice" not in str(seen)
    assert "<script" not in seen["body_html"] and "onerror" not in seen["body_html"]
    listed = _ok(_call(hub_site, bob, "GET", base))["questions"]
    assert qid in [q["id"] for q in listed] and "pt-alice" not in str(listed)
    # suggestions while typing, for a classmate
    found = _ok(_call(hub_site, bob, "GET", f"{base}/suggest", params={"q": "créer dataframe"}))
    assert found["suggestions"][0]["id"] == qid
    # a private question: no one but her and the staff
    private = _ok(
        _call(hub_site, dora, "POST", base, json={"title": "Ma note", "public": False}), 201
    )["id"]
    for path in (f"{base}/{private}", f"{base}/{private}/answers"):
        method = "GET" if path.endswith(private) else "POST"
        refused = _call(hub_site, bob, method, path, json={"body": "?"})
        assert refused.status_code == 404, refused.text
    assert private not in str(_ok(_call(hub_site, bob, "GET", base)))
    # another course's learner does not learn the course's questions exist
    assert _call(hub_site, carol, "GET", base).status_code == 404
    assert _call(hub_site, carol, "GET", f"{base}/{qid}").status_code == 404
    # a classmate answers; staff actions refused to learners
    answer = _ok(
        _call(hub_site, bob, "POST", f"{base}/{qid}/answers", json={"body": "**loc**"}), 201
    )
    for action in ("answered", "public", "private"):
        assert _call(hub_site, bob, "POST", f"{base}/{qid}/{action}").status_code == 403
    endorse = f"api/courses/{COURSE_A}/answers/{answer['id']}/endorse"
    assert _call(hub_site, bob, "POST", endorse).status_code == 403
    # the tutor: staff on this course (names, the private question, urgency order)...
    staff_list = [
        q
        for q in _ok(_call(hub_site, tutor, "GET", base))["questions"]
        if q["id"] in (qid, private)
    ]
    assert {q["id"]: q["author"] for q in staff_list} == {qid: "pt-alice", private: "pt-dora"}
    assert staff_list[0]["id"] == qid  # asked first: nearest its due time
    answered = _ok(
        _call(hub_site, tutor, "POST", f"{base}/{qid}/answers", json={"body": "Oui."}), 201
    )
    assert answered["author"] == TUTOR and answered["staff"]
    endorsed = _ok(_call(hub_site, tutor, "POST", endorse))
    assert endorsed["state"] == "answered" and endorsed["answers"][0]["author"] == "pt-bob"
    # ...but not on the course she does not tutor (she teaches cours-b: its own desk)
    other = _call(hub_site, tutor, "GET", f"api/courses/{COURSE_B}/questions")
    assert other.status_code == 200 and _ok(other)["questions"] == []
    assert (
        _call(hub_site, tutor, "GET", f"api/courses/{COURSE_B}/questions/{qid}").status_code == 404
    )
    # the teacher of the course sees the same; the asker sees her unread answers
    assert _ok(_call(hub_site, teacher, "GET", f"{base}/{private}"))["author"] == "pt-dora"
    unread = _ok(_call(hub_site, alice, "GET", "api/questions/unread"))
    assert unread["questions"][qid] == 2
    _ok(_call(hub_site, alice, "GET", f"{base}/{qid}"))
    assert qid not in _ok(_call(hub_site, alice, "GET", f"{base}/unread"))["questions"]
    # no token, no tutoring
    assert _call(hub_site, None, "GET", base).status_code in (401, 403)


def test_the_courses_whose_questions_each_person_answers(
    hub_site: HubSite, tutored: dict[str, str]
) -> None:
    alice, tutor, teacher = tutored["pt-alice"], tutored[TUTOR], tutored["pt-prof-a"]
    staff = "api/questions/staff"
    assert _ok(_call(hub_site, alice, "GET", staff))["courses"] == []  # a learner: none
    roles = {c["id"]: c["role"] for c in _ok(_call(hub_site, tutor, "GET", staff))["courses"]}
    assert roles == {COURSE_A: "tutor", COURSE_B: "teacher"}  # the manifest's tutors
    assert _ok(_call(hub_site, teacher, "GET", staff))["courses"][0]["role"] == "teacher"
    assert _call(hub_site, None, "GET", staff).status_code in (401, 403)
    base = f"api/courses/{COURSE_A}/questions"
    assert _ok(_call(hub_site, tutor, "GET", base))["staff"] is True
    assert _ok(_call(hub_site, alice, "GET", base))["staff"] is False
