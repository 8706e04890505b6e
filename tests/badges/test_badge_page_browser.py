"""The badge verification page as a person sees it, in chromium (Playwright): the
verdict read by a screen reader (``role=status``), the learner's hostile name shown as
text and never run, the badge's baked image drawn and downloaded with its credential,
the language switch, then the verdict after revocation.

Run under ``flock /tmp/parcours-bench.lock`` with the other browser tests."""

from __future__ import annotations

from pathlib import Path

from parcours.badges.bake import baked
from parcours.badges.registry import award, issued, revoke
from parcours.config import ParcoursConfig
from parcours.course.load import load_course

from tests.badges.conftest import HOSTILE, complete_lesson

from ..conftest import CHROMIUM, CHROMIUM_ARGS


def test_a_person_reads_valid_then_revoked(
    project: Path, config: ParcoursConfig, service: str
) -> None:
    from playwright.sync_api import Dialog, expect, sync_playwright

    complete_lesson(config, "zoe", "l01")
    award(config, load_course(project / "courses" / "mini-cours"))
    [held] = issued(config)
    dialogs: list[str] = []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(locale="fr-FR", accept_downloads=True)

            def alerted(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", alerted)
            page.goto(service + f"badges/{held.id}")
            verdict = page.get_by_role("status")
            assert verdict.inner_text().startswith("Valide")
            assert page.title() == "Vérification d'un badge"  # the script never ran
            assert f"{HOSTILE} Martin" in page.locator("dl").inner_text()
            # the baked image: chromium decodes it; the download carries her credential
            drawn = page.locator("img")
            expect(drawn).to_have_js_property("complete", True)
            assert drawn.evaluate("i => i.naturalWidth") > 100
            with page.expect_download() as got:
                page.get_by_role("link", name="Télécharger le badge (PNG)").click()
            assert got.value.suggested_filename == "premiere-lecon.png"
            assert baked(Path(got.value.path()).read_bytes()) == held.token
            page.get_by_role("link", name="English version").click()
            assert page.get_by_role("status").inner_text().startswith("Valid:")

            revoke(config, held.id, "Erreur de saisie")
            page.reload()
            assert page.get_by_role("status").inner_text().startswith("Revoked")
            assert "Erreur de saisie" in page.locator("dl").inner_text()
            assert page.locator("img").count() == 0  # no image offered once revoked
        finally:
            chromium.close()
    assert dialogs == []
