"""The LMS platforms Parcours is a tool of, and the tool's own key.

Each platform is one dict of ``ParcoursConfig.lti_platforms``, checked by
:class:`Platform` (docs/lti.md shows one for Moodle). The tool's RSA key signs its
client assertions (the OAuth2 tokens of AGS and NRPS); it is made on first use in
``ParcoursConfig.lti_key_file`` (0600, in a 0700 folder, never written through a link)
and its public half is served as the tool's JWKS.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from ..i18n import _
from . import LtiConfigurationError, LtiLaunchError

if TYPE_CHECKING:
    from jwcrypto.jwk import JWK

    from ..config import ParcoursConfig


class Platform(BaseModel):
    """One LMS registered with Parcours (its values come from the LMS's tool page)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the platform's ``iss`` (Moodle: its web address)
    issuer: str = Field(min_length=1)
    #: client ids the LMS gave Parcours (one per registration)
    client_ids: list[str] = Field(min_length=1)
    #: where the OIDC authentication request goes
    auth_login_url: HttpUrl
    #: the OAuth2 token endpoint (client credentials, for AGS and NRPS)
    token_url: HttpUrl
    #: the platform's public keys
    jwks_url: HttpUrl
    #: deployment ids accepted; empty: any deployment of these client ids
    deployment_ids: list[str] = []
    #: LMS context (course) id -> Parcours course id
    courses: dict[str, str] = {}
    #: the course of a context not listed in ``courses`` ('' : such launches are refused)
    default_course: str = ""
    #: prefix of the account names of this platform's people
    account_prefix: str = Field(default="lti-", pattern=r"^[a-z][a-z0-9-]{0,9}$")

    def course_of(self, context_id: str) -> str:
        """The Parcours course of an LMS context ('' when none is configured)."""
        return self.courses.get(context_id, self.default_course)

    def account_for(self, subject: str) -> str:
        """The account name of the person ``subject`` (the id token's ``sub``): stable,
        derived from the issuer and ``sub`` only, never from a name the person chooses."""
        digest = hashlib.sha256(f"{self.issuer}\n{subject}".encode()).hexdigest()
        return f"{self.account_prefix}{digest[:12]}"


def platforms(config: ParcoursConfig) -> list[Platform]:
    """The configured platforms, each checked (:class:`LtiConfigurationError` naming the
    entry and the field at fault), then those registered by dynamic registration."""
    from .db import connect

    found = []
    for index, entry in enumerate(config.lti_platforms):
        try:
            found.append(Platform.model_validate(entry))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in problem['loc']) or '-'}: {problem['msg']}"
                for problem in error.errors()
            )
            raise LtiConfigurationError(
                _(
                    "c.ParcoursConfig.lti_platforms[{index}] is wrong ({problems}); see "
                    "docs/lti.md for the fields the LMS's tool registration page gives"
                ).format(index=index, problems=problems)
            ) from None
    if (Path(config.data_dir) / "lti.sqlite").exists():
        with connect(config) as db:
            rows = db.execute("SELECT platform FROM registrations ORDER BY registered").fetchall()
        found.extend(Platform.model_validate_json(row["platform"]) for row in rows)
    return found


def platform_for(config: ParcoursConfig, issuer: str, client_id: str = "") -> Platform:
    """The platform of ``issuer`` (and of ``client_id`` when given); a launch from an
    unknown one is refused."""
    for platform in platforms(config):
        if platform.issuer == issuer and (not client_id or client_id in platform.client_ids):
            return platform
    raise LtiLaunchError(
        _(
            "No LTI platform '{issuer}' with client id '{client}' is registered: add it to "
            "c.ParcoursConfig.lti_platforms (docs/lti.md)"
        ).format(issuer=issuer[:200], client=client_id[:200])
    )


def linked(config: ParcoursConfig, course: str) -> bool:
    """Whether a platform (configured or registered) sends launches to ``course``."""
    if not config.lti_platforms and not (Path(config.data_dir) / "lti.sqlite").exists():
        return False
    return any(
        course in p.courses.values() or p.default_course == course for p in platforms(config)
    )


def key_path(config: ParcoursConfig) -> Path:
    """Where the tool's private key is."""
    return Path(config.lti_key_file or Path(config.data_dir) / "secrets" / "lti-tool.pem")


def tool_key(config: ParcoursConfig) -> JWK:
    """The tool's RSA private key, made (2048 bits, 0600) the first time."""
    from jwcrypto.jwk import JWK

    from ..safefs import open_folder, open_in, read_plain

    path = key_path(config)
    try:
        return _with_kid(JWK.from_pem(read_plain(path)))
    except FileNotFoundError:
        pass
    from ..safefs import like_parent

    try:
        path.parent.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        pass
    else:
        like_parent(path.parent)  # on a hub: the service's, as the data folder
    key = JWK.generate(kty="RSA", size=2048)
    folder = open_folder(path.parent)
    try:
        fd = open_in(folder, path.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made meanwhile by another process
        return _with_kid(JWK.from_pem(read_plain(path)))
    finally:
        os.close(folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_to_pem(private_key=True, password=None))
    like_parent(path)
    return _with_kid(key)


def _with_kid(key: JWK) -> JWK:
    """The key with its RFC 7638 thumbprint as ``kid`` (stable across reads)."""
    data: dict[str, Any] = key.export(private_key=True, as_dict=True)
    data["kid"] = key.thumbprint()
    data["use"] = "sig"
    data["alg"] = "RS256"
    from jwcrypto.jwk import JWK

    return JWK(**data)


def tool_jwks(config: ParcoursConfig) -> dict[str, Any]:
    """The tool's public JWKS, as served at ``/hub/lti/jwks``."""
    public: dict[str, Any] = tool_key(config).export_public(as_dict=True)
    return {"keys": [public]}
