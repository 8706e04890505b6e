"""Who reviews whom: each submission to ``k`` reviewers, fairly and stably.

Pure functions over learner ids; the record of what was allocated is
:mod:`.records`' business. The rules:

- never the author, never a team-mate of the author (``team_of``);
- each submission gets ``k`` reviewers (fewer only when fewer are eligible);
- load balanced: with every author also a reviewer, everyone reviews ``k`` submissions
  (a repair pass moves new allocations from the most to the least loaded reviewer);
- deterministic: the same inputs (in any order) give the same allocation, ties broken by
  a seeded hash, not by chance;
- stable: allocations already made (``existing``) are never moved or removed; running
  again after a late submission only adds what is missing — the late submission's
  reviewers, and reviews for a reviewer who has fewer than ``k`` to do (she is given
  submissions with the fewest reviews, so some get ``k + 1``).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Mapping, Sequence

#: one allocation: (submission's author, reviewer)
Pair = tuple[str, str]


def _rank(seed: str, *parts: str) -> int:
    """A stable pseudo-random key for tie-breaking (same inputs, same order)."""
    digest = hashlib.sha256("\0".join((seed, *parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


_MASK = (1 << 64) - 1


def _mix(a: int, b: int) -> int:
    """A pair's tie-break key from its two members' keys (splitmix64's finaliser)."""
    z = (a * 0x9E3779B97F4A7C15 + b) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def eligible(author: str, reviewer: str, team_of: Mapping[str, str]) -> bool:
    """Whether ``reviewer`` may review ``author``'s submission: not her own, not her team's."""
    if author == reviewer:
        return False
    team = team_of.get(author)
    return not (team is not None and team_of.get(reviewer) == team)


def allocate(
    authors: Iterable[str],
    reviewers: Iterable[str],
    k: int,
    *,
    existing: Iterable[Pair] = (),
    team_of: Mapping[str, str] | None = None,
    seed: str = "",
) -> list[Pair]:
    """The allocations to add to ``existing`` so that every submission of ``authors`` has
    ``k`` reviewers among ``reviewers`` and every reviewer about ``k`` reviews (see the
    module). Returns only the new pairs, sorted."""
    teams = dict(team_of or {})
    subs = sorted(set(authors))
    pool = sorted(set(reviewers))
    old = sorted(set(existing))
    have: dict[str, set[str]] = {s: set() for s in subs}
    load: dict[str, int] = dict.fromkeys(pool, 0)
    for author, reviewer in old:
        have.setdefault(author, set()).add(reviewer)
        load[reviewer] = load.get(reviewer, 0) + 1
    new: list[Pair] = []

    rank = {name: _rank(seed, name) for name in {*subs, *pool}}
    in_team: dict[str, int] = {}
    for reviewer in pool:
        if reviewer in teams:
            in_team[teams[reviewer]] = in_team.get(teams[reviewer], 0) + 1

    def excluded(author: str) -> int:
        """How many of the pool may not review ``author`` (herself, her team)."""
        if author in teams:
            return in_team.get(teams[author], 0)
        return int(author in pool)

    # 1. every submission up to k reviewers, the most constrained first: from the least
    # loaded reviewers, each submission starting at its own (hashed) place among them
    levels: dict[int, list[tuple[int, str]]] = {}
    for reviewer in pool:
        levels.setdefault(load[reviewer], []).append((rank[reviewer], reviewer))
    for members in levels.values():
        members.sort()
    order = sorted(subs, key=lambda s: (-excluded(s) - len(have[s]), rank[s]))
    for author in order:
        need = k - len(have[author])
        if need <= 0:
            continue
        chosen: list[str] = []
        for level in sorted(levels):
            row = levels[level]
            # each reviewer from her own hashed place in the row: well-mixed groups of
            # reviewers (their biases are told apart through the submissions they share)
            for draw in range(len(row)):
                if len(chosen) == need:
                    break
                first = bisect.bisect_left(row, (_mix(rank[author], draw + 1), ""))
                for step in range(len(row)):
                    reviewer = row[(first + step) % len(row)][1]
                    if (
                        reviewer not in chosen
                        and reviewer not in have[author]
                        and eligible(author, reviewer, teams)
                    ):
                        chosen.append(reviewer)
                        break
                else:
                    break  # nobody eligible left in this row
            if len(chosen) == need:
                break
        for reviewer in chosen:
            item = (rank[reviewer], reviewer)
            row = levels[load[reviewer]]
            del row[bisect.bisect_left(row, item)]
            bisect.insort(levels.setdefault(load[reviewer] + 1, []), item)
            have[author].add(reviewer)
            load[reviewer] += 1
            new.append((author, reviewer))
    # 2. repair: move new pairs from the most to the least loaded reviewer
    _balance(new, have, load, teams, rank, pool)
    # 3. a reviewer with fewer than k reviews (a late submitter) gets some more
    for reviewer in sorted(pool, key=lambda r: (load[r], rank[r])):
        while load[reviewer] < k:
            options = [s for s in subs if reviewer not in have[s] and eligible(s, reviewer, teams)]
            if not options:
                break
            author = min(options, key=lambda s: (len(have[s]), _mix(rank[s], rank[reviewer])))
            have[author].add(reviewer)
            load[reviewer] += 1
            new.append((author, reviewer))
    return sorted(new)


def _balance(
    new: list[Pair],
    have: dict[str, set[str]],
    load: dict[str, int],
    teams: Mapping[str, str],
    rank: Mapping[str, int],
    pool: list[str],
) -> None:
    """Move new pairs (never old ones) from over- to under-loaded reviewers until loads
    differ by at most one, or nothing can move."""
    for _round in range(len(new) * 2 + 1):
        by_load = sorted(pool, key=lambda r: (load[r], rank[r]))
        moved = False
        for low in by_load:
            for high in reversed(by_load):
                if load[high] - load[low] <= 1:
                    break
                movable = [
                    i
                    for i, (author, reviewer) in enumerate(new)
                    if reviewer == high and low not in have[author] and eligible(author, low, teams)
                ]
                if movable:
                    index = min(movable, key=lambda i: _mix(rank[new[i][0]], rank[low]))
                    author, _old = new[index]
                    have[author].discard(high)
                    have[author].add(low)
                    load[high] -= 1
                    load[low] += 1
                    new[index] = (author, low)
                    moved = True
                    break
            if moved:
                break
        if not moved:
            return


def loads(pairs: Iterable[Pair]) -> dict[str, int]:
    """Reviewer -> how many submissions she reviews."""
    found: dict[str, int] = {}
    for _author, reviewer in pairs:
        found[reviewer] = found.get(reviewer, 0) + 1
    return found


def reviewers_of(pairs: Iterable[Pair]) -> dict[str, list[str]]:
    """Author -> her submission's reviewers, sorted."""
    found: dict[str, list[str]] = {}
    for author, reviewer in pairs:
        found.setdefault(author, []).append(reviewer)
    return {a: sorted(rs) for a, rs in sorted(found.items())}


def teams_from_rows(rows: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """learner -> team from rows with ``learner`` and ``team`` (a CSV of ``parcours
    groups --mode teams --csv``'s shape with nbgrader ids, or one written by hand)."""
    return {
        str(row["learner"]).strip(): str(row["team"]).strip()
        for row in rows
        if str(row.get("learner", "")).strip() and str(row.get("team", "")).strip()
    }
