"""Open Badges 3.0 on the Parcours service, public (no login, no token: whoever holds a
badge's link, an employer or a funder, checks it):

``GET badges/<uuid>``
    the verification page of a credential, HTML, French or English (``?lang=fr|en``,
    else the browser's first language, else the course's): valid, revoked (when, why)
    or not valid; every recorded text escaped, a Content-Security-Policy that runs no
    script (:mod:`parcours.badges.page`). 404 with a page when never issued here.
``GET badges/<uuid>?format=jwt``
    the credential as issued, a VC-JWT (``application/vc+jwt``): a verifier checks its
    signature with the issuer's key.
``GET badges/<uuid>.png``
    the badge's image with the credential baked in (Open Badges 3.0 baking,
    :mod:`parcours.badges.bake`), while it is valid; 404 otherwise.
``GET badges/issuer``
    the issuer's OB 3.0 ``Profile`` with its public key (JWK).
``GET badges/revocations``
    the revocation list (``1EdTechRevocationList``, the credentials' ``credentialStatus``).
"""

from __future__ import annotations

import json
from typing import Any

import tornado.ioloop
import tornado.web

from ..i18n import LANGUAGES, _, choose_language
from .errorbody import JupyterHubErrors
from .service import ServiceHandler

UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


class PublicBadgeHandler(JupyterHubErrors, tornado.web.RequestHandler):
    """No token, no cookie: public, read-only, the same answer for everyone."""

    @property
    def config(self) -> Any:
        return ServiceHandler.config

    async def work(self, job: Any) -> Any:
        """``job`` off the event loop (the service's lookup threads when it has them)."""
        from . import service

        pool = service.POOLS.lookups if service.POOLS else None
        return await tornado.ioloop.IOLoop.current().run_in_executor(pool, job)

    def json(self, data: Any, kind: str = "application/json") -> None:
        self.set_header("Content-Type", f"{kind}; charset=utf-8")
        self.set_header("Access-Control-Allow-Origin", "*")
        self.finish(json.dumps(data, ensure_ascii=False))


class VerifyHandler(PublicBadgeHandler):
    def language(self, course_language: str | None) -> str:
        asked = self.get_query_argument("lang", "")
        if asked[:2] not in LANGUAGES:
            first = self.request.headers.get("Accept-Language", "").split(",")[0]
            asked = first.strip()[:2].lower()
        return choose_language(asked or None, course_language, self.config.language)

    async def get(self, ident: str) -> None:
        from ..badges.page import CSP, unknown_page, verification_page
        from ..badges.registry import verify

        config = self.config
        check = await self.work(lambda: verify(config, ident))
        if check is not None and self.get_query_argument("format", "") == "jwt":
            self.set_header("Content-Type", "application/vc+jwt")
            self.set_header("Access-Control-Allow-Origin", "*")
            self.finish(check.issued.token)
            return
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")  # a revocation shows at once
        if check is None:
            self.set_status(404)
            self.finish(unknown_page(self.language(None)))
            return
        course_language = await self.work(lambda: _course_language(config, check.issued.course))
        lang = self.language(course_language)
        other = "en" if lang == "fr" else "fr"
        self.finish(verification_page(check, lang, f"?lang={other}"))


def _course_language(config: Any, course_id: str) -> str | None:
    """The course's language, None when the course is gone."""
    from ..course.load import find_course, load_course
    from ..errors import ParcoursError

    try:
        return str(load_course(find_course(config.courses_dir, course_id)).language)
    except ParcoursError:
        return None


class BakedHandler(PublicBadgeHandler):
    async def get(self, ident: str) -> None:
        from ..badges.bake import baked_badge

        config = self.config
        found = await self.work(lambda: baked_badge(config, ident))
        self.set_header("Cache-Control", "no-store")  # a revoked badge is not served again
        if found is None:
            raise tornado.web.HTTPError(
                404, _("No valid credential {id} was issued here.").format(id=ident)
            )
        name, image = found
        self.set_header("Content-Type", "image/png")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.set_header("Access-Control-Allow-Origin", "*")
        self.finish(image)


class IssuerHandler(PublicBadgeHandler):
    async def get(self) -> None:
        from ..badges.signing import issuer_profile

        config = self.config
        self.json(await self.work(lambda: issuer_profile(config)), "application/ld+json")


class RevocationsHandler(PublicBadgeHandler):
    async def get(self) -> None:
        from ..badges.registry import revocation_list

        config = self.config
        self.set_header("Cache-Control", "no-store")
        self.json(await self.work(lambda: revocation_list(config)))


def routes(prefix: str) -> list[tuple[str, type]]:
    """The public badge routes under the service's ``prefix``."""
    return [
        (prefix + r"badges/issuer", IssuerHandler),
        (prefix + r"badges/revocations", RevocationsHandler),
        (prefix + rf"badges/{UUID}", VerifyHandler),
        (prefix + rf"badges/{UUID}\.png", BakedHandler),
    ]
