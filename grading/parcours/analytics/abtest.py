"""A/B comparison of two versions of a lesson.

Assignment is random and stable: :func:`ab_version` hashes ``seed:lesson:learner`` with
SHA-256, so a learner keeps their version on every machine and every run, with no table
to store. The version a learner actually saw is read from the ``version`` field of their
events' ``extra`` when present (the lesson records it), else recomputed.

Comparison (:func:`ab_compare`), outcome per learner:

- ``score`` (mean first-attempt quiz score in the lesson, continuous): Welch's t-test when
  both groups have at least 30 learners, else Mann-Whitney U (no normality assumption on
  small groups). Effect size: Hedges' g (with Welch) or the rank-biserial correlation
  (with Mann-Whitney). Confidence interval: Welch's interval for the difference of means.
- ``completed`` (finished the lesson, binary): Fisher's exact test. Effect size: the
  difference of proportions, with a Newcombe (Wilson score) confidence interval.

A plain warning is given when a group has fewer than ``min_group`` learners (default 20)
or when the interval includes both a meaningful gain and a meaningful loss.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import BadInputError
from ..i18n import _

if TYPE_CHECKING:  # ab_version is called from learners' kernels: keep this import light
    import pandas as pd

    from .frames import ClassData


def ab_version(learner: str, lesson_id: str, versions: Sequence[str], seed: int) -> str:
    """The version of ``lesson_id`` shown to ``learner``: uniform over ``versions`` (sorted,
    so their order does not matter), stable for a given ``seed``."""
    choices = sorted(versions)
    if not choices:
        raise BadInputError(
            _("lesson '{lesson}': no versions to choose from.").format(lesson=lesson_id)
        )
    digest = hashlib.sha256(f"{seed}:{lesson_id}:{learner}".encode()).digest()
    return choices[int.from_bytes(digest[:8], "big") % len(choices)]


@dataclass(frozen=True)
class ABResult:
    """The comparison of two versions of a lesson on one outcome."""

    lesson: str
    outcome: str
    versions: tuple[str, str]
    n: tuple[int, int]
    means: tuple[float, float]
    test: str
    statistic: float
    p_value: float
    effect: float
    effect_name: str
    ci_low: float
    ci_high: float
    #: why not to conclude (sample too small, interval containing 0), in the language
    #: in force; '' when the comparison can be read
    warning: str

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON and tables."""
        return dict(self.__dict__)


def _versions_seen(
    data: ClassData, course: str, lesson: str, versions: Sequence[str], seed: int
) -> pd.Series:
    import pandas as pd

    learners = data.learners.loc[data.learners["course"] == course, "learner"].drop_duplicates()
    ev = data.events
    mine = ev[(ev["course"] == course) & (ev["lesson"] == lesson) & (ev["extra"].notna())]
    seen: dict[str, str] = {}
    for who, extra in zip(mine["learner"], mine["extra"], strict=True):
        if who in seen or not isinstance(extra, str) or '"version"' not in extra:
            continue
        value = json.loads(extra).get("version")
        if value in versions:
            seen[who] = value
    return pd.Series(
        {w: seen.get(w) or ab_version(w, lesson, versions, seed) for w in learners},
        name="version",
        dtype=object,
    )


