"""Scores passed back to the mock platform through the outbox: progress states, retries
with backoff, never twice, and an instructor's change in the LMS reported, not
overwritten."""

from __future__ import annotations

import time

from parcours.config import ParcoursConfig
from parcours.lti.ags import outbox_status, queue_score, sync_grades

from tests.lti.conftest import launch
from tests.lti.mockplatform import MockPlatform

COURSE = "mini-cours"


def held(platform: MockPlatform, sub: str) -> dict[str, object]:
    ((ident, item),) = platform.lineitems.items()
    assert item["resourceId"] == "devoir-a" and item["scoreMaximum"] == 10
    return platform.results[(ident, sub)]


def test_pending_manual_then_fully_graded_each_sent_once(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    ana = launch(config, platform, "u-ana")
    assert queue_score(config, COURSE, "devoir-a", ana.account, 6, 10, "PendingManual")
    assert sync_grades(config, COURSE).sent == [(ana.account, "devoir-a")]
    assert held(platform, "ana-7")["gradingProgress"] == "PendingManual"
    assert held(platform, "ana-7")["activityProgress"] == "Submitted"

    assert queue_score(config, COURSE, "devoir-a", ana.account, 8, 10, "FullyGraded", "Bravo")
    # the same score queued again (a second autograde run) is not a second row
    assert not queue_score(config, COURSE, "devoir-a", ana.account, 8, 10, "FullyGraded", "Bravo")
    sync_grades(config, COURSE)
    result = held(platform, "ana-7")
    assert (result["resultScore"], result["gradingProgress"]) == (8, "FullyGraded")
    assert result["activityProgress"] == "Completed" and result["comment"] == "Bravo"

    posts = len(platform.score_posts)
    report = sync_grades(config, COURSE)
    assert report.sent == [] and len(platform.score_posts) == posts  # never twice
    assert [r["status"] for r in outbox_status(config, COURSE)] == ["sent", "sent"]


def test_transient_failures_are_retried_with_backoff_never_lost(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    ben = launch(config, platform, "u-ben")
    platform.fail_scores = 2
    queue_score(config, COURSE, "devoir-a", ben.account, 5, 10)
    start = time.time()
    assert sync_grades(config, COURSE, now=start, backoff=30).retrying == [
        (ben.account, "devoir-a")
    ]
    assert sync_grades(config, COURSE, now=start + 10, backoff=30).retrying == []  # not due
    assert sync_grades(config, COURSE, now=start + 31, backoff=30).retrying  # second failure
    (row,) = outbox_status(config, COURSE)
    assert (row["status"], row["attempts"]) == ("queued", 2) and "503" in row["last_error"]
    assert sync_grades(config, COURSE, now=start + 60, backoff=30).sent == []  # waits 60 s
    assert sync_grades(config, COURSE, now=start + 92, backoff=30).sent == [
        (ben.account, "devoir-a")
    ]
    assert len(platform.score_posts) == 3 and held(platform, "ben-8")["resultScore"] == 5
    assert sync_grades(config, COURSE, now=start + 10_000).sent == []
    assert len(platform.score_posts) == 3


def test_a_score_an_instructor_changed_is_reported_not_overwritten(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    ana = launch(config, platform, "u-ana")
    queue_score(config, COURSE, "devoir-a", ana.account, 6, 10)
    sync_grades(config, COURSE)
    ((ident, _item),) = platform.lineitems.items()
    platform.instructor_sets(ident, "ana-7", 9.5)

    queue_score(config, COURSE, "devoir-a", ana.account, 7, 10)
    report = sync_grades(config, COURSE)
    assert report.conflicts == [(ana.account, "devoir-a")] and report.sent == []
    assert held(platform, "ana-7")["resultScore"] == 9.5
    newest = outbox_status(config, COURSE)[0]
    assert newest["status"] == "conflict" and "9.5/10" in newest["last_error"]


def test_a_score_already_in_the_lms_is_not_posted_again(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    """A post that reached the LMS before a crash (the row still queued) is found there."""
    ana = launch(config, platform, "u-ana")
    queue_score(config, COURSE, "devoir-a", ana.account, 6, 10)
    sync_grades(config, COURSE)
    ((ident, _item),) = platform.lineitems.items()
    platform.instructor_sets(ident, "ana-7", 4)  # as if our earlier post of 4 had landed
    queue_score(config, COURSE, "devoir-a", ana.account, 4, 10)
    posts = len(platform.score_posts)
    assert sync_grades(config, COURSE).sent == [(ana.account, "devoir-a")]
    assert len(platform.score_posts) == posts


def test_a_learner_never_launched_waits_unlinked(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    launch(config, platform, "u-ana")
    queue_score(config, COURSE, "devoir-a", "alice", 6, 10)
    assert sync_grades(config, COURSE).unlinked == [("alice", "devoir-a")]
    assert outbox_status(config, COURSE)[0]["status"] == "unlinked"
