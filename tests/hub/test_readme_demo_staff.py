"""README's command 1, the staff's side in chromium (the demo's own hub; the fixtures of
:mod:`.test_readme_demo`): the printed coordinator records a follow-up in her dashboard;
tutoring as the demo serves it, the printed learner asking a question in her "Mon
parcours" panel and the printed teacher answering it in hers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .french import read_page
from .test_readme_demo import COURSE, REPO, Demo, browser, demo  # noqa: F401


def _in_lab(demo: Demo, browser: Any, role: str) -> Any:  # noqa: F811
    """The printed ``role``'s JupyterLab in chromium (logged in on the French login page),
    her "Mon parcours" panel in front and loaded."""
    from playwright.sync_api import expect

    name, password = demo.accounts[role]
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, timezone_id="Europe/Paris", locale="fr-FR"
    )
    page = context.new_page()
    page.goto(f"{demo.site.url}/hub/login", timeout=60_000)
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab**", timeout=240_000)
    page.locator(".jp-LabShell").wait_for(timeout=180_000)
    page.keyboard.press("Alt+Shift+P")
    panel = page.locator("#parcours-panel")
    expect(panel.locator("h2")).to_be_visible(timeout=120_000)
    # every load asked for is done (the focus may be taken back by a tab she left open)
    page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=120_000)
    return page


def test_a_question_from_her_panel_answered_by_her_teacher(
    demo: Demo,  # noqa: F811
    browser: Any,  # noqa: F811
    output_dir: Path,
) -> None:
    """Tutoring as the demo serves it: the printed learner asks in her panel; the printed
    teacher finds it in her own panel's "Questions à traiter", with who asked, and
    answers; the learner's panel then shows the answer and who gave it."""
    from playwright.sync_api import expect

    title = "Pourquoi read_csv lit-il mes nombres comme du texte ?"
    learner, _ = demo.accounts["apprenant"]
    teacher, _ = demo.accounts["enseignant"]
    page = _in_lab(demo, browser, "apprenant")
    try:
        panel = page.locator("#parcours-panel")
        form = panel.locator(".parcours-panel-ask").first
        details = "<img src=x onerror=alert(1)> `sep=';'` ?"
        form.get_by_label("Votre question").fill(title)
        form.get_by_label("Détails (Markdown)").fill(details)
        # her panel loaded again while she writes (the shortcut): what she typed stays
        page.keyboard.press("Alt+Shift+P")
        expect(panel.locator("h2")).to_be_focused(timeout=60_000)
        page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=60_000)
        expect(form.get_by_label("Votre question")).to_have_value(title)
        expect(form.get_by_label("Détails (Markdown)")).to_have_value(details)
        form.get_by_role("button", name="Poser la question").click()
        expect(panel.get_by_text("Votre question est envoyée.")).to_be_visible(timeout=60_000)
        # sent: the panel loaded again has an empty form, nothing of hers kept as a draft
        page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=60_000)
        expect(form.get_by_label("Votre question")).to_have_value("")
        read_page(page, "her question sent", "#parcours-panel")

        desk = _in_lab(demo, browser, "enseignant")
        dialogs: list[str] = []
        desk.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        try:
            hers = desk.locator("#parcours-panel")
            asked = hers.locator(".parcours-panel-question-list > li").filter(has_text=title)
            expect(asked.first).to_be_visible(timeout=120_000)
            assert f"(posée par {learner})" in asked.first.inner_text()
            asked.first.get_by_role("button", name="Lire").first.click()
            details = asked.first.locator(".parcours-panel-question-body")
            expect(details).to_contain_text("sep=';'", timeout=60_000)
            # her Markdown as sanitised HTML: nothing of hers runs in the teacher's page
            assert details.locator("[onerror]").count() == 0
            assert not dialogs, dialogs
            asked.first.get_by_label("Votre réponse (Markdown)").fill(
                "Ajoutez `decimal=','` : les nombres français ont une virgule."
            )
            asked.first.get_by_role("button", name="Envoyer ma réponse").click()
            expect(asked.first.locator(".parcours-panel-answer-by")).to_contain_text(
                teacher, timeout=60_000
            )
            read_page(desk, "the teacher's questions", "#parcours-panel")
            desk.screenshot(path=str(output_dir / "readme-demo-tutor.png"))
        finally:
            desk.context.close()

        panel.get_by_role("button", name="Actualiser").first.click()
        mine = panel.locator(".parcours-panel-question-list > li").filter(has_text=title)
        expect(mine.locator(".parcours-panel-unread")).to_have_text(re.compile("1"), timeout=60_000)
        mine.get_by_role("button", name="Lire").first.click()
        expect(mine.locator(".parcours-panel-answer code")).to_have_text(
            "decimal=','", timeout=60_000
        )
        expect(mine.locator(".parcours-panel-answer-by")).to_contain_text(teacher)
        read_page(page, "the answer in her panel", "#parcours-panel")
        page.screenshot(path=str(output_dir / "readme-demo-answer.png"))
    except BaseException:
        page.screenshot(path=str(output_dir / "failed.png"))
        raise
    finally:
        page.context.close()


