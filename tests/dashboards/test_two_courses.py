"""Two courses at once — French in Europe/Paris, English in America/Cayenne, learners
enrolled in both (tests/twocourses.py): every page renders and every view-model keeps the
courses apart."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.twocourses import ENGLISH, ENGLISH_LEARNERS, FRENCH, FRENCH_LEARNERS


@pytest.fixture
def state(two_courses):
    """A dashboard kernel's state over the two courses (as Voila prepares it)."""
    from parcours.dashboards import pages

    return pages.prepare("coordinator")  # warms every coordinator number, as Voila does


def test_coordinator_page_renders_both_courses(state) -> None:
    from parcours.dashboards import coordinator as vm
    from parcours.dashboards.coordinator_page import CoordinatorPage

    data = state.data
    overview = vm.courses_overview(data)
    assert list(overview["course"]) == [FRENCH, ENGLISH]
    assert list(overview["learners"]) == [FRENCH_LEARNERS, ENGLISH_LEARNERS]
    assert list(overview["language"]) == ["fr", "en"]
    page = CoordinatorPage(state, {"lang": "en"})
    page.render()  # used to fail: Categorical + str in the funnel's labels
    shown = "".join(str(o) for b in page.blocks if hasattr(b, "outputs") for o in b.outputs)
    assert f"heatmap-{FRENCH}" in shown and f"heatmap-{ENGLISH}" in shown
    # each KPI card is named with its course: two courses' cards are told apart
    import re

    from parcours.dashboards import ui

    labels = re.findall(r'aria-label="([^"]+)"', ui.kpi_cards(vm.course_kpis(data)))
    assert len(labels) == 2 * len(vm.KPI_KEYS) and len(set(labels)) == len(labels)
    # the same A/B lesson id in both courses: each row names its course
    ab = vm.ab_results(data)
    assert len(ab) and set(ab["course"]) <= {FRENCH, ENGLISH}
    pages_html = "".join(
        o.get("data", {}).get("text/html", "")
        for b in page.blocks
        if hasattr(b, "outputs")
        for o in b.outputs
    )
    ab_head = pages_html.split('id="table-ab"')[1].split("</thead>")[0]
    assert 'data-col="course"' in ab_head


def test_funnel_labels_name_the_course(state) -> None:
    from parcours.dashboards import coordinator as vm

    labels, reached = vm.funnel_chart(state.data)
    funnel = vm.funnel(state.data)
    # titles, not ids, with their course
    assert labels == [
        f"{c}: {vm.activity_title(state.data, c, a)}"
        for c, a in zip(funnel["course"], funnel["activity"], strict=True)
    ]
    assert "analyse-de-donnees: Découvrir les Series et les DataFrame" in labels
    assert reached == [int(v) for v in funnel["reached"]]
    assert any(x.startswith(f"{ENGLISH}: ") for x in labels)
    one = state.data.filtered(course=FRENCH)
    labels, _ = vm.funnel_chart(one)
    assert labels == [  # one course: no prefix
        vm.activity_title(one, FRENCH, a) for a in vm.funnel(one)["activity"]
    ]


def test_mastery_and_groups_per_course(state) -> None:
    from parcours.dashboards import coordinator as vm

    data = state.data
    mastery = vm.mastery_by_skill(data)
    assert set(mastery["course"]) == {FRENCH, ENGLISH}
    assert vm.mastery_labels(data, mastery) == [
        f"{c}: {vm.skill_label(data, c, s)}"
        for c, s in zip(mastery["course"], mastery["skill"], strict=True)
    ]
    for mode in ("bands", "pairs", "teams"):
        groups = vm.groups(data, "lire", mode, 3)
        # a learner of both courses is grouped once in each course, never with themselves
        assert groups.groupby("course")["learner"].agg(lambda s: s.is_unique).all()
        assert set(groups["course"]) == {FRENCH, ENGLISH}
        key = {"bands": "band", "pairs": "group", "teams": "team"}[mode]
        for _key, members in groups.groupby(["course", key]):
            assert members["learner"].is_unique
    both = set(data.frames.learners.loc[data.frames.learners["course"] == FRENCH, "learner"]) & set(
        data.frames.learners.loc[data.frames.learners["course"] == ENGLISH, "learner"]
    )
    assert len(both) == ENGLISH_LEARNERS


