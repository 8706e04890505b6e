"""Pseudonymous learner ids, shared by the recorder (learner side) and analytics."""

from __future__ import annotations

import hashlib

PREFIX = "p-"


def pseudonymize(learner_id: str, salt: str) -> str:
    """The pseudonymous id of a learner: ``"p-" + sha256(salt + ":" + learner_id)[:16]``.

    Stable for a given salt, so that events written from a learner's kernel and the
    nbgrader student ids mapped by analytics meet on the same id.
    """
    digest = hashlib.sha256(f"{salt}:{learner_id}".encode()).hexdigest()
    return PREFIX + digest[:16]


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` already looks like an id made by :func:`pseudonymize`."""
    return (
        len(value) == len(PREFIX) + 16
        and value.startswith(PREFIX)
        and all(ch in "0123456789abcdef" for ch in value[len(PREFIX) :])
    )
