"""The issuer's key and the Open Badges 3.0 credential, signed as a VC-JWT.

The key is an RSA key (RS256, the algorithm every OB 3.0 verifier supports), made once
per deployment in ``<data_dir>/secrets/badges-issuer.jwk`` (0600) with jwcrypto; its
public half is published with the issuer's profile. A credential is the JSON of the
OB 3.0 ``OpenBadgeCredential`` (VC data model 2.0 context and OB 3.0 context); its
VC-JWT carries the credential's properties with the registered claims ``iss`` (the
issuer's id), ``jti`` (the credential's id), ``sub`` (the recipient's), ``nbf`` and
``iat``, in a compact JWS whose header names the key (``kid``).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import BadgeError

if TYPE_CHECKING:
    from jwcrypto import jwk

    from ..config import ParcoursConfig
    from .declared import Badge

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
ALGORITHM = "RS256"
#: where the Parcours service serves badges, under the hub's public address
SERVICE_PATH = "/services/parcours/badges"


def key_path(config: ParcoursConfig) -> Path:
    return Path(config.data_dir) / "secrets" / "badges-issuer.jwk"


def issuer_key(config: ParcoursConfig) -> jwk.JWK:
    """The issuer's private key, made the first time (only its owner may read it)."""
    from jwcrypto import jwk

    from ..safefs import like_parent, read_plain

    path = key_path(config)
    try:  # never read through a link planted in its place (root reads it on a hub)
        return jwk.JWK.from_json(read_plain(path).decode("utf-8"))
    except FileNotFoundError:
        pass
    key = jwk.JWK.generate(kty="RSA", size=2048, alg=ALGORITHM, use="sig")
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        like_parent(path.parent)  # on a hub: the service's, which serves the public key
    made = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(key.export_private())
    like_parent(made)
    try:
        os.link(made, path)  # the first writer wins; a concurrent one reads its key
    except FileExistsError:
        pass
    finally:
        made.unlink()
    return jwk.JWK.from_json(read_plain(path).decode("utf-8"))


def public_jwk(config: ParcoursConfig) -> dict[str, Any]:
    """The issuer's public key as a JWK (``kid``: its RFC 7638 thumbprint)."""
    key = issuer_key(config)
    public: dict[str, Any] = json.loads(key.export_public())
    public.update(kid=key.thumbprint(), alg=ALGORITHM, use="sig")
    return public


def base_url(config: ParcoursConfig) -> str:
    """Where badges are served: the hub's public address (``lrs_home_page``, else
    ``http://<ip>:<hub_port>``) and the service's path."""
    from ..lti.xapi import home_page

    return home_page(config) + SERVICE_PATH


def issuer_profile(config: ParcoursConfig) -> dict[str, Any]:
    """The issuer's OB 3.0 ``Profile`` (its public key included)."""
    from ..lti.xapi import home_page

    base = base_url(config)
    return {
        "@context": CONTEXTS,
        "id": f"{base}/issuer",
        "type": ["Profile"],
        "name": f"Parcours ({home_page(config)})",
        "url": home_page(config),
        "publicKey": public_jwk(config),
    }


def identity_hash(account: str, salt: str) -> str:
    """OB 3.0's hashed identifier: ``sha256$`` and the hex digest of value + salt."""
    return "sha256$" + hashlib.sha256((account + salt).encode()).hexdigest()


@dataclass(frozen=True)
class Recipient:
    """Whom a badge is issued to: her account on the hub and her name as the roster
    gives it (both recorded as they are; escaped wherever they are shown)."""

    account: str
    name: str


def credential(
    config: ParcoursConfig,
    ident: str,
    course_id: str,
    course_title: str,
    badge: Badge,
    recipient: Recipient,
    issued: datetime,
) -> dict[str, Any]:
    """The ``OpenBadgeCredential`` of ``badge`` for ``recipient`` (unsigned)."""
    from ..lti.xapi import home_page

    base = base_url(config)
    salt = secrets.token_hex(8)
    course = f"{home_page(config)}/courses/{course_id}"
    return {
        "@context": CONTEXTS,
        "id": f"urn:uuid:{ident}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{base}/issuer", "type": ["Profile"],
                   "name": issuer_profile(config)["name"]},
        "validFrom": issued.isoformat(timespec="seconds"),
        "name": badge.name,
        "credentialSubject": {
            "id": f"urn:uuid:{ident}#recipient",
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "identifier", "hashed": True,
                 "identityHash": identity_hash(recipient.account, salt), "salt": salt},
                {"type": "IdentityObject", "identityType": "name", "hashed": False,
                 "identityHash": recipient.name},
            ],
            "achievement": {
                "id": f"{course}/badges/{badge.id}",
                "type": ["Achievement"],
                "name": badge.name,
                "description": badge.description,
                "criteria": {"narrative": badge.criteria},
                "achievementType": "Badge",
                "alignment": [{"type": ["Alignment"], "targetName": course_title,
                               "targetUrl": course}],
            },
        },
        "credentialStatus": {"id": f"{base}/revocations#{ident}",
                             "type": "1EdTechRevocationList"},
    }  # fmt: skip


def sign(config: ParcoursConfig, made: dict[str, Any]) -> str:
    """The credential as a VC-JWT (compact JWS, RS256)."""
    from jwcrypto import jws
    from jwcrypto.common import json_encode

    key = issuer_key(config)
    issued = datetime.fromisoformat(made["validFrom"])
    claims = {
        **made,
        "iss": made["issuer"]["id"],
        "jti": made["id"],
        "sub": made["credentialSubject"]["id"],
        "nbf": int(issued.timestamp()),
        "iat": int(issued.timestamp()),
    }
    token = jws.JWS(json.dumps(claims, ensure_ascii=False, sort_keys=True).encode())
    token.add_signature(
        key, None, json_encode({"alg": ALGORITHM, "typ": "JWT", "kid": key.thumbprint()})
    )
    return str(token.serialize(compact=True))


def verified_claims(config: ParcoursConfig, token: str) -> dict[str, Any]:
    """The claims of a VC-JWT signed by this issuer's key; :class:`BadgeError` when its
    signature does not hold (altered, or signed by another key)."""
    from jwcrypto import jws

    try:
        check = jws.JWS()
        check.deserialize(token)
        check.verify(issuer_key(config), alg=ALGORITHM)
        claims: dict[str, Any] = json.loads(check.payload)
    except (jws.InvalidJWSObject, jws.InvalidJWSSignature, ValueError) as error:
        raise BadgeError(
            _("This credential's signature does not hold: {reason}").format(reason=error)
        ) from None
    return claims
