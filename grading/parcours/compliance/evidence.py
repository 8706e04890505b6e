"""A learner's evidence: what they did, when, for how long, and with what results.

Auditors (Qualiopi indicator 11) and funders ask for "relevés de connexion ou résultats de
tests". :func:`collect` gathers, for one learner of one course:

* the activity log from the event store (every event, with its date and duration),
  grouped into sessions (events less than :data:`SESSION_GAP` apart), the time on task
  (the sessions' total), lessons opened and completed;
* progress per module, quiz results per lesson (its objectives and skills), assignment
  results from the gradebook (receipt time, due date, lateness, score, feedback date and
  the delay before it), and a summary per skill;
* reflections, satisfaction answers, tutors' follow-ups and the reminders sent;
* the badges issued to them (each with its public verification page; revoked ones
  with when and why).

:mod:`.pack` writes it as an archive whose hash is recorded.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from .common import (
    full_name,
    learner_of,
    now_utc,
)

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

#: events further apart than this start a new session
SESSION_GAP = dt.timedelta(minutes=30)


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _iso(moment: Any) -> str | None:
    if moment is None:
        return None
    try:
        import pandas as pd

        if pd.isna(moment):
            return None
        stamp = pd.Timestamp(moment)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.floor("us").to_pydatetime().isoformat()  # microseconds, as stored
    except (TypeError, ValueError):
        return str(moment)


def sessions(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions of work: runs of events less than :data:`SESSION_GAP` apart. A session
    lasts from its first to its last event, plus the last one's own duration when it has
    one (the time spent answering the last question)."""
    found: list[dict[str, Any]] = []
    for event in sorted(events, key=lambda e: e["timestamp"]):
        at = _moment(event["timestamp"])
        tail = float(event.get("duration_s") or 0.0)
        if found and at - found[-1]["_last"] <= SESSION_GAP:
            current = found[-1]
            current["_last"], current["_tail"] = at, tail
            current["events"] += 1
        else:
            found.append({"_start": at, "_last": at, "_tail": tail, "events": 1})
    return [
        {
            "start": s["_start"].isoformat(),
            "end": (s["_last"] + dt.timedelta(seconds=s["_tail"])).isoformat(),
            "seconds": round((s["_last"] - s["_start"]).total_seconds() + s["_tail"], 1),
            "events": s["events"],
        }
        for s in found
    ]


def _submissions(config: ParcoursConfig, course: Course, pseudonym: str) -> list[dict[str, Any]]:
    """The learner's submissions from the gradebook (receipt times from the pipeline's
    record, feedback times from nbgrader's feedback folder)."""
    from ..analytics.gradebook import (
        feedback_times,
        gradebook_frames,
        read_gradebook_tables,
        read_received,
    )

    root = config.course_root(course.id)
    tables = read_gradebook_tables(config.gradebook_for(course.id))
    if not tables:
        return []
    _learners, _grades, subs = gradebook_frames(
        tables,
        course,
        config.pseudonym_salt,
        feedback_times=feedback_times(root),
        received=read_received(root),
    )
    rows = []
    for row in subs[subs["learner"] == pseudonym].to_dict("records"):
        received, feedback = _iso(row["timestamp"]), _iso(row["feedback_at"])
        delay = (
            (_moment(feedback) - _moment(received)).total_seconds()
            if received and feedback
            else None
        )
        rows.append(
            {
                "assignment": row["assignment"],
                "received": received,
                "deadline": _iso(row["deadline"]),
                "late": bool(row["late"]),
                "score": float(row["score"]),
                "max_score": float(row["max_score"]),
                "late_penalty": float(row["late_penalty"]),
                "feedback_at": feedback,
                "feedback_delay_s": delay,
            }
        )
    return rows


def logins(config: ParcoursConfig, course: Course, learner_id: str) -> list[dict[str, str]]:
    """The learner's logins to the hub (the service's history of ``course``; none on one
    machine)."""
    from ..store.history import LOGGED_IN, read

    return [{"at": e["at"]} for e in read(config, course.id)
            if e["who"] == learner_id and e["what"] == LOGGED_IN]  # fmt: skip


