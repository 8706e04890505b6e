"""LTI Dynamic Registration 1.0: an administrator registers Parcours in the LMS from one
URL.

``parcours lti COURSE register-url`` makes a one-use ticket (:func:`new_ticket`, kept
hashed for :data:`TICKET_LIFETIME` seconds) and prints the hub's registration URL
holding it; the administrator pastes it in the LMS (Moodle: *Manage tools → Tool URL →
Add LTI Advantage*). The LMS opens it with ``openid_configuration`` and
``registration_token``; :func:`register` reads the platform's OpenID configuration
(its issuer must be the configuration URL's origin), posts the tool's registration
(redirect and login URLs, JWKS, scopes of AGS and NRPS, deep linking), and keeps the
platform it gets back (its client id; launches from any context go to the ticket's
course until ``courses`` says otherwise in ``c.ParcoursConfig.lti_platforms``).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import urllib.parse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import LtiLaunchError
from .ags import SCOPES as AGS_SCOPES
from .client import request
from .db import connect
from .nrps import SCOPE as NRPS_SCOPE
from .platforms import Platform

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: seconds a registration URL stays usable
TICKET_LIFETIME = 3600
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def new_ticket(config: ParcoursConfig, course: str) -> str:
    """A one-use ticket allowing one registration, whose launches go to ``course``."""
    ticket = secrets.token_urlsafe(24)
    with connect(config) as db:
        db.execute(
            "INSERT INTO registration_tickets VALUES (?, ?, ?)",
            (_digest(ticket), course, time.time()),
        )
    return ticket


def _use_ticket(config: ParcoursConfig, ticket: str) -> str:
    with connect(config) as db:
        row = db.execute(
            "DELETE FROM registration_tickets WHERE digest = ? RETURNING course, made",
            (_digest(ticket),),
        ).fetchone()
    if row is None or row["made"] < time.time() - TICKET_LIFETIME:
        raise LtiLaunchError(
            _(
                "This registration URL is unknown, already used or expired: make a new one "
                "with 'parcours lti COURSE register-url'."
            )
        )
    return str(row["course"])


def register(
    config: ParcoursConfig,
    ticket: str,
    openid_configuration: str,
    registration_token: str,
    hub_url: str,
) -> Platform:
    """Register Parcours with the platform (see the module); the platform kept."""
    course = _use_ticket(config, ticket)
    found = request("GET", openid_configuration, token=registration_token).body or {}
    origin = urllib.parse.urlsplit(openid_configuration)
    issuer = str(found.get("issuer", ""))
    if urllib.parse.urlsplit(issuer)[:2] != origin[:2] or not found.get("registration_endpoint"):
        raise LtiLaunchError(
            _("The LMS's OpenID configuration does not match its address ({issuer}).").format(
                issuer=issuer[:200]
            )
        )
    hub = hub_url.rstrip("/")
    host = urllib.parse.urlsplit(hub).hostname or ""
    tool: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": f"{hub}/hub/lti/login",
        "redirect_uris": [f"{hub}/hub/lti/launch"],
        "client_name": "Parcours",
        "jwks_uri": f"{hub}/hub/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{AGS_SCOPES} {NRPS_SCOPE}",
        TOOL_CONFIGURATION: {
            "domain": host,
            "target_link_uri": f"{hub}/hub/lti/launch",
            "claims": ["iss", "sub", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest", "target_link_uri": f"{hub}/hub/lti/launch"},
            ],
        },
    }
    answer = (
        request(
            "POST", str(found["registration_endpoint"]), token=registration_token, body=tool
        ).body
        or {}
    )
    if not answer.get("client_id"):
        raise LtiLaunchError(_("The LMS registered Parcours without giving it a client id."))
    deployment = (answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id")
    platform = Platform(
        issuer=issuer,
        client_ids=[str(answer.get("client_id", ""))],
        auth_login_url=found["authorization_endpoint"],
        token_url=found["token_endpoint"],
        jwks_url=found["jwks_uri"],
        deployment_ids=[str(deployment)] if deployment else [],
        default_course=course,
    )
    with connect(config) as db:
        db.execute(
            "INSERT OR REPLACE INTO registrations VALUES (?, ?, ?, ?)",
            (
                platform.issuer,
                platform.client_ids[0],
                platform.model_dump_json(),
                datetime.now(UTC).isoformat(),
            ),
        )
    return platform
