"""Quiz, lesson, reflection and satisfaction widgets driven through a real kernel: values
set and buttons pressed through the widget objects, events read back from the store."""

from __future__ import annotations

import sqlite3

import pytest
from parcours.store.spool import Spool

from .conftest import Kernel, KernelError, Project

START = """
from parcours_lab import lesson
L = lesson.start("cours-test", "l01")
"""


def test_every_question_type_is_checked_and_recorded(project: Project, kernel: Kernel) -> None:
    kernel.run(START)
    kernel.run(
        """
        q1 = L.quiz("l01-q1")
        q1.inputs[0].value = 0            # wrong
        q1.check_button.click()
        q1.hint_button.click()
        q1.inputs[0].value = 1            # right at the second attempt
        q1.check_button.click()

        q2 = L.quiz("l01-q2")
        q2.inputs[0].value = True         # head only: partial
        q2.check_button.click()
        q2.inputs[2].value = True
        q2.check_button.click()

        q3 = L.quiz("l01-q3")
        q3.check_button.click()           # empty: not counted
        q3.inputs[0].value = "12,5 €"
        q3.check_button.click()

        q4 = L.quiz("l01-q4")
        for typed in ("Series", "Index"):  # two wrong answers: attempts exhausted
            q4.inputs[0].value = typed
            q4.check_button.click()

        q5 = L.quiz("l01-q5")
        for box, value in zip(q5.inputs, ["lire", "nettoyer", "analyser"]):
            box.value = value
        q5.check_button.click()
        """
    )
    feedback = kernel.value("[q.feedback.value for q in (q1, q2, q3, q4, q5)]")
    assert "✔ Correct." in feedback[0] and "<strong>Series</strong>" in feedback[0]
    assert "✔ Correct." in feedback[1]
    assert "✔ Correct." in feedback[2]
    assert "✘ Incorrect." in feedback[3] and "La bonne réponse : DataFrame" in feedback[3]
    assert "✔ Correct." in feedback[4]
    assert all('role="alert"' in f for f in feedback)
    state = kernel.value(
        "[q4.check_button.disabled, q4.inputs[0].disabled, q1.attempt, q3.attempt]"
    )
    assert state == [True, True, 2, 1]

    store = project.store()
    answers = store.read(verb="answered")
    got = [(e.object_id, e.attempt, e.success, e.score) for e in answers]
    assert got == [
        ("l01-q1", 1, 0, 0.0), ("l01-q1", 2, 1, 1.0),
        ("l01-q2", 1, 0, 0.5), ("l01-q2", 2, 1, 1.0),
        ("l01-q3", 1, 1, 1.0),
        ("l01-q4", 1, 0, 0.0), ("l01-q4", 2, 0, 0.0),
        ("l01-q5", 1, 1, 1.0),
    ]  # fmt: skip
    first, second = answers[0], answers[1]
    assert first.actor == project.actor() and first.course == "cours-test"
    assert first.lesson == "l01" and first.self_reported == 1
    assert first.response_value == 0 and second.response_value == 1
    assert first.extra_dict["hints"] == 0 and second.extra_dict["hints"] == 1
    assert second.extra_dict["skills"] == ["lire"]
    assert answers[4].response_value == "12,5 €"
    assert all(e.duration_s is not None and e.duration_s >= 0 for e in answers)
    assert store.count(verb="opened", object_type="lesson") == 1
    kernel.stop(graceful=True)  # the learner closes the notebook: the kernel shuts down
    (left,) = store.read(verb="progressed")
    assert left.object_id == "l01" and left.duration_s > 0
    assert left.extra_dict["questions_answered"] == 5


def test_code_question_uses_the_learners_object(project: Project, kernel: Kernel) -> None:
    kernel.run(START + 'q = L.quiz("l01-q6")\nq.check_button.click()')
    assert "pas encore défini" in kernel.value("q.feedback.value")
    kernel.run("def moyenne(s):\n    return 0\nq.check_button.click()")
    assert "La moyenne de 1, 2 et 3 vaut 2." in kernel.value("q.feedback.value")
    kernel.run("def moyenne(s):\n    return sum(s) / len(s)\nq.check_button.click()")
    assert "✔ Correct." in kernel.value("q.feedback.value")
    answers = project.store().read(verb="answered")
    assert [(e.attempt, e.success) for e in answers] == [(1, 0), (2, 1)]
    assert answers[0].response_value["detail"] == "La moyenne de 1, 2 et 3 vaut 2."


