"""A learner's evidence pack: what they did, when, for how long, and with what results.

Auditors (Qualiopi indicator 11) and funders ask for "relevés de connexion ou résultats de
tests". The pack gathers, for one learner of one course:

* the activity log from the event store (every event, with its date and duration),
  grouped into sessions (events less than :data:`SESSION_GAP` apart), the time on task
  (the sessions' total), lessons opened and completed;
* progress per module, quiz results per lesson (its objectives and skills), assignment
  results from the gradebook (receipt time, due date, lateness, score, feedback date and
  the delay before it), and a summary per skill;
* reflections, satisfaction answers, tutors' follow-ups and the reminders sent.

:func:`write_pack` writes a zip (``evidence.json``, CSV tables and a readable
``evidence.pdf``) under ``<data_dir>/evidence/<course>/`` and appends the archive's
SHA-256 to ``<data_dir>/evidence/hashes.jsonl``; :func:`verify` recomputes it, so an
archive edited afterwards is detected.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _, language
from .common import (
    append_jsonl,
    compliance_dir,
    duration_text,
    full_name,
    learner_of,
    moment_text,
    now_utc,
    read_jsonl,
)
from .typeset import Document, to_pdf

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

#: events further apart than this start a new session
SESSION_GAP = dt.timedelta(minutes=30)
HASHES = "hashes.jsonl"


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


def collect(
    config: ParcoursConfig, course: Course, learner_id: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the pack holds for one learner, as plain JSON-ready data."""
    from ..store import open_store, pseudonymize
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
        "followups": [f.as_json() for f in followups.list_followups(config, course, learner.id)],
        "reminders": remind.sent_to(config, course, learner.id),
        "events": events,
    }


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                 for k, v in row.items()}
            )  # fmt: skip
    return buffer.getvalue()


def pack_document(
    config: ParcoursConfig, course: Course, data: dict[str, Any], lang: str
) -> Document:
    """The readable PDF's content."""

    def when(text: str | None) -> str:
        return moment_text(_moment(text), course, lang) if text else "-"

    def pct(value: float | None) -> str:
        from babel.numbers import format_percent

        return "-" if value is None else format_percent(value, locale=lang)

    with language(lang):
        person = data["learner"]
        doc = Document(
            title=_("Evidence of training"),
            subtitle=f"{course.title} — {person['name']}",
            lang=lang,
            header=config.organisation_name,
            footer=_("Made on {when}").format(when=when(data["made_at"])),
        )
        doc.fields(
            [
                (_("Learner"), f"{person['name']} ({person['id']})"),
                (_("Employer"), person["employer"]),
                (_("First activity"), when(data["first_activity"])),
                (_("Last activity"), when(data["last_activity"])),
                (_("Sessions"), str(len(data["sessions"]))),
                (_("Time on task (measured)"), duration_text(data["time_on_task_s"])),
                (
                    _("Work completed (estimated)"),
                    _("{done} of {total}").format(
                        done=duration_text(data["minutes_completed_estimated"] * 60),
                        total=duration_text(data["course"]["minutes_estimated"] * 60),
                    ),
                ),
            ]
        )
        doc.heading(_("Progress per module"))
        doc.table(
            [_("Module"), _("Lessons completed"), _("Assignments submitted"), _("Progress")],
            [
                [m["title"], f"{m['lessons_completed']}/{m['lessons']}",
                 f"{m['assignments_submitted']}/{m['assignments']}", pct(m["progress"])]
                for m in data["modules"]
            ],
        )  # fmt: skip
        doc.heading(_("Sessions"))
        doc.table(
            [_("Start"), _("End"), _("Duration"), _("Events")],
            [[when(s["start"]), when(s["end"]), duration_text(s["seconds"]), s["events"]]
             for s in data["sessions"]],
        )  # fmt: skip
        doc.heading(_("Lessons and quizzes"))
        doc.table(
            [_("Lesson"), _("Objective"), _("Opened"), _("Completed"), _("Quiz score")],
            [[x["title"], "; ".join(x["objectives"]), when(x["opened"]), when(x["completed"]),
              pct(x["quiz_score"])] for x in data["lessons"]],
        )  # fmt: skip
        doc.heading(_("Assignments and feedback"))
        doc.table(
            [_("Assignment"), _("Received"), _("Score"), _("Feedback"), _("Feedback delay")],
            [[x["title"], when(x["received"]),
              f"{x['score']:g}/{x['max_score']:g}" if x["received"] else "-",
              when(x.get("feedback_at")),
              duration_text(x["feedback_delay_s"]) if x.get("feedback_delay_s") else "-"]
             for x in data["assignments"]],
        )  # fmt: skip
        doc.heading(_("Results per skill"))
        doc.table(
            [_("Skill"), _("Quizzes"), _("Assignments")],
            [[s["label"], pct(s["quiz_mean"]), pct(s["assignment_mean"])] for s in data["skills"]],
        )
        if data["reflections"] or data["satisfaction"]:
            doc.heading(_("Reflections and satisfaction"))
            doc.items(
                [f"{when(r['timestamp'])} — {r['lesson']}: "
                 + json.dumps(r["answer"], ensure_ascii=False) for r in data["reflections"]]
                + [f"{when(r['timestamp'])} — {r['object']}: "
                   + json.dumps(r["answer"], ensure_ascii=False) for r in data["satisfaction"]]
            )  # fmt: skip
        doc.heading(_("Tutor follow-ups"))
        doc.table(
            [_("When"), _("How"), _("By"), _("Outcome"), _("Status")],
            [[when(f["contacted_at"]), f["how"], f["by"], f["outcome"], f["status"]]
             for f in data["followups"]],
        )  # fmt: skip
        doc.heading(_("Reminders sent"))
        doc.table(
            [_("Sent"), _("Kind"), _("About")],
            [[when(r["sent_at"]), r["kind"], r.get("about", "")] for r in data["reminders"]],
        )
    return doc


