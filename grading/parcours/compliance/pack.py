"""The evidence pack written out: a zip (``evidence.json``, CSV tables and a readable
``evidence.pdf``) under ``<data_dir>/evidence/<course>/``, its SHA-256 appended to
``<data_dir>/evidence/hashes.jsonl``; :func:`verify` recomputes it, so an archive edited
afterwards is detected. :func:`write_class` does every learner of the roster and a
summary of the class."""

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
    moment_text,
    now_utc,
    read_jsonl,
)
from .evidence import _moment, collect
from .typeset import Document, to_pdf

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

HASHES = "hashes.jsonl"


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
                (
                    _("Logins to the hub"),
                    _("{n} (last: {when})").format(
                        n=len(data["logins"]), when=when(data["logins"][-1]["at"])
                    )
                    if data["logins"]
                    else "-",
                ),
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
        doc.heading(_("Questions to the tutors"))
        doc.table(
            [_("Asked"), _("Question"), _("First staff answer"), _("Working hours"), _("Closed")],
            [[when(q["asked_at"]), q["title"], when(q["first_staff_at"]),
              "-" if q["first_response_hours"] is None else str(q["first_response_hours"]),
              when(q["resolved_at"])] for q in data.get("tutoring", [])],
        )  # fmt: skip
        doc.heading(_("Badges issued"))

        def status(badge: dict[str, Any]) -> str:
            if not badge["revoked"]:
                return _("Valid")
            revoked = _("Revoked on {when}: {reason}")
            return revoked.format(when=when(badge["revoked_at"]), reason=badge["reason"])

        doc.table(
            [_("Badge"), _("Issued"), _("Status"), _("Verification page")],
            [
                [b["name"], when(b["issued_at"]), status(b), b["url"]]
                for b in data.get("badges", [])
            ],
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
                     "logins", "followups", "reminders"):  # fmt: skip
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
