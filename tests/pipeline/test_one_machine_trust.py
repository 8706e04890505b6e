"""The "before" half of the hub's security tests: on one machine (the filesystem exchange,
one Unix account, the shared event store) the attacks of the hub issue succeed — which is
why a hub serves learners through the Parcours service, where the same attacks fail
(``tests/hub/test_service.py``: ``test_submitting_as_someone_else_fails``,
``test_events_carry_the_tokens_user_whatever_they_say``). If one of these starts failing,
the one-machine mode grew a boundary: say so in docs/deployment.md, do not delete it."""

from __future__ import annotations

from pathlib import Path

from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.pipeline.exchange import fetch, submit
from parcours.pipeline.release import release


def test_one_machine_takes_the_learners_word_for_who_submits(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    release(config, course, "devoir-a")
    alice = homes / "alice"
    fetch(config, course, "devoir-a", learner="bob", into=alice, cache_dir=alice / ".cache")
    # alice, in her own folder, names bob: the exchange believes her
    submit(config, course, "devoir-a", learner="bob", into=alice, cache_dir=alice / ".cache")
    inbound = Path(config.exchange_dir) / course.id / "inbound"
    assert [p.name.split("+")[0] for p in inbound.iterdir()] == ["bob"]


def test_one_machine_event_store_takes_any_actor(config: ParcoursConfig, course: Course) -> None:
    from parcours.store import open_store
    from parcours.store.events import Event
    from parcours.store.ids import pseudonymize

    # the salt and the store are in the configuration every kernel reads
    bob = pseudonymize("bob", config.pseudonym_salt)
    forged = Event(
        actor=bob,
        verb="answered",
        course=course.id,
        object_type="question",
        object_id="q1",
        lesson="l01",
        score=0.0,
        success=0,
        response='"forged"',
        attempt=1,
    )
    with open_store(config.events_url) as store:
        assert store.record(forged) == 1
        assert [e.response for e in store.read(actor=bob)] == ['"forged"']
