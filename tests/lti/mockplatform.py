"""A mock LTI 1.3 platform (an LMS), built from the published 1EdTech specifications, on
a real HTTP server (tornado, loopback, its own thread and event loop):

- its JWKS (``/jwks``), its keys made at start;
- OIDC authentication requests (``/auth``, LTI Core 1.3 §5.1.1): the request's fields
  checked, an auto-posting HTML form answered with the signed id token and the state;
- its OAuth2 token endpoint (``/token``, LTI Security Framework 1.0 §4.1): the
  client-credentials grant with a JWT client assertion checked against the tool's
  public key, tokens carrying the scopes granted;
- AGS 2.0: line items per context (``GET``/``POST``), results (``user_id`` filter),
  scores (a score not newer than the one held is ignored, §3.4.8), failures injected;
- NRPS 2.0: memberships in pages of ``page_size`` with ``Link: rel="next"``;
- the page a person opens in the LMS to use the tool (``/launch/<login hint>``, its
  ``?message=deep-linking`` for a teacher adding an activity, ``?link=N`` for the N-th
  activity made by deep linking, its custom parameters sent): an auto-posting form to
  the tool's login initiation URL (LTI Core 1.3 §5.1.1, third-party initiated login);
- Deep Linking 2.0's return URL, keeping the content items (and their line items).

What an instructor does in the LMS is a method (:meth:`MockPlatform.instructor_sets`);
:meth:`MockPlatform.wait_until` waits for what the tool sends (no polling).
"""

from __future__ import annotations

import asyncio
import html
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from jwcrypto.jwk import JWK, JWKSet
from jwcrypto.jwt import JWT

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ROLE = {
    "learner": [MEMBERSHIP + "Learner"],
    "teacher": [MEMBERSHIP + "Instructor"],
    "ta": [MEMBERSHIP + "Instructor", "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"],
}  # fmt: skip


@dataclass
class User:
    sub: str
    role: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    status: str = "Active"


