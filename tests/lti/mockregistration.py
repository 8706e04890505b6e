"""The mock platform's side of LTI Dynamic Registration 1.0: its OpenID configuration
and its registration endpoint (served by :class:`tests.lti.mockplatform.MockPlatform`)."""

from __future__ import annotations

import json

import tornado.web

from tests.lti.mockplatform import Handler


class OpenIdConfiguration(Handler):
    """The platform's OpenID configuration (Dynamic Registration 1.0, §3.4)."""

    def get(self) -> None:
        p = self.platform
        if self.request.headers.get("Authorization") != f"Bearer {p.registration_token}":
            raise tornado.web.HTTPError(401)
        self.answer(
            {
                "issuer": p.issuer,
                "authorization_endpoint": p.url + "/auth",
                "token_endpoint": p.url + "/token",
                "jwks_uri": p.url + "/jwks",
                "registration_endpoint": p.url + "/register",
                "scopes_supported": ["openid"],
                "response_types_supported": ["id_token"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "mock",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}],
                },
            }
        )


class Register(Handler):
    """The platform's registration endpoint: the tool's configuration checked, a client
    id and a deployment given (Dynamic Registration 1.0, §3.5-3.6)."""

    def post(self) -> None:
        p = self.platform
        if self.request.headers.get("Authorization") != f"Bearer {p.registration_token}":
            raise tornado.web.HTTPError(401)
        tool = json.loads(self.request.body)
        config = tool.get("https://purl.imsglobal.org/spec/lti-tool-configuration", {})
        if (
            tool.get("token_endpoint_auth_method") != "private_key_jwt"
            or "id_token" not in tool.get("response_types", [])
            or not tool.get("initiate_login_uri")
            or not tool.get("jwks_uri")
            or not config.get("target_link_uri")
        ):
            raise tornado.web.HTTPError(400)
        p.registrations.append(tool)
        p.client_id = "dyn-client"
        p.deployment_id = "dyn-dep"
        p.redirect_uris = list(tool["redirect_uris"])
        self.answer(
            {
                **tool,
                "client_id": p.client_id,
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                    **config,
                    "deployment_id": p.deployment_id,
                },
            }
        )
