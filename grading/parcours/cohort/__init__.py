"""Synthetic cohorts for the demo and the benchmarks: realistic learners as event records
and submission plans (:func:`make_cohort`), written to the event store
(:func:`write_events`) or, for benchmarks, straight into an nbgrader gradebook
(:func:`write_gradebook`)."""

from .generate import PLAN_COLUMNS, STORE_COLUMNS, Cohort, make_cohort
from .store import create_gradebook, write_events, write_gradebook

__all__ = [
    "PLAN_COLUMNS",
    "STORE_COLUMNS",
    "Cohort",
    "create_gradebook",
    "make_cohort",
    "write_events",
    "write_gradebook",
]
