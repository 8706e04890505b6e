"""The tutoring desk on both stores (SQLite, then a real PostgreSQL): asking, suggestions
while typing, anonymity to classmates, the staff's actions and their refusals, unread
answers, the clock of each question, erasure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from parcours.course.load import load_course
from parcours.tutoring import open_tutoring
from parcours.tutoring.desk import Desk, Reader, TutoringRefused
from parcours.tutoring.store import TutoringStore

REPO = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
ALICE, BRUNO, TUTOR, TEACHER = Reader("alice"), Reader("bruno"), Reader("tom", True), None


class Clock:
    """A clock the test moves (Paris wall time)."""

    def __init__(self) -> None:
        self.at = dt.datetime(2027, 1, 8, 22, 0, tzinfo=PARIS)  # a Friday night

    def __call__(self) -> dt.datetime:
        return self.at.astimezone(dt.UTC)


@pytest.fixture
def course():
    found = load_course(REPO / "courses" / "analyse-de-donnees")
    return found.model_copy(update={"tutors": ["tom"]})


@pytest.fixture
def store(databases) -> TutoringStore:
    with open_tutoring(databases.events_url) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(store: TutoringStore, course, clock: Clock) -> Desk:
    return Desk(store, course, now=clock)


def test_a_question_is_anonymous_to_classmates_and_named_to_the_staff(desk: Desk) -> None:
    asked = desk.ask(
        ALICE,
        {
            "title": "Comment créer un DataFrame à partir d'un dictionnaire ?",
            "body": "J'essaie `pd.DataFrame(d)` <script>alert(1)</script>"
            " ![capture](https://traceur.example/pixel.png?lu=1)"
            " ![graphique](data:image/png;base64,iVBORw0KGgo=)",
            "code": "pd.DataFrame(d)",
            "activity": "l01-decouvrir",
            "notebook": "lessons/01-decouvrir.ipynb",
            "cell": "c7",
        },
    )
    assert asked["author"] == "vous" and asked["mine"]
    seen = desk.show(BRUNO, asked["id"])
    assert seen["author"] == "un·e camarade" and not seen["mine"]
    assert "alice" not in str(seen)
    assert (
        "<script" not in seen["body_html"] and "<code>pd.DataFrame(d)</code>" in seen["body_html"]
    )
    # no image loaded from elsewhere (it would report who read it, and when); her own
    # embedded picture stays
    assert "traceur.example" not in seen["body_html"]
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in seen["body_html"]
    staff = desk.show(TUTOR, asked["id"])
    assert staff["author"] == "alice"
    # asked Friday 22:00: due 24 working hours later, Wednesday 15:00
    assert dt.datetime.fromisoformat(staff["due"]) == dt.datetime(2027, 1, 13, 15, tzinfo=PARIS)
    assert staff["remaining_hours"] == 24


def test_private_questions_and_refusals(desk: Desk) -> None:
    private = desk.ask(ALICE, {"title": "Ma note du devoir 1", "public": False})
    for refused in (
        lambda: desk.show(BRUNO, private["id"]),
        lambda: desk.answer(BRUNO, private["id"], "?"),
        lambda: desk.follow(BRUNO, private["id"]),
    ):
        with pytest.raises(TutoringRefused) as caught:
            refused()
        assert caught.value.status == 404
    assert [q["id"] for q in desk.questions(BRUNO)] == []
    public = desk.ask(BRUNO, {"title": "groupby et moyenne"})
    for staff_only in (
        lambda: desk.set_public(ALICE, public["id"], False),
        lambda: desk.mark_answered(ALICE, public["id"]),
        lambda: desk.merge(ALICE, public["id"], private["id"]),
        lambda: desk.resolve(ALICE, public["id"]),
    ):
        with pytest.raises(TutoringRefused) as caught:
            staff_only()
        assert caught.value.status == 403
    with pytest.raises(TutoringRefused, match="vide"):
        desk.ask(ALICE, {"title": "  "})
    with pytest.raises(TutoringRefused, match="ni une leçon"):
        desk.ask(ALICE, {"title": "x", "activity": "l99"})
    with pytest.raises(TutoringRefused, match="trop long"):
        desk.ask(ALICE, {"title": "x" * 201})
    # the staff may open it to the course
    desk.set_public(TUTOR, private["id"], True)
    assert desk.show(BRUNO, private["id"])["author"] == "un·e camarade"


def test_suggestions_while_typing(desk: Desk, store: TutoringStore) -> None:
    desk.ask(ALICE, {"title": "Comment créer un DataFrame depuis un dictionnaire ?"})
    desk.ask(ALICE, {"title": "KeyError en lisant le fichier CSV"})
    desk.ask(ALICE, {"title": "Ma question privée sur les DataFrames", "public": False})
    found = desk.suggest(BRUNO, "créer une dataframe")
    assert found and found[0]["title"].startswith("Comment créer un DataFrame")
    assert all("privée" not in s["title"] for s in found)
    # the word being typed counts (a prefix on PostgreSQL, fuzzy on SQLite)
    assert desk.suggest(BRUNO, "erreur keyerr csv")[0]["title"].startswith("KeyError")
    assert desk.suggest(BRUNO, "") == []
    # her own private question is suggested to her
    assert any("privée" in s["title"] for s in desk.suggest(ALICE, "question privée DataFrames"))


def test_the_staff_answer_endorse_merge_and_the_asker_reads(desk: Desk, clock: Clock) -> None:
    first = desk.ask(
        ALICE, {"title": "Pourquoi loc ne marche pas ?", "activity": "l03-selectionner"}
    )
    clock.at = dt.datetime(2027, 1, 9, 10, tzinfo=PARIS)
    dup = desk.ask(BRUNO, {"title": "loc renvoie une erreur"})
    # a classmate answers: anonymous to Alice, named to the staff; not a staff response
    clock.at = dt.datetime(2027, 1, 11, 9, 30, tzinfo=PARIS)
    answer = desk.answer(BRUNO, first["id"], "Il faut des **crochets** : `df.loc[...]`")
    assert desk.unread(ALICE)["unread"] == 1
    shown = desk.show(ALICE, first["id"])
    assert shown["answers"][0]["author"] == "un·e camarade"
    assert desk.unread(ALICE)["unread"] == 0
    assert desk.show(TUTOR, first["id"])["answers"][0]["author"] == "bruno"
    assert desk.show(TUTOR, first["id"])["state"] == "asked"
    # the tutor's list: the oldest open question (nearest to its due time) first
    assert [q["id"] for q in desk.questions(TUTOR)] == [first["id"], dup["id"]]
    clock.at = dt.datetime(2027, 1, 11, 11, tzinfo=PARIS)
    endorsed = desk.endorse(TUTOR, answer["id"])
    assert endorsed["state"] == "answered" and endorsed["answers"][0]["endorsed"]
    assert endorsed["first_response_hours"] == 2  # Monday 09:00 -> 11:00
    desk.merge(TUTOR, dup["id"], first["id"])
    assert [q["id"] for q in desk.questions(TUTOR)] == [first["id"]]
    clock.at = dt.datetime(2027, 1, 11, 12, tzinfo=PARIS)
    desk.answer(TUTOR, first["id"], "Oui, et voir la leçon 3.")
    # Bruno, whose duplicate was merged, follows the first question now
    assert desk.unread(BRUNO)["unread"] == 1
    assert desk.unread(ALICE)["unread"] == 1
    closed = desk.resolve(ALICE, first["id"])
    assert closed["state"] == "resolved"
    with pytest.raises(TutoringRefused) as caught:
        desk.endorse(TUTOR, "a-nothing")
    assert caught.value.status == 404


def test_over_the_delay_comes_first(desk: Desk, clock: Clock) -> None:
    old = desk.ask(ALICE, {"title": "Question ancienne"})
    clock.at = dt.datetime(2027, 1, 12, 9, tzinfo=PARIS)
    new = desk.ask(BRUNO, {"title": "Question récente"})
    desk.answer(TUTOR, new["id"], "Réponse")
    clock.at = dt.datetime(2027, 1, 14, 9, tzinfo=PARIS)  # old is 24 h past Wednesday 15:00
    listed = desk.questions(TUTOR)
    assert [q["id"] for q in listed] == [old["id"], new["id"]]
    assert listed[0]["late"] and listed[0]["remaining_hours"] == -3
    assert listed[1]["state"] == "answered" and not listed[1]["late"]


def test_an_erased_learner_is_a_former_learner(desk: Desk, store: TutoringStore) -> None:
    asked = desk.ask(ALICE, {"title": "Question d'Alice"})
    desk.answer(TUTOR, asked["id"], "Réponse du tuteur")
    assert store.forget("alice") == 2  # her question, her follow
    seen = desk.show(TUTOR, asked["id"])
    assert seen["author"] == "former-learner" and seen["answers"][0]["author"] == "tom"
    assert store.questions(author="alice") == []


def test_the_coordinators_figures_in_working_hours(desk: Desk, store: TutoringStore, clock) -> None:
    from parcours.tutoring.figures import figures

    quick = desk.ask(ALICE, {"title": "Rapide", "activity": "l01-decouvrir"})  # Friday 22:00
    slow = desk.ask(BRUNO, {"title": "Lente", "activity": "l01-decouvrir"})
    left = desk.ask(BRUNO, {"title": "Oubliée", "activity": "l02-lire-csv"})
    clock.at = dt.datetime(2027, 1, 11, 11, tzinfo=PARIS)  # Monday: 2 working hours later
    desk.answer(TUTOR, quick["id"], "Réponse")
    clock.at = dt.datetime(2027, 1, 14, 9, tzinfo=PARIS)  # Thursday: 27 working hours
    desk.answer(Reader("prof-demo", True), slow["id"], "Réponse tardive")
    desk.resolve(ALICE, quick["id"])
    (found,) = figures(store, [desk.course], now=clock())
    assert found["response_hours"] == 24
    assert found["questions"] == 3 and found["answered"] == 2
    assert found["first_response_p50_h"] == pytest.approx(14.5)  # (2 + 27) / 2
    # known outcomes: quick within, slow over, the open one over too (27 h old)
    assert found["within_commitment"] == pytest.approx(1 / 3, abs=1e-4)
    assert found["over_delay_open"] == 1
    assert found["open_by_age"] == {"0-8": 0, "8-24": 0, "24-72": 1, "72+": 0}
    assert found["tutors"]["tom"]["first_response_p50_h"] == 2
    assert found["tutors"]["prof-demo"]["within_commitment"] == 0
    assert found["top_activities"][0] == {"activity": "l01-decouvrir", "questions": 2}
    assert found["top_learners"][0] == {"learner": "bruno", "questions": 2}
    assert left["id"]
