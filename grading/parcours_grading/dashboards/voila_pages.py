"""Voila's standalone app with Parcours' page handler (imported by the Voila server
process only: it loads Voila).

Voila's page unloads with a beacon that asks the server to stop the page's kernel,
carrying the ``_xsrf`` cookie; Voila never sets that cookie, so the server refused the
beacon ("'_xsrf' argument missing") and every visited page left its kernel running.
:class:`PageHandler` sets the cookie with the page, so kernels stop when the page is left.
Responses are compressed (Tornado's ``compress_response``): light pages on a slow link.
"""

from __future__ import annotations

from typing import Any, ClassVar

from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler


class PageHandler(TornadoVoilaHandler):
    """Voila's page handler; sets the ``_xsrf`` cookie the page's unload beacon returns."""

    async def get(self, path: str | None = None) -> None:
        self.xsrf_token  # noqa: B018 (reading it sets the cookie)
        await super().get(path)


class ParcoursVoila(Voila):
    """Voila whose pages go through :attr:`page_handler`, with every response gzip-compressed
    when the browser accepts it (pages, Voila's scripts, plotly.js: 1.5 MB → 0.5 MB on a
    slow link); static files asked for with a version (``?v=``) are cached for long by
    Tornado's static handler."""

    page_handler: ClassVar[type] = PageHandler

    def init_settings(self) -> dict[str, Any]:
        settings = dict(super().init_settings())
        settings["compress_response"] = True
        return settings

    def init_handlers(self) -> list[Any]:
        handlers = super().init_handlers()
        return [
            (h[0], self.page_handler, *h[2:]) if h[1] is TornadoVoilaHandler else h
            for h in handlers
        ]
