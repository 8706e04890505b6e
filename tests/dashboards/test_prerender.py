"""The coordinator's first-view figures drawn ahead on the server (kaleido, headless
chromium): the picture is plotly's own drawing of the same figure, and without a
browser to draw with, the page keeps its figures for plotly.js in the visitor's browser."""

from __future__ import annotations

import logging

import pytest


def _block():
    from parcours.dashboards import blocks, ui

    fig = ui.figure(
        "bar",
        title="Learners reaching each activity",
        x_title="Activity",
        y_title="Learners",
        x=["lesson-1", "quiz-2"],
        y=[40, 31],
    )
    return blocks.Static.of(
        lambda: [blocks.show_html("<h2>Dropout</h2>"), blocks.show_figure(fig, "funnel")]
    )


def test_figures_drawn_ahead_as_svg() -> None:
    from parcours.dashboards.prerender import draw_ahead

    block = _block()
    widget = object()
    drawn = draw_ahead([widget, block])
    assert drawn[0] is widget
    html = drawn[1].outputs[1]["data"]["text/html"]
    assert html.startswith('<div class="parcours-plot"')
    svg = html[html.index("<svg") :]
    # plotly's drawing: the title, both bars' categories, the axis titles
    for text in ("Learners reaching each activity", "lesson-1", "quiz-2", "Activity"):
        assert text in svg
    assert 'data-figure="' in html  # plotly.js still gets the figure to bring it to life
    assert drawn[1].outputs[0] == block.outputs[0]


def test_pictures_come_from_the_cache_the_next_time(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next preheated kernel shows the same figure's picture without a browser."""
    from parcours.dashboards.prerender import draw_ahead

    first = draw_ahead([_block()], cache=tmp_path / "figures")
    assert len(list((tmp_path / "figures").glob("*.svg"))) == 1
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    again = draw_ahead([_block()], cache=tmp_path / "figures")
    assert "<svg" in again[0].outputs[1]["data"]["text/html"]
    assert again[0].outputs == first[0].outputs


def test_without_a_browser_the_figures_are_left_to_plotly_js(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from parcours.dashboards.prerender import draw_ahead

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    block = _block()
    with caplog.at_level(logging.WARNING, logger="parcours.dashboards.prerender"):
        drawn = draw_ahead([block])
    assert drawn == [block]
    assert "<svg" not in drawn[0].outputs[1]["data"]["text/html"]
    assert "figures not drawn ahead" in caplog.text


def test_a_browser_that_hangs_is_killed(
    tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import psutil
    from parcours.dashboards.prerender import draw_ahead

    hang = tmp_path / "chromium"
    hang.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'pid'}\nexec sleep 600\n")
    hang.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(hang))
    block = _block()
    with caplog.at_level(logging.WARNING, logger="parcours.dashboards.prerender"):
        drawn = draw_ahead([block], timeout=5)
    assert drawn == [block]
    assert "no answer in 5 s" in caplog.text
    pid = int((tmp_path / "pid").read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
