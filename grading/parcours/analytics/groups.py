"""Differentiation: level bands, complementary pairs and heterogeneous teams on a skill.

All three take the mastery frame of :func:`.mastery.skill_mastery` (posterior ``mean``,
``low``, ``high`` per learner and skill) and return one row per learner with a ``why``
text saying why the learner is where they are, in the language in force (gettext; numbers
through babel).

- :func:`bands`: ``remediation`` below ``band_thresholds["remediation"]`` (posterior
  mean), ``extension`` at or above ``band_thresholds["extension"]``, else
  ``consolidation``. A learner without evidence has the prior mean (0.5) — the text says so.
- :func:`pairs`: learners ranked by mastery; the stronger half is paired with the weaker
  half by ``scipy.optimize.linear_sum_assignment`` minimising, over pairs, the squared gap
  between the pair's mean and the class mean: the strongest goes with the weakest, and
  every pair is balanced. With an odd count the median learner joins the weakest pair.
- :func:`teams`: teams of ``size`` (2-5; sizes differ by at most one) built with OR-Tools
  CP-SAT: the k strongest are spread one per team, the k weakest too, and the largest
  deviation of a team's total mastery from its fair share is minimised (then the sum of
  deviations). Roles are asymmetric and given by mastery inside the team: the strongest is
  *expert*, the weakest *rapporteur* (explaining the team's result is how they learn),
  the others *animateur*, *secrétaire*, *gardien du temps*.

Reproducible: ties are broken by a shuffle seeded with ``seed`` and CP-SAT runs with one
worker, that seed and a deterministic time budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BadInputError
from ..i18n import N_, _

DEFAULT_BANDS = {"remediation": 0.5, "extension": 0.8}
#: band and role names as message ids, shown through ``_()``
BAND_NAMES = {
    "remediation": N_("remediation"),
    "consolidation": N_("consolidation"),
    "extension": N_("extension"),
}
#: roles for a team of each size, strongest first
ROLES = {
    2: ["expert", "rapporteur"],
    3: ["expert", "animateur", "rapporteur"],
    4: ["expert", "animateur", "secretaire", "rapporteur"],
    5: ["expert", "animateur", "secretaire", "gardien_du_temps", "rapporteur"],
}
#: team role -> (name, what the member does), message ids shown through ``_()``
ROLE_LABELS = {
    "expert": (N_("expert"), N_("explains the notion")),
    "animateur": (N_("facilitator"), N_("gives everyone a turn")),
    "secretaire": (N_("note-taker"), N_("writes down ideas and answers")),
    "gardien_du_temps": (N_("timekeeper"), N_("keeps the time")),
    "rapporteur": (N_("reporter"), N_("presents the team's result (explaining it consolidates)")),
}
PAIR_ROLES = {"tutor": N_("tutor"), "tutee": N_("tutee"), "co-tutor": N_("co-tutor")}


def _skill_rows(mastery: pd.DataFrame, skill: str, course: str | None) -> pd.DataFrame:
    rows = mastery[mastery["skill"] == skill]
    if course is not None:
        rows = rows[rows["course"] == course]
    if mastery.empty:
        raise BadInputError(
            _(
                "no learner yet: groups are made from quiz answers and graded work; run "
                "'parcours collect' and 'parcours autograde' first, or wait for "
                "learners' answers."
            )
        )
    if rows.empty:
        known = ", ".join(sorted(mastery["skill"].astype(str).unique())) or "none"
        raise BadInputError(
            _(
                "skill '{skill}': no learner has this skill in the mastery data (skills "
                "known: {known}). Use a skill id from the course's course.toml."
            ).format(skill=skill, known=known)
        )
    return rows


def _ranked_by_course(
    mastery: pd.DataFrame, skill: str, course: str | None, seed: int, what: str
) -> Iterator[tuple[str, pd.DataFrame]]:
    """(course id, its learners on ``skill`` ranked by :func:`_ranked`) for each course;
    a course with fewer than two learners is bad input for ``what`` (pairs, teams)."""
    for cid, one in _skill_rows(mastery, skill, course).groupby("course", sort=True):
        ranked = _ranked(one, seed)
        if len(ranked) < 2:
            raise BadInputError(
                _("course '{course}': {what} need at least two learners on '{skill}'.").format(
                    course=cid, what=_(what), skill=skill
                )
            )
        yield str(cid), ranked


def _ranked(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Learners strongest first; ties broken by a seeded shuffle (reproducible)."""
    rng = np.random.default_rng(seed)
    shuffled = rows.iloc[rng.permutation(len(rows))]
    return shuffled.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def _fmt(row: Any, rule: str = "") -> str:
    """Mastery (then ``rule``, the band's bound it is measured against) with its 90 %
    interval and evidence: ``0,62 ≥ 0,5 [0,41–0,80], 7 pieces of evidence`` (numbers in
    the language in force)."""
    from ..i18n import display, ngettext

    n = int(row["n"])
    return (
        f"{display.number(row['mean'], 2)}{' ' + rule if rule else ''} "
        f"[{display.number(row['low'], 2)}–"
        f"{display.number(row['high'], 2)}], "
        + ngettext("{n} piece of evidence", "{n} pieces of evidence", n).format(n=n)
    )


