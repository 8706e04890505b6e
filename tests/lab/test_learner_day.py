"""A learner's day in JupyterLab, by keyboard alone, on one machine (headless chromium):
the "Mon parcours" panel → a lesson with every quiz type (each answered wrong, then
right) → the lesson's reflection → fetch → hand in (reflection first, lateness warning,
receipt) → feedback and correction. Screenshots go to tests/_output/; the events
recorded are exactly the learner's actions. Then axe-core over the panel and the lesson."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .learner_day import COURSE, TOKEN, LabServer, World, write_world

PANEL_KEYS = "Alt+Shift+P"
AXE = Path(__file__).resolve().parents[2] / "extensions/panel/node_modules/axe-core/axe.min.js"

FOCUSED = """() => {
  const e = document.activeElement;
  const box = e.closest('.parcours-quiz');
  const quiz = box ? Number(Array.from(box.classList).find(c => c.startsWith('parcours-q-'))
                                  .slice('parcours-q-l01-q'.length)) - 1 : -1;
  const inCell = e.closest('.jp-Notebook-cell');
  const cell = inCell ? Number(inCell.dataset.windowedListIndex ?? -1) : -1;
  const ids = (e.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
  const name = ids.length ? ids.map(i => document.getElementById(i)?.textContent || '').join(' ')
                          : (e.getAttribute('aria-label') || e.textContent
                             || (e.labels && e.labels[0] && e.labels[0].textContent)
                             || (e.parentElement && e.parentElement.textContent) || '');
  return {tag: e.tagName, type: e.type || '', value: e.value || '',
          role: e.getAttribute('role') || '',
          name: name.trim(), quiz, cell, panel: !!e.closest('.parcours-panel'),
          checked: !!e.checked, text: (e.textContent || '').trim(),
          editor: !!e.closest('.cm-editor')};
}"""

#: the active cell's index in the notebook (JupyterLab renders only the cells in view:
#: their index is the windowed list's, not their place in the page)
ACTIVE_CELL = """() => {
  const c = document.querySelector(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-cell.jp-mod-active');
  return c ? Number(c.dataset.windowedListIndex ?? -1) : -1;
}"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return write_world(tmp_path, monkeypatch)


@pytest.fixture
def lab(world: World, tmp_path: Path) -> Iterator[LabServer]:
    server = LabServer(world, tmp_path / "jupyterlab.log")
    try:
        yield server
    finally:
        server.stop()


def wait_until(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)  # a file or an event written by another process: bounded polling
    said = what() if callable(what) else what
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {said}")


class Learner:
    """The keyboard, and what has the focus."""

    def __init__(self, page: Any, shots: Path):
        self.page, self.shots, self.count = page, shots, 0

    def focused(self) -> dict[str, Any]:
        return dict(self.page.evaluate(FOCUSED))

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab_to(self, condition: Any, what: str, *, back: bool = False, limit: int = 80) -> dict:
        for _ in range(limit):
            self.press("Shift+Tab" if back else "Tab")
            now = self.focused()
            if condition(now):
                return now
        raise AssertionError(f"Tab never reached {what}; last focus: {self.focused()}")

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"))

    def to_cell(self, index: int) -> None:
        """Command mode, then j/k to cell ``index`` of the notebook shown."""
        self.press("Escape")
        for _ in range(30):
            active = self.page.evaluate(ACTIVE_CELL)
            if active == index:
                return
            self.press("j" if active < index else "k")
        raise AssertionError(
            f"could not reach cell {index}: at {self.page.evaluate(ACTIVE_CELL)}, "
            f"focus {self.focused()}"
        )

    def quiz(self, quiz: int) -> Any:
        return self.page.locator(f".parcours-q-l01-q{quiz + 1}")

    def feedback(self, quiz: int) -> str:
        alert = self.quiz(quiz).locator("[role=alert]").first
        alert.wait_for(timeout=30_000)
        return str(alert.inner_text())

    def check(self, quiz: int, expect: str) -> None:
        """Press the focused Check (or Enter in a field): the feedback says ``expect`` and
        holds the focus (a live region), so Tab goes on from there."""
        before = self.quiz(quiz).locator("[role=alert]").count()
        self.press("Enter")

        def answered() -> bool:
            alerts = self.quiz(quiz).locator("[role=alert]")
            return alerts.count() > 0 and (before == 0 or expect in alerts.first.inner_text())

        wait_until(
            answered,
            30,
            lambda: (
                f"the feedback of question {quiz + 1} ({expect!r}); shown: "
                + repr(self.quiz(quiz).inner_text())
                + " value: "
                + repr([i.input_value() for i in self.quiz(quiz).locator("input").all()])
            ),
        )
        assert expect in self.feedback(quiz)
        now = wait_until(
            lambda: (f := self.focused())["role"] == "alert" and f["quiz"] == quiz and f,
            10,
            f"the focus on the feedback of question {quiz + 1}",
        )
        assert now


def panel_button(label: str, title: str = "") -> Any:
    """A panel button whose accessible name holds ``label`` and ``title``."""

    def found(f: dict[str, Any]) -> bool:
        return f["panel"] and f["tag"] == "BUTTON" and label in f["name"] and title in f["name"]

    return found


@pytest.mark.browser
def test_learners_day_by_keyboard(world: World, lab: LabServer, output_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is required: apt-get install -y chromium"
    assert AXE.is_file(), "axe-core is installed by .ci/setup (npm ci in extensions/panel)"
    course = world.course()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # the learner's own zone differs from the course's (Europe/Paris)
            page = browser.new_page(
                viewport={"width": 1400, "height": 1000}, timezone_id="America/Cayenne"
            )
            me = Learner(page, output_dir)
            page.goto(f"{lab.url}lab?token={TOKEN}", timeout=120_000)
            page.locator(".jp-LabShell").wait_for(timeout=120_000)
            page.locator("#parcours-panel").wait_for(state="attached", timeout=60_000)
            page.add_script_tag(path=str(AXE))

            def serious(include: str) -> list:
                found = page.evaluate(
                    """async (include) => {
                      const result = await axe.run({include: [[include]]});
                      return result.violations.map(v => [v.id, v.impact, v.nodes.length,
                        v.nodes.slice(0, 2).map(n => n.html)]);
                    }""",
                    include,
                )
                return [v for v in found if v[1] in ("critical", "serious")]

            # -- the panel: my path, my deadlines --------------------------------------
            me.press(PANEL_KEYS)
            heading = page.locator("#parcours-panel h2")
            heading.wait_for(timeout=30_000)
            assert heading.inner_text() == "Mon parcours"
            wait_until(lambda: me.focused()["tag"] == "H2", 20, "the panel's heading")
            # the launcher JupyterLab opens in her empty main area does not take it away
            page.locator(".jp-Launcher").wait_for(state="attached", timeout=30_000)
            assert me.focused()["tag"] == "H2", me.focused()
            panel = page.locator("#parcours-panel")
            text = panel.inner_text()
            assert "Leçon 1" in text and "à suivre" in text and "Devoir A" in text
            assert "Dates et heures dans mon fuseau horaire : America/Cayenne" in text
            assert "Votre échéance est passée" in text and "Pénalité de retard : 10 %" in text
            assert "Mon travail prévu cette semaine" in text
            me.shot("panel")
            # every load of the panel done: none will rebuild it under her focus
            page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=60_000)
            active = page.locator(".jp-NotebookPanel .jp-Notebook-cell.jp-mod-active").first
            me.tab_to(panel_button("Ouvrir", "Leçon 1"), "Open lesson 1")
            me.press("Enter")

            # -- the lesson: Run All records nothing but 'opened' -----------------------
            active.wait_for(timeout=60_000)
            wait_until(lab.kernel_idle, 120, "the lesson's kernel")
            palette = page.locator(".lm-CommandPalette-input")
            me.press("Escape")
            me.press("Control+Shift+C")
            palette.wait_for(timeout=10_000)
            me.type("Run All Cells")
            chosen = page.locator(
                ".lm-CommandPalette-item.lm-mod-active .lm-CommandPalette-itemLabel"
            )
            wait_until(
                # all_inner_texts does not wait: the palette redraws its list as it filters
                lambda: chosen.all_inner_texts()[:1] == ["Run All Cells"],
                10,
                lambda: f"the palette's choice 'Run All Cells' ({chosen.all_inner_texts()})",
            )
            me.press("Enter")
            me.quiz(0).locator(".parcours-radiogroup input").first.wait_for(timeout=120_000)
            wait_until(lab.kernel_idle, 120, "Run All to end")
            assert [e.verb for e in world.events()] == ["opened"]
            me.shot("lesson-run-all")

            # q1 single choice: one Tab stop, arrows move within the group
            first = me.tab_to(lambda f: f["type"] == "radio" and f["quiz"] == 0, "q1's radios")
            assert first["value"] == "0"
            me.press("Space")
            me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 0, "q1's Check")
            me.check(0, "✘ Incorrect")
            me.tab_to(lambda f: f["type"] == "radio" and f["quiz"] == 0, "q1's group", back=True)
            me.press("ArrowDown")
            now = me.focused()
            assert now["type"] == "radio" and now["value"] == "1" and now["checked"]
            assert page.evaluate(ACTIVE_CELL) == 2, "ArrowDown moved the notebook"
            option = page.locator(".parcours-radiogroup .parcours-option").nth(1)
            assert option.locator("code").first.inner_text() == "(7, 4)"  # no raw backticks
            assert option.bounding_box()["height"] > 30  # the long option wraps, not cut
            after = me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 0, "q1's Check")
            assert "Vérifier" in after["text"]
            me.check(0, "✔ Correct")
            hint = me.quiz(0).locator("button").nth(1)
            # hints end when the question is settled (the button's state comes in its own
            # widget message, just after the verdict's: awaited, not sampled)
            expect(hint).to_be_disabled(timeout=30_000)
            me.shot("q1")

            # q2 multiple choice: head only (partly), then head + describe
            me.tab_to(lambda f: f["type"] == "checkbox" and f["quiz"] == 1, "q2's first box")
            me.press("Space")
            me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 1, "q2's Check")
            me.check(1, "Presque")
            me.tab_to(
                lambda f: f["type"] == "checkbox" and f["quiz"] == 1 and "describe" in f["name"],
                "q2's describe()",
                back=True,
            )
            me.press("Space")
            me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 1, "q2's Check")
            me.check(1, "✔ Correct")

            # q3 numeric and q4 text: Enter checks
            for quiz, wrong, right in ((2, "10", "12,5"), (3, "Series", "DataFrame")):

                def field(f: dict[str, Any], quiz: int = quiz) -> bool:
                    return f["tag"] == "INPUT" and f["quiz"] == quiz

                me.tab_to(field, f"q{quiz + 1}'s field")
                me.type(wrong)
                me.check(quiz, "✘ Incorrect")
                me.tab_to(field, f"q{quiz + 1}'s field", back=True)
                me.press("Control+A")
                me.type(right)
                me.check(quiz, "✔ Correct")

            # q5 ordering: drop-down lists chosen by their first letter
            def a_list(f: dict[str, Any]) -> bool:
                return f["tag"] == "SELECT" and f["quiz"] == 4

            def order(letters: str, *, again: bool = False) -> None:
                # the first list: next after q4's feedback; back from q5's own feedback
                # (Shift+Tab meets the lists last to first)
                for n in range(len(letters) if again else 1):
                    me.tab_to(a_list, f"q5's list {len(letters) - n}", back=again)
                for position, letter in enumerate(letters):
                    if position:
                        me.tab_to(a_list, f"q5's list {position + 1}")
                    me.press(letter)
                me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 4, "q5's Check")

            order("nla")  # the last step right, two misplaced: wrong, not "nearly"
            me.check(4, "✘ Incorrect")
            order("lna", again=True)
            me.check(4, "✔ Correct")
            me.shot("q2-q5")

            # q6 code: checked against the cell as it is (wrong), then rewritten (right)
            me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 5, "q6's Check")
            me.check(5, "✘ Incorrect")
            # Shift+Tab from the feedback to its cell (the notebook's Tab stop), k up to the
            # code cell (command mode), Enter to edit it
            me.tab_to(
                lambda f: f["cell"] == 8 and f["tag"] == "DIV" and f["name"].startswith("Code"),
                "the question's cell",
                back=True,
            )
            me.to_cell(7)
            me.press("Enter")
            assert me.focused()["editor"], me.focused()
            me.press("Control+A")
            me.type("def moyenne(s):\n    return sum(s) / len(s)")
            me.press("Shift+Enter")  # runs it, moves on to the question's cell
            me.tab_to(lambda f: f["tag"] == "BUTTON" and f["quiz"] == 5, "q6's Check")
            me.check(5, "✔ Correct")
            me.shot("q6")
            # the quizzes (JupyterLab's own cell editor, a textbox without a name, is not
            # Parcours' to fix)
            lesson = ".jp-NotebookPanel:not(.lm-mod-hidden) .parcours-quiz"
            assert not serious(lesson), serious(lesson)

            # the lesson is completed now (after the answers), then its reflection
            wait_until(
                lambda: any(e.verb == "completed" and e.object_type == "lesson"
                            for e in world.events()),
                20, "the lesson completed",
            )  # fmt: skip
            me.tab_to(lambda f: f["tag"] == "INPUT" and f["cell"] == 10, "the minutes")
            me.press("Control+A")
            me.type("20")
            me.tab_to(lambda f: f["tag"] == "TEXTAREA", "the difficulties")
            me.type("Les listes déroulantes")
            me.tab_to(lambda f: f["type"] == "radio" and f["cell"] == 10, "the confidence")
            me.press("Space")
            me.tab_to(lambda f: f["tag"] == "BUTTON" and f["cell"] == 10, "Send")
            me.press("Enter")
            wait_until(
                lambda: any(e.verb == "reflected" for e in world.events()), 20, "the reflection"
            )
            me.shot("lesson-reflection")

            # -- fetch, then hand in late, with a reflection first ---------------------------
            me.press(PANEL_KEYS)
            wait_until(lambda: me.focused()["tag"] == "H2", 20, "the panel's heading")
            assert "1 leçon(s) faite(s) sur 1" in panel.inner_text()
            me.tab_to(panel_button("Récupérer", "Devoir A"), "Fetch Devoir A")
            me.press("Enter")
            fetched = world.home / COURSE / "devoir-a" / "devoir-a.ipynb"
            wait_until(fetched.is_file, 60, "the fetched notebook")
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").filter(
                has_text="devoir"
            ).first.wait_for(timeout=60_000)
            assert "Récupéré dans" in panel.locator(".parcours-panel-live").inner_text()
            me.shot("fetched")

            me.press(PANEL_KEYS)
            wait_until(lambda: me.focused()["tag"] == "H2", 20, "the panel's heading")
            me.tab_to(panel_button("Rendre", "Devoir A"), "Hand in Devoir A")
            me.press("Enter")
            form = page.locator(".parcours-panel-reflection")
            form.wait_for(timeout=10_000)
            assert "Avant de rendre" in form.inner_text()
            assert "de retard" in form.inner_text()
            assert me.focused()["type"] == "number"
            me.press("Control+A")
            me.type("45")
            me.press("Tab")
            me.type("La dernière question")
            me.press("Tab")
            assert me.focused()["type"] == "radio"  # one Tab stop for the five levels
            me.press("Space")
            me.press("ArrowRight")
            me.press("ArrowRight")
            assert me.focused()["value"] == "3" and me.focused()["checked"]
            me.tab_to(lambda f: f["tag"] == "BUTTON" and "Envoyer et rendre" in f["text"], "Send")
            me.press("Enter")
            live = panel.locator(".parcours-panel-live")
            wait_until(lambda: "reçu le" in live.inner_text(), 60, "the receipt")
            receipt = live.inner_text()
            assert "Rendu de « Devoir A » reçu le" in receipt and "de retard" in receipt
            wait_until(lambda: me.focused()["role"] == "status", 10, "the focus on the receipt")
            me.shot("handed-in")

            # -- the teacher collects, grades and publishes the feedback (not the learner)
            from parcours.pipeline.autograde import autograde
            from parcours.pipeline.collect import collect
            from parcours.pipeline.feedback import feedback

            collect(world.config, course, "devoir-a")
            autograde(world.config, course, "devoir-a", workers=1, progress=False)
            feedback(world.config, course, "devoir-a")

            me.press(PANEL_KEYS)
            wait_until(lambda: me.focused()["tag"] == "H2", 20, "the panel's heading")
            me.tab_to(panel_button("Retour", "Devoir A"), "Feedback on Devoir A")
            me.press("Enter")
            pages = world.home / COURSE / "devoir-a" / "feedback"
            wait_until(lambda: list(pages.glob("*/*.html")), 60, "the feedback page")
            me.shot("feedback")
            me.press(PANEL_KEYS)
            wait_until(lambda: me.focused()["tag"] == "H2", 20, "the panel's heading")
            me.tab_to(panel_button("Corrigé", "Devoir A"), "Correction of Devoir A")
            me.press("Enter")
            correction = world.home / COURSE / "devoir-a-correction"
            wait_until(lambda: list(correction.glob("*.ipynb")), 60, "the correction")
            me.shot("correction")

            # -- axe-core: the panel and the lesson's widgets -------------------------------
            me.press(PANEL_KEYS)
            wait_until(lambda: me.focused()["tag"] == "H2", 20, "the panel's heading")
            assert not serious("#parcours-panel"), serious("#parcours-panel")
        except BaseException:
            page.screenshot(path=str(output_dir / "failed.png"))
            raise
        finally:
            browser.close()

    events = world.events()
    actions = [(e.verb, e.object_type, e.object_id, e.attempt, e.success) for e in events]
    answers = [
        ("answered", "question", f"l01-q{n}", attempt, success)
        for n in range(1, 7)
        for attempt, success in ((1, 0), (2, 1))
    ]
    # the lesson is complete once every question has an answer (q6's first, wrong one);
    # answering again afterwards is still recorded
    assert actions == [
        ("opened", "lesson", "l01", None, None),
        *answers[:-1],
        ("completed", "section", "l01#quiz", None, None),
        ("completed", "lesson", "l01", None, None),
        answers[-1],
        ("reflected", "lesson", "l01", None, None),
        ("reflected", "assignment", "devoir-a", None, None),
    ], actions
    handed = events[-1].extra_dict
    assert handed["minutes"] == 45 and handed["confidence"] == 3
