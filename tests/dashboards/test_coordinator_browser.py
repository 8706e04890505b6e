"""The coordinator dashboard in a real browser, on a real Voila server, over a class
written into the real stores: the figures and tables shown match the view-model
functions computed here on the same data; filters, language switch and keyboard work."""

from __future__ import annotations

import pytest

from .browser import open_dashboard, screenshot, table_headers, table_rows, wait_plotted

pytestmark = pytest.mark.browser


def test_coordinator_shows_the_class(voila_server, page, dashboard_data, output_dir) -> None:
    from parcours.dashboards import coordinator as vm

    seconds = open_dashboard(page, voila_server.url("coordinator"), server=voila_server)
    page.wait_for_selector("#table-risk, .parcours-section-risk")
    screenshot(page, output_dir / "coordinator-fr.png")
    assert page.inner_text("h1") == "Tableau de bord de coordination"

    # courses overview: one row per course, with its learner count
    overview = vm.courses_overview(dashboard_data)
    rows = table_rows(page, "table-courses")
    assert [r[0] for r in rows] == list(overview["course"])
    assert [int(r[2]) for r in rows] == list(overview["learners"])

    # learners at risk: the same learners, most at risk first, named by login as in the
    # follow-ups (never by pseudonym)
    risk = vm.learners_at_risk(dashboard_data)
    shown = table_rows(page, "table-risk")
    assert [r[0] for r in shown] == list(risk["name"])
    assert all(r[0].startswith("apprenant") for r in shown)
    assert f"{len(risk)} apprenants signalés." in page.inner_text("#risk-count")

    # dropout funnel: the bars are the learners reaching each activity
    funnel = vm.funnel(dashboard_data)
    drawn = wait_plotted(page, "funnel")
    assert drawn["data"][0]["y"] == [int(v) for v in funnel["reached"]]
    assert drawn["data"][0]["x"] == vm.funnel_chart(dashboard_data)[0]  # titles
    assert drawn["title"] == "Apprenants atteignant chaque activité"
    assert drawn["xtitle"] == "Activité" and drawn["ytitle"] == "Apprenants"

    # learner × activity heatmap of the course
    x, y, z = vm.heatmap(dashboard_data, "analyse-de-donnees")
    heat = wait_plotted(page, "heatmap-analyse-de-donnees")
    assert heat["data"][0]["x"] == x and heat["data"][0]["y"] == y
    assert heat["data"][0]["z"] == z

    # KPI cards: the values against targets
    for kpi in vm.course_kpis(dashboard_data):
        card = page.locator(f"[data-kpi='{kpi.key}'] .v")
        value = card.get_attribute("data-value")
        if kpi.value is None:
            assert value == ""
        else:
            assert float(value) == pytest.approx(kpi.value)

    # mastery per skill
    mastery = vm.mastery_by_skill(dashboard_data)
    drawn = wait_plotted(page, "mastery")
    assert drawn["data"][0]["x"] == vm.mastery_labels(dashboard_data, mastery)
    # French: percentages (×100), plotly's separators write the decimal comma
    assert drawn["data"][0]["y"] == pytest.approx(
        [round(100 * v, 1) for v in mastery["mastery"].round(3)]
    )
    assert seconds < 120


def test_filter_language_and_keyboard(voila_server, page, dashboard_data, output_dir) -> None:
    from parcours.dashboards import coordinator as vm

    open_dashboard(page, voila_server.url("coordinator", lang="en"), server=voila_server)
    assert page.inner_text("h1") == "Coordinator dashboard"
    assert table_headers(page, "table-courses")[0] == "Course"

    # filter by cohort: the learner count and the risk table follow
    cohort = dashboard_data.cohorts()[0]
    expected = dashboard_data.filtered(cohort=cohort)
    page.select_option(".parcours-filter-cohort select", cohort)
    want = len(vm.learners_at_risk(expected))
    page.wait_for_function(
        "n => document.querySelector('#risk-count') && "
        "document.querySelector('#risk-count').innerText.startsWith(n + ' learner')",
        arg=str(want),
        timeout=60_000,
    )
    rows = table_rows(page, "table-courses")
    assert int(rows[0][2]) == int(vm.courses_overview(expected)["learners"].iloc[0])
    screenshot(page, output_dir / "coordinator-en-cohort.png")

    # switch language with the toggle: French labels come back, filters stay
    page.get_by_role("button", name="Français").click()
    page.wait_for_function(
        "() => document.querySelector('h1').innerText === 'Tableau de bord de coordination'",
        timeout=60_000,
    )
    page.wait_for_function(
        "() => { const t = document.querySelector('#table-courses th');"
        " return t && t.innerText === 'Cours'; }",
        timeout=30_000,
    )
    assert table_headers(page, "table-courses")[0] == "Cours"
    assert page.eval_on_selector(".parcours-filter-cohort select", "s => s.value") == cohort

    # keyboard: Tab reaches a sortable header; Enter sorts the table by that column
    header = page.locator("#table-courses th button").nth(2)
    header.focus()
    assert page.evaluate("() => document.activeElement.innerText") == "Apprenants"
    page.keyboard.press("Enter")
    assert page.get_attribute("#table-courses th:nth-child(3)", "aria-sort") == "ascending"
    risk_buttons = page.locator("#table-risk th button")
    if risk_buttons.count():
        risk_buttons.nth(0).focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        learners = [r[0] for r in table_rows(page, "table-risk")]
        assert learners == sorted(learners, reverse=True)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.tagName") in {
        "BUTTON",
        "SELECT",
        "INPUT",
        "A",
    }


