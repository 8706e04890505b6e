"""What a learner is told when they ask for something not theirs (yet): in their
course's language, without the exchange's internal paths; and only their own feedback
from an OS account several learners share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import BadInputError
from parcours.pipeline.exchange import (
    assignment_folder,
    fetch,
    fetch_feedback,
    submit,
)
from parcours.pipeline.release import release

from .test_feedback import SOLUTION, _work


def test_correction_before_it_is_published_says_when(
    config: ParcoursConfig, course: Course, homes: Path, capsys
) -> None:
    from parcours.cli import main

    release(config, course, "devoir-a")
    due = course.due(course.assignment("devoir-a")).astimezone(dt.UTC)
    home = homes / "alice"
    with pytest.raises(BadInputError) as caught:
        fetch(
            config,
            course,
            "devoir-a-correction",
            learner="alice",
            into=home,
            cache_dir=home / ".cache",
        )
    said = str(caught.value)
    from parcours.i18n.display import offset_text

    local = due.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert said == (
        f"Le corrigé de « devoir-a » n'est pas encore publié : il le sera après "
        f"votre échéance, à partir du {local:%Y-%m-%d} {local.hour} h "
        f"{local:%M} (heure de Paris, {offset_text(local)}). "
        "Réessayez à ce moment-là."
    )
    # the command: exit 2, no internal path, no nbgrader wording
    assert (
        main(
            [
                "fetch",
                str(course.folder),
                "devoir-a-correction",
                "--learner",
                "alice",
                "--into",
                str(home),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "pas encore publié" in err
    for internal in ("outbound", "Assignment not found", config.data_dir, "Did you mean"):
        assert internal not in err


def test_unreleased_assignment_says_when_it_opens(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    home = homes / "alice"
    with pytest.raises(
        BadInputError, match="« devoir-a » n'est pas encore publié ; il ouvre le 20"
    ):
        fetch(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")


def test_shared_account_fetches_only_the_asked_learners_feedback(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    from parcours.pipeline.autograde import autograde
    from parcours.pipeline.collect import collect
    from parcours.pipeline.feedback import feedback

    release(config, course, "devoir-a")
    shared = homes / "lab-machine" / ".cache"  # one OS account, one nbgrader cache
    for who in ("alice", "bob"):
        home = homes / who
        fetch(config, course, "devoir-a", learner=who, into=home, cache_dir=shared)
        _work(assignment_folder(course, "devoir-a", home), SOLUTION, f"Réponse de {who}.")
        submit(config, course, "devoir-a", learner=who, into=home, cache_dir=shared)
    collect(config, course, "devoir-a")
    autograde(config, course, "devoir-a", workers=1, progress=False)
    assert sorted(feedback(config, course, "devoir-a").released) == ["alice", "bob"]
    pages = {}
    for who in ("alice", "bob"):
        got = fetch_feedback(
            config, course, "devoir-a", learner=who, into=homes / who, cache_dir=shared
        )
        assert len(got) == 1, got  # nbgrader alone hands each of them both pages
        pages[who] = got[0].read_text(encoding="utf-8")
    assert "Réponse de alice." in pages["alice"] and "Réponse de bob." not in pages["alice"]
    assert "Réponse de bob." in pages["bob"] and "Réponse de alice." not in pages["bob"]
