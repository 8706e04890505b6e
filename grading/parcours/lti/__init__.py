"""Parcours as an LTI 1.3 Advantage tool of a training body's LMS (docs/lti.md).

- :mod:`.platforms`: the platforms registered in ``ParcoursConfig.lti_platforms``, the
  tool's own key and its JWKS;
- :mod:`.db`: what the tool remembers (launch states, people, LMS contexts, line items,
  the score outbox) in one SQLite file, ``<data_dir>/lti.sqlite``;
- :mod:`.launch`: OIDC login initiation and the launch's id token checked, the person
  and her Parcours role and course;
- :mod:`.client`: the platform's services reached with an OAuth2 token obtained with a
  signed client assertion;
- :mod:`.ags`: scores passed back through a durable outbox (Assignment and Grade
  Services 2.0);
- :mod:`.nrps`: the course roster synchronised from the LMS (Names and Role
  Provisioning Services 2.0);
- :mod:`.onsubmit`: the early scores of the service's grading on submit, passed back.

The hub's side (login handlers, the authenticator) is :mod:`parcours.hub.lti_login`.
"""

from __future__ import annotations

from ..errors import ConfigurationError, ParcoursError


class LtiError(ParcoursError):
    """An LTI exchange with a platform failed (a launch refused, a service unreachable)."""


class LtiLaunchError(LtiError):
    """A launch refused: its message says what was wrong and what the administrator does."""

    exit_status = 2


class LtiConfigurationError(ConfigurationError):
    """``ParcoursConfig.lti_platforms`` holds something wrong."""