def test_the_coordinator_records_a_follow_up(
    demo: Demo,  # noqa: F811
    browser: Any,  # noqa: F811
    output_dir: Path,
) -> None:
    from playwright.sync_api import expect

    name, password = demo.accounts["coordinateur"]
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Paris", locale="fr-FR"
    )
    page = context.new_page()
    try:
        page.goto(f"{demo.site.url}/hub/login", timeout=60_000)
        expect(page.locator("h1")).to_have_text("Se connecter")
        page.fill("#username_input", name)
        page.fill("#password_input", password)
        page.click("#login_submit")
        page.wait_for_url("**/services/dashboards/", timeout=180_000)
        coordination = page.get_by_role("link", name="Coordination")
        coordination.wait_for(timeout=60_000)
        read_page(page, "the dashboards' first page")
        coordination.click()
        page.locator("h1").first.wait_for(timeout=240_000)
        page.locator(".parcours-followup-learner select").wait_for(timeout=240_000)
        read_page(page, "coordinator dashboard")
        # the badges issued, one row per badge the demo course declares
        from parcours.badges.declared import course_badges
        from parcours.course import load_course

        declared = course_badges(load_course(REPO / "courses" / COURSE))
        issued = page.locator(".parcours-section-badges-issued")
        expect(issued.locator("h2")).to_have_text("Badges délivrés")
        expect(issued.locator("#table-badges-issued tbody tr")).to_have_count(len(declared))
        for badge in declared:
            expect(issued).to_contain_text(badge.name)
        page.select_option(".parcours-followup-how select", label="par téléphone")
        page.fill(".parcours-followup-by input", name)
        page.fill(".parcours-followup-outcome textarea", "Appelée : reprend la leçon 2")
        page.click("button.parcours-followup-record")
        expect(page.locator(".parcours-followup-message")).to_contain_text(
            "Suivi enregistré", timeout=60_000
        )
        expect(page.locator("#table-followups")).to_contain_text("Appelée : reprend la leçon 2")
        read_page(page, "coordinator dashboard, follow-up recorded")
        page.screenshot(path=str(output_dir / "readme-demo-coordinator.png"), full_page=True)
        # the hub's own pages: her server was never started
        page.goto(f"{demo.site.url}/hub/spawn-pending/{name}", timeout=60_000)
        expect(page.locator("h1")).to_have_text("Votre serveur n'est pas démarré")
        read_page(page, "server not running")
        page.goto(f"{demo.site.url}/hub/home", timeout=60_000)
        expect(page.locator("#start")).to_have_text("Démarrer mon serveur")
        read_page(page, "the coordinator's home")
    except BaseException:
        page.screenshot(path=str(output_dir / "failed.png"))
        raise
    finally:
        context.close()