def outcomes(data: ClassData, course: str, lesson: str, seed: int = 2026) -> pd.DataFrame:
    """Per learner of the course: ``learner, version, score`` (NaN without an answer) and
    ``completed`` (bool)."""
    import pandas as pd

    from .mastery import quiz_first
    from .progress import COMPLETED, activity_status

    lesson_obj = data.courses[course].lesson(lesson)
    versions = sorted(lesson_obj.versions) or ["A", "B"]
    version = _versions_seen(data, course, lesson, versions, seed)
    first = quiz_first(data)
    first = first[(first["course"] == course) & (first["lesson"] == lesson)]
    score = first.groupby("learner")["value"].mean()
    status = activity_status(data)
    status = status[(status["course"] == course) & (status["activity"] == lesson)]
    done = status.set_index("learner")["status"].isin(COMPLETED)
    out = pd.DataFrame({"version": version})
    out["score"] = score.reindex(out.index)
    out["completed"] = done.reindex(out.index).fillna(False).astype(bool)
    return out.rename_axis("learner").reset_index()


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def compare_groups(
    a: Sequence[float],
    b: Sequence[float],
    *,
    binary: bool = False,
    level: float = 0.95,
    min_group: int = 20,
    labels: tuple[str, str] = ("A", "B"),
    lesson: str = "",
    outcome: str = "",
) -> ABResult:
    """Compare outcome values of group ``a`` and group ``b`` (difference is b - a)."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    x = np.asarray([v for v in a if not pd.isna(v)], dtype=float)
    y = np.asarray([v for v in b if not pd.isna(v)], dtype=float)
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        raise BadInputError(
            _(
                "lesson '{lesson}': each version needs at least two learners with an "
                "outcome (found {first}: {nx}, {second}: {ny}). Wait for more learners."
            ).format(lesson=lesson, first=labels[0], nx=nx, second=labels[1], ny=ny)
        )
    z = float(stats.norm.ppf(0.5 + level / 2))
    mx, my = float(x.mean()), float(y.mean())
    if binary:
        kx, ky = int(x.sum()), int(y.sum())
        res = stats.fisher_exact([[ky, ny - ky], [kx, nx - kx]])
        test, statistic, p = "fisher", float(res.statistic), float(res.pvalue)
        effect, effect_name = my - mx, "difference of proportions"
        lx, ux = _wilson(kx, nx, z)
        ly, uy = _wilson(ky, ny, z)
        d = my - mx
        low = d - math.sqrt((my - ly) ** 2 + (ux - mx) ** 2)
        high = d + math.sqrt((uy - my) ** 2 + (mx - lx) ** 2)
    else:
        vx, vy = float(x.var(ddof=1)), float(y.var(ddof=1))
        se = math.sqrt(vx / nx + vy / ny)
        df = (
            (vx / nx + vy / ny) ** 2 / ((vx / nx) ** 2 / (nx - 1) + (vy / ny) ** 2 / (ny - 1))
            if se > 0
            else nx + ny - 2
        )
        t = float(stats.t.ppf(0.5 + level / 2, df)) if se > 0 else 0.0
        low, high = (my - mx) - t * se, (my - mx) + t * se
        if nx >= 30 and ny >= 30:
            res = stats.ttest_ind(y, x, equal_var=False)
            test, statistic, p = "welch", float(res.statistic), float(res.pvalue)
            pooled = math.sqrt(((nx - 1) * vx + (ny - 1) * vy) / (nx + ny - 2))
            g = (my - mx) / pooled if pooled > 0 else 0.0
            effect = g * (1 - 3 / (4 * (nx + ny) - 9))
            effect_name = "hedges_g"
        else:
            res = stats.mannwhitneyu(y, x, alternative="two-sided")
            test, statistic, p = "mann-whitney", float(res.statistic), float(res.pvalue)
            effect = 2 * statistic / (nx * ny) - 1
            effect_name = "rank_biserial"

    warning = ""
    if min(nx, ny) < min_group:
        warning = _(
            "Sample too small to tell ({a} and {b} learners; at least {n} per version are needed)."
        ).format(a=nx, b=ny, n=min_group)
    elif low < 0 < high:
        warning = _("No difference shown: the confidence interval includes 0.")
    return ABResult(
        lesson=lesson,
        outcome=outcome,
        versions=labels,
        n=(nx, ny),
        means=(mx, my),
        test=test,
        statistic=statistic,
        p_value=p,
        effect=float(effect),
        effect_name=effect_name,
        ci_low=float(low),
        ci_high=float(high),
        warning=warning,
    )


def ab_compare(
    data: ClassData,
    course: str,
    lesson: str,
    outcome: str = "score",
    *,
    seed: int = 2026,
    level: float = 0.95,
    min_group: int = 20,
) -> ABResult:
    """Compare the two versions of ``lesson`` on ``outcome`` ('score' | 'completed')."""
    if outcome not in ("score", "completed"):
        raise BadInputError(
            _("outcome '{outcome}': use 'score' or 'completed'.").format(outcome=outcome)
        )
    table = outcomes(data, course, lesson, seed)
    names = sorted(data.courses[course].lesson(lesson).versions)
    if len(names) != 2:
        raise BadInputError(
            _(
                "lesson '{lesson}': an A/B comparison needs exactly two versions (found "
                "{names}). Declare versions = {{A = ..., B = ...}} in course.toml."
            ).format(lesson=lesson, names=names)
        )
    values = table[outcome].astype(float) if outcome == "completed" else table[outcome]
    a = values[table["version"] == names[0]].tolist()
    b = values[table["version"] == names[1]].tolist()
    return compare_groups(
        a,
        b,
        binary=outcome == "completed",
        level=level,
        min_group=min_group,
        labels=(names[0], names[1]),
        lesson=lesson,
        outcome=outcome,
    )
