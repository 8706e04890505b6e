"""What the dashboard pages are made of: sortable tables, plotly figures with titles and
axis labels, KPI cards, CSV download links, the language switch (how they are shown, in
the first view and live: :mod:`.blocks`).

Tables are plain HTML (readable by a screen reader, light on a slow connection); each
column header is a ``<button>`` (reachable with Tab, sorts with Enter) whose inline handler
sorts the rows, with ``aria-sort`` kept up to date. Figures are plotly figures shown through
plotly's own JupyterLab renderer (offline: the renderer ships with plotly).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _

if TYPE_CHECKING:
    import pandas as pd

#: message ids shown through ``_(value)`` (statuses, kinds, bands, roles, KPI keys): marked
#: here so that the catalogue extraction finds them
VALUE_MESSAGES = (
    N_("not_started"),
    N_("started"),
    N_("done"),
    N_("late"),
    N_("missed"),
    N_("lesson"),
    N_("assignment"),
    N_("remediation"),
    N_("consolidation"),
    N_("extension"),
    N_("tutor"),
    N_("tutee"),
    N_("co-tutor"),
    N_("weekly_active"),
    N_("quiz_mean"),
    N_("skills_validated"),
    N_("feedback_delay_hours"),
)

# One self-contained handler (no global script needed: Voila may render HTML outputs
# without running <script> tags, attributes always work).
_SORT_JS = (
    "var th=this.parentNode,tr=th.parentNode,t=tr.closest('table'),b=t.tBodies[0],"
    "i=Array.prototype.indexOf.call(tr.children,th),"
    "d=th.getAttribute('aria-sort')==='ascending'?-1:1;"
    "Array.prototype.forEach.call(tr.children,function(h){h.setAttribute('aria-sort','none')});"
    "th.setAttribute('aria-sort',d>0?'ascending':'descending');"
    "var r=Array.prototype.slice.call(b.rows);"
    "r.sort(function(x,y){var p=x.cells[i].getAttribute('data-v'),q=y.cells[i]"
    ".getAttribute('data-v'),m=parseFloat(p),n=parseFloat(q);"
    "if(!isNaN(m)&&!isNaN(n))return d*(m-n);return d*p.localeCompare(q)});"
    "r.forEach(function(x){b.appendChild(x)});"
)
# doubled class: JupyterLab's rendered-HTML style right-aligns every cell with a
# selector of two classes (":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td").
# Every dashboard page carries this style: the Voila pages (coordinator, teacher,
# learner) inside JupyterLab's own, and the pages a server renders without Voila (the
# hub's learner page, served.py: <main class="parcours-served">), which get JupyterLab's
# type from the .parcours-served rules (its theme's variables, else the light theme's
# values), so that every page reads alike.
STYLE = """<style>
.parcours-table{border-collapse:collapse;font-size:13px;margin:4px 0}
table.parcours-table.parcours-table tr th,table.parcours-table.parcours-table tr td{
 border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
table.parcours-table.parcours-table tr td.n,table.parcours-table.parcours-table tr th.n{
 text-align:right;font-variant-numeric:tabular-nums}
.parcours-table th button{all:unset;cursor:pointer;font-weight:bold}
.parcours-table th button:focus{outline:2px solid #1a73e8}
.parcours-kpi{display:inline-block;border:1px solid #ccc;border-radius:6px;padding:6px 12px;
 margin:4px;min-width:150px}
.parcours-kpi .v{font-size:22px;font-weight:bold}
.parcours-ok{color:#1b7f3b}.parcours-bad{color:#b3261e}
.parcours-plot>svg{max-width:100%;height:auto;display:block}
.parcours-root .widget-label,.parcours-root .widget-button{overflow:visible;white-space:nowrap}
.parcours-root .widget-button{width:auto;min-width:fit-content}
.parcours-note{max-width:60em;color:#333}
.parcours-served{font-family:var(--jp-content-font-family,system-ui,-apple-system,
 blinkmacsystemfont,"Segoe UI",helvetica,arial,sans-serif);
 font-size:var(--jp-content-font-size1,14px);line-height:var(--jp-content-line-height,1.6);
 color:var(--jp-content-font-color1,rgba(0,0,0,.87));max-width:1200px;margin:0 auto;
 padding:8px 24px 32px}
.parcours-served h1,.parcours-served h2,.parcours-served h3{line-height:1;font-weight:500;
 margin:1.2em 0 .8em}
.parcours-served h1{font-size:2.0736em}.parcours-served h2{font-size:1.728em}
.parcours-served h3{font-size:1.44em}
.parcours-served a{color:var(--jp-content-link-color,#0d47a1)}
</style>"""


def fmt(value: Any, kind: str = "", zone: str = "UTC") -> str:
    """A value as shown in a table, in the language in force (babel): percentages
    (``kind`` "%"), whole numbers (``kind`` "int"), other numbers rounded to two decimals
    at most, dates and times on the wall clock of ``zone``, lists."""
    from ..i18n import display

    if _missing(value):
        return "–"
    if kind == "%":
        return display.percent(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if kind == "int" or isinstance(value, int):
        return display.integer(value)
    if isinstance(value, float):
        return display.number(value, 2)
    if isinstance(value, list | tuple):
        return ", ".join(_(str(v)) for v in value)
    if hasattr(value, "strftime"):
        return display.moment(value, zone, with_zone=False)
    if hasattr(value, "item"):  # numpy numbers
        return fmt(value.item(), kind, zone)
    return str(value)


def _numeric(frame: pd.DataFrame, column: str, kind: str) -> bool:
    """Whether a column holds numbers (right-aligned, as a reader compares them)."""
    import pandas as pd

    if kind in ("%", "int"):
        return True
    col = frame[column] if column in frame.columns else None
    return (
        col is not None
        and pd.api.types.is_numeric_dtype(col.dtype)
        and not pd.api.types.is_bool_dtype(col.dtype)
    )


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list | tuple | dict | str):
        return False
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _sort_key(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(float(value))
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:
            return ""
    return str(value)


def table_html(
    frame: pd.DataFrame,
    columns: dict[str, str],
    *,
    kinds: dict[str, str] | None = None,
    caption: str = "",
    table_id: str = "",
    limit: int = 200,
    translate: Sequence[str] = (),
) -> str:
    """A sortable HTML table of ``frame``'s ``columns`` (column -> translated header).

    ``kinds`` marks columns shown as percentages (``"%"``); ``translate`` names columns
    whose values are message ids (statuses, bands) shown in the language in force.
    """
    kinds = kinds or {}
    handler = html.escape(_SORT_JS, quote=True)
    numeric = {c: _numeric(frame, c, kinds.get(c, "")) for c in columns}
    align = {c: ' class="n"' if numeric[c] else "" for c in columns}
    head = "".join(
        f'<th scope="col" aria-sort="none" data-col="{html.escape(c)}"{align[c]}>'
        f'<button type="button" onclick="{handler}">{html.escape(label)}</button></th>'
        for c, label in columns.items()
    )
    body = []
    for row in frame.head(limit).to_dict("records"):
        cells = []
        for c in columns:
            value = row.get(c)
            shown = (
                _(str(value))
                if c in translate and isinstance(value, str)
                else fmt(value, kinds.get(c, ""))
            )
            if isinstance(value, list) and c in translate:
                shown = ", ".join(_(str(v)) for v in value)
            cells.append(
                f'<td data-v="{html.escape(_sort_key(value), quote=True)}"{align[c]}>'
                f"{html.escape(shown)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(frame) > limit:
        from ..i18n import display

        shown = _("Showing {n} of {total} rows.").format(
            n=display.integer(limit), total=display.integer(len(frame))
        )
        more = f"<p>{html.escape(shown)}</p>"
    ident = f' id="{html.escape(table_id)}"' if table_id else ""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if frame.empty:
        return f"<p{ident} class='parcours-empty'>{html.escape(_('Nothing to show.'))}</p>"
    return (
        f'<table class="parcours-table"{ident}>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


def csv_link(frame: pd.DataFrame, filename: str, label: str) -> str:
    """An HTML download link carrying ``frame`` as CSV (UTF-8 with BOM, for spreadsheets)."""
    data = ("\ufeff" + frame.to_csv(index=False)).encode("utf-8")
    href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
    return (
        f'<a class="parcours-download" download="{html.escape(filename)}" '
        f'href="{href}">{html.escape(label)}</a>'
    )


def kpi_value(value: float | None, unit: str) -> str:
    """A KPI value as shown (babel, the language in force): shares and scores as
    percentages, hours and days with their unit."""
    from ..i18n import display

    if value is None:
        return "–"
    if unit in ("share", "score", "%"):
        return display.percent(value)
    if unit == "change":
        return display.percent(value)
    if unit == "hours":
        return display.hours(value)
    if unit == "days":
        return display.days(value)
    return display.number(value, 2)


def kpi_cards(kpis: Sequence[Any]) -> str:
    """KPI cards: course, value, target, met or not, and the last weeks' values."""
    cards = []
    for k in kpis:
        relation = "≤" if k.unit in ("hours", "days", "change") else "≥"
        status = "" if k.met is None else ("parcours-ok" if k.met else "parcours-bad")
        verdict = "" if k.met is None else (_("met") if k.met else _("not met"))
        target = (
            f"<div>{html.escape(_('target'))} {relation} "
            f"{html.escape(kpi_value(k.target, k.unit))} — {html.escape(verdict)}</div>"
            if k.target is not None
            else f"<div>{html.escape(_('no target'))}</div>"
        )
        trend = " → ".join(kpi_value(x, k.unit) for x in k.trend[-4:])
        cards.append(
            # named with the course: with two courses each card must be told apart
            f'<div class="parcours-kpi" role="group" '
            f'aria-label="{html.escape(_(k.key))} ({html.escape(k.course)})"'
            f' data-kpi="{k.key}" data-course="{html.escape(k.course)}">'
            f"<div>{html.escape(_(k.key))} ({html.escape(k.course)})</div>"
            f'<div class="v {status}" data-value="{_sort_key(k.value)}">'
            f"{html.escape(kpi_value(k.value, k.unit))}</div>{target}"
            + (
                f"<div>{html.escape(_('last weeks: {values}').format(values=trend))}</div>"
                if trend
                else ""
            )
            + "</div>"
        )
    return "<div>" + "".join(cards) + "</div>"


def figure(kind: str, *, title: str, x_title: str, y_title: str, **data: Any) -> dict:
    """A plotly figure (as the plain dict plotly.js reads) of one ``kind`` — bar, line,
    histogram, heatmap — with its title and axis titles (already translated).

    Plain dicts skip plotly.py's validation, which costs more than the analytics on a
    large class; the figure is drawn by plotly's own offline renderer all the same.
    """
    if kind == "bar":
        trace: dict[str, Any] = {"type": "bar", "x": data["x"], "y": data["y"]}
    elif kind == "line":
        trace = {
            "type": "scatter",
            "mode": "lines+markers",
            "x": data["x"],
            "y": data["y"],
            "name": data.get("name", ""),
        }
    elif kind == "histogram":
        trace = {
            "type": "histogram",
            "x": data["x"],
            "xbins": {"start": 0, "end": 1.0001, "size": 0.1},
        }
    elif kind == "bars with intervals":  # each bar with its low..high interval
        trace = {
            "type": "bar",
            "x": data["x"],
            "y": data["y"],
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": [h - y for y, h in zip(data["y"], data["high"], strict=True)],
                "arrayminus": [y - lo for y, lo in zip(data["y"], data["low"], strict=True)],
                "color": "#333",
            },
        }
    elif kind == "heatmap":
        trace = {
            "type": "heatmap",
            "z": data["z"],
            "x": data["x"],
            "y": data["y"],
            "zmin": 0,
            "zmax": data.get("zmax", 4),
            "colorscale": data.get("colorscale"),
            "colorbar": data.get("colorbar"),
            "hoverongaps": False,
        }
    else:
        raise ValueError(f"unknown figure kind {kind!r}")
    from ..i18n import display, get_language

    traces = data.get("traces") or [trace]
    layout: dict[str, Any] = {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "height": data.get("height", 360),
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        # decimal mark and thousands of the language in force (0,5 in French)
        "separators": display.plotly_separators(),
    }
    if data.get("y_percent"):  # shares as percentages, the language's way (50 %)
        layout["yaxis"]["tickformat"] = ".0%" if get_language() == "en" else ".0f"
        if get_language() != "en":
            traces = [
                {**t, "y": [None if v is None else round(100 * v, 1) for v in t["y"]]}
                for t in traces
            ]
            layout["yaxis"]["ticksuffix"] = "\u00a0%"
            if "y_range" in data:
                data["y_range"] = [100 * v for v in data["y_range"]]
    if data.get("x_percent"):  # a histogram of shares
        if get_language() == "en":
            layout["xaxis"]["tickformat"] = ".0%"
        else:
            traces = [
                {
                    **t,
                    "x": [None if v is None else 100 * v for v in t["x"]],
                    "xbins": {"start": 0, "end": 100.01, "size": 10},
                }
                for t in traces
            ]
            layout["xaxis"]["ticksuffix"] = "\u00a0%"
    if "y_range" in data:
        layout["yaxis"]["range"] = data["y_range"]
    if data.get("y_labels") is False:
        layout["yaxis"]["showticklabels"] = False
    if data.get("lines"):
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": y,
                "y1": y,
                "line": {"color": "#b3261e", "dash": "dash"},
            }
            for y in data["lines"]
        ]
    return {"data": traces, "layout": layout}


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{html.escape(text)}</h{level}>"


def paragraph(text: str, ident: str = "", css: str = "") -> str:
    """A paragraph of plain text (escaped), its id and class when given."""
    ident = f" id='{html.escape(ident, quote=True)}'" if ident else ""
    return f"<p{ident}{f' class={css!r}' if css else ''}>{html.escape(text)}</p>"
