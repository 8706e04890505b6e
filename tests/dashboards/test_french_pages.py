"""The dashboards read as French: decimal commas, French month names (on the figures'
axes too), times in the course's zone with the zone named, titles and labels instead of
ids, numbers right-aligned; a filtered view is in the URL; the teacher's per-question
difficulty counts only graded answers and shows those still to grade apart."""

from __future__ import annotations

import re

import pytest

from .browser import open_dashboard, table_headers, table_rows, wait_live, wait_plotted

pytestmark = pytest.mark.browser

COURSE = "analyse-de-donnees"
FRENCH_MONTHS = re.compile(r"\b(janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.?\b")
ENGLISH_MONTHS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def test_french_coordinator_page(voila_server, page, dashboard_data) -> None:
    from parcours.dashboards import coordinator as vm

    open_dashboard(page, voila_server.url("coordinator"), server=voila_server)
    wait_live(page)
    text = page.inner_text("body")
    # the moment the data is seen at, on Paris' wall clock, the zone named
    as_of = page.inner_text("#as-of")
    assert "heure de Paris" in as_of and FRENCH_MONTHS.search(as_of), as_of
    # decimal commas and French percentages on the KPI cards
    delay = page.inner_text("[data-kpi='feedback_delay_hours'] .v")
    assert re.fullmatch(r"\d+,\d\s?h", delay.replace("\u00a0", " ")), delay
    active = page.inner_text("[data-kpi='weekly_active'] .v")
    assert re.fullmatch(r"\d+\s%", active.replace("\u00a0", " ")), active
    # the weekly trend's axis: French month names made on the server, decimal comma
    trend = wait_plotted(page, "trend")
    weeks = trend["data"][0]["x"]
    assert weeks and all(FRENCH_MONTHS.search(w) for w in weeks), weeks
    assert not any(ENGLISH_MONTHS.search(w) for w in weeks)
    separators = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(g => g._fullLayout.separators)"
    )
    assert set(separators) == {",\u202f"}
    ticks = page.eval_on_selector_all(
        ".js-plotly-plot .xtick text", "ts => ts.map(t => t.textContent)"
    )
    assert not any(ENGLISH_MONTHS.search(t) for t in ticks)
    # titles and labels, not ids
    course = dashboard_data.courses[COURSE]
    funnel = wait_plotted(page, "funnel")
    assert funnel["data"][0]["x"][0] == course.lessons[0].title
    mastery = wait_plotted(page, "mastery")
    assert set(mastery["data"][0]["x"]) <= {s.label for s in course.skills}
    for ident in ("l01-decouvrir", "devoir-1", "agreger"):
        assert ident not in text, ident
    # text left, numbers right
    align = page.eval_on_selector(
        "#table-courses",
        "t => Array.from(t.tBodies[0].rows[0].cells).map(c => getComputedStyle(c).textAlign)",
    )
    assert align[1] in ("left", "start") and align[2] == "right", align
    # no plural written as "(s)", no count of 0 with a plural
    assert "(s)" not in text
    risk = vm.learners_at_risk(dashboard_data)
    assert page.inner_text("#risk-count").startswith(f"{len(risk)} apprenant")

    # a filtered view is in the address bar: opened again, it shows the same
    cohort = dashboard_data.cohorts()[0]
    page.select_option(".parcours-filter-cohort select", cohort)
    page.wait_for_function("c => location.search.includes('cohort=' + c)", arg=cohort)
    assert "lang=fr" in page.url
    shared = page.url
    again = page.context.new_page()
    open_dashboard(again, shared, figure=False)
    again.wait_for_selector("#table-courses")
    expected = dashboard_data.filtered(cohort=cohort)
    rows = table_rows(again, "table-courses")
    assert int(rows[0][2]) == int(vm.courses_overview(expected)["learners"].iloc[0])
    again.close()


def test_teacher_question_difficulty_with_answers_to_grade(
    voila_server, page, dashboard_data
) -> None:
    from parcours.dashboards import teacher as vm

    open_dashboard(
        page, voila_server.url("teacher", assignment=f"{COURSE}/devoir-1"), server=voila_server
    )
    questions = vm.question_difficulty(dashboard_data, COURSE, "devoir-1")
    waiting = questions[questions["to_grade"] > 0]
    assert len(waiting) == 1 and waiting["question"].iloc[0].endswith("-redaction")
    assert table_headers(page, "table-questions") == [
        "Question",
        "Corrigées",
        "À corriger",
        "Note moyenne",
        "Échecs",
    ]
    shown = {r[0]: r for r in table_rows(page, "table-questions")}
    name = waiting["question"].iloc[0]
    row = waiting.iloc[0]
    assert shown[name][1] == str(int(row["graded"])) and shown[name][2] == str(int(row["to_grade"]))
    # its failure share counts only the graded answers, not the ones waiting (0 points)
    graded = dashboard_data.frames.grades
    graded = graded[
        (graded["assignment"] == "devoir-1")
        & (graded["cell"] == name)
        & ~graded["needs_manual_grade"].astype(bool)
    ]
    share = float((graded["score"] < graded["max_score"] / 2).mean())
    assert row["failed"] == pytest.approx(share)
    assert shown[name][4].replace("\u00a0", " ") == f"{round(100 * share)} %"
    note = page.inner_text("#to-grade-note")
    assert note.startswith(f"{int(questions['to_grade'].sum())} réponses sont encore à corriger")
    drawn = wait_plotted(page, "questions")
    assert drawn["ytitle"] == "Part d'échecs"
    assert drawn["data"][0]["y"] == pytest.approx(
        [round(100 * v, 1) for v in questions[questions["graded"] > 0]["failed"].round(3)]
    )
