"""Grades from reviews on simulated classes whose true grades are known: reviewers with
biases and noise of their own, allocated as a real class is (k = 3)."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from parcours.peer.allocate import allocate
from parcours.peer.grades import Score, Settings, peer_grades


def simulate(n: int, k: int, seed: int, bias_sd: float = 1.5, points: float = 10.0):
    """(true grades, true biases, scores) of a class of ``n`` reviewing each other."""
    rng = random.Random(seed)
    people = [f"l{i:04d}" for i in range(n)]
    truth = {p: round(rng.uniform(0.3, 1.0) * points, 2) for p in people}
    bias = {p: rng.gauss(0, bias_sd) for p in people}
    noise = {p: rng.choice([0.3, 0.7, 1.5]) for p in people}
    scores = []
    for author, reviewer in allocate(people, people, k, seed=str(seed)):
        given = truth[author] + bias[reviewer] + rng.gauss(0, noise[reviewer])
        scores.append(Score(author, reviewer, round(min(points, max(0, given)) * 2) / 2))
    return truth, bias, scores


def rmse(estimate: dict[str, float], truth: dict[str, float]) -> float:
    return math.sqrt(statistics.fmean((estimate[s] - truth[s]) ** 2 for s in estimate))


@pytest.mark.parametrize("seed", range(5))
def test_corrected_beats_the_median_when_reviewers_are_biased(seed: int) -> None:
    truth, _bias, scores = simulate(200, 3, seed)
    grades = peer_grades(scores, 10.0)
    median = rmse({s: g.median for s, g in grades.submissions.items()}, truth)
    corrected = rmse({s: g.estimate for s, g in grades.submissions.items()}, truth)
    message = f"seed {seed}: median error {median:.3f}, corrected {corrected:.3f} (RMSE, /10)"
    print(message)
    assert corrected < median * 0.85, message


def test_biases_are_found_and_told() -> None:
    _truth, bias, scores = simulate(300, 4, 11)
    grades = peer_grades(scores, 10.0)
    found = [grades.reviewers[r].bias for r in sorted(bias)]
    actual = [bias[r] for r in sorted(bias)]
    correlation = statistics.correlation(found, actual)
    assert correlation > 0.7, f"correlation of found and true biases: {correlation:.2f}"


def test_unbiased_reviewers_lose_nothing() -> None:
    """With no bias to correct, the estimate is not worse than the median."""
    truth, _bias, scores = simulate(200, 3, 5, bias_sd=0.0)
    grades = peer_grades(scores, 10.0)
    median = rmse({s: g.median for s, g in grades.submissions.items()}, truth)
    corrected = rmse({s: g.estimate for s, g in grades.submissions.items()}, truth)
    assert corrected <= median * 1.05, (median, corrected)


def test_few_reviews_fall_back_to_the_median() -> None:
    scores = [
        Score("a", "x", 4),
        Score("a", "y", 8),
        Score("b", "x", 5),
        Score("b", "y", 5),
        Score("b", "z", 6),
    ]
    grades = peer_grades(scores, 10.0)
    assert grades.submissions["a"].method == "median"
    assert grades.submissions["a"].estimate == 6.0
    assert grades.submissions["b"].method == "corrected"


def test_disagreement_is_flagged() -> None:
    scores = [
        Score("a", "x", 1),
        Score("a", "y", 9),
        Score("a", "z", 5),
        Score("b", "x", 6),
        Score("b", "y", 7),
        Score("b", "z", 6),
    ]
    grades = peer_grades(scores, 10.0)
    assert grades.submissions["a"].flagged and not grades.submissions["b"].flagged


def test_calibration_anchors_a_lenient_class() -> None:
    """Everyone gives 2 points too many: without calibration nobody can tell; with the
    teacher's grade of one example all assessed, the estimates come down."""
    rng = random.Random(3)
    people = [f"l{i}" for i in range(40)]
    truth = {p: rng.uniform(3, 7) for p in people}
    scores = [Score(a, r, truth[a] + 2 + rng.gauss(0, 0.3)) for a, r in allocate(people, people, 3)]
    scores += [Score("example", r, 5 + 2 + rng.gauss(0, 0.3)) for r in people]
    blind = peer_grades([s for s in scores if s.submission != "example"], 10.0)
    anchored = peer_grades(scores, 10.0, known={"example": 5.0})
    assert "example" not in anchored.submissions
    err_blind = rmse({s: g.estimate for s, g in blind.submissions.items()}, truth)
    err_anchored = rmse({s: g.estimate for s, g in anchored.submissions.items()}, truth)
    assert err_anchored < err_blind / 2, (err_blind, err_anchored)
    assert all(g.calibration_error is not None for g in anchored.reviewers.values())
    assert statistics.fmean(g.bias for g in anchored.reviewers.values()) > 1.5


def test_a_careful_reviewer_grades_higher_for_assessing() -> None:
    truth, _bias, scores = simulate(100, 3, 2)
    careful = [Score(a, "careful", truth[a]) for a in list(truth)[:3]]
    sloppy = [Score(a, "sloppy", 10 - truth[a]) for a in list(truth)[3:6]]
    grades = peer_grades(scores + careful + sloppy, 10.0, settings=Settings())
    careful_one, sloppy_one = grades.reviewers["careful"], grades.reviewers["sloppy"]
    assert careful_one.assessing > 0.5 and sloppy_one.assessing < 0.1, (careful_one, sloppy_one)
    assert careful_one.error < sloppy_one.error / 3
