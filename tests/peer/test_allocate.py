"""Allocation of submissions to reviewers: the properties a class relies on, checked on
every small class (exhaustively over sizes, k and team layouts) and on seeded larger ones."""

from __future__ import annotations

import itertools
import random

import pytest
from parcours.peer.allocate import allocate, eligible, loads, reviewers_of


def _learners(n: int) -> list[str]:
    return [f"l{i:03d}" for i in range(n)]


def _check(pairs: list[tuple[str, str]], authors: list[str], k: int, team_of: dict) -> None:
    assert len(set(pairs)) == len(pairs), "a reviewer allocated twice to one submission"
    for author, reviewer in pairs:
        assert eligible(author, reviewer, team_of), (author, reviewer, team_of)
    got = reviewers_of(pairs)
    for author in authors:
        possible = sum(eligible(author, r, team_of) for r in authors)
        assert len(got.get(author, [])) >= min(k, possible), (author, got.get(author))


def _team_layouts(n: int) -> list[dict[str, str]]:
    """No teams, teams of 2, teams of 3 (the last one smaller)."""
    people = _learners(n)
    layouts: list[dict[str, str]] = [{}]
    for size in (2, 3):
        layouts.append({p: f"t{i // size}" for i, p in enumerate(people)})
    return layouts


@pytest.mark.parametrize("n", range(2, 13))
def test_every_small_class(n: int) -> None:
    """Never herself nor a team-mate; k reviewers each; everyone reviews k, exactly
    when no teams constrain it and at most one apart otherwise."""
    people = _learners(n)
    for k, team_of in itertools.product(range(1, 5), _team_layouts(n)):
        pairs = allocate(people, people, k, team_of=team_of, seed="s")
        _check(pairs, people, k, team_of)
        counts = [loads(pairs).get(p, 0) for p in people]
        if not team_of and k < n:
            assert set(counts) == {k}, (n, k, counts)
        elif k < n - 3:
            assert max(counts) - min(counts) <= 1, (n, k, team_of, counts)


def test_deterministic_whatever_the_order() -> None:
    people = _learners(30)
    shuffled = people[:]
    random.Random(4).shuffle(shuffled)
    assert allocate(people, people, 3, seed="x") == allocate(shuffled, shuffled, 3, seed="x")
    assert allocate(people, people, 3, seed="x") != allocate(people, people, 3, seed="y")


@pytest.mark.parametrize("seed", range(20))
def test_late_submissions_add_and_never_move(seed: int) -> None:
    """A run after late hand-ins keeps every allocation made and adds only the late
    submissions' reviewers and reviews for the late reviewers; a run with nothing new
    adds nothing."""
    rng = random.Random(seed)
    people = _learners(rng.randint(5, 40))
    k = rng.randint(1, 4)
    late = rng.sample(people, rng.randint(1, max(1, len(people) // 4)))
    on_time = [p for p in people if p not in late]
    team_of = {p: f"t{i // 3}" for i, p in enumerate(people)} if seed % 2 else {}
    first = allocate(on_time, on_time, k, team_of=team_of, seed=str(seed))
    assert allocate(on_time, on_time, k, existing=first, team_of=team_of, seed=str(seed)) == []
    added = allocate(people, people, k, existing=first, team_of=team_of, seed=str(seed))
    assert not set(added) & set(first)
    everything = first + added
    _check(everything, people, k, team_of)
    for author, reviewer in added:
        # only what is missing: a late submission, or a reviewer short of k
        assert author in late or loads(first).get(reviewer, 0) < k, (author, reviewer)
    for person in late:
        possible = sum(eligible(p, person, team_of) for p in people)
        assert loads(everything).get(person, 0) >= min(k, possible)
    again = allocate(people, people, k, existing=everything, team_of=team_of, seed=str(seed))
    assert again == []


def test_a_class_of_a_thousand_is_balanced() -> None:
    people = _learners(1000)
    team_of = {p: f"t{i // 3}" for i, p in enumerate(people)}
    pairs = allocate(people, people, 3, team_of=team_of, seed="big")
    _check(pairs, people, 3, team_of)
    assert set(loads(pairs).values()) == {3}
