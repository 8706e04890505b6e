"""Pictures of simple bar figures, drawn in Python as SVG, for the pages a server
renders (the hub's learner page, :mod:`.served`).

A learner's page is read, not played with, and a class logs in at once before a
deadline: a browser that downloads and compiles plotly.js (1.5 MB) for every visit only
to draw two bar charts makes every learner wait, and on a shared machine slows the
server too. Drawing them here costs about a millisecond and no browser: the page comes
with its figures. The picture has plotly.js' own look (size, margins, colours, type,
ticks, error bars, a dashed reference line); ``static/parcours.js`` replaces it by the
live plotly figure as soon as the visitor points at it or focuses it.

Only what the pages draw as plain bars is drawn here (:func:`draw` answers None for
anything else: more than one trace, a legend, another kind of trace or axis setting);
those figures are drawn by plotly.js in the browser, or ahead by :mod:`.prerender`.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Sequence
from typing import Any

from .prerender import WIDTH

#: plotly.js' defaults, for a picture that does not jump when the live figure replaces it
FONT = "'Open Sans', verdana, arial, sans-serif"
INK = "#444"
BAR = "#1f77b4"
GRID = "#eee"
#: mean advance of a character of FONT, in ems (to know whether tick labels fit)
CHAR_EM = 0.45
LAYOUT_KEYS = {
    "title",
    "xaxis",
    "yaxis",
    "height",
    "margin",
    "plot_bgcolor",
    "paper_bgcolor",
    "separators",
    "shapes",
    "meta",
}
AXIS_KEYS = {"title", "automargin", "range", "tickformat", "ticksuffix"}
TRACE_KEYS = {"type", "x", "y", "error_y", "name"}


def draw(fig: dict[str, Any], width: int = WIDTH) -> str | None:
    """The SVG picture of ``fig`` (a plotly figure as a dict), ``width`` pixels wide; None
    when it is not one bar trace over categories that this module knows how to draw."""
    layout, traces = fig.get("layout", {}), fig.get("data", [])
    if len(traces) != 1 or set(layout) - LAYOUT_KEYS:
        return None
    trace = traces[0]
    if trace.get("type") != "bar" or set(trace) - TRACE_KEYS:
        return None
    xaxis, yaxis = layout.get("xaxis", {}), layout.get("yaxis", {})
    if set(xaxis) - AXIS_KEYS or set(yaxis) - AXIS_KEYS or {"range", "tickformat"} & set(xaxis):
        return None
    labels, values = list(trace.get("x", [])), list(trace.get("y", []))
    if len(labels) != len(values) or not all(isinstance(x, str) for x in labels):
        return None
    if not all(v is None or isinstance(v, int | float) for v in values):
        return None
    lines = _reference_lines(layout.get("shapes", []))
    if lines is None:
        return None
    return _svg(layout, trace, labels, values, lines, width)


def _reference_lines(shapes: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Horizontal lines across the plot (the only shapes the pages draw), or None."""
    for shape in shapes:
        if (shape.get("type"), shape.get("xref"), shape.get("yref")) != ("line", "x domain", "y"):
            return None
        if shape.get("y0") != shape.get("y1"):
            return None
    return shapes


