"""Pages rendered by a server process, without a kernel per visit (the hub's learner page).

A learner's dashboard is read, not played with: on the hub it is built by the dashboards
service itself from the class data it keeps loaded (:class:`ServedPages`), as the HTML
of the page's blocks (the same view-model functions and blocks as the Voila page; the
language switch becomes two links). A Voila visit costs a kernel (≈ 150 MB, seconds of
CPU to start); this costs a few milliseconds, so a class logging in before a deadline
does not queue for kernels.
"""

from __future__ import annotations

import html
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from .pages import Page, State

#: seconds the class data is kept before it is read again
REFRESH_S = 60.0


def page_html(page: Page, static_url: str, query: dict[str, str]) -> str:
    """A whole HTML document of ``page``'s first view: its style, title, a language
    switch made of links (the query kept), its blocks, and Parcours' figure script."""
    from . import ui

    if not page.blocks:
        page.render()
    parts = [block_html(block) for block in page.blocks]
    links = []
    for code, label in (("fr", "Français"), ("en", "English")):
        href = "?" + urlencode({**query, "lang": code})
        current = ' aria-current="page"' if code == page.lang else ""
        links.append(f'<a href="{html.escape(href)}" lang="{code}"{current}>{label}</a>')
    plotly = f"{static_url}plotly-cartesian.min.js?v=4.1.1"
    return (
        f'<!DOCTYPE html><html lang="{page.lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(_title_text(page.title))}</title>{ui.STYLE}"
        f'<script src="{static_url}parcours.js" data-plotly="{plotly}" defer></script>'
        f'</head><body><main class="parcours-served">{page.title}'
        f'<nav class="parcours-lang" aria-label="Langue / Language">{" · ".join(links)}</nav>'
        f"{''.join(parts)}</main></body></html>"
    )


def _title_text(title: str) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", title))


def block_html(block: Any) -> str:
    """The HTML of one block (a static block's HTML outputs; widgets are left out)."""
    outputs = getattr(block, "outputs", ())
    return "".join(str(out.get("data", {}).get("text/html", "")) for out in outputs)


class ServedPages:
    """The class data, loaded once and refreshed every :data:`REFRESH_S` seconds, for
    pages rendered by this process."""

    def __init__(self) -> None:
        self._state: State | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def state(self) -> State:
        """The data (read again when older than :data:`REFRESH_S`)."""
        with self._lock:
            if self._state is None or time.monotonic() - self._loaded_at > REFRESH_S:
                from .pages import prepare

                self._state = prepare()
                self._loaded_at = time.monotonic()
            return self._state

    def learner(self, query: dict[str, str], environ: dict[str, str], static_url: str) -> str:
        """The learner page for the viewer ``environ`` names (see
        :func:`parcours.hub.dashboards.hub_viewer`)."""
        from .people import LearnerPage

        page = LearnerPage(self.state(), query, environ=environ)
        return page_html(page, static_url, query)
