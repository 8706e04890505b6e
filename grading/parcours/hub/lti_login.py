"""JupyterHub logins from an LMS: LTI 1.3 launches (docs/lti.md).

Set ``c.ParcoursConfig.hub_authenticator = "parcours.hub.lti_login.LTI13Authenticator"``
and register the LMS in ``c.ParcoursConfig.lti_platforms``. The hub then answers:

- ``/hub/lti/login``: the platform's OIDC login initiation (GET or POST), answered with
  a redirect to its authentication request (:func:`parcours.lti.launch.login_redirect`);
- ``/hub/lti/launch``: the posted id token, checked (:func:`parcours.lti.launch.
  check_launch`); the person's account is made on her first launch (a learner joins the
  course roster, as ``parcours roster add`` does), she is logged in, and lands in her
  JupyterLab (a learner) or the dashboards (a teacher or tutor);
- ``/hub/lti/jwks``: the tool's public keys;
- ``/hub/lti/register``: dynamic registration (:mod:`parcours.lti.registration`);
- a teacher's deep-linking launch shows the course's lessons and assignments to pick;
  ``/hub/lti/deeplink`` takes her picks back to the LMS, signed
  (:mod:`parcours.lti.deeplinking`).

The platform posts the launch from its own site, without JupyterHub's ``_xsrf`` field
(Moodle launches fail on it with jupyterhub-ltiauthenticator, its #118): these two
handlers take no ``_xsrf``; the one-use ``state`` and ``nonce`` protect them instead, and
on HTTPS the ``state`` must also be the one this browser was given (a signed cookie).
"""

from __future__ import annotations

import asyncio
import html
import secrets
import time
from typing import Any, NoReturn

from jupyterhub.auth import Authenticator
from jupyterhub.handlers import BaseHandler
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httputil import url_concat

from ..config import ParcoursConfig, load_config
from ..errors import ParcoursError
from ..i18n import _
from ..lti.deeplinking import Choice, choices, landing, response
from ..lti.launch import Person, check_launch, login_redirect
from ..lti.platforms import tool_jwks

STATE_COOKIE = "parcours-lti-state"


class _LtiHandler(BaseHandler):
    """What both LTI endpoints share: the configuration, no ``_xsrf`` (see the module)."""

    def check_xsrf_cookie(self) -> None:
        """The platform posts from its own site: ``state`` and ``nonce`` stand for _xsrf."""

    @property
    def parcours(self) -> ParcoursConfig:
        config: ParcoursConfig = self.authenticator.parcours_config
        return config

    def launch_url(self) -> str:
        """Where the platform posts the id token (registered with it as redirect URI)."""
        return f"{self.request.protocol}://{self.request.host}" + url_path_join(
            self.hub.base_url, "lti/launch"
        )

    def refuse(self, error: ParcoursError) -> NoReturn:
        self.log.warning("LTI launch refused: %s", error)
        raise web.HTTPError(403, str(error))


class LoginInitiationHandler(_LtiHandler):
    """The platform's third-party initiated login (OIDC)."""

    async def get(self) -> None:
        await self._initiate()

    async def post(self) -> None:
        await self._initiate()

    async def _initiate(self) -> None:
        params = {name: self.get_argument(name) for name in self.request.arguments}
        try:
            url = await asyncio.to_thread(login_redirect, self.parcours, params, self.launch_url())
        except ParcoursError as error:
            self.refuse(error)
        state = dict(part.split("=", 1) for part in url.split("?", 1)[1].split("&"))["state"]
        secure = self.request.protocol == "https"
        self.set_secure_cookie(
            STATE_COOKIE,
            state,
            expires_days=None,
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
            path=self.hub.base_url,
        )
        self.redirect(url)


