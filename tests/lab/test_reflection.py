"""The reflection form says one thing after a submission, the true one (issue #24): it
was recorded; or the store could not be reached and it is kept in the learner's account
to be sent later (not "it is recorded" then "recording delayed"); or it was not recorded."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from parcours.errors import EventStoreError
from parcours_lab.recorder import Recorder
from parcours_lab.reflection import ReflectionWidget


class Store:
    """An event store that takes the events, or is unreachable (``down``)."""

    def __init__(self, *, down: bool = False):
        self.down = down
        self.events: list[Any] = []

    def record_many(self, events: list[Any]) -> None:
        if self.down:
            raise EventStoreError("database is locked")
        self.events.extend(events)

    def close(self) -> None:
        pass


def submitted(recorder: Recorder, lang: str = "fr") -> ReflectionWidget:
    form = ReflectionWidget(
        "cours-test", object_type="lesson", object_id="l01", actor="a", lang=lang,
        recorder=recorder,
    )  # fmt: skip
    form.minutes.value = 12
    form.confidence.value = 4
    form.submit_button.click()
    return form


def test_recorded(tmp_path: Path) -> None:
    store = Store()
    form = submitted(Recorder(store=store, spool_dir=tmp_path / "spool"))  # type: ignore[arg-type]
    assert "✔ Merci, c'est enregistré." in html.unescape(form.feedback.value)
    assert form.notice.value == ""
    assert [e.verb for e in store.events] == ["reflected"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_deferred_says_kept_and_sent_later_only(tmp_path: Path, lang: str) -> None:
    recorder = Recorder(store=Store(down=True), spool_dir=tmp_path / "spool")  # type: ignore[arg-type]
    form = submitted(recorder, lang)
    assert form.last_outcome is not None and form.last_outcome.status == "spooled"
    shown = html.unescape(form.feedback.value + form.notice.value)
    if lang == "fr":
        assert "enregistré." not in shown  # not "it is recorded"...
        assert "Enregistrement différé" not in shown  # ...then "recording delayed"
        assert "gardées dans votre compte" in shown and "envoyées automatiquement" in shown
    else:
        assert "it is recorded" not in shown and "Recording delayed" not in shown
        assert "saved in your account" in shown and "sent automatically later" in shown
    assert form.notice.value == "" and shown.count('role="alert"') == 1


def test_not_recorded_says_so_only(tmp_path: Path) -> None:
    blocked = tmp_path / "spool"
    blocked.write_text("a file where the spool folder should be")
    form = submitted(Recorder(store=Store(down=True), spool_dir=blocked))  # type: ignore[arg-type]
    assert form.last_outcome is None
    assert form.feedback.value == ""
    assert "NON enregistrée" in form.notice.value or "NOT recorded" in form.notice.value
