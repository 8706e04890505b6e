"""A page's blocks and how they are shown: :class:`Static` content (headings, tables,
KPI cards, figures from :mod:`.ui`) written into the HTML page for its first view, before
any script runs, and widgets once the page is live (rebuilt by a filter or the language
switch)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: where show_html/show_figure put their outputs while collect() gathers them, and the
#: figures among them (output index -> plotly figure)
_sink: list[dict[str, Any]] | None = None
_figures: dict[int, dict[str, Any]] = {}
#: marks outputs that Parcours' Voila template writes into the page as plain HTML
STATIC_METADATA = {"parcours": {"static": True}}
#: class of what only the first view shows (removed by parcours.js once the page is live)
FIRST_VIEW = "parcours-first-view"
#: class of a page's root widget once its widgets show the whole page
LIVE = "parcours-live"


def collect(
    render: Callable[[], object],
) -> tuple[tuple[dict[str, Any], ...], dict[int, dict[str, Any]]]:
    """The outputs ``render`` shows through :func:`show_html` and :func:`show_figure`,
    and which of them are figures (index -> plotly figure)."""
    global _sink, _figures
    outer = _sink, _figures
    _sink, _figures = [], {}
    try:
        render()
        return tuple(_sink), _figures
    finally:
        _sink, _figures = outer


@dataclass(frozen=True)
class Static:
    """Content of a page that stays as it is until the page is rebuilt (headings, tables,
    KPI cards, figures): display outputs, no widget.

    A page's first view writes it into the HTML page itself (:meth:`display_first_view`;
    Parcours' Voila template renders it on the server, so it shows before any script
    runs); once the page is rebuilt by a filter or the language switch it lives in an
    ``Output`` widget (:meth:`widget`)."""

    outputs: tuple[dict[str, Any], ...]
    #: which outputs are figures (index -> plotly figure), for :meth:`with_images`
    figures: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, render: Callable[[], object]) -> Static:
        """What ``render`` shows, as a static block."""
        return cls(*collect(render))

    @classmethod
    def html(cls, text: str) -> Static:
        return cls((_output({"text/html": text, "text/plain": ""}),))

    def with_images(self, images: dict[int, str]) -> Static:
        """This block with pictures drawn ahead (output index -> SVG) inside its figures:
        shown at once, the figure comes to life when plotly.js has loaded."""
        outputs = list(self.outputs)
        for index, svg in images.items():
            fig = self.figures[index]
            outputs[index] = _output(_figure_bundle(fig, svg))
        return Static(tuple(outputs), self.figures)

    def widget(self) -> Any:
        """An ``ipywidgets.Output`` holding these outputs (set in one state update)."""
        import ipywidgets as w

        out = w.Output()
        out.outputs = self.outputs
        return out

    def display_first_view(self, first_view_only: bool = True) -> None:
        """Display as cell outputs written into the page as HTML; with
        ``first_view_only``, removed once the page is live."""
        from IPython.display import display

        for output in self.outputs:
            text = output["data"].get("text/html", "")
            if first_view_only:
                text = f'<div class="{FIRST_VIEW}">{text}</div>'
            display({"text/html": text, "text/plain": ""}, raw=True, metadata=STATIC_METADATA)


def display_first_view(block: Any) -> None:
    """Display one block of a page's first view: a :class:`Static` as HTML, a widget in
    a box removed once the page is live (the same widget then shows in the live page)."""
    if isinstance(block, Static):
        block.display_first_view()
        return
    import ipywidgets as w
    from IPython.display import display

    box = w.Box([block])
    box.add_class(FIRST_VIEW)
    display(box)


def live_widget(block: Any) -> Any:
    """One block of a page as a widget of the live page."""
    return block.widget() if isinstance(block, Static) else block


def output_of(render: Callable[[], object], out: Any) -> Any:
    """The ``ipywidgets.Output`` ``out``, now holding what ``render`` shows.

    The outputs are set on the widget in one state update instead of being captured
    from displays (capture sends every output to the frontend and back: Voila's executor
    then writes each into the widget, one round trip per output)."""
    out.outputs = collect(render)[0]
    return out


def _output(bundle: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def _show(bundle: dict[str, Any], figure: dict[str, Any] | None = None) -> None:
    if _sink is not None:
        if figure is not None:
            _figures[len(_sink)] = figure
        _sink.append(_output(bundle))
        return
    from IPython.display import display

    display(bundle, raw=True)


def show_html(text: str) -> None:
    """Show HTML (in the block being collected by :func:`collect`, else as a cell output)."""
    _show({"text/html": text, "text/plain": ""})


def show_figure(fig: dict, name: str) -> None:
    """Show a plotly figure: an HTML ``<div class="parcours-plot">`` carrying the figure
    as JSON, drawn in the browser by plotly.js (the dashboards' Voila template loads its
    cartesian bundle, see ``share/voila/templates/parcours``), named in ``layout.meta``
    for tests, with its title as a text alternative."""
    fig["layout"]["meta"] = {"parcours": name}
    fig = _jsonable(fig)
    _show(_figure_bundle(fig), fig)


def _figure_bundle(fig: dict[str, Any], svg: str = "") -> dict[str, Any]:
    """The output of a figure; with ``svg`` (drawn ahead), that picture shows until
    plotly.js draws the live figure in its place."""

    title = fig["layout"].get("title", {}).get("text", "")
    data = html.escape(json.dumps(fig, separators=(",", ":")), quote=True)
    return {
        # a named figure, not an img: plotly.js puts controls inside it (axe's
        # nested-interactive); the picture drawn ahead is the img, with the same name
        "text/html": f'<div class="parcours-plot" role="figure" aria-label="'
        f'{html.escape(title, quote=True)}" data-figure="{data}">{_picture(svg, title)}</div>',
        "text/plain": title,
    }


def _picture(svg: str, title: str) -> str:
    """A picture drawn ahead (SVG text), marked as an image with the figure's name."""
    if not svg.lstrip().startswith("<svg"):
        return svg
    name = html.escape(title, quote=True)
    end = svg.index(">")  # at the end of the opening tag, its own attributes kept first
    return f'{svg[:end]} role="img" aria-label="{name}"{svg[end:]}'


def _jsonable(value: Any) -> Any:
    """Lists, dicts and plain numbers only (numpy and pandas values converted)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