def collect(
    config: ParcoursConfig, course: Course, learner_id: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the pack holds for one learner, as plain JSON-ready data."""
    from ..badges.mine import credentials
    from ..store import open_store, pseudonymize
    from ..tutoring.evidence import learner_exchanges
    from . import followups, remind

    learner = learner_of(config, course, learner_id)
    pseudonym = pseudonymize(learner.id, config.pseudonym_salt)
    with open_store(config.events_url) as store:
        events = [e.to_dict() for e in store.read(course=course.id, actor=pseudonym)]
    spans = sessions(events)
    lessons: list[dict[str, Any]] = []
    for module in course.modules:
        for lesson in module.lessons:
            mine = [e for e in events if e["lesson"] == lesson.id or e["object_id"] == lesson.id]
            opened = [e["timestamp"] for e in mine if e["verb"] == "opened"]
            done = [e["timestamp"] for e in mine if e["verb"] == "completed"]
            answers: dict[str, dict[str, Any]] = {}
            for e in mine:
                if e["verb"] == "answered":
                    answers[e["object_id"]] = e  # the last attempt counts
            first_try = {
                e["object_id"]
                for e in mine
                if e["verb"] == "answered" and (e["attempt"] or 1) == 1 and e["success"]
            }
            scores = [float(a["score"] or 0.0) for a in answers.values()]
            lessons.append(
                {
                    "module": module.id,
                    "lesson": lesson.id,
                    "title": lesson.title,
                    "objectives": lesson.objectives,
                    "skills": lesson.skills,
                    "minutes_estimated": lesson.minutes,
                    "opened": min(opened) if opened else None,
                    "completed": min(done) if done else None,
                    "questions_answered": len(answers),
                    "correct_first_try": len(first_try),
                    "quiz_score": round(sum(scores) / len(scores), 4) if scores else None,
                }
            )
    submitted = _submissions(config, course, pseudonym)
    by_assignment = {s["assignment"]: s for s in submitted}
    assignments: list[dict[str, Any]] = [
        {
            "assignment": a.id,
            "title": a.title,
            "module": a.module,
            "skills": a.skills,
            "minutes_estimated": a.minutes,
            "points": a.points,
            **by_assignment.get(a.id, {"received": None}),
        }
        for a in course.assignments
    ]
    modules = []
    for module in course.modules:
        ls = [x for x in lessons if x["module"] == module.id]
        asg = [x for x in assignments if x["module"] == module.id]
        parts = len(ls) + len(asg)
        finished = sum(1 for x in ls if x["completed"]) + sum(1 for x in asg if x["received"])
        modules.append(
            {
                "module": module.id,
                "title": module.title,
                "lessons_completed": sum(1 for x in ls if x["completed"]),
                "lessons": len(ls),
                "assignments_submitted": sum(1 for x in asg if x["received"]),
                "assignments": len(asg),
                "progress": round(finished / parts, 4) if parts else 0.0,
            }
        )
    skills = []
    for skill in course.skills:
        quiz = [
            x["quiz_score"]
            for x in lessons
            if skill.id in x["skills"] and x["quiz_score"] is not None
        ]
        work = [
            x["score"] / x["max_score"]
            for x in assignments
            if skill.id in x["skills"] and x.get("received") and x.get("max_score")
        ]
        skills.append(
            {
                "skill": skill.id,
                "label": skill.label,
                "quiz_mean": round(sum(quiz) / len(quiz), 4) if quiz else None,
                "assignment_mean": round(sum(work) / len(work), 4) if work else None,
            }
        )
    completed_minutes = sum(x["minutes_estimated"] for x in lessons if x["completed"]) + sum(
        x["minutes_estimated"] for x in assignments if x["received"]
    )
    from .sheet import course_minutes

    stamps = [e["timestamp"] for e in events] + [s["received"] for s in submitted if s["received"]]
    return {
        "schema_version": 1,
        "made_at": (now or now_utc()).isoformat(),
        "course": {
            "id": course.id,
            "title": course.title,
            "language": course.language,
            "timezone": course.timezone,
            "minutes_estimated": course_minutes(course),
        },
        "learner": {
            "id": learner.id,
            "name": full_name(learner),
            "email": learner.email,
            "employer": learner.employer,
            "pseudonym": pseudonym,
        },
        "first_activity": min(stamps) if stamps else None,
        "last_activity": max(stamps) if stamps else None,
        "time_on_task_s": round(sum(s["seconds"] for s in spans), 1),
        "minutes_completed_estimated": completed_minutes,
        "sessions": spans,
        "modules": modules,
        "lessons": lessons,
        "assignments": assignments,
        "skills": skills,
        "reflections": [
            {"timestamp": e["timestamp"], "lesson": e["lesson"], "answer": json.loads(e["extra"])}
            for e in events
            if e["verb"] == "reflected"
        ],
        "satisfaction": [
            {
                "timestamp": e["timestamp"],
                "object": e["object_id"],
                "score": e["score"],
                "answer": json.loads(e["extra"]),
            }
            for e in events
            if e["verb"] == "rated"
        ],
        "logins": logins(config, course, learner.id),
        "followups": [f.as_json() for f in followups.list_followups(config, course, learner.id)],
        "reminders": remind.sent_to(config, course, learner.id),
        "tutoring": learner_exchanges(config, course, learner.id),
        "badges": credentials(config, course, learner.id),
        "events": events,
    }
