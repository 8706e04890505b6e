"""Helpers of the browser tests: open a dashboard and wait until it is ready, read what a
person sees (tables, KPI cards, the data plotly drew)."""

from __future__ import annotations

import time
from typing import Any

#: a dashboard is "ready" when its title and first figure are drawn
READY_TIMEOUT_MS = 180_000


def await_preheated(server: Any, url: str, timeout_s: float = 600) -> None:
    """Wait until the server holds a preheated kernel for this dashboard that has loaded
    its data (each kernel reports once, see ``dashboards.server.report_ready``; one is
    used per visit)."""
    name = url.split("/voila/render/", 1)[1].split(".ipynb", 1)[0]
    needed = server.visits.get(name, 0) + 1
    server.ready.wait(name, needed, timeout_s, server.process)
    server.visits[name] = needed


def open_dashboard(
    page: Any,
    url: str,
    *,
    figure: bool = True,
    server: Any = None,
    timeout_ms: int = READY_TIMEOUT_MS,
) -> float:
    """Go to ``url`` (once ``server`` has a preheated kernel ready for it) and wait until
    the page title (h1) and, with ``figure``, a plotly figure are shown; returns the
    seconds it took from navigation."""
    if server is not None and server.pool_size > 0:
        await_preheated(server, url)
    start = time.monotonic()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    page.wait_for_selector("h1", timeout=timeout_ms)
    if figure:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout_ms)
    return time.monotonic() - start


def table_rows(page: Any, table_id: str) -> list[list[str]]:
    """The text of every body row of a table, as shown."""
    return page.eval_on_selector(
        f"#{table_id}",
        "t => Array.from(t.tBodies[0].rows).map(r => Array.from(r.cells).map(c => c.innerText))",
    )


def table_headers(page: Any, table_id: str) -> list[str]:
    return page.eval_on_selector(
        f"#{table_id}", "t => Array.from(t.tHead.rows[0].cells).map(c => c.innerText)"
    )


def plotted(page: Any, name: str) -> dict[str, Any]:
    """The data and layout plotly drew for the figure named ``name`` (layout.meta)."""
    return page.evaluate(
        """name => {
            const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))
                .find(g => g.layout && g.layout.meta && g.layout.meta.parcours === name);
            if (!gd) return null;
            return {data: gd.data.map(t => ({x: t.x, y: t.y, z: t.z, type: t.type})),
                    title: gd.layout.title.text,
                    xtitle: gd.layout.xaxis.title.text, ytitle: gd.layout.yaxis.title.text};
        }""",
        name,
    )


def wait_plotted(page: Any, name: str, timeout_s: float = 60) -> dict[str, Any]:
    page.wait_for_function(
        """name => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .some(g => g.layout && g.layout.meta && g.layout.meta.parcours === name)""",
        arg=name,
        timeout=timeout_s * 1000,
    )
    return plotted(page, name)


def screenshot(page: Any, path: Any) -> None:
    """The whole dashboard (Voila scrolls inside its own panel: grow the viewport to the
    content's height first)."""
    height = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('*'))"
        ".map(e => e.scrollHeight || 0))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 50, 12000)})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


LIVE_FIGURES_JS = """() => Array.from(document.querySelectorAll('.parcours-plot'))
    .every(p => p.classList.contains('js-plotly-plot'))"""


def wait_live(page: Any, timeout_s: float = 120) -> None:
    """Until every figure of the page is a live plotly figure (pictures drawn ahead
    included) and the widgets are shown."""
    page.wait_for_selector(".parcours-root", timeout=timeout_s * 1000)
    if page.locator(".parcours-plot").count():  # pointing at a picture makes it live
        page.locator(".parcours-plot").first.hover()
    page.wait_for_function(LIVE_FIGURES_JS, timeout=timeout_s * 1000)
