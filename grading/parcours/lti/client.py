"""The platform's services (AGS, NRPS) reached over HTTP with an OAuth2 access token.

The token comes from the platform's token endpoint with the client-credentials grant
and a client assertion: a JWT signed with the tool's key (``iss`` = ``sub`` = client
id, ``aud`` = token URL, a fresh ``jti``), as LTI Security Framework 1.0 asks. Tokens
are kept until shortly before they expire, per (platform, client id, scopes).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import LtiError
from .platforms import tool_key

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from .platforms import Platform

#: seconds an HTTP call to a platform may take
TIMEOUT = 30.0
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class ServiceError(LtiError):
    """A platform's service answered an error (or nothing): ``status`` is its HTTP status
    (0 when unreachable); ``transient`` when trying again later may succeed."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        """Whether a retry may succeed (unreachable, 408, 429 or a server error)."""
        return self.status in (0, 408, 429) or self.status >= 500


@dataclass(frozen=True)
class Response:
    """A platform's answer: its JSON body and its headers."""

    body: Any
    headers: dict[str, str]


def request(
    method: str,
    url: str,
    *,
    token: str = "",
    body: Any = None,
    form: dict[str, str] | None = None,
    content_type: str = "application/json",
    accept: str = "application/json",
) -> Response:
    """One HTTP call; a failure is a :class:`ServiceError`."""
    data = None
    headers = {"Accept": accept}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=TIMEOUT) as answer:
            text = answer.read()
            found = {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as error:
        raise ServiceError(
            _("{method} {url} answered {status}: {reason}").format(
                method=method, url=url, status=error.code, reason=str(error.reason)[:200]
            ),
            error.code,
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise ServiceError(
            _("{method} {url} could not be reached: {reason}").format(
                method=method, url=url, reason=str(error)[:200]
            )
        ) from None
    try:
        return Response(json.loads(text) if text.strip() else None, found)
    except ValueError:
        raise ServiceError(
            _("{method} {url} answered something that is not JSON").format(method=method, url=url),
            502,
        ) from None


def get_json(url: str) -> Any:
    """The JSON document at ``url`` (a platform's JWKS)."""
    return request("GET", url).body


class Tokens:
    """Access tokens per (token URL, client id, scopes), kept until 30 s before expiry."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, config: ParcoursConfig, platform: Platform, client_id: str, scopes: str) -> str:
        """An access token for ``scopes`` (space-separated)."""
        key = (str(platform.token_url), client_id, scopes)
        with self._lock:
            expires, token = self._tokens.get(key, (0.0, ""))
        if token and expires > time.time() + 30:
            return token
        from jwcrypto.jwt import JWT

        signing = tool_key(config)
        now = int(time.time())
        assertion = JWT(
            header={"alg": "RS256", "typ": "JWT", "kid": signing.kid},
            claims={
                "iss": client_id,
                "sub": client_id,
                "aud": str(platform.token_url),
                "iat": now,
                "exp": now + 300,
                "jti": secrets.token_urlsafe(16),
            },
        )
        assertion.make_signed_token(signing)
        answer = request(
            "POST",
            str(platform.token_url),
            form={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion.serialize(),
                "scope": scopes,
            },
        ).body
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise ServiceError(
                _("The LMS's token endpoint {url} gave no access token").format(
                    url=platform.token_url
                ),
                502,
            )
        token = str(answer["access_token"])
        with self._lock:
            self._tokens[key] = (time.time() + float(answer.get("expires_in", 3600)), token)
        return token


TOKENS = Tokens()