class LaunchHandler(_LtiHandler):
    """The platform's form post of the id token."""

    async def post(self) -> None:
        state = self.get_body_argument("state", "")
        if self.request.protocol == "https":  # a browser sends it back only over HTTPS
            cookie = self.get_secure_cookie(STATE_COOKIE, max_age_days=1)
            if cookie is None or cookie.decode() != state:
                raise web.HTTPError(
                    403, _("This launch did not start in this browser: open the activity again.")
                )
        self.clear_cookie(STATE_COOKIE, path=self.hub.base_url)
        try:
            person = await asyncio.to_thread(
                check_launch, self.parcours, self.get_body_argument("id_token", ""), state
            )
            await asyncio.to_thread(join_course, self.parcours, person)
            if person.message_type == "LtiDeepLinkingRequest":
                picks = await asyncio.to_thread(choices, self.parcours, person.course)
        except ParcoursError as error:
            self.refuse(error)
        user = await self.login_user({"username": person.account, "person": person})
        if user is None:
            raise web.HTTPError(403, _("This LMS account may not use Parcours."))
        if person.message_type == "LtiDeepLinkingRequest":
            if person.role != "teacher":
                raise web.HTTPError(
                    403, _("Only a teacher of the course adds Parcours activities.")
                )
            ticket, now = secrets.token_urlsafe(24), time.monotonic()
            waiting = self.authenticator.deep_links
            for old in [k for k, (made, _p) in waiting.items() if now - made > 3600]:
                del waiting[old]
            waiting[ticket] = (now, person)
            self.finish(picker_page(person, picks, ticket, self.hub.base_url))
            return
        if person.role != "learner":  # the roster follows the LMS at each teacher's launch
            task = asyncio.ensure_future(asyncio.to_thread(sync_from_lms, self.parcours, person))
            self.authenticator.roster_syncs.add(task)
            task.add_done_callback(self.authenticator.roster_syncs.discard)
        if person.role == "learner":
            # a lesson picked by deep linking opens in her JupyterLab (her server started
            # first when it is not running: the hub's spawn page goes on to ``next``)
            target = await asyncio.to_thread(landing, self.parcours, person)
            if target:
                place = url_path_join(user.url, target)
                spawn = url_path_join(self.hub.base_url, "spawn", user.name)
                self.redirect(url_concat(spawn, {"next": place}))
            else:
                self.redirect(self.get_next_url(user))
        else:
            from .people import DASHBOARDS_SERVICE

            self.redirect(url_path_join(self.base_url, f"services/{DASHBOARDS_SERVICE}/"))


class DeepLinkHandler(_LtiHandler):
    """The teacher's picks from :func:`picker_page`, answered with the auto-posting form
    that takes the signed deep-linking response back to the LMS. The one-use ticket,
    bound to her account, stands for ``_xsrf``."""

    @web.authenticated
    async def post(self) -> None:
        ticket = self.get_body_argument("ticket", "")
        made, person = self.authenticator.deep_links.pop(ticket, (0.0, None))
        if (
            person is None
            or time.monotonic() - made > 3600
            or self.current_user.name != person.account
        ):
            raise web.HTTPError(
                403, _("This choice is unknown or expired: add the activity again.")
            )
        launch = f"{self.request.protocol}://{self.request.host}" + url_path_join(
            self.hub.base_url, "lti/launch"
        )
        config = self.authenticator.parcours_config
        try:
            url, token = await asyncio.to_thread(
                response, config, person, self.get_body_arguments("item"), launch
            )
        except ParcoursError as error:
            raise web.HTTPError(400, str(error)) from None
        self.finish(
            f'<form method="post" action="{html.escape(url)}">'
            f'<input type="hidden" name="JWT" value="{html.escape(token)}"></form>'
            "<script>document.forms[0].submit()</script>"
        )


def picker_page(person: Person, picks: list[Choice], ticket: str, base: str) -> str:
    """The page where a teacher picks what to add to her LMS course (titles escaped)."""
    rows = "".join(
        f'<li><label><input type="checkbox" name="item" value="{html.escape(c.key)}"> '
        f"{html.escape(c.title)}</label></li>"
        for c in picks
    )
    return (
        f'<!doctype html><html lang="{html.escape(str(person.claims.get("locale", "fr"))[:2])}">'
        f"<title>Parcours</title><h1>{html.escape(_('Add to the LMS course'))}</h1>"
        f'<form method="post" action="{html.escape(url_path_join(base, "lti/deeplink"))}">'
        f'<input type="hidden" name="ticket" value="{html.escape(ticket)}"><ul>{rows}</ul>'
        f"<button>{html.escape(_('Add'))}</button></form></html>"
    )