@dataclass(frozen=True)
class Pack:
    """A written evidence pack: its archive and the archive's SHA-256."""

    learner: str
    archive: Path
    sha256: str


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_pack(
    config: ParcoursConfig,
    course: Course,
    learner_id: str,
    *,
    lang: str | None = None,
    now: dt.datetime | None = None,
) -> Pack:
    """Write one learner's evidence archive and record its hash."""
    data = collect(config, course, learner_id, now)
    lang = lang or course.language
    stamp = _moment(data["made_at"]).strftime("%Y%m%dT%H%M%SZ")
    folder = compliance_dir(config, "evidence", course.id)
    archive = folder / f"{learner_id}-{stamp}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("evidence.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name in ("events", "sessions", "lessons", "assignments", "modules", "skills",
                     "followups", "reminders"):  # fmt: skip
            zf.writestr(f"{name}.csv", _csv(data[name]))
        zf.writestr("evidence.pdf", to_pdf(pack_document(config, course, data, lang)))
    digest = sha256_of(archive)
    append_jsonl(
        compliance_dir(config, "evidence") / HASHES,
        [{"file": archive.name, "course": course.id, "learner": learner_id,
          "sha256": digest, "made_at": data["made_at"]}],
    )  # fmt: skip
    return Pack(learner_id, archive, digest)


def write_class(
    config: ParcoursConfig,
    course: Course,
    *,
    lang: str | None = None,
    now: dt.datetime | None = None,
) -> list[Pack]:
    """Evidence packs of every learner of the roster, and the class's summary (one row per
    learner: activity dates, sessions, time on task, work completed, progress, archive and
    hash) as ``<data_dir>/evidence/<course>/class-<date>.csv``."""
    from ..pipeline.roster import load_roster

    packs, rows = [], []
    for ident in load_roster(config, course).learners:
        pack = write_pack(config, course, ident, lang=lang, now=now)
        packs.append(pack)
        with zipfile.ZipFile(pack.archive) as zf:
            data = json.loads(zf.read("evidence.json"))
        done = [m["progress"] for m in data["modules"]]
        rows.append(
            {
                "learner": ident,
                "name": data["learner"]["name"],
                "first_activity": data["first_activity"],
                "last_activity": data["last_activity"],
                "sessions": len(data["sessions"]),
                "time_on_task_s": data["time_on_task_s"],
                "minutes_completed_estimated": data["minutes_completed_estimated"],
                "minutes_estimated": data["course"]["minutes_estimated"],
                "progress": round(sum(done) / len(done), 4) if done else 0.0,
                "followups": len(data["followups"]),
                "archive": pack.archive.name,
                "sha256": pack.sha256,
            }
        )
    if rows:
        stamp = (now or now_utc()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        summary = compliance_dir(config, "evidence", course.id) / f"class-{stamp}.csv"
        summary.write_text(_csv(rows), encoding="utf-8")
    return packs


def verify(config: ParcoursConfig, archive: Path) -> str | None:
    """None when ``archive`` has the hash recorded when it was made, else what is wrong."""
    records = [r for r in read_jsonl(Path(config.data_dir) / "evidence" / HASHES)
               if r["file"] == archive.name]  # fmt: skip
    if not records:
        return _("{file}: no hash was recorded for this archive in {hashes}").format(
            file=archive, hashes=Path(config.data_dir) / "evidence" / HASHES
        )
    actual = sha256_of(archive)
    if actual != records[-1]["sha256"]:
        return _(
            "{file}: its content changed since it was made on {when} (SHA-256 {actual}, "
            "recorded {recorded})"
        ).format(file=archive, when=records[-1]["made_at"], actual=actual,
                 recorded=records[-1]["sha256"])  # fmt: skip
    return None
