"""The course roster synchronised from the mock platform's memberships (pages of two,
``Link: rel=next``): arrivals, departures, role changes, history kept."""

from __future__ import annotations

import pytest
from parcours.config import ParcoursConfig
from parcours.lti import LtiError
from parcours.lti.nrps import roster_history, sync_roster
from parcours.pipeline.roster import Learner, add_learner, read_roster
from parcours.pipeline.roster import roster_history as roster_changes

from tests.lti.conftest import launch
from tests.lti.mockplatform import MockPlatform

COURSE = "mini-cours"


def test_roster_follows_the_lms(config: ParcoursConfig, platform: MockPlatform) -> None:
    with pytest.raises(LtiError, match="launch Parcours"):
        sync_roster(config, COURSE)
    tina = launch(config, platform, "u-tina")  # the teacher opens Parcours from Moodle
    add_learner(config, COURSE, Learner("alice", "Alice"))  # added by hand: never removed
    accounts = {hint: platform.registration_account(hint) for hint in platform.users}

    first = sync_roster(config, COURSE)
    learners = {x.id: x for x in read_roster(config, COURSE)}
    assert sorted(first.arrived) == sorted(accounts[h] for h in ("u-ana", "u-ben", "u-cleo"))
    assert set(learners) == {"alice", *first.arrived}
    ana, ben = learners[accounts["u-ana"]], learners[accounts["u-ben"]]
    assert (ana.first_name, ana.email) == ("Ana", "ana@example.org")
    assert ben.email == ""  # the LMS's field is not an address: not trusted
    assert tina.account not in learners and accounts["u-theo"] not in learners

    platform.users["u-ben"].status = "Deleted"  # dropped in the LMS
    platform.users["u-cleo"].role = "ta"  # made a teaching assistant
    second = sync_roster(config, COURSE)
    assert sorted(second.departed) == sorted([accounts["u-ben"], accounts["u-cleo"]])
    assert second.role_changes == [(accounts["u-cleo"], "learner", "tutor")]
    assert {x.id for x in read_roster(config, COURSE)} == {"alice", accounts["u-ana"]}

    assert sync_roster(config, COURSE) == type(second)()  # nothing left to change
    changes = [(h["change"], h["account"]) for h in roster_history(config, COURSE)]
    assert ("departure", accounts["u-ben"]) in changes
    assert ("role", accounts["u-cleo"]) in changes
    assert ("arrival", accounts["u-ana"]) in changes
    removed = [h["learner"] for h in roster_changes(config, COURSE) if h["action"] == "remove"]
    assert sorted(removed) == sorted([accounts["u-ben"], accounts["u-cleo"]])


def test_the_lms_teachers_teach_on_the_hub_until_they_leave(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    """An instructor of the LMS course teaches it on the hub (its teachers' group) from
    her launch, without being named in course.toml; when the LMS's roster no longer has
    her, that ends (a departure, kept in the history); a learner never teaches."""
    from parcours.hub.people import read_people
    from parcours.lti.nrps import lms_teachers

    assert lms_teachers(config, COURSE) == set()  # never launched: nothing asked, no file
    tina = launch(config, platform, "u-tina")
    launch(config, platform, "u-ana")
    assert lms_teachers(config, COURSE) == {tina.account}
    people = read_people(config).by_name
    assert COURSE in people[tina.account].teaches
    assert all(COURSE not in p.teaches for n, p in people.items() if n != tina.account)

    platform.users["u-tina"].status = "Deleted"  # she leaves the LMS course
    gone = sync_roster(config, COURSE)
    assert tina.account in gone.departed
    assert lms_teachers(config, COURSE) == set()
    assert tina.account not in read_people(config).by_name
    changes = [(h["change"], h["account"]) for h in roster_history(config, COURSE)]
    assert ("departure", tina.account) in changes
