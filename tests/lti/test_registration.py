"""Dynamic registration: one URL, one use; the platform registered is then launched
from, its launches going to the ticket's course."""

from __future__ import annotations

import pytest
from parcours.config import ParcoursConfig
from parcours.lti import LtiLaunchError
from parcours.lti.platforms import platforms
from parcours.lti.registration import new_ticket, register

from tests.lti.conftest import launch
from tests.lti.mockplatform import CLAIM, MockPlatform

HUB = "http://127.0.0.1:8000"


def test_dynamic_registration_then_a_launch(config: ParcoursConfig, platform: MockPlatform) -> None:
    config.lti_platforms = []  # nothing written by hand
    ticket = new_ticket(config, "mini-cours")
    discovery = platform.url + "/.well-known/openid-configuration"
    registered = register(config, ticket, discovery, platform.registration_token, HUB)
    assert (registered.issuer, registered.client_ids, registered.deployment_ids) == (
        platform.issuer,
        ["dyn-client"],
        ["dyn-dep"],
    )
    (tool,) = platform.registrations
    assert tool["jwks_uri"] == HUB + "/hub/lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in tool["scope"]
    assert [p.issuer for p in platforms(config)] == [platform.issuer]

    platform.tamper = {CLAIM + "context": {"id": "any-moodle-course"}}
    ana = launch(config, platform, "u-ana")
    assert (ana.course, ana.role) == ("mini-cours", "learner")

    with pytest.raises(LtiLaunchError, match="already used"):
        register(config, ticket, discovery, platform.registration_token, HUB)


def test_a_platform_whose_issuer_is_elsewhere_is_refused(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    ticket = new_ticket(config, "mini-cours")
    # the configuration URL given by an attacker's page: not the issuer's origin
    discovery = platform.url.replace("127.0.0.1", "localhost") + "/.well-known/openid-configuration"
    with pytest.raises(LtiLaunchError, match="does not match"):
        register(config, ticket, discovery, platform.registration_token, HUB)
