"""The learner's page (issue #24, item 10): "À réviser aujourd'hui" listed raw question ids
(``l01-q4``) with due dates back to September, on an unstyled page (a serif font, plain
tables) beside the other dashboards. Now: the questions' text (bounded) and their
lessons' titles, how long each has waited, the most overdue first and a count of the
rest; the page served on the hub in the dashboards' own type, as the Voila pages are."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from .browser import table_headers, table_rows
from .conftest import REPO, ClassWorld

#: a question id as the banks write them
QUESTION_ID = re.compile(r"\bl\d\d(-[a-z]+)?-q\d+\b")


@pytest.fixture
def state(world_env: ClassWorld, dashboard_data: Any) -> Any:
    from parcours.config import load_config
    from parcours.dashboards.pages import State

    return State(load_config(REPO), dashboard_data, time.monotonic())


def reviewer(state: Any, class_world: ClassWorld) -> tuple[str, Any]:
    """A learner of the class with more questions to review today than the page lists,
    and her queue."""
    from parcours.dashboards import learner as vm
    from parcours.dashboards.learner_page import REVIEW_ROWS

    for student in class_world.student_ids:
        queue = vm.review_queue(state.config, state.data, vm.pseudonym(state.data, student))
        if len(queue) > REVIEW_ROWS:
            return student, queue
    raise AssertionError("no learner of the class has a long review queue")


def test_review_queue_names_questions_by_their_text(state: Any, world_env: ClassWorld) -> None:
    from parcours.dashboards import learner as vm

    _student, queue = reviewer(state, world_env)
    questions = state.data.frames.questions.set_index(["course", "question"])
    for course, question, text in queue[["course", "question", "text"]].itertuples(index=False):
        prompt = questions.loc[(course, question), "prompt"]
        assert text == vm.question_text(prompt) and not QUESTION_ID.fullmatch(text)
        assert len(text) <= vm.QUESTION_TEXT_CHARS and "`" not in text
    assert (queue["due"].dt.date <= state.data.now.date()).all()  # only what is due
    assert list(queue["due"]) == sorted(queue["due"])  # the most overdue first
    assert (queue["days_due"] >= 0).all()


def test_question_text_is_bounded_whole_words() -> None:
    from parcours.dashboards.learner import question_text

    assert question_text("Que renvoie `df.shape` pour un **DataFrame** ?") == (
        "Que renvoie df.shape pour un DataFrame ?"
    )
    source = "Dans quel ordre enchaîner ces étapes de nettoyage ? " * 5
    cut = question_text(source, 60)
    assert cut.endswith("…") and len(cut) <= 60
    assert source.startswith(cut[:-1]) and source[len(cut) - 1] in " ?"  # whole words


def test_served_learner_page_lists_questions_and_is_styled(
    state: Any, world_env: ClassWorld, page: Any, output_dir: Any
) -> None:
    """In chromium: the served (hub) learner page's review list shows question texts and
    lesson titles, not ids; the page reads in the dashboards' sans-serif type, its tables
    bordered, as on the Voila pages."""
    from parcours.dashboards.learner_page import REVIEW_ROWS, LearnerPage
    from parcours.dashboards.served import page_html

    student, queue = reviewer(state, world_env)
    query = {"learner": student, "lang": "fr"}
    page.set_content(page_html(LearnerPage(state, query), "/static/", query))
    assert table_headers(page, "table-review") == [
        "Question", "Leçon", "En attente depuis", "Révisions"
    ]  # fmt: skip
    rows = table_rows(page, "table-review")
    assert len(rows) == REVIEW_ROWS
    lessons = {lesson.title for course in state.data.courses.values() for lesson in course.lessons}
    for question, lesson, waited, _reviews in rows:
        assert not QUESTION_ID.search(question) and len(question) > 20, question
        assert lesson in lessons
        assert waited == "aujourd'hui" or re.fullmatch(r"\d+ jours?", waited.replace("\xa0", " "))
    summary = page.inner_text("#review-summary")
    assert f"{len(queue)} questions à revoir aujourd'hui" in summary
    assert f"Les {REVIEW_ROWS} " in summary
    look = page.evaluate(
        """() => {
            const s = e => getComputedStyle(document.querySelector(e));
            return {font: s('#review-summary').fontFamily, h1: s('h1').fontFamily,
                    cell: s('#table-review td').borderTopStyle,
                    size: s('#table-review td').fontSize};
        }"""
    )
    for font in (look["font"], look["h1"]):
        assert "sans-serif" in font and "system-ui" in font, look
    assert look["cell"] == "solid" and look["size"] == "13px"
    page.screenshot(path=str(output_dir / "learner-served.png"), full_page=True)
