"""Scores passed back to an LMS through the outbox (issue #28's bar: 1,000 scores with
1 % transient failures in < 60 s, 0 lost, 0 duplicated), against the mock LTI 1.3
platform of the tests (tests/lti/mockplatform.py, real HTTP on loopback).

Each learner launches once (OIDC login, signed id token: not timed), one score each is
queued, then ``sync_grades`` runs until the outbox is empty (no backoff wait: the
retries' timing is the tests' business). Lost: a learner without a result in the LMS;
duplicated: a learner whose result was written more than once.

Then ``--statements`` recorded events (varied kinds, 700 learners) are forwarded as xAPI
statements to a real Ralph LRS (its own venv, file backend, HTTP Basic:
tests/lti/ralphlrs.py) by ``sync_statements`` in batches of ``--batch``; timed from the
first read of the outbox to the last batch recorded as sent (Ralph's start and the
events' recording not timed). Lost and duplicated then also count statements: an event
whose statement Ralph's file lacks, or holds more than once.

Usage: .venv/bin/python bench/lms.py [--scores N] [--failure-rate R] [--statements N]
[--batch N]
Last line: `lms: scores=<n> passback_s=<x> lost=<n> duplicated=<n> statements=<n>
statements_per_s=<x>`.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scores", type=int, default=1000)
    parser.add_argument("--failure-rate", type=float, default=0.01)
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()

    from parcours.config import load_config
    from parcours.lti.ags import outbox_status, queue_score, sync_grades
    from parcours.lti.platforms import tool_jwks

    from tests.lti.conftest import auth_response, make_project
    from tests.lti.mockplatform import MockPlatform, User

    random.seed(28)
    platform = MockPlatform(redirect_uris=["http://127.0.0.1:8000/hub/lti/launch"])
    platform.users = {f"u{n}": User(f"sub-{n}", "learner") for n in range(args.scores)}
    accepted: dict[str, int] = {}
    platform.start()
    folder = Path(tempfile.mkdtemp(prefix="parcours-bench-lms-"))
    try:
        project = make_project(folder / "project", platform)
        config = load_config(project, data_dir=str(folder / "data"))
        platform.tool_jwks = tool_jwks(config)
        from parcours.lti.launch import check_launch

        started = time.perf_counter()
        accounts = {}
        for hint, user in platform.users.items():
            fields = auth_response(config, platform, hint)
            accounts[user.sub] = check_launch(config, fields["id_token"], fields["state"]).account
        launch_s = time.perf_counter() - started
        for account in accounts.values():
            queue_score(config, "mini-cours", "devoir-a", account, random.randint(0, 10), 10)

        # 1 % of score posts fail with a 503, at random
        from tests.lti import mockplatform

        post = mockplatform.Scores.post
        failing = random.Random(1)

        def flaky(self: mockplatform.Scores, ident: str) -> None:
            if failing.random() < args.failure_rate:
                self.platform.fail_scores = 1
            post(self, ident)
            if self.get_status() == 204:
                user = self.platform.score_posts[-1]["userId"]
                accepted[user] = accepted.get(user, 0) + 1

        mockplatform.Scores.post = flaky  # type: ignore[method-assign]
        started = time.perf_counter()
        rounds = 0
        while any(r["status"] == "queued" for r in outbox_status(config, "mini-cours")):
            sync_grades(config, "mini-cours", now=time.time() + 10**6, backoff=0)
            rounds += 1
        passback_s = time.perf_counter() - started
        results = {sub for (_item, sub), r in platform.results.items() if "resultScore" in r}
        lost = len(set(accounts) - results)
        duplicated = sum(1 for n in accepted.values() if n > 1)
        failures = len(platform.score_posts) - sum(accepted.values())
        print(
            f"{args.scores} launches in {launch_s:.1f} s; {failures} injected failures, "
            f"{rounds} sync rounds"
        )
        statements, per_s, s_lost, s_duplicated = forward(folder, args.statements, args.batch)
        print(
            f"lms: scores={args.scores} passback_s={passback_s:.2f} lost={lost + s_lost} "
            f"duplicated={duplicated + s_duplicated} statements={statements} "
            f"statements_per_s={per_s:.0f}"
        )
    finally:
        platform.stop()
        shutil.rmtree(folder, ignore_errors=True)


def forward(folder: Path, count: int, batch: int) -> tuple[int, float, int, int]:
    """``count`` recorded events sent to a real Ralph: (statements Ralph holds,
    statements per second, lost, duplicated)."""
    from collections import Counter

    from parcours.config import load_config
    from parcours.lti.lrs import sync_statements
    from parcours.lti.xapi import statement_id

    from tests.lti.ralphlrs import PASSWORD, USER, Ralph
    from tests.lti.test_lrs import record

    if count <= 0:
        return 0, 0.0, 0, 0
    ralph = Ralph(folder / "ralph")
    ralph.start()
    try:
        (folder / "xapi" / "courses").mkdir(parents=True)
        config = load_config(
            folder / "xapi",
            data_dir=str(folder / "xapi" / "data"),
            lrs_url=ralph.url,
            lrs_user=USER,
            lrs_password=PASSWORD,
            lrs_home_page="https://parcours.example.org",
        )
        events = record(config, count, course="bench")
        started = time.perf_counter()
        report = sync_statements(config, batch=batch)
        took = time.perf_counter() - started
        held = Counter(str(s["id"]) for s in ralph.stored())
    finally:
        ralph.stop()
    wanted = {statement_id(e.id) for e in events}
    print(
        f"{count} statements: {report.stored} stored, {report.known} known, "
        f"{report.retries} retries, {took:.1f} s, error: {report.error or 'none'}"
    )
    lost = len(wanted - set(held))
    duplicated = sum(1 for i, n in held.items() if i in wanted and n > 1)
    return sum(1 for i in held if i in wanted), count / took, lost, duplicated


if __name__ == "__main__":
    main()