class RegistrationHandler(_LtiHandler):
    """Dynamic registration: the LMS opens this URL (its one-use ticket made by ``parcours
    lti COURSE register-url``) with ``openid_configuration`` and ``registration_token``."""

    async def get(self) -> None:
        from ..lti.registration import register

        hub = f"{self.request.protocol}://{self.request.host}"
        try:
            platform = await asyncio.to_thread(
                register,
                self.parcours,
                self.get_query_argument("ticket", ""),
                self.get_query_argument("openid_configuration", ""),
                self.get_query_argument("registration_token", ""),
                hub,
            )
        except ParcoursError as error:
            self.refuse(error)
        done = _("Parcours is registered with {issuer}.").format(issuer=platform.issuer)
        self.finish(
            f"<!doctype html><title>Parcours</title><p>{html.escape(done)}</p><script>"
            '(window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}'
            ', "*")</script>'
        )


class JwksHandler(BaseHandler):
    """The tool's public keys (the platform checks its client assertions with them)."""

    async def get(self) -> None:
        config = self.authenticator.parcours_config
        self.set_header("Content-Type", "application/json")
        self.finish(await asyncio.to_thread(tool_jwks, config))


def join_course(config: ParcoursConfig, person: Person) -> None:
    """A learner's first launch adds her to the course roster (and, on a hub machine,
    makes her account), as ``parcours roster add`` does. A teacher's launch makes her a
    teacher of the course on the hub (its teachers' group: the dashboards, the
    formgrader), as the LMS says: :func:`.people.read_people` reads the role her launch
    recorded."""
    from ..pipeline.roster import Learner, add_learner, read_roster
    from .server import sync_everything

    if person.role == "teacher":  # her account and the hub's groups, before she lands
        sync_everything(config)
        return
    if person.role != "learner":
        return
    if any(x.id == person.account for x in read_roster(config, person.course)):
        return
    add_learner(
        config,
        person.course,
        Learner(id=person.account, first_name=person.given_name, last_name=person.family_name),
    )
    sync_everything(config)


def sync_from_lms(config: ParcoursConfig, person: Person) -> None:
    """The course roster from the LMS's members (:func:`parcours.lti.nrps.sync_roster`)
    and the hub's accounts after it; a failure is logged, the launch went on."""
    import logging

    from ..lti.nrps import sync_roster
    from .server import sync_everything

    try:
        change = sync_roster(config, person.course)
        if change.arrived or change.departed:
            sync_everything(config)
    except (ParcoursError, OSError) as error:
        logging.getLogger("JupyterHub").warning(
            "roster of %s not synchronised from the LMS at %s's launch: %s",
            person.course,
            person.account,
            error,
        )


class LTI13Authenticator(Authenticator):
    """Logins by LTI 1.3 launches only (no password form): see the module."""

    login_service = "LMS"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: deep-linking launches waiting for the teacher's picks: ticket -> (when, person)
        self.deep_links: dict[str, tuple[float, Person]] = {}
        #: roster syncs started by teachers' launches, still running
        self.roster_syncs: set[asyncio.Future[None]] = set()

    @property
    def parcours_config(self) -> ParcoursConfig:
        """Parcours' configuration, read once."""
        if not hasattr(self, "_parcours_config"):
            self._parcours_config = load_config()
        return self._parcours_config

    def get_handlers(self, app: Any) -> list[tuple[str, type[BaseHandler]]]:
        """The LTI endpoints under ``/hub/lti/``."""
        return [
            (r"/lti/login", LoginInitiationHandler),
            (r"/lti/launch", LaunchHandler),
            (r"/lti/jwks", JwksHandler),
            (r"/lti/deeplink", DeepLinkHandler),
            (r"/lti/register", RegistrationHandler),
        ]

    async def authenticate(self, handler: Any, data: Any) -> dict[str, Any] | None:
        """The account of a checked launch (``data["person"]``); None for anything else."""
        person = (data or {}).get("person")
        if not isinstance(person, Person):
            return None
        return {
            "name": person.account,
            "auth_state": {
                "lti": {
                    "role": person.role,
                    "course": person.course,
                    "issuer": person.issuer,
                    "sub": person.subject,
                }
            },
        }

    def check_allowed(self, username: str, authentication: Any = None) -> bool:
        """A person a checked launch vouches for is allowed, whatever the lists say."""
        state = (authentication or {}).get("auth_state") or {}
        return bool(state.get("lti")) or bool(super().check_allowed(username, authentication))
