"""GDPR: a learner's data exported (Art. 15 and 20), erased (Art. 17), and every record
purged at the end of its retention period (Art. 5(1)(e)). docs/privacy.md is the register.

Where a learner's personal data lives, under the data folder (``ParcoursConfig.data_dir``):

* the rosters (``courses/<course>/roster.csv``) and their history;
* the event store (events under the learner's pseudonym), the nbgrader gradebooks;
* nbgrader's folders named by the learner (``submitted``, ``autograded``, ``feedback``),
  the exchange (``<learner>+<assignment>+...``), the pipeline's records
  (``submissions.json``, ``extensions.json``), spools, follow-ups, the reminders' ledger;
* the analytics caches (``*.npz``) and the dashboards' pictures
  (``dashboards/figures``), made again from the stores when needed;
* the retained legal records: evidence packs (``evidence/``, kept
  ``retention_evidence_years``) and certificates (``certificates/``, kept
  ``retention_certificates_years``).

:func:`export_learner` gathers it all into one zip. :func:`erase_learner` first writes a
last evidence pack (the retained record, in the minimal form an auditor needs), then
removes the learner's lines, rows, folders and files everywhere else, and replaces their
pseudonym in the event store by a random one (the class's statistics stay true, nobody can
link them back). :func:`purge` removes what is past its retention period.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import secrets
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _, ngettext
from .common import append_jsonl, compliance_dir, iter_files, now_utc, read_jsonl, rewrite_jsonl

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

#: folders of the data folder holding retained legal records
RETAINED = ("evidence", "certificates")
TEXT_SUFFIXES = {".json", ".jsonl", ".csv", ".txt", ".html", ".ipynb", ".log", ".md", ".py"}


@dataclass(frozen=True)
class Person:
    """Who to look for: every identifier of one learner."""

    id: str
    pseudonym: str
    emails: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def identifiers(self) -> list[str]:
        """Every string that identifies the learner."""
        return [self.id, self.pseudonym, *self.emails, *self.names]

    def pattern(self) -> re.Pattern[str]:
        """Any identifier, as a whole word (``al`` does not match ``alice``)."""
        words = sorted({re.escape(i) for i in self.identifiers if i}, key=len, reverse=True)
        return re.compile(r"(?<![\w.@+-])(?:" + "|".join(words) + r")(?![\w@-])")


def person(config: ParcoursConfig, learner_id: str) -> Person:
    """The learner's identifiers, from every course's roster."""
    from ..course import list_courses
    from ..pipeline.roster import load_roster
    from ..store import pseudonymize

    emails, names = set(), set()
    for course in list_courses(config.courses_dir):
        found = load_roster(config, course).learners.get(learner_id)
        if found:
            emails |= {found.email} - {""}
            full = f"{found.first_name} {found.last_name}".strip()
            if full and full != learner_id:
                names.add(full)
    return Person(learner_id, pseudonymize(learner_id, config.pseudonym_salt),
                  tuple(sorted(emails)), tuple(sorted(names)))  # fmt: skip


def _retained(config: ParcoursConfig, path: Path) -> bool:
    relative = path.relative_to(config.data_dir).parts
    return bool(relative) and relative[0] in RETAINED


def _named_by(path: Path, who: Person, root: Path) -> bool:
    """Whether a folder or file on the path is named by the learner: nbgrader folders
    ``submitted/<id>``, exchange ``<id>+<assignment>+<time>`` (ids hold no '+'),
    certificates ``<id>.pdf``, evidence packs ``<id>-<YYYYMMDDTHHMMSSZ>.zip``."""
    pack = re.compile(re.escape(who.id) + r"-\d{8}T\d{6}Z\.zip")
    for part in path.relative_to(root).parts:
        if part == who.id or part.startswith(f"{who.id}+") or Path(part).stem == who.id:
            return True
        if pack.fullmatch(part):
            return True
    return False


def _matching(text: str, who: Person) -> bool:
    return bool(who.pattern().search(text))


def _json_mine(value: Any, who: Person) -> Any:
    """The parts of a JSON value about the learner (None when nothing)."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            if _matching(str(key), who):
                found[key] = item
            else:
                mine = _json_mine(item, who)
                if mine is not None:
                    found[key] = mine
        return found or None
    if isinstance(value, list):
        kept = [m for m in (_json_mine(v, who) for v in value) if m is not None]
        return kept or None
    return value if isinstance(value, str) and _matching(value, who) else None