def test_lesson_sections_reflection_and_satisfaction(project: Project, kernel: Kernel) -> None:
    kernel.run(START)
    kernel.run(
        """
        L.section("series")
        L.section("dataframes")
        r = L.reflection()
        r.submit_button.click()                 # confidence missing: asked, not recorded
        asked = r.feedback.value
        r.minutes.value = 25
        r.difficulties.value = "Les index"
        r.help[0].value = True                  # camarade
        r.help[4].value = True                  # IA
        r.confidence.value = 4
        r.submit_button.click()
        s = L.satisfaction()
        s.rating.value = 5
        s.nps.value = 9
        s.comment.value = "Très clair"
        s.submit_button.click()
        """
    )
    assert "Choisissez votre niveau de confiance" in kernel.value("asked")
    store = project.store()
    sections = store.read(object_type="section")
    assert [e.object_id for e in sections] == ["l01#series", "l01#dataframes"]
    assert all(e.verb == "completed" and e.duration_s >= 0 for e in sections)
    (done,) = store.read(object_type="lesson", verb="completed")
    assert done.duration_s > 0 and done.extra_dict["sections"] == ["series", "dataframes"]
    (reflected,) = store.read(verb="reflected")
    assert reflected.object_type == "lesson" and reflected.object_id == "l01"
    assert reflected.extra_dict == {
        "minutes": 25, "difficulties": "Les index", "help": ["camarade", "IA"], "confidence": 4,
    }  # fmt: skip
    (rated,) = store.read(verb="rated")
    assert (rated.object_type, rated.object_id, rated.lesson) == ("module", "m1", "l01")
    assert rated.extra_dict == {"rating": 5, "nps": 9, "comment": "Très clair"}
    assert rated.score == 1.0


def test_assignment_reflection_in_english(project: Project, kernel: Kernel) -> None:
    kernel.run(
        """
        from parcours_lab import reflection
        r = reflection.show("cours-test", assignment="devoir-1", lang="en")
        """
    )
    assert kernel.value("r.submit_button.description") == "Submit"
    with pytest.raises(KernelError, match=r"name either lesson=\.\.\. or assignment="):
        kernel.run('reflection.show("cours-test", lang="en")')


def test_malformed_bank_fails_when_the_author_runs_the_cell(
    project: Project, kernel: Kernel
) -> None:
    bank = project.course / "quizzes" / "l01.yaml"
    bank.write_text(bank.read_text().replace("answer: 1\n", "answer: 5\n", 1))
    kernel.run(START)
    with pytest.raises(KernelError) as caught:
        kernel.run('L.quiz("l01-q1")')
    message = str(caught.value)
    # in the course's language (French), as the author reads it
    assert message.startswith(
        "QuizDefinitionError: question 'l01-q1' : l'indice de réponse 5 est hors limites"
    )
    assert "(3 options)" in message and "l01.yaml" in message
    with pytest.raises(KernelError, match=r"n'a pas de leçon « l09 ».*ses leçons sont : l01, l02"):
        kernel.run('lesson.start("cours-test", "l09")')


def test_locked_store_spools_with_a_visible_notice_then_flushes(
    project: Project, kernel: Kernel
) -> None:
    kernel.run(START)  # creates the store
    holder = sqlite3.connect(project.store_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        kernel.run(
            """
            from parcours_lab.recorder import default_recorder
            default_recorder().store.busy_timeout_ms = 300
            default_recorder().store.close()
            q = L.quiz("l01-q1")
            q.inputs[0].value = 1
            q.check_button.click()
            """
        )
        notice = kernel.value("q.notice.value")
        assert "Enregistrement différé" in notice and 'role="alert"' in notice
        assert "✔ Correct." in kernel.value("q.feedback.value")
        spooled = Spool(project.root.parent / "spool").pending()
        assert [e.object_id for e in spooled] == ["l01-q1"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    kernel.run('L.section("fin")')
    store = project.store()
    assert store.count(verb="answered") == 1
    assert store.count(object_type="section") == 1
    assert Spool(project.root.parent / "spool").pending() == []


def test_events_off_shows_widgets_but_records_nothing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARCOURS_EVENTS", "off")
    k = Kernel(project.lessons)
    try:
        k.run(START + 'q = L.quiz("l01-q1")\nq.inputs[0].value = 1\nq.check_button.click()')
        assert "✔ Correct." in k.value("q.feedback.value")
    finally:
        k.stop()
    assert not project.store_path.exists()


def test_sealed_bank_alone_serves_the_quiz_in_the_banks_language(
    project: Project, kernel: Kernel
) -> None:
    from parcours.quizbank import seal_bank

    bank = project.course / "quizzes" / "l01.yaml"
    bank.write_text("language: en\n" + bank.read_text())
    sealed = seal_bank(bank)
    bank.unlink()  # the learner-side copy has only the sealed bank
    assert '"data frame"' not in sealed.read_text()
    kernel.run(
        START
        + """
q = L.quiz("l01-q4")
q.inputs[0].value = "data frame"
q.check_button.click()
"""
    )
    assert kernel.value("q.check_button.description") == "Check"
    assert "✔ Correct." in kernel.value("q.feedback.value")
    (event,) = project.store().read(verb="answered")
    assert event.success == 1 and event.response_value == "data frame"
