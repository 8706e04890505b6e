"""Pages rendered by a server process, without a kernel per visit (the hub's learner page).

A learner's dashboard is read, not played with: on the hub it is built by the dashboards
service itself from the class data it keeps loaded (:class:`ServedPages`), as the HTML
of the page's blocks (the same view-model functions and blocks as the Voila page; the
language switch becomes two links). A Voila visit costs a kernel (≈ 150 MB, seconds of
CPU to start); this costs a few milliseconds, so a class logging in before a deadline
does not queue for kernels.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from .pages import Page, State

log = logging.getLogger(__name__)

#: seconds the class data is kept before it is read again (in the background)
REFRESH_S = 60.0
#: Parcours' script in the pages, as the server serves it
SCRIPT = (
    Path(__file__).parent / "share" / "voila" / "templates" / "parcours" / "static" / "parcours.js"
)


@functools.lru_cache(maxsize=1)
def script_version() -> str:
    """The version of :data:`SCRIPT` in its address (a digest of its content): asked for
    with it, the server lets browsers keep the script for long, so that a learner's next
    visits do not ask for it again; a new script has a new address."""
    return hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:12]


def page_html(page: Page, static_url: str, query: dict[str, str]) -> str:
    """A whole HTML document of ``page``'s first view: its style, title, a language
    switch made of links (the query kept), its blocks, and Parcours' figure script."""
    from . import ui
    from .pictures import with_pictures

    if not page.blocks:
        page.render()
    # figures come as pictures: the page is whole without plotly.js (see .pictures)
    parts = [block_html(block) for block in with_pictures(page.blocks)]
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
        # no icon: without this, a visitor's browser asks for /favicon.ico, which the
        # proxy hands to the hub, which renders its 404 page for it
        '<link rel="icon" href="data:,">'
        f'<script src="{static_url}parcours.js?v={script_version()}" data-plotly="{plotly}" '
        "defer></script>"
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
    """The class data, loaded once and read again in the background when older than
    ``refresh_s`` seconds, for pages rendered by this process.

    No visitor waits for the data to be read again: until the new data is there, pages
    are built from the data in hand. Pages are built one at a time, in a thread of their
    own (:meth:`learner_async`), so that the server's event loop goes on answering (its
    logins, scripts and other pages) while a page is built."""

    def __init__(
        self, load: Callable[[], State] | None = None, refresh_s: float = REFRESH_S
    ) -> None:
        #: reads the class data (default: :func:`.pages.prepare`)
        self.load = load or _prepare
        self.refresh_s = refresh_s
        self._state: State | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        #: the thread reading the data again, while it does
        self.reading: threading.Thread | None = None
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcours-served")

    def state(self) -> State:
        """The data: read now the first time; afterwards the data in hand, read again in
        a background thread once older than ``refresh_s``."""
        with self._lock:
            if self._state is None:
                self._state, self._loaded_at = self.load(), time.monotonic()
            elif time.monotonic() - self._loaded_at > self.refresh_s and self.reading is None:
                self.reading = threading.Thread(target=self._read_again, daemon=True)
                self.reading.start()
            return self._state

    def _read_again(self) -> None:
        try:
            state = self.load()
        except Exception:  # whatever the stores raise, the pages go on with the old data
            log.exception(
                "dashboards: the class data could not be read again; the pages show the "
                "data read before, and it is read again in %.0f s",
                self.refresh_s,
            )
            state = None
        with self._lock:
            self._loaded_at = time.monotonic()
            self._state = state or self._state
            self.reading = None

    def learner(self, query: dict[str, str], environ: dict[str, str], static_url: str) -> str:
        """The learner page for the viewer ``environ`` names (see
        :func:`parcours.dashboards.viewer.hub_viewer`)."""
        from .learner_page import LearnerPage

        page = LearnerPage(self.state(), query, environ=environ)
        return page_html(page, static_url, query)

    async def learner_async(
        self, query: dict[str, str], environ: dict[str, str], static_url: str
    ) -> str:
        """:meth:`learner`, built in this object's page thread (one page at a time)."""
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._builder, self.learner, query, environ, static_url)


def _prepare() -> State:
    """The class data, and one learner's page built from it: the modules a page needs
    imported and the numbers every learner's page shares (statuses, mastery, workload)
    computed before a visitor asks, not while the first one waits."""
    from .learner_page import LearnerPage
    from .pages import prepare
    from .viewer import HUB_MODE_ENV

    state = prepare()
    students = state.data.memberships["student_id"]
    if len(students):
        viewer = {
            HUB_MODE_ENV: "1",
            "HTTP_X_PARCOURS_USER": str(students.iloc[0]),
            "HTTP_X_PARCOURS_ROLE": "learner",
        }
        LearnerPage(state, {}, environ=viewer).render()
    return state
