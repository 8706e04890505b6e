"""Benchmark of peer review's core (a script, not a test).

1. Allocation of 1,000 submissions to 3 reviewers each, in teams of 3 (team-mates never
   review each other): :func:`parcours.peer.allocate.allocate`, best of 3.
2. Grades from the 3,000 reviews: :func:`parcours.peer.grades.peer_grades`, best of 3.
3. Accuracy on simulated reviewers whose true grades are known: each reviewer has a bias
   (normal, sd 1.5 points out of 10) and a noise of her own (sd 0.3, 0.7 or 1.5); scores
   are rounded to half points and kept within 0-10. The error is the root mean square
   error against the true grade, over several classes (seeds), for the median of each
   submission's reviews and for the corrected estimate.

Last line: ``peer: submissions=<n> allocate_s=<x> grade_s=<x> median_error=<x>
corrected_error=<x>``.

Usage: ``flock /tmp/parcours-bench.lock .venv/bin/python bench/peer.py [--submissions 1000]
[--reviewers 3] [--seeds 5]``.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time

from parcours.peer.allocate import allocate, loads
from parcours.peer.grades import Score, peer_grades

POINTS = 10.0


def simulate(n: int, k: int, seed: int) -> tuple[dict[str, float], list[Score], float]:
    """(true grades, scores, allocation seconds) of a simulated class of ``n``."""
    rng = random.Random(seed)
    people = [f"l{i:05d}" for i in range(n)]
    truth = {p: round(rng.uniform(0.3, 1.0) * POINTS, 2) for p in people}
    bias = {p: rng.gauss(0, 1.5) for p in people}
    noise = {p: rng.choice([0.3, 0.7, 1.5]) for p in people}
    team_of = {p: f"t{i // 3}" for i, p in enumerate(people)}
    started = time.perf_counter()
    pairs = allocate(people, people, k, team_of=team_of, seed=str(seed))
    elapsed = time.perf_counter() - started
    assert set(loads(pairs).values()) == {k}, "unbalanced allocation"
    scores = []
    for author, reviewer in pairs:
        given = truth[author] + bias[reviewer] + rng.gauss(0, noise[reviewer])
        scores.append(Score(author, reviewer, round(min(POINTS, max(0.0, given)) * 2) / 2))
    return truth, scores, elapsed


def rmse(estimate: dict[str, float], truth: dict[str, float]) -> float:
    return math.sqrt(statistics.fmean((estimate[s] - truth[s]) ** 2 for s in estimate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--reviewers", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    allocate_s, grade_s, median_errors, corrected_errors = [], [], [], []
    for seed in range(args.seeds):
        truth, scores, elapsed = simulate(args.submissions, args.reviewers, seed)
        allocate_s.append(elapsed)
        started = time.perf_counter()
        grades = peer_grades(scores, POINTS)
        grade_s.append(time.perf_counter() - started)
        median = rmse({s: g.median for s, g in grades.submissions.items()}, truth)
        corrected = rmse({s: g.estimate for s, g in grades.submissions.items()}, truth)
        median_errors.append(median)
        corrected_errors.append(corrected)
        print(
            f"seed {seed}: {len(scores)} reviews, allocate {elapsed:.2f} s, grade "
            f"{grade_s[-1]:.2f} s, RMSE median {median:.3f} corrected {corrected:.3f} (/10)"
        )
    median, corrected = statistics.fmean(median_errors), statistics.fmean(corrected_errors)
    print(f"corrected error is {1 - corrected / median:.0%} below the median's")
    print(
        f"peer: submissions={args.submissions} allocate_s={min(allocate_s):.3f} "
        f"grade_s={min(grade_s):.3f} median_error={median:.3f} corrected_error={corrected:.3f}"
    )


if __name__ == "__main__":
    main()
