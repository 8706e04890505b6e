"""Differentiation: level bands, complementary pairs and heterogeneous teams on a skill.

All three take the mastery frame of :func:`.mastery.skill_mastery` (posterior ``mean``,
``low``, ``high`` per learner and skill) and return one row per learner with a ``why_fr``
and ``why_en`` text saying why the learner is where they are.

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

DEFAULT_BANDS = {"remediation": 0.5, "extension": 0.8}
BAND_LABELS = {
    "remediation": ("remédiation", "remediation"),
    "consolidation": ("consolidation", "consolidation"),
    "extension": ("approfondissement", "extension"),
}
#: roles for a team of each size, strongest first
ROLES = {
    2: ["expert", "rapporteur"],
    3: ["expert", "animateur", "rapporteur"],
    4: ["expert", "animateur", "secretaire", "rapporteur"],
    5: ["expert", "animateur", "secretaire", "gardien_du_temps", "rapporteur"],
}
ROLE_LABELS = {
    "expert": ("expert", "expert", "explique la notion aux autres", "explains the notion"),
    "animateur": ("animateur", "facilitator", "distribue la parole", "gives everyone a turn"),
    "secretaire": (
        "secrétaire",
        "note-taker",
        "note les idées et les réponses",
        "writes down ideas and answers",
    ),
    "gardien_du_temps": ("gardien du temps", "timekeeper", "veille au temps", "keeps the time"),
    "rapporteur": (
        "rapporteur",
        "reporter",
        "présente le résultat de l'équipe (l'expliquer consolide)",
        "presents the team's result (explaining it consolidates)",
    ),
}


def _skill_rows(mastery: pd.DataFrame, skill: str, course: str | None) -> pd.DataFrame:
    rows = mastery[mastery["skill"] == skill]
    if course is not None:
        rows = rows[rows["course"] == course]
    if mastery.empty:
        raise BadInputError(
            "no learner yet: groups are made from quiz answers and graded work; run "
            "'parcours collect' and 'parcours autograde' first, or wait for learners' answers."
        )
    if rows.empty:
        known = ", ".join(sorted(mastery["skill"].astype(str).unique())) or "none"
        raise BadInputError(
            f"skill '{skill}': no learner has this skill in the mastery data "
            f"(skills known: {known}). Use a skill id from the course's course.toml."
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
            raise BadInputError(f"course '{cid}': {what} need at least two learners on '{skill}'.")
        yield str(cid), ranked


def _ranked(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Learners strongest first; ties broken by a seeded shuffle (reproducible)."""
    rng = np.random.default_rng(seed)
    shuffled = rows.iloc[rng.permutation(len(rows))]
    return shuffled.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def _fmt(row: Any) -> str:
    return f"{row['mean']:.2f} [{row['low']:.2f}–{row['high']:.2f}], n={int(row['n'])}"


def bands(
    mastery: pd.DataFrame,
    skill: str,
    thresholds: dict[str, float] | None = None,
    course: str | None = None,
) -> pd.DataFrame:
    """Level band of every learner on ``skill``: ``course, learner, skill, n, mean, low,
    high, band, why_fr, why_en``; remediation first, then by mastery."""
    limits = {**DEFAULT_BANDS, **(thresholds or {})}
    low, high = float(limits["remediation"]), float(limits["extension"])
    rows = _skill_rows(mastery, skill, course).copy()
    rows["band"] = np.where(
        rows["mean"] < low,
        "remediation",
        np.where(rows["mean"] >= high, "extension", "consolidation"),
    )
    fr, en = [], []
    for _, r in rows.iterrows():
        band_fr, band_en = BAND_LABELS[r["band"]]
        rule_fr = {
            "remediation": f"< {low:.2f}",
            "extension": f"≥ {high:.2f}",
            "consolidation": f"entre {low:.2f} et {high:.2f}",
        }[r["band"]]
        rule_en = {
            "remediation": f"< {low:.2f}",
            "extension": f"≥ {high:.2f}",
            "consolidation": f"between {low:.2f} and {high:.2f}",
        }[r["band"]]
        note_fr = " (aucune donnée : valeur a priori)" if r["n"] == 0 else ""
        note_en = " (no evidence: prior value)" if r["n"] == 0 else ""
        fr.append(f"{band_fr} : maîtrise de « {skill} » {_fmt(r)} {rule_fr}{note_fr}")
        en.append(f"{band_en}: mastery of '{skill}' {_fmt(r)} {rule_en}{note_en}")
    rows["why_fr"], rows["why_en"] = fr, en
    order = {"remediation": 0, "consolidation": 1, "extension": 2}
    rows = (
        rows.assign(_o=rows["band"].map(order))
        .sort_values(["course", "_o", "mean", "learner"])
        .drop(columns="_o")
    )
    return rows[
        ["course", "learner", "skill", "n", "mean", "low", "high", "band", "why_fr", "why_en"]
    ].reset_index(drop=True)


