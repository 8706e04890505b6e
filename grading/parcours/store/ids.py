"""Pseudonymous learner ids, shared by the recorder (learner side) and analytics."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import ParcoursConfig

PREFIX = "p-"
#: the actor of a learner's own events as their processes see them on the hub, where the
#: Parcours service writes the pseudonym (from the token) and never shows it to learners
SELF = "p-self"


def pseudonymize(learner_id: str, salt: str) -> str:
    """The pseudonymous id of a learner: ``"p-" + HMAC-SHA256(key, learner_id)[:16]``.

    Keyed (``ParcoursConfig.pseudonym_salt``, a secret made once per deployment): without
    the key nobody can tell whose pseudonym it is, nor compute one. Stable for a given key,
    so that events and the nbgrader student ids mapped by analytics meet on the same id.
    """
    if not salt:
        from ..errors import ConfigurationError
        from ..i18n import _

        raise ConfigurationError(
            _(
                "No pseudonym key: this process cannot read <data_dir>/secrets/pseudonyms.key"
                " (on the hub, only the Parcours service pseudonymises learners)."
            )
        )
    digest = hmac.new(salt.encode(), learner_id.encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:16]


def own_actor(learner_id: str, config: ParcoursConfig) -> str:
    """The actor of ``learner_id``'s events as their own processes write and read them:
    :data:`SELF` on the hub (``service_url`` set: events go through the Parcours service,
    which alone holds the pseudonym key), else their pseudonym."""
    if config.service_url:  # set by the hub in each person's server
        return SELF
    return pseudonymize(learner_id, config.pseudonym_salt)


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` already looks like an id made by :func:`pseudonymize`."""
    return (
        len(value) == len(PREFIX) + 16
        and value.startswith(PREFIX)
        and all(ch in "0123456789abcdef" for ch in value[len(PREFIX) :])
    )