def _json_scrub(value: Any, who: Person) -> Any:
    """A JSON value without the learner: keys naming them dropped, items about them
    dropped, other mentions replaced by '(erased)'."""
    if isinstance(value, dict):
        return {k: _json_scrub(v, who) for k, v in value.items() if not _matching(str(k), who)}
    if isinstance(value, list):
        return [_json_scrub(v, who) for v in value if _json_mine(v, who) is None]
    if isinstance(value, str):
        return who.pattern().sub("(erased)", value)
    return value


# -- the stores ---------------------------------------------------------------------------
def _vacuum(path: Path) -> None:
    """Rewrite a SQLite file so that deleted data leaves no trace in free pages or WAL."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _gradebook_rows(config: ParcoursConfig, course: Course, who: Person) -> dict[str, Any]:
    from ..analytics.gradebook import gradebook_frames, read_gradebook_tables

    tables = read_gradebook_tables(config.gradebook_for(course.id))
    if not tables:
        return {}
    _l, grades, subs = gradebook_frames(tables, course, config.pseudonym_salt)
    return {
        "grades": json.loads(grades[grades["learner"] == who.pseudonym].to_json(orient="records")),
        "submissions": json.loads(
            subs[subs["learner"] == who.pseudonym].to_json(orient="records", date_format="iso")
        ),
    }


# -- export ---------------------------------------------------------------------------------
def export_learner(config: ParcoursConfig, learner_id: str, out: Path | None = None) -> Path:
    """Every piece of the learner's data, in every store, as one zip (JSON, CSV, their
    files as they are); returns its path."""
    from ..course import list_courses
    from ..store import open_store

    who = person(config, learner_id)
    courses = list_courses(config.courses_dir)
    folder = Path(out) if out else compliance_dir(config, "privacy", "exports")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{learner_id}-{now_utc().strftime('%Y%m%dT%H%M%SZ')}.zip"
    root = Path(config.data_dir)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        with open_store(config.events_url) as store:
            events = [e.to_dict() for e in store.read(actor=who.pseudonym)]
        zf.writestr("events.json", json.dumps(events, ensure_ascii=False, indent=1))
        zf.writestr("tutoring.json", json.dumps(_tutoring(config, who.id), indent=1, default=str))
        zf.writestr("badges.json", json.dumps(_badges(config, who.id), indent=1))
        for course in courses:
            rows = _gradebook_rows(config, course, who)
            if rows:
                zf.writestr(f"gradebook/{course.id}.json", json.dumps(rows, indent=1))
        for path in iter_files(root):
            if path == target or "exports" in path.relative_to(root).parts[:2]:
                continue
            name = "files/" + str(path.relative_to(root))
            if _named_by(path, who, root):
                zf.write(path, name)
                continue
            if path.suffix not in TEXT_SUFFIXES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if not _matching(text, who):
                continue
            if path.suffix == ".jsonl":
                zf.writestr(name, "".join(line + "\n" for line in text.splitlines()
                                          if _matching(line, who)))  # fmt: skip
            elif path.suffix == ".csv":
                lines = text.splitlines()
                zf.writestr(
                    name, "\n".join([lines[0], *[x for x in lines[1:] if _matching(x, who)]])
                )
            elif path.suffix == ".json":
                mine = _json_mine(json.loads(text), who)
                zf.writestr(name, json.dumps(mine, ensure_ascii=False, indent=1))
            else:
                zf.write(path, name)
    return target


def _tutoring(config: ParcoursConfig, learner: str) -> dict[str, Any]:
    """Her questions and answers (docs/tutoring.md), as stored."""
    from dataclasses import asdict

    from ..tutoring import open_tutoring

    with open_tutoring(config.events_url) as store:
        asked = [asdict(q) for q in store.questions(author=learner, merged=True)]
        return {"questions": asked, "answers": [asdict(a) for a in store.answers_by(learner)]}


def _badges(config: ParcoursConfig, learner: str) -> list[dict[str, Any]]:
    """Her credentials (docs/badges.md), each as issued (its signed VC-JWT included)."""
    from dataclasses import asdict

    from ..badges.registry import issued

    return [asdict(i) for i in issued(config, learner=learner)]


# -- erasure --------------------------------------------------------------------------------
@dataclass
class Erasure:
    """What an erasure did."""

    tombstone: str
    retained: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    events: int = 0
    #: (place, what to do) the erasure could not handle itself
    problems: list[tuple[str, str]] = field(default_factory=list)


def erase_learner(config: ParcoursConfig, learner_id: str) -> Erasure:
    """Remove or irreversibly pseudonymise the learner's data everywhere, keeping the
    retained legal records (a last evidence pack per course is written first)."""
    from ..course import list_courses
    from ..pipeline.roster import load_roster
    from .pack import write_pack

    who = person(config, learner_id)
    courses = [c for c in list_courses(config.courses_dir)
               if learner_id in load_roster(config, c).learners]  # fmt: skip
    if not courses:
        raise BadInputError(
            _(
                "learner '{learner}' is in no course's roster under {data_dir}; "
                "check the id (parcours roster COURSE list)"
            ).format(learner=learner_id, data_dir=config.data_dir)
        ).about("learner")
    done = Erasure(tombstone="erased-" + secrets.token_hex(6))
    for course in courses:
        done.retained.append(str(write_pack(config, course, learner_id).archive))
        _erase_gradebook(config, course, who, done)
    _erase_events(config, who, done)
    root = Path(config.data_dir)
    for path in list(iter_files(root)):
        if _retained(config, path) or not path.exists():
            continue
        if _named_by(path, who, root):
            path.unlink()
            done.removed.append(str(path))
            continue
        if (
            path.suffix == ".npz"
            or ".frames-" in path.name
            or path.is_relative_to(root / "dashboards" / "figures")
        ):
            path.unlink()  # analytics and dashboards' caches: made again from the stores
            done.removed.append(str(path))
            continue
        _scrub_file(path, who, done)
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not _retained(config, folder) and _named_by(folder, who, root):
            shutil.rmtree(folder, ignore_errors=True)
    append_jsonl(
        compliance_dir(config, "privacy") / "erasures.jsonl",
        [{"erased_at": now_utc().isoformat(), "tombstone": done.tombstone,
          "courses": [c.id for c in courses], "removed": len(done.removed),
          "rewritten": len(done.rewritten), "events": done.events}],
    )  # fmt: skip
    return done


def _scrub_file(path: Path, who: Person, done: Erasure) -> None:
    if path.suffix in TEXT_SUFFIXES:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not _matching(text, who):
            return
        if path.suffix == ".jsonl":
            new = "".join(line + "\n" for line in text.splitlines() if not _matching(line, who))
        elif path.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(text)))
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(
                [rows[0], *[r for r in rows[1:] if not _matching(",".join(r), who)]]
            )
            new = buffer.getvalue()
        elif path.suffix == ".json":
            new = json.dumps(_json_scrub(json.loads(text), who), ensure_ascii=False, indent=1)
        else:
            new = who.pattern().sub("(erased)", text)
        path.write_text(new, encoding="utf-8")
        done.rewritten.append(str(path))
        return
    data = path.read_bytes()
    if any(i.encode() in data for i in who.identifiers if i):
        done.problems.append((str(path), _("holds the learner's identifiers; remove it by hand")))


def _erase_events(config: ParcoursConfig, who: Person, done: Erasure) -> None:
    from ..badges.registry import database_path, forget
    from ..store import open_store
    from ..store.history import open_history
    from ..tutoring import open_tutoring

    with open_tutoring(config.events_url) as tutoring:  # before the events' rewrite of the file
        tutoring.forget(who.id)  # her questions stay, from "a former learner" (#26)
    with open_store(config.events_url) as store:
        done.events = store.forget(who.pseudonym, done.tombstone)
    done.rewritten.append(_without_password(config.events_url))
    open_history(config).forget(who.id, done.tombstone)  # the service's history (logins…)
    if forget(config, who.id):
        done.rewritten.append(str(database_path(config)))


def _erase_gradebook(config: ParcoursConfig, course: Course, who: Person, done: Erasure) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    from ..analytics.frames import sqlite_path
    from ..pipeline.gradebook import quiet_sqlalchemy

    url = config.gradebook_for(course.id)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return
    with quiet_sqlalchemy(), Gradebook(url, course_id=course.id) as gb:
        try:
            gb.remove_student(who.id)
        except MissingEntry:
            return
    if path is not None:
        _vacuum(path)
    else:  # PostgreSQL: the deleted rows' old versions go too
        import psycopg

        from ..store.postgres import libpq_url

        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("VACUUM FULL")
    done.rewritten.append(_without_password(url))


def _without_password(url: str) -> str:
    """``url`` as it can be shown (no user or password)."""
    return re.sub(r"//[^/@]*@", "//", url)


# -- retention ------------------------------------------------------------------------------
@dataclass
class Purge:
    """What a purge removed (or would remove with ``dry_run``), by kind."""

    removed: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, what: str) -> None:
        self.removed.setdefault(kind, []).append(what)


def _years_before(now: dt.datetime, years: int) -> dt.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def purge(
    config: ParcoursConfig, now: dt.datetime | None = None, *, dry_run: bool = False
) -> Purge:
    """Remove every record past its retention period (ParcoursConfig.retention_*)."""
    from ..course import list_courses

    now = now or now_utc()
    report = Purge()
    root = Path(config.data_dir)
    certificates = _years_before(now, config.retention_certificates_years)
    evidence = _years_before(now, config.retention_evidence_years)

    def old_file(path: Path, limit: dt.datetime) -> bool:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < limit

    for path in iter_files(root / "certificates"):
        if old_file(path, certificates):
            report.add("certificates", str(path))
            if not dry_run:
                path.unlink()
    hashes = root / "evidence" / "hashes.jsonl"
    made = {r["file"]: dt.datetime.fromisoformat(r["made_at"]) for r in read_jsonl(hashes)}
    for path in iter_files(root / "evidence"):
        if path.suffix != ".zip":
            continue
        when = made.get(path.name) or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        if when < evidence:
            report.add("evidence", str(path))
            if not dry_run:
                path.unlink()
    if not dry_run and hashes.is_file():
        rewrite_jsonl(hashes, [r for r in read_jsonl(hashes)
                               if dt.datetime.fromisoformat(r["made_at"]) >= evidence])  # fmt: skip
    for course in list_courses(config.courses_dir):
        for name, stamp in (("followups.jsonl", "contacted_at"), ("reminders.jsonl", "sent_at")):
            path = config.course_root(course.id) / name
            lines = read_jsonl(path)
            kept = [x for x in lines if dt.datetime.fromisoformat(x[stamp]) >= evidence]
            for gone in lines:
                if gone not in kept:
                    report.add(name.split(".")[0], f"{course.id}: {gone.get('id') or gone['key']}")
            if len(kept) != len(lines) and not dry_run:
                rewrite_jsonl(path, kept)
    if config.retention_events_days > 0:
        from ..store import open_store

        limit = (now - dt.timedelta(days=config.retention_events_days)).astimezone(dt.UTC)
        with open_store(config.events_url) as store:
            count = store.remove_before(limit.isoformat(), dry_run=dry_run)
        if count:
            report.add(
                "events",
                ngettext("{n} event before {limit}", "{n} events before {limit}", count).format(
                    n=count, limit=limit.isoformat()
                ),
            )
    return report
