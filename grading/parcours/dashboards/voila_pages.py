"""Voila's standalone app with Parcours' page handler (imported by the Voila server
process only: it loads Voila).

Voila's page unloads with a beacon that asks the server to stop the page's kernel,
carrying the ``_xsrf`` cookie; Voila never sets that cookie, so the server refused the
beacon ("'_xsrf' argument missing") and every visited page left its kernel running.
:class:`PageHandler` sets the cookie with the page, so kernels stop when the page is left.
Responses are compressed (Tornado's ``compress_response``), and so are the kernels' websocket
messages (permessage-deflate): light pages on a slow link. Each page names the scripts it
will need, learned from earlier visits (:mod:`.assets`); Voila's
labextension files whose name carries a hash are served as immutable. The server's root
lists the dashboards named for people (:mod:`.index`), not Voila's notebook files.
"""

from __future__ import annotations

from typing import Any, ClassVar

import tornado.web
from jupyter_server.base.handlers import FileFindHandler
from traitlets import Unicode
from voila.app import Voila
from voila.static_file_handler import MultiStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from .assets import PLACEHOLDER, PageAssets, hashed_name
from .compression import install as install_brotli
from .index import DASHBOARDS, index_html

#: the application setting holding the server's :class:`.assets.PageAssets`
ASSETS_SETTING = "parcours_assets"
#: the application setting holding the configured language (jupyter_config.py)
LANGUAGE_SETTING = "parcours_language"


class PageHandler(TornadoVoilaHandler):
    """Voila's page handler; sets the ``_xsrf`` cookie the page's unload beacon returns,
    and names the scripts the page will need (:meth:`.assets.PageAssets.announce`)."""

    _announce = ""

    async def get(self, path: str | None = None) -> None:
        self.xsrf_token  # noqa: B018 (reading it sets the cookie)
        assets = self.settings.get(ASSETS_SETTING)
        self._announce = assets.announce(path or "") if assets is not None else ""
        await super().get(path)

    def write(self, chunk: str | bytes | dict[str, Any]) -> None:
        if self._announce and isinstance(chunk, str) and PLACEHOLDER in chunk:
            chunk = chunk.replace(PLACEHOLDER, self._announce, 1)
            self._announce = ""
        super().write(chunk)


class IndexHandler(TornadoVoilaTreeHandler):
    """The server's root (and Voila's ``voila/tree``): the dashboards, named for people
    (:func:`.index.index_html`), in the language asked (``?lang=``) or configured."""

    def pages(self) -> list[str]:
        """The dashboards listed: all of them (one machine, one person)."""
        return list(DASHBOARDS)

    @tornado.web.authenticated
    async def get(self, path: str = "") -> None:
        from ..i18n import choose_language

        if LANGUAGE_SETTING not in self.settings:  # read once
            from ..config import load_config

            self.settings[LANGUAGE_SETTING] = load_config().language
        asked = self.get_argument("lang", None)
        lang = choose_language(asked, None, self.settings[LANGUAGE_SETTING])
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(index_html(self.pages(), lang, self.base_url, asked=bool(asked)))


class _Learned:
    """A static file handler whose answers teach the server which scripts a page needs."""

    def on_finish(self) -> None:
        assets = self.settings.get(ASSETS_SETTING)  # type: ignore[attr-defined]
        request = self.request  # type: ignore[attr-defined]
        referer = request.headers.get("Referer", "")
        if assets is not None and referer and request.method == "GET":
            assets.record(referer, request.uri, self.get_status())  # type: ignore[attr-defined]
        super().on_finish()  # type: ignore[misc]


class VoilaStaticHandler(_Learned, MultiStaticFileHandler):
    """Voila's own scripts (``voila/static/``)."""


class ExtensionFileHandler(_Learned, FileFindHandler):
    """JupyterLab extensions' files (``voila/labextensions/``); those named by their
    content's hash are immutable (Voila serves them all "no-cache": a request per file
    and visit)."""

    def set_headers(self) -> None:
        super().set_headers()
        if hashed_name(self.request.path):
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")


class ParcoursVoila(Voila):
    """Voila whose pages go through :attr:`page_handler`, with every response gzip-compressed
    when the browser accepts it (pages, Voila's scripts, plotly.js: 1.5 MB → 0.5 MB on a
    slow link), static files with brotli once compressed (:mod:`.compression`); static
    files asked for with a version (``?v=``) are cached for long by Tornado's static
    handler."""

    page_handler: ClassVar[type] = PageHandler
    index_handler: ClassVar[type] = IndexHandler
    assets_file = Unicode(
        "", help="where the scripts each page needs are kept (JSON; '': in memory only)"
    ).tag(config=True)

    def init_settings(self) -> dict[str, Any]:
        settings = dict(super().init_settings())
        settings[ASSETS_SETTING] = PageAssets(self.server_url, self.assets_file or None)
        settings["compress_response"] = True
        # the widgets' states come in one message when the page connects (160 KB for the
        # coordinator's page of 1,000 learners, 12 KB deflated): jupyter_server's kernel
        # websocket reads its compression from this setting (browsers all accept it)
        settings["websocket_compression_options"] = {}
        return settings

    def init_handlers(self) -> list[Any]:
        # (Voila calls this once its Tornado application exists)
        install_brotli(self.app)
        ours = {
            TornadoVoilaHandler: self.page_handler,
            TornadoVoilaTreeHandler: self.index_handler,
            MultiStaticFileHandler: VoilaStaticHandler,
            FileFindHandler: ExtensionFileHandler,
        }
        return [(h[0], ours.get(h[1], h[1]), *h[2:]) for h in super().init_handlers()]
