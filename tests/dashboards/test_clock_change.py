"""A learner who handed in during the hour a clock change repeats (issue #24, item 13).

On the hub benchmark (``bench/hub_login.py``, 100 learners) apprenant00094's dashboard
never came: her devoir was handed in on 25 Oct 2026 at 01:17 UTC, 02:17 in Paris on the
night the clocks go back, a wall-clock hour Paris lives twice. The page rounded that
moment on Paris' wall clock (pandas), which cannot tell which of the two 02:17 it is:
"Cannot infer dst time", the page answered 500, and the learner waited for a page that
would never come. Every moment is now rounded in UTC, then read on the wall clock with
its offset: the first 02:17 is UTC+2, the second UTC+1.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pytest

from .conftest import REPO, ClassWorld

#: the two moments of 25 Oct 2026 that Paris' clocks both show as 02:17:38
FIRST_PASS = pd.Timestamp("2026-10-25T00:17:38.5906501Z")
SECOND_PASS = pd.Timestamp("2026-10-25T01:17:38.5906501Z")  # apprenant00094's hand-in


@pytest.mark.parametrize(
    ("moment", "offset"), [(FIRST_PASS, "UTC+2"), (SECOND_PASS, "UTC+1")], ids=["first", "second"]
)
def test_a_moment_of_the_repeated_hour_reads_with_its_own_offset(
    moment: pd.Timestamp, offset: str
) -> None:
    from parcours.i18n import display, language

    with language("fr"):
        assert display.moment(moment, "Europe/Paris") == (
            f"25 oct. 2026, 02:17 (heure de Paris, {offset})"
        )
        assert display.day(moment, "Europe/Paris") == "25 oct. 2026"
        assert display.short_day(moment, "Europe/Paris") == "25 oct."


def test_an_export_keeps_a_moment_of_the_repeated_hour() -> None:
    """The analytics exports write zoned moments as ISO 8601 with their offset."""
    from parcours.analytics.report import _plain

    zoned = pd.Series([FIRST_PASS, SECOND_PASS]).dt.tz_convert("Europe/Paris")
    frame = pd.DataFrame({"submitted": zoned, "timezone": ["Europe/Paris"] * 2})
    assert list(_plain(frame)["submitted"]) == [
        "2026-10-25T02:17:38.590650+02:00",
        "2026-10-25T02:17:38.590650+01:00",
    ]


def test_the_served_page_of_a_learner_who_handed_in_that_night(
    world_env: ClassWorld, dashboard_data: Any
) -> None:
    """The hub's learner page (built by the dashboards service, dashboards/served.py) of
    a learner whose hand-in is the second 02:17: her name, the language switch and the
    moment with its offset; the page no longer fails."""
    from parcours.config import load_config
    from parcours.dashboards.pages import State
    from parcours.dashboards.served import ServedPages

    submissions = dashboard_data.frames.submissions
    row = submissions.index[0]
    learner = str(submissions.at[row, "learner"])
    submissions.loc[row, "timestamp"] = SECOND_PASS
    student = dashboard_data.memberships.set_index("learner").loc[[learner], "student_id"].iat[0]
    served = ServedPages(load=lambda: State(load_config(REPO), dashboard_data, time.monotonic()))

    page = served.learner(
        {"lang": "fr"},
        {
            "PARCOURS_HUB_DASHBOARDS": "1",
            "HTTP_X_PARCOURS_USER": student,
            "HTTP_X_PARCOURS_ROLE": "learner",
            "HTTP_X_PARCOURS_COURSES": "",
        },
        "/static/",
    )

    assert f"<strong>{student}</strong>" in page and 'class="parcours-lang"' in page
    assert "25 oct. 2026, 02:17 (heure de Paris, UTC+1)" in page
