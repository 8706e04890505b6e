"""Quiz banks: a malformed definition fails with the question id and the problem; answer
checking per type; sealed banks hold no plain-text answers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from parcours.i18n import language
from parcours.quizbank import QuizDefinitionError, load_bank, seal_bank
from parcours_lab.quiz import check_answer, normalise_text, parse_number

from .conftest import BANK

HEADER = "schema_version: 1\nlesson: l01\n"


def bank_file(tmp_path: Path, questions: str) -> Path:
    path = tmp_path / "l01.yaml"
    path.write_text(HEADER + "questions:\n" + textwrap.indent(textwrap.dedent(questions), "  "))
    return path


MALFORMED = {
    "index_out_of_range": (
        """\
        - id: l01-q3
          type: single
          prompt: "?"
          options: [a, b, c]
          answer: 5
        """,
        ["question 'l01-q3'", "answer index 5 is out of range (3 options)", "use 0 to 2"],
    ),
    "unknown_type": (
        "- {id: q1, type: essay, prompt: '?', answer: 1}\n",
        ["question 'q1'", "unknown type 'essay'", "single | multiple"[:6]],
    ),
    "typo_in_key": (
        "- {id: q1, type: single, prompt: '?', options: [a, b], answer: 0, explaination: x}\n",
        ["question 'q1'", "unknown key(s) for a 'single' question: explaination"],
    ),
    "missing_answer": (
        "- {id: q1, type: numeric, prompt: '?'}\n",
        ["question 'q1'", "the 'answer' is missing"],
    ),
    "numeric_answer_text": (
        "- {id: q1, type: numeric, prompt: '?', answer: '12 €'}\n",
        ["question 'q1'", "answer must be a number", "put the unit in 'unit'"],
    ),
    "negative_tolerance": (
        "- {id: q1, type: numeric, prompt: '?', answer: 1, tolerance: -1}\n",
        ["question 'q1'", "tolerance must be a number ≥ 0"],
    ),
    "multiple_not_list": (
        "- {id: q1, type: multiple, prompt: '?', options: [a, b], answer: 1}\n",
        ["question 'q1'", "answer must be a list of option indices"],
    ),
    "ordering_not_permutation": (
        "- {id: q1, type: ordering, prompt: '?', options: [a, b, c], answer: [a, b]}\n",
        ["question 'q1'", "answer must list every option once"],
    ),
    "one_option": (
        "- {id: q1, type: single, prompt: '?', options: [a], answer: 0}\n",
        ["question 'q1'", "'options' needs at least 2 entries"],
    ),
    "duplicate_id": (
        "- {id: q1, type: text, prompt: '?', answer: [x]}\n"
        "- {id: q1, type: text, prompt: '?', answer: [y]}\n",
        ["question 'q1'", "this id is used twice"],
    ),
    "no_id": (
        "- {type: text, prompt: '?', answer: [x]}\n",
        ["question '#1'", "the question has no 'id'"],
    ),
    "empty_prompt": (
        "- {id: q1, type: text, prompt: '', answer: [x]}\n",
        ["question 'q1'", "'prompt' is missing or empty"],
    ),
    "zero_attempts": (
        "- {id: q1, type: text, prompt: '?', answer: [x], attempts: 0}\n",
        ["question 'q1'", "'attempts' must be a whole number ≥ 1"],
    ),
    "check_syntax_error": (
        """\
        - id: q1
          type: code
          prompt: "?"
          target: moyenne
          check: |
            def check(moyenne)
                assert True
        """,
        ["question 'q1'", "'check' has a syntax error at line 1"],
    ),
    "check_without_function": (
        "- {id: q1, type: code, prompt: '?', target: f, check: 'assert f(1) == 1'}\n",
        ["question 'q1'", "must define a function named check"],
    ),
    "bad_target": (
        "- {id: q1, type: code, prompt: '?', target: 'ma fonction', check: 'def check(f): pass'}\n",
        ["question 'q1'", "'target' must be a Python name"],
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_question_names_question_and_problem(tmp_path: Path, case: str) -> None:
    questions, expected = MALFORMED[case]
    path = bank_file(tmp_path, questions)
    with pytest.raises(QuizDefinitionError) as caught, language("en"):  # the code's English
        load_bank(path)
    message = str(caught.value)
    for piece in expected:
        assert piece in message, message
    assert str(path) in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questions: [\n", "not valid YAML at line"),
        ("schema_version: 2\nlesson: l01\nquestions: []\n", "schema_version must be 1"),
        ("schema_version: 1\nquestions: []\n", "'lesson' is missing"),
        ("schema_version: 1\nlesson: l01\nquestions: []\n", "non-empty list"),
        ("- a\n- b\n", "must hold a mapping"),
    ],
)
def test_malformed_bank_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "l01.yaml"
    path.write_text(text)
    with language("en"), pytest.raises(QuizDefinitionError, match=expected.replace("[", r"\[")):
        load_bank(path)


def test_bank_for_another_lesson_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l01.yaml"
    path.write_text(BANK)
    with language("en"), pytest.raises(QuizDefinitionError, match="this bank is for lesson 'l01'"):
        load_bank(path, lesson="l02")
    with language("fr"), pytest.raises(QuizDefinitionError, match="celle de la leçon « l01 »"):
        load_bank(path, lesson="l02")


def test_unknown_question_id_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "l01.yaml"
    path.write_text(BANK)
    with (
        pytest.raises(QuizDefinitionError, match=r"no question 'l01-q9'.*known: l01-q1, l01-q2"),
        language("en"),
    ):
        load_bank(path).question("l01-q9")


@pytest.fixture
def bank(tmp_path: Path):
    path = tmp_path / "l01.yaml"
    path.write_text(BANK)
    return load_bank(path)


def test_checking_each_type(bank) -> None:
    q = bank.questions
    assert check_answer(q["l01-q1"], 1).success
    assert not check_answer(q["l01-q1"], 0).success
    assert check_answer(q["l01-q1"], None).invalid
    partial = check_answer(q["l01-q2"], [0])
    assert not partial.success and partial.score == 0.5
    assert check_answer(q["l01-q2"], [2, 0]).success
    assert check_answer(q["l01-q3"], "12,5").success
    assert check_answer(q["l01-q3"], "12.505 €").success
    assert not check_answer(q["l01-q3"], "12.6").success
    assert check_answer(q["l01-q3"], "douze").invalid
    assert check_answer(q["l01-q4"], "  dàta   FRAME. ").success
    assert not check_answer(q["l01-q4"], "Series").success
    assert check_answer(q["l01-q5"], ["lire", "nettoyer", "analyser"]).success
    wrong_order = check_answer(q["l01-q5"], ["nettoyer", "lire", "analyser"])
    assert not wrong_order.success and wrong_order.score == pytest.approx(1 / 3, abs=1e-3)
    assert check_answer(q["l01-q5"], ["lire", None, "analyser"]).invalid
    assert check_answer(q["l01-q6"], None, {"moyenne": lambda s: sum(s) / len(s)}).success
    failed = check_answer(q["l01-q6"], None, {"moyenne": lambda s: 0})
    assert not failed.success and failed.detail == "La moyenne de 1, 2 et 3 vaut 2."
    crashed = check_answer(q["l01-q6"], None, {"moyenne": lambda s: 1 / 0})
    assert crashed.detail.startswith("code_error:ZeroDivisionError")
    assert check_answer(q["l01-q6"], None, {}).invalid


def test_normalising_text_and_numbers() -> None:
    assert normalise_text("  Élève   ÉTÉ ! ") == "eleve ete"
    assert parse_number("1 234,5") == 1234.5
    assert parse_number("1\u202f234,5 €", "€") == 1234.5
    with pytest.raises(ValueError):
        parse_number("nan")


def test_sealed_bank_round_trips_without_plain_answers(tmp_path: Path, bank) -> None:
    sealed = seal_bank(bank.source, tmp_path / "learner")
    assert sealed.name == "l01.sealed.json"
    raw = sealed.read_text(encoding="utf-8")
    document = json.loads(raw)
    for secret in ("Une colonne d'un DataFrame", "data frame", "12.5", "La moyenne de 1, 2"):
        assert secret not in raw
    assert all("answer" not in q and "sealed" in q for q in document["questions"])
    assert document["questions"][0]["prompt"] == "Quel objet pandas représente une colonne ?"
    reloaded = load_bank(sealed)
    assert reloaded.questions == bank.questions
    assert reloaded.questions["l01-q3"].tolerance == 0.01


def test_sealing_refuses_a_malformed_bank(tmp_path: Path) -> None:
    path = bank_file(tmp_path, "- {id: q1, type: single, prompt: '?', options: [a], answer: 3}\n")
    with pytest.raises(QuizDefinitionError, match="'options' demande au moins 2 entrées"):
        seal_bank(path)
    with language("en"), pytest.raises(QuizDefinitionError, match="'options' needs at least 2"):
        seal_bank(path)
    assert not (tmp_path / "l01.sealed.json").exists()


def test_damaged_sealed_bank(tmp_path: Path, bank) -> None:
    sealed = seal_bank(bank.source)
    document = json.loads(sealed.read_text())
    document["questions"][0]["sealed"] = "AAAA" + document["questions"][0]["sealed"][4:]
    sealed.write_text(json.dumps(document))
    with language("en"), pytest.raises(QuizDefinitionError, match="damaged sealed bank"):
        load_bank(sealed)


def test_the_brief_example_bank_parses(tmp_path: Path) -> None:
    data = yaml.safe_load(BANK)
    assert [q["type"] for q in data["questions"]] == [
        "single", "multiple", "numeric", "text", "ordering", "code"
    ]  # fmt: skip


def test_multiple_choice_with_a_false_statement_is_wrong_not_nearly(bank) -> None:
    """'Nearly' is for a right but incomplete answer: some right options ticked, none
    wrong. A false statement ticked, or an ordering with misplaced items, is wrong."""
    q = bank.questions
    incomplete = check_answer(q["l01-q2"], [0])
    assert incomplete.incomplete and not incomplete.success
    with_a_false_one = check_answer(q["l01-q2"], [0, 2, 3])  # right ones + 'lenght'
    assert 0 < with_a_false_one.score < 1 and not with_a_false_one.incomplete
    one_right_one_false = check_answer(q["l01-q2"], [0, 1])
    assert 0 < one_right_one_false.score < 1 and not one_right_one_false.incomplete
    assert not check_answer(q["l01-q2"], [0, 2]).incomplete  # right: not incomplete
    misplaced = check_answer(q["l01-q5"], ["nettoyer", "lire", "analyser"])
    assert 0 < misplaced.score < 1 and not misplaced.incomplete


def test_nearly_is_shown_only_for_an_incomplete_answer(tmp_path: Path, bank) -> None:
    """The widget's verdict: '◐ Presque' for the incomplete answer only, '✘ Incorrect'
    when something wrong was chosen (a false statement, a misplaced step)."""
    from parcours_lab.quiz.widgets import QuizWidget
    from parcours_lab.recorder import Recorder

    off = Recorder(enabled=False, spool_dir=tmp_path / "spool")

    def verdict(question: str, answer: list) -> str:
        quiz = QuizWidget(bank.questions[question], course="c", actor="a", lang="fr", recorder=off)
        if question == "l01-q2":
            for i, box in enumerate(quiz.inputs):
                box.value = i in answer
        else:
            for choice, value in zip(quiz.inputs, answer, strict=True):
                choice.value = value
        quiz.check_button.click()
        return quiz.feedback.value

    assert "◐ Presque" in verdict("l01-q2", [0])
    assert "✘ Incorrect" in verdict("l01-q2", [0, 2, 3])
    assert "◐" not in verdict("l01-q2", [0, 2, 3])
    assert "✘ Incorrect" in verdict("l01-q5", ["nettoyer", "lire", "analyser"])


ORDERINGS = {
    "l02-q4": ("l02-lire-csv.yaml", 4),
    "l04-q5": ("l04-nettoyer.yaml", 4),
    "l06-q5": ("l06-visualiser.yaml", 4),
}


@pytest.mark.parametrize("question_id", sorted(ORDERINGS))
def test_ordering_items_are_offered_shuffled_never_in_the_right_order(question_id: str) -> None:
    """The demo's ordering questions list their items in the right order: the lists offer
    them shuffled, never in the right order, the same for a learner at every showing,
    differently from one learner to another."""
    from parcours.quizbank import shown_order

    name, size = ORDERINGS[question_id]
    demo = Path(__file__).resolve().parents[2] / "courses" / "analyse-de-donnees" / "quizzes"
    question = load_bank(demo / name).question(question_id)
    assert question.type == "ordering" and len(question.options) == size
    orders = {}
    for n in range(200):
        who = f"apprenant-{n}"
        offered = shown_order(question, who)
        assert sorted(offered) == sorted(question.answer)
        assert list(offered) != list(question.answer), who
        assert shown_order(question, who) == offered  # a reload does not reshuffle
        orders[who] = offered
    assert len(set(orders.values())) > 10  # not one fixed wrong order for everyone


def test_shown_order_of_two_items_and_of_other_types(bank) -> None:
    from parcours.quizbank import parse_bank, shown_order

    data = yaml.safe_load(HEADER + "questions:\n- {id: q1, type: ordering, prompt: '?', "
                          "options: [a, b], answer: [a, b]}\n")  # fmt: skip
    two = parse_bank(data, "l01.yaml").question("q1")
    assert all(shown_order(two, f"x{n}") == ("b", "a") for n in range(50))
    single = bank.questions["l01-q1"]
    assert shown_order(single, "x") == single.options  # only orderings are shuffled
