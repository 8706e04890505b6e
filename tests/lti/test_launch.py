"""LTI 1.3 launches from the mock platform: the person, her role and course, and every
refusal the specification asks of a tool."""

from __future__ import annotations

import os
import stat

import pytest
from jwcrypto.jwk import JWK
from parcours.config import ParcoursConfig
from parcours.i18n import language
from parcours.lti import LtiConfigurationError, LtiLaunchError
from parcours.lti.launch import check_launch, parcours_role
from parcours.lti.platforms import key_path, platforms, tool_jwks

from tests.lti.conftest import auth_response, launch
from tests.lti.mockplatform import CLAIM, MockPlatform


def test_a_learner_launch_gives_her_account_role_and_course(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    ana = launch(config, platform, "u-ana")
    assert (ana.role, ana.course, ana.subject) == ("learner", "mini-cours", "ana-7")
    # derived from (issuer, sub) only: the same at every launch, never the 'name' claim
    assert ana.account.startswith("lti-") and ana.account != "admin"
    assert launch(config, platform, "u-ana").account == ana.account
    assert ana.account != launch(config, platform, "u-ben").account


def test_roles_map_to_parcours_roles(config: ParcoursConfig, platform: MockPlatform) -> None:
    assert launch(config, platform, "u-tina").role == "teacher"
    assert launch(config, platform, "u-theo").role == "tutor"
    assert parcours_role(["Learner"]) == "learner"
    assert parcours_role(["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]) == ""


def test_a_state_is_used_once(config: ParcoursConfig, platform: MockPlatform) -> None:
    fields = auth_response(config, platform, "u-ana")
    check_launch(config, fields["id_token"], fields["state"])
    with pytest.raises(LtiLaunchError, match="already used"):
        check_launch(config, fields["id_token"], fields["state"])
    with language("fr"), pytest.raises(LtiLaunchError, match="déjà utilisé"):
        check_launch(config, fields["id_token"], "made-up-state")


@pytest.mark.parametrize(
    ("tamper", "claim"),
    [
        ({"aud": "another-tool"}, "aud"),
        ({"aud": ["parcours-client", "other"]}, "azp"),
        ({"exp": 1_000_000}, "exp"),
        ({"nonce": "replayed"}, "nonce"),
        ({CLAIM + "deployment_id": "dep-unknown"}, "deployment_id"),
        ({CLAIM + "version": "1.1"}, "version"),
        ({CLAIM + "message_type": "LtiSubmissionReviewRequest"}, "message_type"),
        ({"iss": "https://evil.example"}, "iss"),
    ],
)
def test_a_wrong_claim_is_refused(
    config: ParcoursConfig, platform: MockPlatform, tamper: dict[str, object], claim: str
) -> None:
    platform.tamper = tamper
    fields = auth_response(config, platform, "u-ana")
    with pytest.raises(LtiLaunchError, match=claim):
        check_launch(config, fields["id_token"], fields["state"])


def test_a_token_not_signed_by_the_platform_is_refused(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    launch(config, platform, "u-ana")  # the platform's JWKS is now known to the tool
    # a forger signs with her own key under the platform's key id
    platform.key = JWK.generate(kty="RSA", size=2048, kid="platform-1", use="sig", alg="RS256")
    fields = auth_response(config, platform, "u-ana")
    with pytest.raises(LtiLaunchError, match="not valid"):
        check_launch(config, fields["id_token"], fields["state"])


def test_unlinked_context_and_roles_without_access_are_refused(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    platform.tamper = {CLAIM + "context": {"id": "other-course", "title": "Chimie"}}
    with pytest.raises(LtiLaunchError, match="other-course"):
        launch(config, platform, "u-ana")
    platform.tamper = {
        CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    }
    with pytest.raises(LtiLaunchError, match="role"):
        launch(config, platform, "u-ana")


def test_the_tool_key_is_made_once_private_and_served_public(config: ParcoursConfig) -> None:
    first = tool_jwks(config)
    assert tool_jwks(config) == first
    (key,) = first["keys"]
    assert key["kty"] == "RSA" and "d" not in key and key["kid"]
    assert stat.S_IMODE(os.stat(key_path(config)).st_mode) == 0o600


def test_a_wrong_platform_entry_names_its_field(config: ParcoursConfig) -> None:
    config.lti_platforms = [{"issuer": "x", "client_ids": [], "jwks_url": "not a url"}]
    with pytest.raises(LtiConfigurationError, match=r"lti_platforms\[0\].*client_ids"):
        platforms(config)