def test_groups_export(voila_server, page, dashboard_data) -> None:
    import base64

    from parcours.dashboards import coordinator as vm

    open_dashboard(page, voila_server.url("coordinator"), server=voila_server)
    page.select_option(".parcours-groups-mode select", label="binômes")
    page.wait_for_selector("#table-groups th:has-text('Binôme')", timeout=60_000)
    # the change made the page live (its first view had the groups as HTML): the
    # controls show again in the widgets
    page.wait_for_selector(".parcours-live .parcours-groups-skill select", timeout=60_000)
    shown = page.eval_on_selector(
        ".parcours-groups-skill select", "s => s.options[s.selectedIndex].text"
    )  # the skill's label, not its id
    course = dashboard_data.courses["analyse-de-donnees"]
    # option texts come with their white space collapsed
    skill = next(
        s.id for s in course.skills if " ".join(s.label.split()) == " ".join(shown.split())
    )
    pairs = vm.groups(dashboard_data, skill, "pairs", 3)
    rows = table_rows(page, "table-groups")
    assert [r[2] for r in rows] == list(pairs["name"])  # logins, not pseudonyms
    assert all(r[2].startswith("apprenant") and " p-" not in r[-1] for r in rows)
    # the export is made on demand (keyboard: the button, then the link it gives)
    assert page.locator("a.parcours-download").count() == 0
    page.locator(".parcours-groups-export").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("a.parcours-download", timeout=60_000)
    href = page.get_attribute("a.parcours-download", "href")
    text = base64.b64decode(href.split(",", 1)[1]).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("course,group,learner,role")
    assert len(text.splitlines()) == len(pairs) + 1
    assert "apprenant" not in text  # the export stays pseudonymous


#: records, when the page's widgets first show, what the visitor could already see
_FIRST_VIEW_PROBE = """
window.__firstView = null;
new MutationObserver((_m, observer) => {
  if (window.__firstView || !document.querySelector('.parcours-root')) return;
  const kpi = document.querySelector('[data-kpi]');
  window.__firstView = {
    kpi_visible: !!kpi && kpi.getClientRects().length > 0,
    pictures: document.querySelectorAll('.parcours-plot > svg').length,
    risk_table: !!document.querySelector('#table-risk'),
  };
  observer.disconnect();
}).observe(document, {childList: true, subtree: true});
"""


def test_first_view_comes_with_the_page(voila_server, page, dashboard_data) -> None:
    """The default view is in the HTML page itself (KPI cards, tables, the figures drawn
    ahead as pictures), shown before the widgets; the first filter change rebuilds the
    page in widgets and the first view goes (nothing shown twice)."""
    from parcours.dashboards import coordinator as vm

    page.add_init_script(_FIRST_VIEW_PROBE)
    url = voila_server.url("coordinator")
    with page.expect_response(lambda r: r.url == url) as response:
        open_dashboard(page, url, server=voila_server)
    source = response.value.text()  # the HTML page as the server sent it
    assert "data-kpi=" in source and 'id="table-risk"' in source
    # the groups too: as HTML, not in their output widget's state (75 KB for 1,000 learners)
    assert source.count('id="table-groups"') == 1
    assert source.count('<svg class="main-svg"') == 4
    page.wait_for_function("() => window.__firstView !== null", timeout=60_000)
    seen = page.evaluate("() => window.__firstView")
    assert seen == {"kpi_visible": True, "pictures": 4, "risk_table": True}
    # no stylesheet asked from outside (offline classrooms)
    assert (
        page.evaluate(
            "() => Array.from(document.querySelectorAll('link[href]'))"
            ".filter(l => l.href.startsWith('http')"
            " && !l.href.startsWith(location.origin)).length"
        )
        == 0
    )
    # the pictures become live plotly figures of the same data
    funnel = vm.funnel(dashboard_data)
    assert wait_plotted(page, "funnel")["data"][0]["y"] == [int(v) for v in funnel["reached"]]

    page.select_option(".parcours-filter-period select", "28")
    page.wait_for_selector(".parcours-live", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=60_000
    )
    counts = page.evaluate("""() => ({
        first_view: document.querySelectorAll('.parcours-first-view').length,
        h1: document.querySelectorAll('h1').length,
        courses: document.querySelectorAll('#table-courses').length,
        pictures: document.querySelectorAll('.parcours-plot > svg').length})""")
    assert counts == {"first_view": 0, "h1": 1, "courses": 1, "pictures": 0}
