"""The hub's learner page as the dashboards service builds it (dashboards/served.py), when
a class logs in at once (issue #24, item 13: 100 learners, 10 at a time, p95 < 5 s).

Its figures come as pictures drawn in Python (dashboards/pictures.py): the page is whole
without plotly.js, which every browser would otherwise download and compile for two bar
charts. The class data is read again in the background: no visitor waits for it.
"""

from __future__ import annotations

import re
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from .conftest import REPO, ClassWorld

SVG = "{http://www.w3.org/2000/svg}"


def bars(**layout: Any) -> dict[str, Any]:
    """A figure as ``ui.figure("bars with intervals", …)`` makes it (French separators),
    with a dashed limit line as the learner's week has."""
    return {
        "data": [
            {
                "type": "bar",
                "x": ["Lire", "Nettoyer", "Visualiser"],
                "y": [0.5, 0.25, 0.75],
                "error_y": {"type": "data", "array": [0.1] * 3, "arrayminus": [0.2] * 3},
            }
        ],
        "layout": {
            "title": {"text": "Ma maîtrise"},
            "xaxis": {"title": {"text": "Compétence"}, "automargin": True},
            "yaxis": {"title": {"text": "Maîtrise"}, "automargin": True, "range": [0, 1.05]},
            "height": 360,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
            "separators": ",\u202f",
            "shapes": [
                {
                    "type": "line",
                    "xref": "x domain",
                    "x0": 0,
                    "x1": 1,
                    "yref": "y",
                    "y0": 0.9,
                    "y1": 0.9,
                    "line": {"color": "#b3261e", "dash": "dash"},
                }
            ],
            **layout,
        },
    }


def test_a_bar_figure_is_drawn_as_plotly_draws_it() -> None:
    from parcours.dashboards.pictures import draw

    svg = draw(bars())
    assert svg is not None
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == ("1100", "360")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Ma maîtrise", "Compétence", "Maîtrise", "Lire", "Nettoyer", "Visualiser"} <= set(texts)
    # plotly.js' ticks for 0..1.05 on 250 px: every 0.2, French decimal mark, no trailing 0
    assert [t for t in texts if re.fullmatch(r"[\d,]+", t or "")] == [
        "0",
        "0,2",
        "0,4",
        "0,6",
        "0,8",
        "1",
    ]
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#1f77b4"]
    heights = [float(r.get("height", 0)) for r in rects]
    assert heights == pytest.approx([250 * v / 1.05 for v in (0.5, 0.25, 0.75)], abs=0.01)
    paths = [p.get("d", "") for p in root.iter(f"{SVG}path")]
    assert sum("m-4,0h8" in d for d in paths) == 3  # an error bar per bar
    assert any(p.get("stroke-dasharray") for p in root.iter(f"{SVG}path"))  # the limit


@pytest.mark.parametrize(
    "change",
    [
        {"data": [{"type": "heatmap", "z": [[1]]}]},
        {"data": [{"type": "bar", "x": ["a"], "y": [1]}, {"type": "bar", "x": ["a"], "y": [2]}]},
        {"data": [{"type": "bar", "x": [1, 2], "y": [1, 2]}]},
        {"layout": {"barmode": "stack"}},
    ],
    ids=["heatmap", "two-traces", "numbers-on-x", "unknown-layout"],
)
def test_other_figures_are_left_to_plotly(change: dict[str, Any]) -> None:
    from parcours.dashboards.pictures import draw

    fig = bars()
    fig["data"] = change.get("data", fig["data"])
    fig["layout"].update(change.get("layout", {}))
    assert draw(fig) is None


def test_the_served_learner_page_comes_with_its_figures(
    world_env: ClassWorld, dashboard_data: Any
) -> None:
    """Every figure of the page holds its picture (an image named by the figure's title)
    and its live figure's data: shown at once, live when pointed at."""
    from parcours.config import load_config
    from parcours.dashboards.pages import State
    from parcours.dashboards.served import ServedPages

    served = ServedPages(load=lambda: State(load_config(REPO), dashboard_data, time.monotonic()))
    student = world_env.student_ids[0]
    page = served.learner({"lang": "fr"}, viewer(student), "/static/")

    figures = re.findall(r'<div class="parcours-plot"[^>]*>(.*?)</div>', page, re.S)
    assert len(figures) == 2
    for inside in figures:
        assert re.match(r'<svg [^>]*role="img" aria-label="[^"]+"', inside), inside[:200]


def test_no_visitor_waits_for_the_data_to_be_read_again() -> None:
    """Past ``refresh_s`` a visit gets the data in hand at once and starts one reading in
    the background; the next visits get the new data once it is read."""
    from parcours.dashboards.served import ServedPages

    release = threading.Event()
    loads: list[str] = []

    def load() -> Any:
        if loads:  # every reading after the first waits until the test lets it go
            release.wait(timeout=60)
        loads.append(f"data-{len(loads)}")
        return loads[-1]

    served = ServedPages(load=load, refresh_s=0.0)
    assert served.state() == "data-0"
    answered: list[Any] = []
    visit = threading.Thread(target=lambda: answered.append(served.state()))
    visit.start()
    visit.join(timeout=30)
    assert answered == ["data-0"], "the visit waited for the data to be read again"
    reading = served.reading
    assert reading is not None and served.state() == "data-0" and served.reading is reading
    release.set()
    reading.join(timeout=60)
    assert served.reading is None and loads == ["data-0", "data-1"]
    assert served.state() == "data-1"


def viewer(student: str) -> dict[str, str]:
    """What the dashboards service hands a page for a learner logged in on the hub."""
    return {
        "PARCOURS_HUB_DASHBOARDS": "1",
        "HTTP_X_PARCOURS_USER": student,
        "HTTP_X_PARCOURS_ROLE": "learner",
        "HTTP_X_PARCOURS_COURSES": "",
    }
