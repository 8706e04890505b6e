"""The dashboard pages as ipywidgets trees, built from the view-model functions.

A notebook does three things (see ``notebooks/*.ipynb``)::

    state = pages.prepare("coordinator", ahead=CoordinatorPage)  # preheated: data, page
    query = pages.request_query()      # waits for the visitor's request (Voila preheat)
    CoordinatorPage.for_request(state, query).show()

(:mod:`.coordinator_page`; the others: :mod:`.teacher_page`, :mod:`.learner_page`)

Everything shown comes from :mod:`.coordinator`, :mod:`.teacher` and :mod:`.learner`;
this module only lays it out, translates labels and wires filters and buttons.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..i18n import N_, _, choose_language, set_language
from . import blocks, ui

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from .data import DashboardData

PERIODS = (0, 7, 14, 28, 56)  # days; 0 = everything
#: the learner × activity heatmap grows with the class up to this height (pixels); past
#: HEATMAP_LABELS_MAX learners their names are in the hover text only (a large class is
#: read as a pattern; the CSV exports list every learner)
HEATMAP_MAX_PX = 900
HEATMAP_LABELS_MAX = 60
#: height of a row of controls (language switch, filters), kept for them in the first view
CONTROL_ROW_PX = 32
#: status names of the heatmap's colour scale (analytics.STATUSES, in order)
STATUS_NAMES = ("not_started", "started", "done", "late", "missed")


@dataclass
class State:
    """What a dashboard kernel holds: configuration and data, loaded once."""

    config: ParcoursConfig
    data: DashboardData
    loaded_at: float
    warm: str = ""
    #: the kind of page to build ahead of the request (the notebook names it)
    ahead: type[Page] | None = None
    #: the page for a visitor who asks for nothing special, built ahead of the request
    prebuilt: Page | None = None

    def refresh_if_older(self, seconds: float) -> None:
        """Reload the data if it was loaded more than ``seconds`` ago (preheated kernels
        may wait a while in the pool), or before a course's manifest last changed (a
        teacher who adds a peer review, a team or a date sees it on her next visit)."""
        if time.monotonic() - self.loaded_at > seconds or self._manifest_changed():
            from .data import load_dashboard_data

            self.data = load_dashboard_data(self.config)
            self.loaded_at = time.monotonic()
            self.prebuilt = None
            self.warm_up(pictures=False)  # a visitor is waiting: no pictures drawn ahead

    def _manifest_changed(self) -> bool:
        """Whether a course's ``course.toml`` was written after the data was loaded."""
        loaded = time.time() - (time.monotonic() - self.loaded_at)
        for course in self.data.courses.values():
            try:
                if course.path("course.toml").stat().st_mtime > loaded:
                    return True
            except OSError:
                return True  # gone or unreadable: what the pages show is out of date
        return False

    def warm_up(self, pictures: bool = True) -> None:
        """Build the page ``ahead`` names (the coordinator's) for a visitor who asks for
        nothing special, ahead of the request (:meth:`Page.build_ahead`), then report the
        kernel ready."""
        if self.ahead is not None:
            self.prebuilt = self.ahead.build_ahead(self, pictures)
        from .server import report_ready

        report_ready(self.warm or "page")  # readiness probe (health checks, benchmarks)


def prepare(warm: str = "", ahead: type[Page] | None = None) -> State:
    """Load the configuration and the class data, and build the page of kind ``ahead``
    for the default view (runs in a preheated kernel, before the request arrives).
    ``warm`` names the page; with env ``PARCOURS_DASHBOARD_READY_DIR`` set, the kernel
    reports it is ready there (``<warm>-<pid>.ready``)."""
    from ..config import load_config
    from .data import load_dashboard_data

    config = load_config()
    state = State(config, load_dashboard_data(config), time.monotonic(), warm, ahead)
    state.warm_up()
    return state


def shared_language(data: DashboardData, courses: list[str]) -> str | None:
    """The language of ``courses`` (those known; every course when none is) if they all
    have one, else None."""
    chosen = [data.courses[c] for c in courses if c in data.courses] or list(data.courses.values())
    languages = {c.language for c in chosen}
    return languages.pop() if len(languages) == 1 else None


def request_query() -> dict[str, str]:
    """The visitor's URL query (``?lang=en&course=...``). With preheated kernels, waits
    for Voila to hand the request over; outside Voila, reads ``QUERY_STRING`` if any."""
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import wait_for_request

        wait_for_request()
    return dict(parse_qsl(os.environ.get("QUERY_STRING", "")))


