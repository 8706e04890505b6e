"""Pseudonymous learner ids, shared by the recorder (learner side) and analytics."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "p-"


def pseudonymize(learner_id: str, salt: str) -> str:
    """The pseudonymous id of a learner: ``"p-" + HMAC-SHA256(key, learner_id)[:16]``.

    Keyed (``ParcoursConfig.pseudonym_salt``, a secret made once per deployment): without
    the key nobody can tell whose pseudonym it is, nor compute one. Stable for a given key,
    so that events and the nbgrader student ids mapped by analytics meet on the same id.
    """
    if not salt:
        from ..errors import ConfigurationError

        raise ConfigurationError(
            "no pseudonym key: this process cannot read <data_dir>/secrets/pseudonyms.key "
            "(on the hub, only the Parcours service pseudonymises learners)."
        )
    digest = hmac.new(salt.encode(), learner_id.encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:16]


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` already looks like an id made by :func:`pseudonymize`."""
    return (
        len(value) == len(PREFIX) + 16
        and value.startswith(PREFIX)
        and all(ch in "0123456789abcdef" for ch in value[len(PREFIX) :])
    )
