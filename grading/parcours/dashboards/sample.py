"""A synthetic class written into the real stores, for the dashboards' tests and benchmark.

Uses the cohort generator (:func:`parcours.cohort.make_cohort`) for behaviour,
then writes its events into the event store, its planned submissions graded into the
course's real nbgrader gradebook (:func:`parcours.cohort.write_gradebook`), a
roster with cohorts and groups, and feedback files with their release times (nbgrader's
``feedback/<student>/<assignment>/`` layout, dated a few days after each submission).

``parcours demo`` does not stop here: it runs the real pipeline on real notebooks. This is
for data volumes the pipeline cannot produce within a test (1,000 learners).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..cohort import Cohort
    from ..config import ParcoursConfig
    from ..course.model import Course

COHORTS = ("cohorte-2026-a", "cohorte-2026-b")
GROUPS = ("groupe-1", "groupe-2", "groupe-3")


@dataclass(frozen=True)
class SampleClass:
    """What :func:`write_sample_class` wrote."""

    cohort: Cohort
    #: the moment the class should be looked at (end of the simulated weeks)
    now: pd.Timestamp
    events: int
    submissions: int


def roster_groups(index: int) -> tuple[str, ...]:
    """The cohort and group of the ``index``-th synthetic learner (alternating)."""
    return (COHORTS[index % len(COHORTS)], GROUPS[index % len(GROUPS)])


def write_sample_class(
    config: ParcoursConfig, course: Course, n: int = 40, *, seed: int = 2026, weeks: float = 5.0
) -> SampleClass:
    """Write a synthetic class of ``n`` learners over the first ``weeks`` weeks of
    ``course`` into the stores named by ``config``; return it and the moment to view it."""
    import numpy as np
    import pandas as pd

    from ..cohort import make_cohort, write_events, write_gradebook
    from ..pipeline.roster import Learner, roster_path, write_roster

    cohort = make_cohort(
        course, n, seed=seed, weeks=weeks, salt=config.pseudonym_salt, id_prefix="apprenant"
    )
    events_path = config.events_url.removeprefix("sqlite:///")
    written = write_events(cohort.events, events_path)
    root = config.course_root(course.id)
    root.mkdir(parents=True, exist_ok=True)
    gradebook = config.gradebook_for(course.id).removeprefix("sqlite:///")
    counts = write_gradebook(
        gradebook, course, cohort.plans, list(cohort.learners["student_id"]), seed=seed
    )
    write_roster(
        roster_path(config, course),
        [
            Learner(id=s, groups=roster_groups(i))
            for i, s in enumerate(cohort.learners["student_id"])
        ],
    )
    start = (
        pd.Timestamp(cohort.events["timestamp"].min())
        if len(cohort.events)
        else (pd.Timestamp.now(tz="UTC"))
    )
    now = pd.Timestamp(cohort.events["timestamp"].max()) if len(cohort.events) else start
    now = (now.tz_localize("UTC") if now.tzinfo is None else now) + pd.Timedelta(hours=1)
    rng = np.random.default_rng(seed)
    for row in cohort.plans.itertuples(index=False):
        released = pd.Timestamp(row.submit_at) + pd.Timedelta(days=float(rng.uniform(0.5, 6)))
        if released.tzinfo is None:
            released = released.tz_localize("UTC")
        if released >= now:
            continue
        html = root / "feedback" / row.student_id / row.assignment / f"{row.assignment}.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(f"<html><body>{row.assignment}</body></html>", encoding="utf-8")
        os.utime(html, (released.timestamp(), released.timestamp()))
    return SampleClass(cohort, now, written, counts["submissions"])
