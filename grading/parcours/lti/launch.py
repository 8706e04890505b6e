"""An LTI 1.3 launch: OIDC login initiation, then the id token checked.

1. The platform calls the tool's login URL (third-party initiated login) with ``iss``,
   ``login_hint``, ``target_link_uri``, ``lti_message_hint`` and maybe ``client_id``:
   :func:`login_redirect` remembers a fresh ``state`` and ``nonce`` (``launch_states``)
   and answers the platform's authentication request URL.
2. The platform posts ``id_token`` and ``state`` to the launch URL:
   :func:`check_launch` uses the state once (a second use, or one older than
   :data:`STATE_LIFETIME`, is refused), checks the token's signature against the
   platform's JWKS and its claims (``iss``, ``aud``, ``azp``, ``exp``, ``iat``,
   ``nonce``, deployment, version, message type), and returns the :class:`Person`: an
   account name derived from (issuer, ``sub``) only, her Parcours role from her LTI
   roles, her course from the LMS context; the context's service endpoints are kept for
   :mod:`.ags` and :mod:`.nrps`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import LtiLaunchError
from .db import connect
from .platforms import Platform, platform_for

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: seconds a login's state stays usable (the person's browser goes to the LMS and back)
STATE_LIFETIME = 600
#: seconds of clock difference allowed with the platform
LEEWAY = 60
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
#: LTI role (the name after '#', or of a short role) -> Parcours role, first match wins
ROLES = (
    ("TeachingAssistant", "tutor"),
    ("Instructor", "teacher"),
    ("ContentDeveloper", "teacher"),
    ("Administrator", "teacher"),
    ("Learner", "learner"),
)


@dataclass(frozen=True)
class Person:
    """Who a launch (or a roster line of the LMS) is about."""

    issuer: str
    #: the platform's stable id of the person (``sub``)
    subject: str
    #: her JupyterHub account, derived from (issuer, subject)
    account: str
    #: learner, tutor or teacher
    role: str
    #: Parcours course id
    course: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    #: the LMS context (course) id
    context_id: str = ""
    message_type: str = "LtiResourceLinkRequest"
    #: the launch's claims, kept in the hub's ``auth_state``
    claims: dict[str, Any] = field(default_factory=dict, repr=False)


def parcours_role(roles: list[str]) -> str:
    """The Parcours role of LTI roles (full URIs or short names); '' when none maps."""
    names = {str(role).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for role in roles}
    for lti, ours in ROLES:
        if lti in names:
            return ours
    return ""


def login_redirect(config: ParcoursConfig, params: dict[str, str], launch_url: str) -> str:
    """Step 1: the URL of the platform's authentication request for a login initiation
    (``params``, the query or form of the platform's call); ``launch_url`` is where the
    platform posts the id token (registered with it as the redirect URI)."""
    issuer = params.get("iss", "")
    platform = platform_for(config, issuer, params.get("client_id", ""))
    client_id = params.get("client_id") or platform.client_ids[0]
    if not params.get("login_hint"):
        raise LtiLaunchError(_("The LMS's login initiation has no login_hint."))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with connect(config) as db:
        db.execute("DELETE FROM launch_states WHERE made < ?", (time.time() - STATE_LIFETIME,))
        db.execute(
            "INSERT INTO launch_states VALUES (?, ?, ?, ?, ?)",
            (state, nonce, issuer, client_id, time.time()),
        )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": client_id,
        "redirect_uri": launch_url,
        "login_hint": params["login_hint"],
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    return f"{platform.auth_login_url}?{urllib.parse.urlencode(query)}"


def _use_state(config: ParcoursConfig, state: str) -> tuple[str, str, str]:
    """(nonce, issuer, client id) of a state, which can never be used again."""
    with connect(config) as db:
        row = db.execute(
            "DELETE FROM launch_states WHERE state = ? RETURNING nonce, issuer, client_id, made",
            (state,),
        ).fetchone()
    if row is None or row["made"] < time.time() - STATE_LIFETIME:
        raise LtiLaunchError(
            _("This LTI launch is unknown, already used or expired: open the activity again.")
        )
    return row["nonce"], row["issuer"], row["client_id"]


class PlatformKeys:
    """Platforms' public keys, fetched from their JWKS URL and kept for
    :attr:`max_age` seconds (fetched again at once for a key id not seen yet)."""

    max_age = 600.0

    def __init__(self) -> None:
        self._keys: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def keyset(self, url: str, kid: str) -> Any:
        """The JWKS of ``url``, holding ``kid`` if the platform publishes it."""
        from jwcrypto.jwk import JWKSet

        with self._lock:
            fetched, keys = self._keys.get(url, (0.0, None))
        if keys is not None and time.time() - fetched < self.max_age and keys.get_key(kid):
            return keys
        from .client import get_json

        keys = JWKSet.from_json(json.dumps(get_json(url)))
        with self._lock:
            self._keys[url] = (time.time(), keys)
        return keys


KEYS = PlatformKeys()


def _verified_claims(platform: Platform, token: str, keys: PlatformKeys) -> dict[str, Any]:
    from jwcrypto.common import JWException
    from jwcrypto.jws import JWS

    refused = _(
        "The LMS's id token is not valid ({why}): ask the administrator to check "
        "the platform's JWKS URL in c.ParcoursConfig.lti_platforms."
    )
    try:
        jws = JWS()
        jws.deserialize(token)
        header = jws.jose_header
        if header.get("alg") != "RS256":
            raise LtiLaunchError(refused.format(why="alg"))
        key = keys.keyset(str(platform.jwks_url), header.get("kid", "")).get_key(
            header.get("kid", "")
        )
        if key is None:
            raise LtiLaunchError(refused.format(why="kid"))
        jws.verify(key, alg="RS256")
        claims: dict[str, Any] = json.loads(jws.payload)
    except (JWException, ValueError) as error:
        raise LtiLaunchError(refused.format(why=type(error).__name__)) from None
    return claims


def check_launch(
    config: ParcoursConfig, id_token: str, state: str, keys: PlatformKeys = KEYS
) -> Person:
    """Step 2: the person a posted launch is about, after every check (see the module)."""
    nonce, issuer, client_id = _use_state(config, state)
    platform = platform_for(config, issuer, client_id)
    claims = _verified_claims(platform, id_token, keys)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now = time.time()
    problems = [
        (claims.get("iss") != issuer, "iss"),
        (client_id not in audiences, "aud"),
        (len(audiences) > 1 and claims.get("azp") != client_id, "azp"),
        (not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - LEEWAY, "exp"),
        (not isinstance(claims.get("iat"), int | float) or claims["iat"] > now + LEEWAY, "iat"),
        (claims.get("nonce") != nonce, "nonce"),
        (claims.get(CLAIM + "version") != "1.3.0", "version"),
        (claims.get(CLAIM + "message_type") not in MESSAGE_TYPES, "message_type"),
        (not claims.get("sub"), "sub"),
        (
            bool(platform.deployment_ids)
            and claims.get(CLAIM + "deployment_id") not in platform.deployment_ids,
            "deployment_id",
        ),
    ]
    wrong = [name for bad, name in problems if bad]
    if wrong:
        raise LtiLaunchError(
            _("This LTI launch was refused: its {claims} did not check out.").format(
                claims=", ".join(wrong)
            )
        )
    role = parcours_role(list(claims.get(CLAIM + "roles") or []))
    if not role:
        raise LtiLaunchError(
            _("Your role in the LMS gives no access to Parcours (learner, teacher or tutor).")
        )
    context = claims.get(CLAIM + "context") or {}
    context_id = str(context.get("id", ""))
    course = platform.course_of(context_id)
    if not course:
        raise LtiLaunchError(
            _(
                "The LMS course '{context}' ({title}) is not linked to a Parcours course: "
                "add it to 'courses' of its platform in c.ParcoursConfig.lti_platforms."
            ).format(context=context_id[:100], title=str(context.get("title", ""))[:100])
        )
    person = Person(
        issuer=issuer,
        subject=str(claims["sub"]),
        account=platform.account_for(str(claims["sub"])),
        role=role,
        course=course,
        given_name=str(claims.get("given_name", ""))[:100],
        family_name=str(claims.get("family_name", ""))[:100],
        email=str(claims.get("email", ""))[:200],
        context_id=context_id,
        message_type=claims[CLAIM + "message_type"],
        claims=claims,
    )
    remember(config, person, client_id, claims)
    return person


def remember(
    config: ParcoursConfig, person: Person, client_id: str, claims: dict[str, Any]
) -> None:
    """Keep the person's account and the context's service endpoints."""
    stamp = datetime.now(UTC).isoformat()
    ags = claims.get(AGS_CLAIM) or {}
    nrps = claims.get(NRPS_CLAIM) or {}
    with connect(config) as db:
        db.execute(
            "INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?, ?, ?)",
            (person.issuer, person.subject, person.account, person.role, person.course, stamp),
        )
        if person.context_id and (ags.get("lineitems") or nrps.get("context_memberships_url")):
            db.execute(
                "INSERT OR REPLACE INTO contexts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    person.course,
                    person.issuer,
                    client_id,
                    str(claims.get(CLAIM + "deployment_id", "")),
                    person.context_id,
                    str(ags.get("lineitems", "")),
                    str(nrps.get("context_memberships_url", "")),
                    " ".join(str(s) for s in ags.get("scope") or []),
                    stamp,
                ),
            )
