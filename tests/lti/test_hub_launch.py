"""LTI launches from the mock platform through a real JupyterHub (its proxy included)
running :class:`parcours.hub.lti_login.LTI13Authenticator`: the platform's form post
carries no ``_xsrf`` and is accepted; the learner's account is made on her first launch
(she joins the course roster) and she is sent to her server; a teacher goes to the
dashboards; a replayed launch is refused. Run under ``flock /tmp/parcours-hub.lock``."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from parcours.config import load_config
from parcours.hub.settings import proxy_command
from parcours.lti.platforms import tool_jwks
from parcours.pipeline.roster import read_roster
from parcours.servers import free_port

from tests.lti.conftest import make_project
from tests.lti.mockplatform import MockPlatform


@pytest.fixture
def hub(tmp_path: Path, repo: Path, platform: MockPlatform) -> Iterator[tuple[str, Path]]:
    """A JupyterHub on loopback whose logins are LTI launches from ``platform``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    platform.redirect_uris = [f"{url}/hub/lti/launch"]
    project = make_project(tmp_path / "project", platform)
    config = load_config(project)
    platform.tool_jwks = tool_jwks(config)
    (tmp_path / "jupyterhub_config.py").write_text(
        "c.JupyterHub.authenticator_class = 'parcours.hub.lti_login.LTI13Authenticator'\n"
        f"c.JupyterHub.ip = '127.0.0.1'\nc.JupyterHub.port = {port}\n"
        f"c.JupyterHub.hub_port = {free_port()}\n"
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'\n"
        f"c.ConfigurableHTTPProxy.command = {proxy_command(config)!r}\n"
        f"c.JupyterHub.db_url = 'sqlite:///{tmp_path}/hub.sqlite'\n"
        f"c.JupyterHub.cookie_secret_file = '{tmp_path}/cookie_secret'\n"
        "c.JupyterHub.log_level = 'DEBUG'\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PARCOURS_ROOT": str(project)}
    log = (tmp_path / "hub.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(tmp_path / "jupyterhub_config.py")],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # the hub answers its health check once it and its proxy are up
            try:
                if requests.get(f"{url}/hub/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (tmp_path / "hub.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "hub.log").read_text()
            time.sleep(0.2)
        yield url, project
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def lms_launch(
    url: str, platform: MockPlatform, login_hint: str
) -> tuple[requests.Session, requests.Response, dict[str, str]]:
    """What a browser does: the LMS sends it to the hub's login initiation, the hub to
    the LMS's auth endpoint, whose page posts the id token back to the hub."""
    browser = requests.Session()
    to_platform = browser.get(
        f"{url}/hub/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": login_hint,
            "target_link_uri": f"{url}/hub/lti/launch",
            "client_id": platform.client_id,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert to_platform.status_code == 302, to_platform.text
    page = browser.get(to_platform.headers["Location"], timeout=30)
    form = {
        k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)
    }
    found = re.search(r'action="([^"]+)"', page.text)
    assert found, page.text
    action = html.unescape(found.group(1))
    answer = browser.post(action, data=form, allow_redirects=False, timeout=60)
    return browser, answer, form


def test_launches_through_the_hub(hub: tuple[str, Path], platform: MockPlatform) -> None:
    url, project = hub
    browser, answer, form = lms_launch(url, platform, "u-ana")
    assert answer.status_code == 302, answer.text  # no _xsrf asked of the platform's post
    assert "/hub/spawn" in answer.headers["Location"] or "/user/" in answer.headers["Location"]
    account = platform.registration_account("u-ana")
    home = browser.get(f"{url}/hub/home", timeout=30)
    assert home.ok and account in home.text
    assert [x.id for x in read_roster(load_config(project), "mini-cours")] == [account]

    replay = requests.post(f"{url}/hub/lti/launch", data=form, allow_redirects=False, timeout=30)
    assert replay.status_code == 403

    _browser, teacher, _form = lms_launch(url, platform, "u-tina")
    assert teacher.status_code == 302 and teacher.headers["Location"].endswith(
        "/services/dashboards/"
    )


def test_a_teacher_deep_links_through_the_hub(
    hub: tuple[str, Path], platform: MockPlatform
) -> None:
    url, _project = hub
    platform.tamper = platform.deep_linking_request()
    browser, page, _form = lms_launch(url, platform, "u-tina")
    assert page.status_code == 200, page.text
    assert 'value="assignment:devoir-a"' in page.text
    fields = dict(re.findall(r'name="(ticket)" value="([^"]+)"', page.text))
    picked = browser.post(
        f"{url}/hub/lti/deeplink",
        data={**fields, "item": ["assignment:devoir-a"]},
        allow_redirects=False,
        timeout=30,
    )
    assert picked.status_code == 200, picked.text
    back = re.search(r'action="([^"]+)".*name="JWT" value="([^"]+)"', picked.text)
    assert back
    assert requests.post(html.unescape(back.group(1)), data={"JWT": back.group(2)}, timeout=30).ok
    (column,) = platform.lineitems.values()
    assert column["resourceId"] == "devoir-a"
    again = browser.post(
        f"{url}/hub/lti/deeplink", data={**fields, "item": ["assignment:devoir-a"]}, timeout=30
    )
    assert again.status_code == 403  # a ticket is used once


def test_dynamic_registration_through_the_hub(
    hub: tuple[str, Path], platform: MockPlatform
) -> None:
    from parcours.lti.registration import new_ticket

    url, project = hub
    ticket = new_ticket(load_config(project), "mini-cours")
    page = requests.get(
        f"{url}/hub/lti/register",
        params={
            "ticket": ticket,
            "openid_configuration": platform.url + "/.well-known/openid-configuration",
            "registration_token": platform.registration_token,
        },
        timeout=30,
    )
    assert page.ok and "org.imsglobal.lti.close" in page.text, page.text
    (tool,) = platform.registrations
    assert tool["initiate_login_uri"] == f"{url}/hub/lti/login"
    # launches now come with the client id the LMS gave
    _browser, answer, _form = lms_launch(url, platform, "u-ben")
    assert platform.client_id == "dyn-client" and answer.status_code == 302, answer.text