class Page:
    """A page with a title, a language switch, controls and a body of blocks.

    The first view (:meth:`show`) is written into the HTML page: :class:`.blocks.Static`
    blocks as plain HTML, shown before any script runs, the controls as widgets. A
    change of control or language rebuilds the page (:meth:`refresh`) into widgets: the
    root widget then carries the ``parcours-live`` class and the first view is removed
    (Parcours' Voila template, ``static/parcours.js``)."""

    title_id = N_("Dashboard")
    #: query keys that change what the page shows (others, such as Voila's, are ignored)
    query_keys: tuple[str, ...] = ("lang",)

    @classmethod
    def for_request(cls, state: State, query: dict[str, str]) -> Page:
        """The page for this request: the one built ahead of it when the visitor asks for
        the default view (its language or none, no filter), else a new one."""
        ready = state.prebuilt
        if isinstance(ready, cls) and not ready.shown and ready.matches(query):
            state.prebuilt = None  # one visitor per kernel: never shown twice
            return ready
        return cls(state, query)

    @classmethod
    def build_ahead(cls, state: State, pictures: bool) -> Page:
        """The page for a visitor who asks for nothing special, built before the request;
        with ``pictures`` its figures drawn as SVG (:mod:`.prerender`)."""
        page = cls(state, {})
        page.render()
        if pictures:
            from .prerender import draw_ahead

            cache = Path(state.config.data_dir) / "dashboards" / "figures"
            page.blocks = draw_ahead(page.blocks, cache=cache)
        return page

    def matches(self, query: dict[str, str]) -> bool:
        """Whether this page (built for the default view) answers ``query``."""
        if query.get("lang") and query["lang"] != self.lang:
            return False
        return not any(query.get(k) for k in self.query_keys if k != "lang")

    def __init__(self, state: State, query: dict[str, str]):
        import ipywidgets as w

        self.state = state
        self.query = query
        self.lang = set_language(
            choose_language(
                query.get("lang"), self.course_language(state, query), state.config.language
            )
        )
        self.switch = w.ToggleButtons(
            options=[("Français", "fr"), ("English", "en")],
            value=self.lang,
            description="",
            tooltips=["Français", "English"],
        )
        self.switch.add_class("parcours-lang")
        self.switch.observe(self._on_language, names="value")
        self.shown = False
        #: whether the page is built as widgets (after a change); else as its first view
        self.live = False
        #: the page's state as a URL query, for the browser's address bar (a view can
        #: be shared): static/parcours.js copies it there
        self.address = w.HTML()
        self.address.add_class("parcours-address")
        self.header = w.HTML()
        self.body = w.VBox()
        #: widgets above the body (subclasses add their filters)
        self.controls: list[Any] = [self.switch]
        self.blocks: list[Any] = []
        self.title = ""
        self.root: Any = None

    def course_language(self, state: State, query: dict[str, str]) -> str | None:
        """The language of the course(s) this page shows: the course asked for, else the
        one language all courses share; None when they differ (the configured language
        then applies)."""
        return shared_language(state.data, [query.get("course", "")])

    def _on_language(self, change: dict[str, Any]) -> None:
        self.lang = set_language(change["new"])
        self.refresh()

    def show(self) -> None:
        """Display the first view: the style and the title as HTML, the root widget
        (controls; header and body empty until the page is live), then the blocks."""
        import ipywidgets as w
        from IPython.display import display

        if not self.blocks:
            self.render()
        self.shown = True
        self.root = w.VBox([self.header, self.address, *self.controls, self.body])
        self.root.add_class("parcours-root")
        blocks.Static.html(ui.STYLE).display_first_view(first_view_only=False)
        blocks.Static.html(self.title).display_first_view()
        # its place kept until it shows (a row per control, see the Voila template)
        display(
            self.root, metadata={"parcours": {"min_height": CONTROL_ROW_PX * len(self.controls)}}
        )
        for block in self.blocks:
            blocks.display_first_view(block)

    def render(self) -> None:
        """Compute the title and the blocks in the language in force."""
        self.blocks = self.sections()
        self.title = f'<h1 lang="{self.lang}">{_(self.title_id)}</h1>'
        self.address.value = (
            f'<span hidden class="parcours-query" data-query="{ui.html.escape(self.url_query())}">'
            "</span>"
        )

    def state_query(self) -> dict[str, str]:
        """What the visitor chose beyond the language (filters...), as query values."""
        return {}

    def url_query(self) -> str:
        """The URL query that opens this page as it is now (language and filters)."""
        from urllib.parse import urlencode

        kept = {k: v for k, v in self.query.items() if k not in self.query_keys}
        return urlencode({**kept, "lang": self.lang, **self.state_query()})

    def refresh(self) -> None:
        """Rebuild the page after a change of control or language; the widgets take over
        from the first view."""
        self.live = self.root is not None
        self.render()
        if self.root is None:
            return
        self.root.add_class(blocks.LIVE)
        self.body.children = [blocks.live_widget(block) for block in self.blocks]
        # the title changes last: when it reads in the new language, the page does too
        self.header.value = self.title

    def sections(self) -> list[Any]:  # pragma: no cover - overridden
        """The page's blocks: :class:`.blocks.Static` content and widgets."""
        raise NotImplementedError

    @staticmethod
    def html(text: str, css: str = "") -> blocks.Static:
        """A static block of HTML (in a ``div`` of class ``css``)."""
        return blocks.Static.html(f"<div class='{css}'>{text}</div>" if css else text)