@dataclass
class MockPlatform:
    """The LMS's state; :meth:`start` serves it."""

    client_id: str = "parcours-client"
    deployment_id: str = "dep-1"
    context_id: str = "moodle-course-7"
    tool_jwks: dict[str, Any] = field(default_factory=dict)
    redirect_uris: list[str] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    page_size: int = 2
    #: the next n score posts answer 503
    fail_scores: int = 0
    #: lineitem id -> line item
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (lineitem id, user) -> result (resultScore, resultMaximum, timestamp, progress)
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: every score post received, accepted or not
    score_posts: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, set[str]] = field(default_factory=dict)
    #: the registration token an administrator's "Add LTI Advantage" hands the tool
    registration_token: str = "reg-token-1"
    #: tool registrations received (Dynamic Registration 1.0)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    #: activities made by deep linking (the content items received)
    links: list[dict[str, Any]] = field(default_factory=list)
    #: id token claims overridden in the next launch (to test refusals)
    tamper: dict[str, Any] = field(default_factory=dict)
    #: the tool's OIDC login initiation URL (where the LMS's launch page posts)
    tool_login_url: str = ""
    port: int = 0

    def __post_init__(self) -> None:
        self.key = JWK.generate(kty="RSA", size=2048, kid="platform-1", use="sig", alg="RS256")
        #: notified each time the tool changes something held here (scores, links)
        self.changed = threading.Condition()

    def wait_until(self, holds: Any, timeout: float = 120.0) -> Any:
        """Wait until ``holds()`` is true (checked at each change the tool makes); its
        value. An AssertionError after ``timeout`` seconds."""
        with self.changed:
            found = self.changed.wait_for(holds, timeout)
        assert found, f"the LMS did not get what was expected in {timeout} s"
        return found

    def touched(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def progress(self, lineitem: str, sub: str) -> tuple[Any, Any, Any]:
        """(score, activityProgress, gradingProgress) the LMS holds for a learner."""
        held = self.results.get((lineitem, sub), {})
        return (
            held.get("resultScore"),
            held.get("activityProgress"),
            held.get("gradingProgress"),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self, **extra: Any) -> dict[str, Any]:
        """The dict an administrator puts in ``c.ParcoursConfig.lti_platforms``."""
        return {
            "issuer": self.issuer,
            "client_ids": [self.client_id],
            "auth_login_url": self.url + "/auth",
            "token_url": self.url + "/token",
            "jwks_url": self.url + "/jwks",
            "deployment_ids": [self.deployment_id],
            **extra,
        }

    def id_token(self, user: User, nonce: str, overrides: dict[str, Any]) -> str:
        now = int(time.time())
        base = self.url + f"/contexts/{self.context_id}"
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": user.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            "name": "admin",  # chosen by the person: must never make the account
            CLAIM + "version": "1.3.0",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": self.redirect_uris[0] if self.redirect_uris else "",
            CLAIM + "resource_link": {"id": "link-1"},
            CLAIM + "roles": ROLE[user.role],
            CLAIM + "context": {"id": self.context_id, "label": "PY101", "title": "Python"},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitems": base + "/lineitems",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": base + "/memberships",
                "service_versions": ["2.0"],
            },
        }
        claims.update(overrides)
        token = JWT(header={"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims=claims)
        token.make_signed_token(self.key)
        return token.serialize()

    def deep_linking_request(self) -> dict[str, Any]:
        """The claims that make the next launch a deep-linking request (Deep Linking 2.0)."""
        return {
            CLAIM + "message_type": "LtiDeepLinkingRequest",
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": self.url + "/deeplink/return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "auto_create": True,
                "data": "opaque-123",
            },
        }

    def registration_account(self, login_hint: str) -> str:
        """The account Parcours should make for a user (as platforms.account_for)."""
        from parcours.lti.platforms import Platform

        return Platform.model_validate(self.registration()).account_for(self.users[login_hint].sub)

    def instructor_sets(self, lineitem: str, sub: str, score: float) -> None:
        """An instructor changes a learner's grade in the LMS's gradebook."""
        held = self.results.setdefault((lineitem, sub), {})
        held.update(resultScore=score, timestamp=time.strftime("%Y-%m-%dT%H:%M:%S+00:00"))

    # -- serving ----------------------------------------------------------------------
    def start(self) -> None:
        from tests.lti.mockregistration import OpenIdConfiguration, Register

        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            app = tornado.web.Application(
                [
                    (r"/jwks", Jwks, {"platform": self}),
                    (r"/auth", Auth, {"platform": self}),
                    (r"/token", Token, {"platform": self}),
                    (r"/contexts/([^/]+)/lineitems", LineItems, {"platform": self}),
                    (r"/lineitems/([^/]+)/results", Results, {"platform": self}),
                    (r"/lineitems/([^/]+)/scores", Scores, {"platform": self}),
                    (r"/contexts/([^/]+)/memberships", Memberships, {"platform": self}),
                    (r"/deeplink/return", DeepLinkReturn, {"platform": self}),
                    (r"/.well-known/openid-configuration", OpenIdConfiguration, {"platform": self}),
                    (r"/launch/([^/]+)", LaunchPage, {"platform": self}),
                    (r"/register", Register, {"platform": self}),
                ]
            )
            self.server = app.listen(0, address="127.0.0.1")
            self.port = next(iter(self.server._sockets.values())).getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(10)

    def stop(self) -> None:
        async def close() -> None:
            self.server.stop()
            self.loop.stop()

        self.loop.call_soon_threadsafe(lambda: asyncio.ensure_future(close()))
        self.thread.join(10)
        self.loop.close()


class Handler(tornado.web.RequestHandler):
    def initialize(self, platform: MockPlatform) -> None:
        self.platform = platform

    def answer(self, body: Any, content_type: str = "application/json") -> None:
        self.set_header("Content-Type", content_type)
        self.finish(json.dumps(body))

    def require(self, scope: str) -> None:
        """A bearer token granted ``scope`` (401 otherwise)."""
        auth = self.request.headers.get("Authorization", "")
        granted = self.platform.tokens.get(auth.removeprefix("Bearer "), set())
        if not auth.startswith("Bearer ") or scope not in granted:
            raise tornado.web.HTTPError(401)


class Jwks(Handler):
    def get(self) -> None:
        self.answer({"keys": [self.platform.key.export_public(as_dict=True)]})


class Auth(Handler):
    def get(self) -> None:
        p = self.platform
        arg = self.get_query_argument
        checks = [
            arg("scope") == "openid",
            arg("response_type") == "id_token",
            arg("response_mode") == "form_post",
            arg("prompt") == "none",
            arg("client_id") == p.client_id,
            arg("redirect_uri") in p.redirect_uris,
            bool(arg("state")) and bool(arg("nonce")),
        ]
        if not all(checks) or arg("login_hint") not in p.users:
            raise tornado.web.HTTPError(400)
        claims = dict(p.tamper)
        hint = arg("lti_message_hint", "")
        if hint == "deep-linking":  # what the launch page asked
            claims = p.deep_linking_request() | claims
        elif hint.startswith("link-"):  # an activity made by deep linking: its link, its
            # custom parameters (LTI Core 1.3 §5.4.1, Deep Linking 2.0 §3.4.3.3)
            number = int(hint.removeprefix("link-"))
            if not 0 < number <= len(p.links):
                raise tornado.web.HTTPError(404)
            item = p.links[number - 1]
            claims = {
                CLAIM + "resource_link": {"id": hint, "title": str(item.get("title", ""))},
                CLAIM + "custom": dict(item.get("custom") or {}),
            } | claims
        token = p.id_token(p.users[arg("login_hint")], arg("nonce"), claims)
        fields = {"id_token": token, "state": arg("state")}
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        self.finish(
            f'<form method="post" action="{html.escape(arg("redirect_uri"))}">{inputs}</form>'
            "<script>document.forms[0].submit()</script>"
        )


class Token(Handler):
    def post(self) -> None:
        p, arg = self.platform, self.get_body_argument
        if arg("grant_type") != "client_credentials" or arg("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            raise tornado.web.HTTPError(400)
        keys = JWKSet.from_json(json.dumps(p.tool_jwks))
        try:
            assertion = JWT(jwt=arg("client_assertion"), key=keys, algs=["RS256"])
            claims = json.loads(assertion.claims)
        except Exception:  # any signature or format problem: refused as the spec says
            raise tornado.web.HTTPError(401) from None
        if (
            claims.get("iss") != p.client_id
            or claims.get("sub") != p.client_id
            or claims.get("aud") != p.url + "/token"
            or not claims.get("jti")
        ):
            raise tornado.web.HTTPError(401)
        token = secrets.token_urlsafe(16)
        p.tokens[token] = set(arg("scope").split())
        self.answer({"access_token": token, "token_type": "bearer", "expires_in": 3600})


SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"


class LineItems(Handler):
    def get(self, context: str) -> None:
        self.require(SCOPE + "lineitem")
        wanted = self.get_query_argument("resource_id", None)
        items = [i for i in self.platform.lineitems.values() if wanted in (None, i["resourceId"])]
        self.answer(items, "application/vnd.ims.lis.v2.lineitemcontainer+json")

    def post(self, context: str) -> None:
        self.require(SCOPE + "lineitem")
        assert self.request.headers["Content-Type"] == "application/vnd.ims.lis.v2.lineitem+json"
        item = json.loads(self.request.body)
        ident = f"li{len(self.platform.lineitems) + 1}"
        item["id"] = f"{self.platform.url}/lineitems/{ident}"
        self.platform.lineitems[ident] = item
        self.set_status(201)
        self.answer(item, "application/vnd.ims.lis.v2.lineitem+json")


class Results(Handler):
    def get(self, ident: str) -> None:
        self.require(SCOPE + "result.readonly")
        user = self.get_query_argument("user_id", None)
        top = self.platform.lineitems[ident]["scoreMaximum"]
        found = [
            {"userId": sub, "resultScore": r["resultScore"], "resultMaximum": top}
            | ({"comment": r["comment"]} if r.get("comment") else {})  # AGS: optional
            for (item, sub), r in self.platform.results.items()
            if item == ident and user in (None, sub) and r.get("resultScore") is not None
        ]
        self.answer(found, "application/vnd.ims.lis.v2.resultcontainer+json")


class Scores(Handler):
    def post(self, ident: str) -> None:
        self.require(SCOPE + "score")
        assert self.request.headers["Content-Type"] == "application/vnd.ims.lis.v1.score+json"
        p = self.platform
        score = json.loads(self.request.body)
        p.score_posts.append(score)
        if p.fail_scores:
            p.fail_scores -= 1
            raise tornado.web.HTTPError(503)
        held = p.results.setdefault((ident, score["userId"]), {})
        if held.get("timestamp", "") >= score["timestamp"]:
            self.set_status(200)  # not newer than what is held: ignored (AGS §3.4.8)
            self.finish()
            return
        top = p.lineitems[ident]["scoreMaximum"]
        held.update(
            resultScore=score["scoreGiven"] * top / score["scoreMaximum"],
            timestamp=score["timestamp"],
            activityProgress=score["activityProgress"],
            gradingProgress=score["gradingProgress"],
            comment=score.get("comment", ""),
        )
        self.set_status(204)
        self.finish()
        p.touched()


class Memberships(Handler):
    def get(self, context: str) -> None:
        self.require("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")
        p = self.platform
        start = int(self.get_query_argument("page", "0"))
        people = list(p.users.values())
        page = people[start : start + p.page_size]
        if start + p.page_size < len(people):
            query = urllib.parse.urlencode({"page": start + p.page_size})
            self.set_header("Link", f'<{p.url}/contexts/{context}/memberships?{query}>; rel="next"')
        self.answer(
            {
                "id": self.request.full_url(),
                "context": {"id": context},
                "members": [
                    {
                        "status": u.status,
                        "user_id": u.sub,
                        "roles": ROLE[u.role],
                        "given_name": u.given_name,
                        "family_name": u.family_name,
                        "email": u.email,
                    }
                    for u in page
                ],
            },
            "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
        )


class DeepLinkReturn(Handler):
    """The LMS receives the tool's deep-linking response: the activities and, for each
    content item with a ``lineItem``, its gradebook column."""

    def post(self) -> None:
        p = self.platform
        keys = JWKSet.from_json(json.dumps(p.tool_jwks))
        try:
            token = JWT(jwt=self.get_body_argument("JWT"), key=keys, algs=["RS256"])
            claims = json.loads(token.claims)
        except Exception:  # any signature or format problem: refused
            raise tornado.web.HTTPError(401) from None
        dl = "https://purl.imsglobal.org/spec/lti-dl/claim/"
        if (
            claims.get("iss") != p.client_id
            or claims.get("aud") != p.issuer
            or claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse"
            or claims.get(CLAIM + "version") != "1.3.0"
            or claims.get(CLAIM + "deployment_id") != p.deployment_id
            or claims.get(dl + "data") != "opaque-123"
        ):
            raise tornado.web.HTTPError(400)
        for item in claims.get(dl + "content_items", []):
            p.links.append(item)
            if "lineItem" in item:
                ident = f"li{len(p.lineitems) + 1}"
                p.lineitems[ident] = {**item["lineItem"], "id": f"{p.url}/lineitems/{ident}"}
        titles = "".join(
            f"<li>{html.escape(str(i.get('title', '')))}</li>"
            for i in claims.get(dl + "content_items", [])
        )
        self.finish(f"<!doctype html><title>LMS</title><h1>Activities added</h1><ul>{titles}</ul>")
        p.touched()


class LaunchPage(Handler):
    """What the LMS shows a person opening the tool's activity: a form posting the
    third-party login initiation to the tool, sent at once by the page's script."""

    def get(self, login_hint: str) -> None:
        p = self.platform
        if login_hint not in p.users or not p.tool_login_url:
            raise tornado.web.HTTPError(404)
        fields = {
            "iss": p.issuer,
            "login_hint": login_hint,
            "target_link_uri": p.redirect_uris[0] if p.redirect_uris else "",
            "lti_message_hint": self.get_query_argument("message", "resource-link"),
            # ?link=N: the N-th activity made by deep linking
            **(
                {"lti_message_hint": f"link-{self.get_query_argument('link')}"}
                if self.get_query_argument("link", "")
                else {}
            ),
            "client_id": p.client_id,
            "lti_deployment_id": p.deployment_id,
        }
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        self.finish(
            f'<!doctype html><title>LMS</title><form method="post" '
            f'action="{html.escape(p.tool_login_url)}">{inputs}</form>'
            "<script>document.forms[0].submit()</script>"
        )
