"""Scores passed back to an LMS through the outbox (issue #28's bar: 1,000 scores with
1 % transient failures in < 60 s, 0 lost, 0 duplicated), against the mock LTI 1.3
platform of the tests (tests/lti/mockplatform.py, real HTTP on loopback).

Each learner launches once (OIDC login, signed id token: not timed), one score each is
queued, then ``sync_grades`` runs until the outbox is empty (no backoff wait: the
retries' timing is the tests' business). Lost: a learner without a result in the LMS;
duplicated: a learner whose result was written more than once. xAPI statements are not
forwarded yet (statements=0).

Usage: .venv/bin/python bench/lms.py [--scores N] [--failure-rate R]
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
        print(
            f"lms: scores={args.scores} passback_s={passback_s:.2f} lost={lost} "
            f"duplicated={duplicated} statements=0 statements_per_s=0"
        )
    finally:
        platform.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
