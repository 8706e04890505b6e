"""A lesson run top to bottom ("Run All") records only 'opened': its sections and its end
count as completed once the learner has answered the questions before them."""

from __future__ import annotations

from .conftest import Kernel, Project

RUN_ALL = """
from parcours_lab import lesson
L = lesson.start("cours-test", "l01")
q1 = L.quiz("l01-q1")
L.section("premiere")
q3 = L.quiz("l01-q3")
L.section("seconde")
r = L.reflection()
"""


def test_run_all_records_nothing_until_the_answers(project: Project, kernel: Kernel) -> None:
    kernel.run(RUN_ALL)
    store = project.store()
    assert [e.verb for e in store.read()] == ["opened"]
    kernel.run("q1.inputs[0].value = 1\nq1.check_button.click()")
    done = [(e.verb, e.object_id) for e in store.read()]
    assert done == [("opened", "l01"), ("answered", "l01-q1"), ("completed", "l01#premiere")]
    kernel.run('q3.inputs[0].value = "3"\nq3.check_button.click()')  # wrong, but answered
    actions = [(e.verb, e.object_type, e.object_id) for e in store.read()]
    assert actions[3:] == [
        ("answered", "question", "l01-q3"),
        ("completed", "section", "l01#seconde"),
        ("completed", "lesson", "l01"),
    ]
    assert kernel.value("[q1.hint_button.disabled, q3.hint_button.disabled]") == [True, False]