def bands(
    mastery: pd.DataFrame,
    skill: str,
    thresholds: dict[str, float] | None = None,
    course: str | None = None,
    *,
    label: str | None = None,
) -> pd.DataFrame:
    """Level band of every learner on ``skill``: ``course, learner, skill, n, mean, low,
    high, band, why``; remediation first, then by mastery."""
    limits = {**DEFAULT_BANDS, **(thresholds or {})}
    low, high = float(limits["remediation"]), float(limits["extension"])
    rows = _skill_rows(mastery, skill, course).copy()
    rows["band"] = np.where(
        rows["mean"] < low,
        "remediation",
        np.where(rows["mean"] >= high, "extension", "consolidation"),
    )
    from ..i18n import display

    rules = {
        "remediation": "< " + display.number(low, 2),
        "extension": "≥ " + display.number(high, 2),
        "consolidation": _("between {low} and {high}").format(
            low=display.number(low, 2), high=display.number(high, 2)
        ),
    }
    why = []
    for r in rows.to_dict("records"):
        text = _("{band}: mastery of “{skill}” {mastery}").format(
            band=_(BAND_NAMES[r["band"]]),
            skill=label or skill,
            mastery=_fmt(r, rules[r["band"]]),
        )
        if r["n"] == 0:
            text += " " + _("(no evidence yet: the prior value)")
        why.append(text)
    rows["why"] = why
    order = {"remediation": 0, "consolidation": 1, "extension": 2}
    rows = (
        rows.assign(_o=rows["band"].map(order))
        .sort_values(["course", "_o", "mean", "learner"])
        .drop(columns="_o")
    )
    return rows[
        ["course", "learner", "skill", "n", "mean", "low", "high", "band", "why"]
    ].reset_index(drop=True)


def pairs(
    mastery: pd.DataFrame,
    skill: str,
    seed: int = 2026,
    course: str | None = None,
    *,
    label: str | None = None,
) -> pd.DataFrame:
    """Complementary pairs (tutor with tutee) on ``skill``: ``course, group, learner,
    role`` ('tutor' | 'tutee' | 'co-tutor'), ``mean, partner, pair_mean, why``."""
    from scipy.optimize import linear_sum_assignment

    from ..i18n import display

    out = []
    for cid, ranked in _ranked_by_course(mastery, skill, course, seed, "pairs"):
        n = len(ranked)
        half = n // 2
        strong, weak = ranked.iloc[:half], ranked.iloc[n - half :]
        middle = ranked.iloc[half : n - half]
        avg = float(ranked["mean"].mean())
        m_s, m_w = strong["mean"].to_numpy(), weak["mean"].to_numpy()
        cost = ((m_s[:, None] + m_w[None, :]) / 2.0 - avg) ** 2
        si, wi = linear_sum_assignment(cost)
        groups = sorted(zip(si, wi, strict=True), key=lambda p: p[0])
        members: list[list[tuple[Any, str]]] = [
            [(strong.iloc[s], "tutor"), (weak.iloc[w], "tutee")] for s, w in groups
        ]
        if len(middle):
            weakest = min(range(len(members)), key=lambda g: sum(m["mean"] for m, _ in members[g]))
            members[weakest].append((middle.iloc[0], "co-tutor"))
        for g, group in enumerate(members, start=1):
            pair_mean = float(np.mean([m["mean"] for m, _ in group]))
            for member, role in group:
                others = [m for m, _ in group if m["learner"] != member["learner"]]
                partner = ", ".join(m["learner"] for m in others)
                other_txt = ", ".join(
                    f"{m['learner']} ({display.number(m['mean'], 2)})" for m in others
                )
                out.append(
                    dict(
                        course=cid,
                        group=g,
                        learner=member["learner"],
                        role=role,
                        mean=float(member["mean"]),
                        partner=partner,
                        pair_mean=pair_mean,
                        why=_(
                            "{role}: mastery of “{skill}” {mastery}; with {others}; group "
                            "mean {group}, class {avg}"
                        ).format(
                            role=_(PAIR_ROLES[role]),
                            skill=label or skill,
                            mastery=_fmt(member),
                            others=other_txt,
                            group=display.number(pair_mean, 2),
                            avg=display.number(avg, 2),
                        ),
                    )
                )
    return pd.DataFrame(out)


