"""The teacher's and the learner's dashboards in a real browser (see the coordinator's
tests for the set-up): numbers match the view-model functions; the learner sees only
their own data; actions ask for a confirmation."""

from __future__ import annotations

import pytest

from .browser import open_dashboard, screenshot, table_rows, wait_plotted

pytestmark = pytest.mark.browser
COURSE = "analyse-de-donnees"


def test_teacher_assignment_view(voila_server, page, dashboard_data, output_dir) -> None:
    from parcours.dashboards import teacher as vm

    open_dashboard(
        page, voila_server.url("teacher", assignment=f"{COURSE}/devoir-1"), server=voila_server
    )
    assert page.inner_text("h1") == "Tableau de bord enseignant"
    status = vm.assignment_status(dashboard_data, COURSE, "devoir-1")
    rows = dict(
        (r[0], r[1])
        for r in page.eval_on_selector(
            "#table-status",
            "t => Array.from(t.rows).map(r => [r.cells[0].innerText, r.cells[1].innerText])",
        )
    )
    assert int(rows["Rendus à l'heure"]) == status.on_time
    assert int(rows["Rendus en retard"]) == status.late
    assert int(rows["Non rendus"]) == status.missing
    assert int(rows["Retours publiés"]) == status.feedback_released

    scores = wait_plotted(page, "scores")
    assert scores["data"][0]["x"] == pytest.approx(  # French: percentages
        [100 * v for v in vm.score_distribution(dashboard_data, COURSE, "devoir-1")]
    )
    assert scores["xtitle"] == "Note (part des points)"
    questions = vm.question_difficulty(dashboard_data, COURSE, "devoir-1")
    drawn = wait_plotted(page, "questions")
    assert drawn["data"][0]["x"] == list(questions[questions["graded"] > 0]["question"])
    assert [r[0] for r in table_rows(page, "table-questions")] == list(questions["question"])
    summary = vm.reflections_summary(dashboard_data, COURSE, "devoir-1")
    assert page.inner_text("#reflections-summary").startswith(f"{summary['count']} retours")

    # the other assignment, chosen in the list by keyboard
    select = page.locator(".parcours-assignment select")
    select.focus()
    title = dashboard_data.courses[COURSE].assignment("devoir-2").title
    select.select_option(label=title)
    devoir2 = vm.assignment_status(dashboard_data, COURSE, "devoir-2")
    page.wait_for_function(
        "n => { const t = document.querySelector('#table-status'); return t && "
        "t.rows[1].cells[1].innerText === String(n); }",
        arg=devoir2.on_time,
        timeout=60_000,
    )

    # an action asks for confirmation, and cancelling changes nothing
    page.get_by_role("button", name="Prolonger…").click()
    page.wait_for_selector(".parcours-action-message [role=alert]")
    assert "jours de plus" in page.inner_text(".parcours-action-message")
    page.get_by_role("button", name="Annuler").click()
    page.wait_for_selector(".parcours-action-message [role=status]")
    assert page.get_by_role("button", name="Confirmer").count() == 0
    screenshot(page, output_dir / "teacher-fr.png")


def test_learner_sees_only_their_own_data(
    voila_server, page, dashboard_data, world_env, output_dir
) -> None:
    from parcours.dashboards import learner as vm

    student = world_env.student_ids[3]
    me = vm.pseudonym(dashboard_data, student)
    open_dashboard(
        page, voila_server.url("learner", learner=student, lang="en"), server=voila_server
    )
    assert page.inner_text("h1") == "My progress"
    assert student in page.inner_text("#learner-name")

    path = vm.my_path(dashboard_data, me)
    assert [r[1] for r in table_rows(page, "table-path")] == list(path["title"])
    results = vm.my_results(dashboard_data, me)
    titles = [vm_titles(dashboard_data, a) for a in results["assignment"]]
    assert [r[0] for r in table_rows(page, "table-results")] == titles  # titles, not ids
    mastery = vm.my_mastery(dashboard_data, me)
    drawn = wait_plotted(page, "my-mastery")
    seen = mastery[mastery["n"] > 0]  # a skill without evidence has no bar (no guess)
    assert drawn["data"][0]["y"] == pytest.approx(list(seen["mean"].round(3)))
    assert "interval" in page.inner_text("#mastery-note")
    week = vm.my_week(dashboard_data, me)
    drawn = wait_plotted(page, "my-week")
    assert drawn["data"][0]["y"] == list(week["minutes"])
    assert drawn["title"] == "My planned work this week"
    # nothing of another learner: no other pseudonym or student id on the page
    text = page.inner_text("body")
    others = [s for s in world_env.student_ids if s != student]
    assert not any(other in text for other in others)
    screenshot(page, output_dir / "learner-en.png")


def test_teacher_extends_a_learner(voila_server, page, world_env) -> None:
    """Confirming an extension records it through the pipeline (extensions.json)."""
    import json

    open_dashboard(
        page,
        voila_server.url("teacher", assignment=f"{COURSE}/devoir-3", lang="en"),
        server=voila_server,
        figure=False,
    )
    learner = world_env.student_ids[5]
    page.select_option(".parcours-extend-learner select", label=learner)
    page.get_by_role("button", name="Extend…").click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector(".parcours-action-message [role=status]", timeout=60_000)
    assert learner in page.inner_text(".parcours-action-message")
    record = json.loads(
        (world_env.data_dir / "courses" / COURSE / "extensions.json").read_text(encoding="utf-8")
    )
    assert learner in json.dumps(record)


def vm_titles(data, assignment: str) -> str:
    """An assignment's title, as the pages show it."""
    from parcours.dashboards.coordinator import activity_title

    return activity_title(data, COURSE, assignment)