def pairs(
    mastery: pd.DataFrame, skill: str, seed: int = 2026, course: str | None = None
) -> pd.DataFrame:
    """Complementary pairs (tutor with tutee) on ``skill``: ``course, group, learner,
    role`` ('tutor' | 'tutee' | 'co-tutor'), ``mean, partner, pair_mean, why_fr, why_en``."""
    from scipy.optimize import linear_sum_assignment

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
                other_txt = ", ".join(f"{m['learner']} ({m['mean']:.2f})" for m in others)
                role_fr = {"tutor": "tuteur", "tutee": "tutoré", "co-tutor": "co-tuteur"}[role]
                out.append(
                    dict(
                        course=cid,
                        group=g,
                        learner=member["learner"],
                        role=role,
                        mean=float(member["mean"]),
                        partner=partner,
                        pair_mean=pair_mean,
                        why_fr=(
                            f"{role_fr} : maîtrise de « {skill} » {_fmt(member)} ; avec "
                            f"{other_txt} ; moyenne du groupe {pair_mean:.2f}, classe "
                            f"{avg:.2f}"
                        ),
                        why_en=(
                            f"{role}: mastery of '{skill}' {_fmt(member)}; with {other_txt}; "
                            f"group mean {pair_mean:.2f}, class {avg:.2f}"
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
) -> pd.DataFrame:
    """Heterogeneous teams with asymmetric roles on ``skill``: ``course, team, learner,
    role, role_fr, role_en, mean, team_mean, why_fr, why_en``."""
    if not 2 <= size <= 5:
        raise BadInputError(
            f"a team size of {size}: teams have 2 to 5 members; choose a size in 2..5."
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
            for rank, (_, m) in enumerate(members.iterrows()):
                role = ROLES[len(members)][rank] if len(members) in ROLES else "animateur"
                r_fr, r_en, d_fr, d_en = ROLE_LABELS[role]
                out.append(
                    dict(
                        course=cid,
                        team=t + 1,
                        learner=m["learner"],
                        role=role,
                        role_fr=r_fr,
                        role_en=r_en,
                        mean=float(m["mean"]),
                        team_mean=team_mean,
                        why_fr=(
                            f"équipe {t + 1} ({len(members)} membres, maîtrise moyenne "
                            f"{team_mean:.2f} ; classe {avg:.2f}) ; {r_fr} ({d_fr}) : "
                            f"maîtrise de « {skill} » {_fmt(m)}, rang {rank + 1} dans l'équipe"
                        ),
                        why_en=(
                            f"team {t + 1} ({len(members)} members, mean mastery "
                            f"{team_mean:.2f}; class {avg:.2f}); {r_en} ({d_en}): mastery of "
                            f"'{skill}' {_fmt(m)}, rank {rank + 1} in the team"
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
            f"no team split of {n} learners into sizes {sizes} was found; try another team size."
        ).about("size")
    team_of = np.empty(n, dtype=int)
    for i in range(n):
        for t in range(k):
            if solver.value(x[i][t]):
                team_of[i] = t
    return team_of