def team_sizes(n: int, size: int) -> list[int]:
    """Sizes of ``ceil(n / size)`` teams as equal as possible (largest first); fewer
    teams when that would leave someone alone (5 learners in pairs: 3 + 2)."""
    k = math.ceil(n / size)
    if n // k < 2:
        k = max(1, n // 2)
    q, r = divmod(n, k)
    return [q + 1] * r + [q] * (k - r)


def teams(
    mastery: pd.DataFrame,
    skill: str,
    size: int = 4,
    seed: int = 2026,
    course: str | None = None,
    *,
    time_budget: float = 2.0,
    label: str | None = None,
) -> pd.DataFrame:
    """Heterogeneous teams with asymmetric roles on ``skill``: ``course, team, learner,
    role`` (an id), ``role_name`` (in the language in force), ``mean, team_mean, why``."""
    from ..i18n import display, ngettext

    if not 2 <= size <= 5:
        raise BadInputError(
            _("a team size of {size}: teams have 2 to 5 members; choose a size in 2..5.").format(
                size=size
            )
        ).about("size")
    out = []
    for cid, ranked in _ranked_by_course(mastery, skill, course, seed, "teams"):
        n = len(ranked)
        sizes = team_sizes(n, size)
        team_of = _solve_teams(ranked["mean"].to_numpy(), sizes, seed, time_budget)
        avg = float(ranked["mean"].mean())
        for t in range(len(sizes)):
            members = ranked[team_of == t].sort_values("mean", ascending=False, kind="stable")
            team_mean = float(members["mean"].mean())
            for rank, (_row, m) in enumerate(members.iterrows()):
                role = ROLES[len(members)][rank] if len(members) in ROLES else "animateur"
                name, duty = ROLE_LABELS[role]
                members_txt = ngettext("{n} member", "{n} members", len(members)).format(
                    n=len(members)
                )
                out.append(
                    dict(
                        course=cid,
                        team=t + 1,
                        learner=m["learner"],
                        role=role,
                        role_name=_(name),
                        mean=float(m["mean"]),
                        team_mean=team_mean,
                        why=_(
                            "team {team} ({members}, mean mastery {mean}; class {avg}); "
                            "{role} ({duty}): mastery of “{skill}” {mastery}, rank {rank} in "
                            "the team"
                        ).format(
                            team=t + 1,
                            members=members_txt,
                            mean=display.number(team_mean, 2),
                            avg=display.number(avg, 2),
                            role=_(name),
                            duty=_(duty),
                            skill=label or skill,
                            mastery=_fmt(m),
                            rank=rank + 1,
                        ),
                    )
                )
    return pd.DataFrame(out)


def _solve_teams(means: np.ndarray, sizes: list[int], seed: int, time_budget: float) -> np.ndarray:
    """Team index of each learner (``means`` sorted strongest first) from CP-SAT."""
    from ortools.sat.python import cp_model

    n, k = len(means), len(sizes)
    value = np.rint(means * 1000).astype(int)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{t}") for t in range(k)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
    for t in range(k):
        model.add(sum(x[i][t] for i in range(n)) == sizes[t])
    for t in range(k):  # the k strongest lead one team each (also breaks symmetry)
        model.add(x[t][t] == 1)
    if n >= 2 * k:  # the k weakest are spread one per team
        weakest = range(n - k, n)
        for t in range(k):
            model.add(sum(x[i][t] for i in weakest) == 1)
    total = int(value.sum())
    worst = model.new_int_var(0, total, "worst")
    devs = []
    for t in range(k):
        target = round(total * sizes[t] / n)
        dev = model.new_int_var(0, total, f"dev{t}")
        s = sum(int(value[i]) * x[i][t] for i in range(n))
        model.add(dev >= s - target)
        model.add(dev >= target - s)
        model.add(worst >= dev)
        devs.append(dev)
    model.minimize(worst * (k + 1) + sum(devs))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = int(seed)
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = float(time_budget)
    result = solver.solve(model)
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise BadInputError(
            _(
                "no team split of {n} learners into sizes {sizes} was found; try another team size."
            ).format(n=n, sizes=sizes)
        ).about("size")
    team_of = np.empty(n, dtype=int)
    for i in range(n):
        for t in range(k):
            if solver.value(x[i][t]):
                team_of[i] = t
    return team_of
