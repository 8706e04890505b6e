"""Grades from peer reviews: per submission, per reviewer.

The model (a simplified form of Piech et al. 2013's PG1): reviewer ``r``'s score of
submission ``s`` is ``true_s + bias_r + noise`` with noise of variance ``var_r`` (her
reliability is ``1 / var_r``). Estimated by alternating, a few rounds:

- ``bias_r``: the mean of her deviations from the *others'* estimate of each submission
  she reviewed (leave-one-out: her own score does not pull the reference towards her),
  shrunk towards the class's bias as if she had also made ``bias_prior`` reviews with
  that bias (the class's: its mean deviation on the calibration examples, itself shrunk
  towards 0 as if ``class_prior`` more calibration reviews had none; 0 without them);
- ``var_r``: her remaining squared deviations, shrunk towards the class's;
- ``true_s``: the reliability-weighted mean of its scores with each reviewer's bias
  taken off, within ``[0, points]``.

Calibration examples (graded by the teacher, ``known``) enter as submissions whose true
grade is known: they anchor the biases (a class of lenient reviewers is seen as such).
Sajjadi et al. 2016 found that complex models rarely beat simple baselines: the median
is always reported, and is the grade when a submission has fewer than ``min_reviews``
reviews. The simulation in ``tests/peer/test_grades.py`` and ``bench/peer.py`` measures
the gain.

Per reviewer: her bias (told to her), her error against the reference — the teacher's
grade for a calibration example, the others' consensus otherwise — and a grade for
assessing, ``1 - error / strictness`` within ``[0, 1]`` (Moodle Workshop's "grading
grade" by comparison). A submission whose scores spread more than ``disagreement`` of
the points is flagged for the teacher.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """One review's score (points) of one submission (or calibration example)."""

    submission: str
    reviewer: str
    points: float


@dataclass(frozen=True)
class Settings:
    """The model's few knobs (defaults defended in docs/peer-review.md)."""

    min_reviews: int = 3
    bias_prior: float = 1.0
    #: calibration reviews of "no class bias" added to the real ones
    class_prior: float = 5.0
    variance_prior: float = 2.0
    rounds: int = 20
    strictness: float = 0.25
    disagreement: float = 0.3


@dataclass(frozen=True)
class SubmissionGrade:
    """A submission's grades from its reviews."""

    submission: str
    reviews: int
    median: float
    estimate: float
    #: "corrected" (the model) or "median" (too few reviews)
    method: str
    #: highest minus lowest score
    spread: float
    flagged: bool


@dataclass(frozen=True)
class ReviewerGrade:
    """What a reviewer's reviews say about her as an assessor."""

    reviewer: str
    reviews: int
    #: points she gives above (+) or below (-) the reference, on average (shrunk)
    bias: float
    #: her mean absolute deviation from the reference, as a fraction of the points
    error: float
    #: the same on calibration examples only (None when she assessed none)
    calibration_error: float | None
    #: her grade for assessing, 0 to 1
    assessing: float


@dataclass(frozen=True)
class PeerGrades:
    """Every submission's and every reviewer's grades."""

    submissions: dict[str, SubmissionGrade]
    reviewers: dict[str, ReviewerGrade]


def _clip(value: float, points: float) -> float:
    return min(points, max(0.0, value))


def peer_grades(
    scores: Iterable[Score],
    points: float,
    known: Mapping[str, float] | None = None,
    settings: Settings | None = None,
) -> PeerGrades:
    """Grades of every submission and reviewer from ``scores`` (out of ``points``);
    ``known`` are the teacher's grades of calibration examples (see the module)."""
    settings = settings or Settings()
    known = dict(known or {})
    by_sub: dict[str, list[tuple[str, float]]] = {}
    by_rev: dict[str, list[tuple[str, float]]] = {}
    for score in scores:
        value = _clip(float(score.points), points)
        by_sub.setdefault(score.submission, []).append((score.reviewer, value))
        by_rev.setdefault(score.reviewer, []).append((score.submission, value))
    medians = {s: statistics.median(v for _r, v in rs) for s, rs in by_sub.items()}
    estimate = {s: known.get(s, m) for s, m in medians.items()}
    bias = dict.fromkeys(by_rev, 0.0)
    residuals = [v - estimate[s] for rs in by_rev.values() for s, v in rs]
    prior_var = max(
        statistics.fmean(r * r for r in residuals) if residuals else 0.0, (0.05 * points) ** 2
    )
    var = dict.fromkeys(by_rev, prior_var)
    # the class's own leniency, seen on the calibration examples only (0 without them)
    on_known = [v - known[s] for s, rs in by_sub.items() if s in known for _r, v in rs]
    class_bias = sum(on_known) / (len(on_known) + settings.class_prior)

    def others(submission: str, reviewer: str) -> float:
        """The submission's estimate without this reviewer (the teacher's if known)."""
        if submission in known:
            return known[submission]
        weights = total = 0.0
        for r, v in by_sub[submission]:
            if r != reviewer:
                weights += 1 / var[r]
                total += (v - bias[r]) / var[r]
        return total / weights if weights else estimate[submission]

    for _round in range(settings.rounds):
        reference = {r: [(s, v, others(s, r)) for s, v in rs] for r, rs in by_rev.items()}
        for r, rows in reference.items():
            bias[r] = (sum(v - ref for _s, v, ref in rows) + settings.bias_prior * class_bias) / (
                len(rows) + settings.bias_prior
            )
            squared = sum((v - bias[r] - ref) ** 2 for _s, v, ref in rows)
            var[r] = max(
                (squared + settings.variance_prior * prior_var)
                / (len(rows) + settings.variance_prior),
                (0.01 * points) ** 2,
            )
        for s, rs in by_sub.items():
            if s in known:
                continue
            weights = sum(1 / var[r] for r, _v in rs)
            estimate[s] = _clip(sum((v - bias[r]) / var[r] for r, v in rs) / weights, points)

    submissions = {}
    for s, rs in sorted(by_sub.items()):
        if s in known:
            continue
        values = [v for _r, v in rs]
        enough = len(values) >= settings.min_reviews
        spread = max(values) - min(values)
        submissions[s] = SubmissionGrade(
            submission=s,
            reviews=len(values),
            median=medians[s],
            estimate=round(estimate[s] if enough else medians[s], 4),
            method="corrected" if enough else "median",
            spread=spread,
            flagged=len(values) > 1 and spread > settings.disagreement * points,
        )
    reviewers = {}
    for r, rs in sorted(by_rev.items()):
        errors = [abs(v - others(s, r)) / points for s, v in rs]
        calibration = [abs(v - known[s]) / points for s, v in rs if s in known]
        error = statistics.fmean(errors)
        reviewers[r] = ReviewerGrade(
            reviewer=r,
            reviews=len(rs),
            bias=round(bias[r], 4),
            error=round(error, 4),
            calibration_error=round(statistics.fmean(calibration), 4) if calibration else None,
            assessing=round(max(0.0, 1 - error / settings.strictness), 4),
        )
    return PeerGrades(submissions, reviewers)