def test_page_language_follows_the_course(state) -> None:
    from parcours.dashboards.coordinator_page import CoordinatorPage

    assert CoordinatorPage(state, {"course": ENGLISH}).lang == "en"
    assert CoordinatorPage(state, {"course": FRENCH}).lang == "fr"
    # two languages and no choice: the configured language
    assert CoordinatorPage(state, {}).lang == state.config.language
    assert CoordinatorPage(state, {"lang": "en"}).lang == "en"


def test_teacher_views_of_each_course(state) -> None:
    from parcours.dashboards import teacher as vm
    from parcours.dashboards.teacher_page import TeacherPage

    data = state.data
    listed = vm.assignments(data)
    assert {c for c, _a, _t in listed} == {FRENCH, ENGLISH}
    for course, n in ((FRENCH, FRENCH_LEARNERS), (ENGLISH, ENGLISH_LEARNERS)):
        s = vm.assignment_status(data, course, "devoir-1")
        assert s.learners == n
        assert s.on_time + s.late + s.missing + s.not_due == n
    page = TeacherPage(state, {"assignment": f"{ENGLISH}/devoir-1"})
    page.render()
    assert page.lang == "en" and "Teacher dashboard" in page.title


def test_learner_of_both_courses_sees_both(state, two_courses) -> None:
    from parcours.dashboards import learner as vm
    from parcours.dashboards.learner_page import LearnerPage

    world, _config = two_courses
    student = world.students[ENGLISH][0]
    assert student in world.students[FRENCH]
    data = state.data
    me = vm.pseudonym(data, student)
    path = vm.my_path(data, me)
    assert set(path["course"]) == {FRENCH, ENGLISH}
    assert path.groupby("course")["next"].sum().le(1).all()
    deadlines = vm.my_deadlines(data, me)
    # each course's due dates in its own time zone (same wall-clock time, other offset)
    zones = {c: str(d.tz) for c, d in zip(deadlines["course"], deadlines["due_local"], strict=True)}
    assert zones == {FRENCH: "Europe/Paris", ENGLISH: "America/Cayenne"}
    for due in deadlines["due_local"]:
        assert (due.hour, due.minute) == (23, 59)
    page = LearnerPage(state, {"learner": student})
    page.render()
    shown = "".join(str(o) for b in page.blocks if hasattr(b, "outputs") for o in b.outputs)
    assert "table-path" in shown and ENGLISH in shown and FRENCH in shown
    assert isinstance(data.now, pd.Timestamp)


def test_learner_dashboard_names_each_assignments_zone(
    state, two_courses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser's zone is unknown to the server: each due date is shown in the zone it
    was written in, named — an assignment's own zone before its course's."""
    from parcours.dashboards import learner as vm
    from parcours.dashboards.learner_page import LearnerPage
    from parcours.i18n.display import MINUS

    world, _config = two_courses
    student = world.students[ENGLISH][0]
    data = state.data
    page = LearnerPage(state, {"learner": student, "lang": "en"})
    page.render()
    shown = "".join(str(o) for b in page.blocks if hasattr(b, "outputs") for o in b.outputs)
    deadlines = shown.split('id="table-deadlines"')[1].split("</table>")[0]
    assert f"23:59 (Cayenne time, UTC{MINUS}3)" in deadlines
    assert "23:59 (Paris time, UTC+" in deadlines
    # one French assignment written in Cayenne time: its dates follow it
    french = data.courses[FRENCH]
    first = french.assignments[0]
    moved = french.model_copy(
        update={
            "assignments": [
                first.model_copy(update={"timezone": "America/Cayenne"}),
                *french.assignments[1:],
            ]
        }
    )
    monkeypatch.setitem(data.courses, FRENCH, moved)
    me = vm.pseudonym(data, student)
    mine = vm.my_deadlines(data, me).set_index(["course", "activity"])
    assert mine.loc[(FRENCH, first.id), "timezone"] == "America/Cayenne"
    assert str(mine.loc[(FRENCH, first.id), "due_local"].tz) == "America/Cayenne"
    others = mine.drop(index=(FRENCH, first.id)).loc[FRENCH]
    assert set(others["timezone"]) == {"Europe/Paris"}
    assert data.shown_times(
        pd.Series([FRENCH]),
        pd.Series([mine.loc[(FRENCH, first.id), "due"]]),
        "fr",
        pd.Series([first.id]),
    )[0].endswith(f"(heure de Cayenne, UTC{MINUS}3)")