def _svg(
    layout: dict[str, Any],
    trace: dict[str, Any],
    labels: list[str],
    values: list[float | None],
    lines: list[dict[str, Any]],
    width: int,
) -> str:
    height = int(layout.get("height", 360))
    margin = {"l": 80, "r": 80, "t": 100, "b": 80, **layout.get("margin", {})}
    left, top = margin["l"], margin["t"]
    plot_w = width - margin["l"] - margin["r"]
    band = plot_w / max(len(labels), 1)
    # plotly.js tilts the labels when two neighbours would overlap
    widths = [_text_width(label, 12) for label in labels]
    tilted = any((a + b) / 2 > band - 4 for a, b in itertools.pairwise(widths))
    # automargin: tilted labels take the room they need below the plot
    extra = (
        int(max(_text_width(label, 12) for label in labels) * 0.5) - 8 if tilted and labels else 0
    )
    plot_h = max(height - margin["t"] - margin["b"] - max(extra, 0), 40)
    bottom = top + plot_h

    errors = trace.get("error_y") or {}
    plus = list(errors.get("array") or [0] * len(values))
    minus = list(errors.get("arrayminus") or plus)
    yaxis, xaxis = layout.get("yaxis", {}), layout.get("xaxis", {})
    low, high = _y_range(yaxis, values, plus, minus, [float(s["y0"]) for s in lines])

    def y_px(value: float) -> float:
        return bottom - (value - low) / (high - low) * plot_h

    separators = str(layout.get("separators") or ".,").ljust(2, ",")
    decimal, thousands = separators[0], separators[1]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{html.escape(FONT)}" fill="{INK}">',
        f'<rect width="{width}" height="{height}" fill="{_colour(layout, "paper_bgcolor")}"/>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        f'fill="{_colour(layout, "plot_bgcolor")}"/>',
    ]
    ticks = _ticks(low, high, plot_h)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for tick in ticks:
        y = round(y_px(tick), 2)
        colour = INK if tick == 0 else GRID
        out.append(f'<path d="M{left},{y}h{plot_w}" stroke="{colour}"/>')
        text = _tick_text(tick, step, yaxis, decimal, thousands)
        out.append(
            f'<text x="{left - 1}" y="{y + 4.2}" text-anchor="end" font-size="12">{text}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = left + band * (i + 0.5)
        if value is not None and value == value:
            y0, y1 = y_px(max(low, 0.0)), y_px(float(value))
            out.append(
                f'<rect x="{round(centre - band * 0.4, 2)}" y="{round(min(y0, y1), 2)}" '
                f'width="{round(band * 0.8, 2)}" height="{round(abs(y1 - y0), 2)}" fill="{BAR}"/>'
            )
            if errors:
                up, down = y_px(float(value) + plus[i]), y_px(float(value) - minus[i])
                out.append(
                    f'<path d="M{centre - 4:.2f},{up:.2f}h8m-4,0V{down:.2f}m-4,0h8" '
                    f'stroke="{html.escape(str(errors.get("color", INK)))}" stroke-width="2" '
                    'fill="none"/>'
                )
        out.append(_x_label(label, centre, bottom, tilted))
    for line in lines:
        style = line.get("line", {})
        dash = ' stroke-dasharray="9,9"' if style.get("dash") == "dash" else ""
        x0, x1 = left + plot_w * float(line["x0"]), left + plot_w * float(line["x1"])
        out.append(
            f'<path d="M{x0:.2f},{y_px(float(line["y0"])):.2f}H{x1:.2f}" '
            f'stroke="{html.escape(str(style.get("color", INK)))}" stroke-width="2"{dash}/>'
        )
    out.append(_title(layout, width / 2, top / 2, 17))
    x_title, y_title = _text(xaxis), _text(yaxis)
    if x_title:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" '
            f'font-size="14">{html.escape(x_title)}</text>'
        )
    if y_title:
        mid = top + plot_h / 2
        out.append(
            f'<text x="22" y="{mid}" transform="rotate(-90,22,{mid})" text-anchor="middle" '
            f'font-size="14">{html.escape(y_title)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _y_range(
    axis: dict[str, Any],
    values: list[float | None],
    plus: Sequence[float],
    minus: Sequence[float],
    lines: list[float],
) -> tuple[float, float]:
    """The y range: the axis' own, else plotly's for bars (zero included, 5 % above)."""
    if "range" in axis:
        low, high = (float(v) for v in axis["range"])
        return (low, high) if high > low else (low, low + 1)
    shown = [float(v) for v in values if v is not None and v == v]
    tops = [v + p for v, p in zip(shown, plus, strict=False)] + shown + lines
    bottoms = [v - m for v, m in zip(shown, minus, strict=False)] + shown + lines
    high, low = max([0.0, *tops]), min([0.0, *bottoms])
    if high == low:
        return (0.0, 1.0)
    return (low - (high - low) * 0.05 if low < 0 else low, high + (high - low) * 0.05)


def _ticks(low: float, high: float, length: float) -> list[float]:
    """plotly.js' automatic ticks: about one per 40 px (4 to 9), at 1, 2 or 5 × 10ⁿ."""
    count = min(max(length / 40, 4), 9) + 1
    rough = (high - low) / count
    base = 10 ** math.floor(math.log10(rough))
    step = next(m * base for m in (2, 5, 10) if m * base >= rough)
    first = math.ceil(low / step - 1e-9)
    return [round(n * step, 10) for n in range(first, math.floor(high / step + 1e-9) + 1)]


def _tick_text(
    value: float, step: float, axis: dict[str, Any], decimal: str, thousands: str
) -> str:
    """A tick's label as plotly.js writes it (the layout's separators, percent format,
    suffix)."""
    suffix = str(axis.get("ticksuffix", ""))
    if str(axis.get("tickformat", "")).endswith("%"):
        value, step, suffix = value * 100, step * 100, "%" + suffix
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    text = f"{abs(value):,.{digits}f}"
    if "." in text:  # plotly.js writes 1, not 1.0, beside 0.8
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\x00").replace(".", decimal)
    text = text.replace("\x00", thousands if abs(value) >= 10_000 else "")
    sign = "\u2212" if value < 0 else ""
    return html.escape(sign + text + suffix)


def _x_label(label: str, centre: float, bottom: float, tilted: bool) -> str:
    text = html.escape(label)
    if not tilted:
        return (
            f'<text x="{centre:.2f}" y="{bottom + 13}" text-anchor="middle" '
            f'font-size="12">{text}</text>'
        )
    return (
        f'<text x="{centre:.2f}" y="{bottom + 13}" text-anchor="end" font-size="12" '
        f'transform="rotate(-30,{centre:.2f},{bottom + 13})">{text}</text>'
    )


def _title(layout: dict[str, Any], x: float, y: float, size: int) -> str:
    text = _text(layout)
    if not text:
        return ""
    return (
        f'<text x="{x}" y="{y}" dy="0.35em" text-anchor="middle" font-size="{size}">'
        f"{html.escape(text)}</text>"
    )


def _text(part: dict[str, Any]) -> str:
    title = part.get("title", "")
    return str(title.get("text", "") if isinstance(title, dict) else title)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM


def _colour(layout: dict[str, Any], key: str) -> str:
    return html.escape(str(layout.get(key, "white")))


def with_pictures(blocks: list[Any]) -> list[Any]:
    """``blocks`` with a picture in each figure :func:`draw` can draw (see
    :meth:`.ui.Static.with_images`); the other figures are left to plotly.js."""
    out = []
    for block in blocks:
        figures = getattr(block, "figures", None) or {}
        images = {index: svg for index, fig in figures.items() if (svg := draw(fig))}
        out.append(block.with_images(images) if images else block)
    return out
