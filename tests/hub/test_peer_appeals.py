"""A learner rates the reviews of her work and appeals her peer grade, through the real
hub and the Parcours service (issue #27, item 3): identity from the token only; every
refusal through HTTP with real tokens — a review of someone else's work, a rating off
the scale, an appeal without a reviewed submission, a second open appeal, a text too
long, a learner of another course, no token; the teacher settles by ``parcours peer …
settle`` (the first appeal) and from her dashboard on the hub, in chromium (the second,
recorded as hers); the answer comes back as he reads it; no reviewer's login anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import COURSE_A, HubSite
from .test_hub_browser import _log_in, _teacher_page, browser  # noqa: F401
from .test_peer_service import ASSIGNMENT, _ok, _own_like, peer_site  # noqa: F401
from .test_service import _call

BASE = f"api/courses/{COURSE_A}/assignments/{ASSIGNMENT}/peer"
HOSTILE = "<img src=x onerror=alert(1)> Ma note est injuste.\n<script>alert(2)</script>"
EVERYONE = re.compile(r"pt-(alice|bob|carol|dora)", re.I)


def _review(site: HubSite, token: str, label: str, points: int) -> None:
    _ok(
        _call(
            site, token, "POST", f"{BASE}/{label}", json={"scores": {"diagnostic.clair": points}}
        ),
        201,
    )


def test_rating_and_appealing_through_the_service(
    hub_site: HubSite,
    peer_site: dict[str, Any],  # noqa: F811
) -> None:
    from parcours.peer.appeals import my_ratings
    from parcours.peer.records import peer_folder, read_allocation

    config, course = hub_site.config, peer_site["course"]
    assignment = course.assignment(ASSIGNMENT)
    tokens = peer_site["tokens"]
    label_of = {a: e["label"] for a, e in read_allocation(config, course, ASSIGNMENT).items()}
    # bob's work reviewed by alice then dora; dora's by alice; alice's by nobody
    _review(hub_site, tokens["pt-alice"], label_of["pt-bob"], 2)
    _review(hub_site, tokens["pt-dora"], label_of["pt-bob"], 0)
    _review(hub_site, tokens["pt-alice"], label_of["pt-dora"], 2)

    def rate(who: str, number: int, body: Any) -> Any:
        return _call(hub_site, tokens[who], "POST", f"{BASE}/received/{number}/rating", json=body)

    # bob rates his first review, then changes his mind; the body cannot name someone else
    assert _ok(rate("pt-bob", 1, {"helpful": 2}), 201)["helpful"] == 2
    rated = _ok(rate("pt-bob", 1, {"helpful": 4, "learner": "pt-dora"}), 201)
    assert rated == {"number": 1, "helpful": 4, "at": rated["at"]}
    assert my_ratings(config, course, assignment, "pt-bob") == {1: 4}
    assert my_ratings(config, course, assignment, "pt-dora") == {}

    # refused: a review of someone else's work (alice's work has none; bob's has two, not
    # three; dora's first is not bob's to rate), a rating off the scale or not a number
    for who, number in (("pt-alice", 1), ("pt-bob", 3)):
        refused = rate(who, number, {"helpful": 3})
        assert refused.status_code == 400, refused.text
        assert "évaluation" in refused.json()["message"], refused.text
        assert not EVERYONE.search(refused.text)
    for wrong in (0, 6, "5", True, None, 2.5):
        refused = rate("pt-bob", 2, {"helpful": wrong})
        assert refused.status_code == 400, refused.text
        assert "1" in refused.json()["message"] and "5" in refused.json()["message"]
    assert rate("pt-bob", 2, [5]).status_code == 400  # not a JSON object
    assert my_ratings(config, course, assignment, "pt-dora") == {}
    # another course's learner, no token
    assert rate("pt-carol", 1, {"helpful": 3}).status_code in (403, 404)
    assert _call(hub_site, None, "POST", f"{BASE}/received/1/rating", json={}).status_code == 403

    def appeal(who: str, text: Any) -> Any:
        return _call(hub_site, tokens[who], "POST", f"{BASE}/appeal", json={"text": text})

    # refused: no reviewed submission (alice), another course (carol), empty, too long
    refused = appeal("pt-alice", "Injuste.")
    assert refused.status_code == 400 and "pas encore" in refused.json()["message"]
    assert appeal("pt-carol", "Injuste.").status_code in (403, 404)
    assert _call(hub_site, tokens["pt-carol"], "GET", f"{BASE}/appeal").status_code in (403, 404)
    for wrong in ("", "  ", None, "x" * 2001):
        refused = appeal("pt-dora", wrong)
        assert refused.status_code == 400, refused.text
    assert "2000" in appeal("pt-dora", "x" * 2001).json()["message"]
    assert _call(hub_site, None, "POST", f"{BASE}/appeal", json={"text": "x"}).status_code == 403

    # bob appeals, as he wrote it; a second appeal while it is open is refused
    made = _ok(appeal("pt-bob", HOSTILE), 201)
    assert made["text"] == HOSTILE and made["state"] == "open"
    refused = appeal("pt-bob", "Et encore.")
    assert refused.status_code == 400 and "une contestation à la fois" in refused.text
    mine = _ok(_call(hub_site, tokens["pt-bob"], "GET", f"{BASE}/appeal"))
    assert mine["can_appeal"] is False and [a["text"] for a in mine["appeals"]] == [HOSTILE]
    # dora's appeal is hers: bob's stays one
    _ok(appeal("pt-dora", "Relisez la deuxième partie."), 201)

    # the teacher lists the appeals and settles bob's
    _own_like(peer_folder(config, course, ASSIGNMENT), config.course_root(COURSE_A))
    listed = hub_site.run("peer", COURSE_A, ASSIGNMENT, "appeals")
    assert listed.returncode == 0, listed.stderr
    assert "pt-bob" in listed.stdout and "pt-dora" in listed.stdout, listed.stdout
    assert "DÉSACCORD" in listed.stdout or "DISAGREEMENT" in listed.stdout, listed.stdout
    answer = "Votre copie a été relue : la note reste 1/2."
    settled = hub_site.run(
        "peer", COURSE_A, ASSIGNMENT, "settle", "--learner", "pt-bob", "--answer", answer
    )
    assert settled.returncode == 0, settled.stderr
    again = hub_site.run(
        "peer", COURSE_A, ASSIGNMENT, "settle", "--learner", "pt-bob", "--answer", "x"
    )
    assert again.returncode == 2, again.stdout
    helpful = hub_site.run("peer", COURSE_A, ASSIGNMENT, "reviewers")
    assert helpful.returncode == 0 and "4/5" in helpful.stdout, helpful.stdout
    _own_like(peer_folder(config, course, ASSIGNMENT), config.course_root(COURSE_A))

    # bob reads the answer; his panel's overview has his rating and his appeal, no login
    mine = _ok(_call(hub_site, tokens["pt-bob"], "GET", f"{BASE}/appeal"))
    assert mine["can_appeal"] is True
    assert [(a["state"], a["answer"]) for a in mine["appeals"]] == [("settled", answer)]
    assert not EVERYONE.search(str(mine))
    overview = _ok(_call(hub_site, tokens["pt-bob"], "GET", f"api/courses/{COURSE_A}/peer"))
    (row,) = overview["assignments"]
    assert [r["helpful"] for r in row["received"]] == [4, None]
    assert row["appeals"][0]["answer"] == answer
    assert not EVERYONE.search(str(overview))


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_her_panel_rates_appeals_and_reads_the_answer(
    browser: Any,  # noqa: F811
    hub_site: HubSite,
    peer_site: dict[str, Any],  # noqa: F811
    output_dir: Path,
) -> None:
    """In chromium, pt-bob (his work reviewed twice, his first appeal answered above)
    rates his second review with the mouse then the arrow keys, appeals from his panel;
    his teacher answers from her dashboard on the hub; his panel shows the answer, his
    text as text."""
    from parcours.peer.appeals import APPEALS, my_ratings
    from parcours.peer.checked import read_entries
    from parcours.peer.records import peer_folder
    from parcours.pipeline.records import read_record

    config, course = hub_site.config, peer_site["course"]
    assignment = course.assignment(ASSIGNMENT)
    page = _log_in(browser, hub_site, "pt-bob")
    page.wait_for_url("**/user/pt-bob/lab**", timeout=180_000)
    page.locator(".jp-LabShell").wait_for(timeout=120_000)
    panel = page.locator("#parcours-panel")
    received = panel.locator(".parcours-peer-received")
    page.keyboard.press("Alt+Shift+P")  # his panel, in front once his Lab is restored
    received.wait_for(timeout=120_000)
    # every load asked for is done: none will draw his ratings again from an older answer
    page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=120_000)
    reviews = received.locator(".parcours-peer-review-received")
    assert reviews.count() == 2
    second = reviews.nth(1).locator(".parcours-peer-rating")
    assert second.get_attribute("role") == "radiogroup"
    with page.expect_response(lambda r: "peer/rating" in r.url) as sent:
        second.get_by_label("3 – utile").check()
    assert sent.value.ok, sent.value.text()
    panel.locator(".parcours-panel-live", has_text="Votre avis est enregistré").wait_for(
        timeout=30_000
    )
    # the keyboard: the arrow key moves to the next level, and that is recorded
    with page.expect_response(lambda r: "peer/rating" in r.url) as sent:
        page.keyboard.press("ArrowRight")
    assert sent.value.ok
    assert my_ratings(config, course, assignment, "pt-bob") == {1: 4, 2: 4}
    # (the panel may draw the group again with what is stored: waited for, not read once)
    expect(second.get_by_label("4 – très utile")).to_be_checked(timeout=30_000)

    # his appeal, from the panel: the form, then its state as text
    form = received.locator(".parcours-peer-appeal-form")
    text = "Ma réponse <b>2</b> est juste : relisez-la."
    form.get_by_label("Votre contestation").fill(text)
    with page.expect_response(lambda r: "peer/appeal" in r.url) as sent:
        form.get_by_role("button", name="Envoyer ma contestation").click()
    assert sent.value.ok, sent.value.text()
    waiting = received.locator(".parcours-peer-appeal-open")
    waiting.wait_for(timeout=60_000)
    assert "attend la réponse" in waiting.inner_text() and text in waiting.inner_text()
    assert received.locator(".parcours-peer-appeal-form").count() == 0  # one at a time

    # his teacher answers from her dashboard on the hub; recorded as hers (the hub's
    # service named her), his panel, loaded again, shows the answer
    _own_like(peer_folder(config, course, ASSIGNMENT), config.course_root(COURSE_A))
    answer = "Relu : vous avez raison sur la question 2 <b>bravo</b>."
    desk = _teacher_page(browser, hub_site, "pt-prof-a", f"{COURSE_A}/{ASSIGNMENT}")
    try:
        appeals = desk.locator("#table-peer-appeals")
        expect(appeals).to_contain_text(text)  # his text, as text
        assert appeals.locator("b").count() == 0
        # the appeals waiting, named as the roster says: his and pt-dora's (above)
        waiting = desk.locator(".parcours-appeal-learner select option").all_inner_texts()
        assert [w.split("(")[-1] for w in waiting] == ["pt-dora)", "pt-bob)"], waiting
        his = next(w for w in waiting if w.endswith("(pt-bob)"))
        desk.select_option(".parcours-appeal-learner select", label=his)
        desk.fill(".parcours-appeal-answer textarea", answer)
        desk.get_by_role("button", name="Répondre à la contestation…").click()
        desk.get_by_role("button", name="Confirmer").click()
        expect(desk.locator(".parcours-action-message [role=status]")).to_contain_text(
            "réponse envoyée", timeout=60_000
        )
        # the page drawn again: his appeal answered, the answer shown as text
        row = appeals.locator("tbody tr").filter(has_text="est juste : relisez-la")
        expect(row).to_contain_text("répondue", timeout=60_000)
        expect(row).to_contain_text(answer)
        desk.screenshot(path=str(output_dir / "peer-appeal-answered.png"), full_page=True)
    finally:
        desk.context.close()
    record = peer_folder(config, course, ASSIGNMENT) / APPEALS
    (settled,) = read_entries(record)["pt-bob"][-1:]
    assert settled["answer"] == answer and settled["answered_by"] == "pt-prof-a", settled
    assert read_record(record)["history"][-1]["by"] == "pt-prof-a"  # its history says so
    panel.get_by_role("button", name="Actualiser").first.click()
    shown = received.locator(".parcours-peer-appeal-settled", has_text="bravo")
    shown.wait_for(timeout=60_000)
    assert answer in shown.inner_text() and text in shown.inner_text()
    assert received.locator("b").count() == 0  # as text, never as HTML
    assert not EVERYONE.search(received.inner_text().replace("pt-bob", ""))
    shown.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "peer-appeal.png"))
    page.context.close()
