"""Progress and completion: each learner's status on each activity, and its summaries.

Status of a learner on an activity (:func:`activity_status`), one of :data:`STATUSES`:

- lesson: ``done`` when a ``completed`` (lesson) or ``reflected`` event names it,
  ``started`` when any other event belongs to it, else ``not_started``;
- assignment: ``done`` when submitted by the learner's deadline (due date, or their
  extension), ``late`` when submitted after it, ``missed`` when not submitted and the
  deadline has passed at ``now``, ``started`` when an event belongs to it (opened,
  reflection), else ``not_started``.

"Reached" means anything but ``not_started`` (and ``missed`` without a trace counts as
not reached); "completed" means ``done`` or ``late``.
"""

from __future__ import annotations

import pandas as pd

from .frames import ClassData

STATUSES = ("not_started", "started", "done", "late", "missed")
COMPLETED = ("done", "late")
STATUS_LABELS = {
    "fr": {"not_started": "pas commencé", "started": "commencé", "done": "terminé",
           "late": "en retard", "missed": "manqué"},
    "en": {"not_started": "not started", "started": "started", "done": "done",
           "late": "late", "missed": "missed"},
}


def now_or_default(now: pd.Timestamp | str | None) -> pd.Timestamp:
    """``now`` as a UTC timestamp; the current time when None."""
    if now is None:
        return pd.Timestamp.now(tz="UTC")
    stamp = pd.Timestamp(now)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def deadlines(data: ClassData) -> pd.DataFrame:
    """Each enrolled learner's deadline on each assignment: ``course, learner, activity,
    due, deadline`` (the latest of the due date, an nbgrader extension and a recorded one)."""
    acts = data.activities[data.activities["kind"] == "assignment"][["course", "activity", "due"]]
    grid = data.learners[["course", "learner"]].drop_duplicates().merge(acts, on="course")
    grid["deadline"] = grid["due"]
    subs = data.submissions
    if len(subs):
        ext = subs[["course", "learner", "assignment", "deadline"]].rename(
            columns={"assignment": "activity", "deadline": "nb_deadline"}
        )
        grid = grid.merge(ext, on=["course", "learner", "activity"], how="left")
        grid["deadline"] = grid[["deadline", "nb_deadline"]].max(axis=1)
        grid = grid.drop(columns="nb_deadline")
    if len(data.extensions):
        ext = data.extensions.rename(columns={"assignment": "activity"})
        ext = ext.groupby(["course", "learner", "activity"], as_index=False)["until"].max()
        grid = grid.merge(ext, on=["course", "learner", "activity"], how="left")
        grid["deadline"] = grid[["deadline", "until"]].max(axis=1)
        grid = grid.drop(columns="until")
    return grid


def activity_status(data: ClassData, now: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """One row per enrolled learner and activity: ``course, learner, activity, kind,
    module, order, status, first_at, last_at, submitted_at, deadline``."""
    moment = now_or_default(now)
    acts = data.activities[["course", "activity", "kind", "module", "order"]]
    grid = data.learners[["course", "learner"]].drop_duplicates().merge(acts, on="course")
    ev = data.events
    key = ["course", "learner", "activity"]
    if len(ev):
        # an event belongs to its lesson; an assignment's events carry its id in 'lesson'
        belongs = ev["lesson"].where(ev["lesson"] != "", ev["object_id"])
        touched = (
            ev.assign(activity=belongs)
            .groupby(key, observed=True)["timestamp"].agg(["min", "max"])
            .rename(columns={"min": "first_at", "max": "last_at"})
        )
        finished = ev[
            ((ev["verb"] == "completed") & (ev["object_type"] == "lesson"))
            | (ev["verb"] == "reflected")
        ]
        finished = finished.assign(activity=belongs[finished.index])[key].drop_duplicates()
        finished["finished"] = True
        grid = grid.merge(touched.reset_index(), on=key, how="left")
        grid = grid.merge(finished, on=key, how="left")
    else:
        grid["first_at"] = pd.NaT
        grid["last_at"] = pd.NaT
        grid["finished"] = False
    grid["finished"] = grid["finished"].astype("boolean").fillna(False).astype(bool)
    subs = data.submissions
    if len(subs):
        s = subs.groupby(["course", "learner", "assignment"], as_index=False)["timestamp"].max()
        s = s.rename(columns={"assignment": "activity", "timestamp": "submitted_at"})
        grid = grid.merge(s, on=key, how="left")
    else:
        grid["submitted_at"] = pd.NaT
    grid["submitted_at"] = grid["submitted_at"].astype("datetime64[ns, UTC]")
    dl = deadlines(data)[key + ["deadline"]]
    grid = grid.merge(dl, on=key, how="left")

    is_lesson = grid["kind"] == "lesson"
    touched_any = grid["first_at"].notna()
    status = pd.Series("not_started", index=grid.index, dtype=object)
    status[touched_any] = "started"
    status[is_lesson & grid["finished"]] = "done"
    submitted = ~is_lesson & grid["submitted_at"].notna()
    late = submitted & (grid["submitted_at"] > grid["deadline"])
    status[submitted & ~late] = "done"
    status[late] = "late"
    missed = ~is_lesson & ~submitted & grid["deadline"].notna() & (grid["deadline"] < moment)
    status[missed] = "missed"
    grid["status"] = status
    first = grid["first_at"].where(grid["first_at"].notna(), grid["submitted_at"])
    grid["first_at"] = first.astype("datetime64[ns, UTC]")
    grid["last_at"] = grid[["last_at", "submitted_at"]].max(axis=1).astype("datetime64[ns, UTC]")
    cols = ["course", "learner", "activity", "kind", "module", "order", "status", "first_at",
            "last_at", "submitted_at", "deadline"]
    return grid[cols].sort_values(["course", "learner", "order"]).reset_index(drop=True)


def _summary(status: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    flags = status.assign(
        reached=status["status"].isin(("started", "done", "late")),
        completed=status["status"].isin(COMPLETED),
        late=status["status"] == "late",
        missed=status["status"] == "missed",
        one=1,
    )
    out = flags.groupby(by, as_index=False).agg(
        activities=("one", "sum"), reached=("reached", "sum"), completed=("completed", "sum"),
        late=("late", "sum"), missed=("missed", "sum"), last_at=("last_at", "max"),
    )
    out["completion"] = out["completed"] / out["activities"]
    return out


def progress_by_learner(status: pd.DataFrame) -> pd.DataFrame:
    """Per learner and course: ``activities, reached, completed, late, missed, last_at,
    completion`` (completed / activities)."""
    return _summary(status, ["course", "learner"])


def progress_by_activity(status: pd.DataFrame) -> pd.DataFrame:
    """Per activity in course order: ``activities`` (learners), ``reached, completed,
    late, missed, completion``."""
    out = _summary(status, ["course", "activity", "kind", "module", "order"])
    out = out.rename(columns={"activities": "learners"}).drop(columns="last_at")
    return out.sort_values(["course", "order"]).reset_index(drop=True)


def progress_by_module(status: pd.DataFrame) -> pd.DataFrame:
    """Per learner and module: ``activities, completed, completion`` and whether the
    module is ``finished`` (every activity completed)."""
    out = _summary(status, ["course", "learner", "module"])
    out["finished"] = out["completed"] == out["activities"]
    return out[["course", "learner", "module", "activities", "completed", "completion",
                "finished"]]
