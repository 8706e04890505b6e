"""Who is who on the staff's pages: the name a coordinator or a teacher reads for a learner.

The analytics frames key learners by pseudonym (``p-…``, :mod:`..store.ids`): that is what
exports and analytics files carry. Staff who may see a learner read her name instead —
the roster's first and last name with her login (``Alice Martin (alice)``), else her login
(``apprenant00002``), the same text in the learners-at-risk table, the status heatmap, the
differentiation groups, the workload alerts and the follow-ups, so that their rows can be
matched. The pseudonym is shown only for a learner whom no roster or gradebook knows (seen
in events only). :func:`learner_names` is the one place that maps pseudonyms back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .data import DashboardData


def label(name: str, login: str, pseudonym: str = "") -> str:
    """What a person reads for one learner: ``name (login)``, else the login, else the
    pseudonym."""
    if name and login:
        return f"{name} ({login})"
    return login or name or pseudonym


def learner_names(data: DashboardData) -> dict[str, tuple[str, str]]:
    """Each learner of ``data`` by pseudonym: (login, what staff read, see :func:`label`),
    from the rosters (``memberships``) and the gradebooks (``frames.learners``). Computed
    once per data."""

    def compute() -> dict[str, tuple[str, str]]:
        logins: dict[str, str] = {}
        names: dict[str, str] = {}
        m = data.memberships
        roster_names = m["name"] if "name" in m.columns else [""] * len(m)
        for pseudo, login, name in zip(m["learner"], m["student_id"], roster_names, strict=True):
            if login and not logins.get(pseudo):
                logins[pseudo] = str(login)
            if isinstance(name, str) and name and not names.get(pseudo):
                names[pseudo] = name
        known = data.frames.learners
        for pseudo, login in zip(known["learner"], known["student_id"], strict=True):
            if isinstance(login, str) and login and not logins.get(pseudo):
                logins[pseudo] = login
        every = set(logins) | set(names) | set(known["learner"])
        return {
            str(p): (logins.get(p, ""), label(names.get(p, ""), logins.get(p, ""), str(p)))
            for p in every
        }

    return data.cached("learner-names", compute)


def names_of(data: DashboardData, pseudonyms: Iterable[str]) -> list[str]:
    """What staff read for each of ``pseudonyms`` (the pseudonym itself when unknown)."""
    known = learner_names(data)
    return [known[p][1] if p in known else str(p) for p in pseudonyms]


#: a pseudonym as :func:`..store.ids.pseudonymize` writes it
PSEUDONYM = re.compile(r"\bp-[0-9a-f]{16}\b")


def with_names(data: DashboardData, frame: pd.DataFrame, *texts: str) -> pd.DataFrame:
    """``frame`` (keyed by pseudonym in ``learner``) with a ``name`` column to show, and,
    for each of its ``texts`` columns, a ``<column>_named`` one: its text with the
    pseudonyms written there (a pair's partner, in ``why``) replaced by names. The
    columns of ``frame`` stay as they are (an export keeps them, without the added ones:
    see :func:`pseudonymous`)."""
    known = learner_names(data)

    def named(text: object) -> object:
        if not isinstance(text, str):
            return text
        return PSEUDONYM.sub(lambda m: known[m[0]][1] if m[0] in known else m[0], text)

    shown = frame.assign(name=names_of(data, frame["learner"]) if len(frame) else [])
    for column in texts:
        if column in shown.columns:
            shown[f"{column}_named"] = [named(t) for t in shown[column]]
    return shown


def pseudonymous(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without what :func:`with_names` added: what an export carries."""
    added = [c for c in frame.columns if c == "name" or str(c).endswith("_named")]
    return frame.drop(columns=added)


def name_of_login(data: DashboardData, login: str) -> str:
    """What staff read for the learner whose login (nbgrader's student id) is ``login``
    (the login itself when ``data`` does not know it)."""

    def by_login() -> dict[str, str]:
        return {found: shown for found, shown in learner_names(data).values() if found}

    return data.cached("learner-names-by-login", by_login).get(login, login)


def logins_of(data: DashboardData, pseudonyms: Iterable[str]) -> set[str]:
    """The logins of ``pseudonyms`` (those known to a roster or a gradebook)."""
    known = learner_names(data)
    return {known[p][0] for p in pseudonyms if p in known and known[p][0]}
