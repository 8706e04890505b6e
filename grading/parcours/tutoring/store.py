"""Questions and answers, stored beside the events: the same SQLite file or PostgreSQL
database as ``ParcoursConfig.events_url`` (:func:`open_tutoring`), in tables of their own
(``tutoring_questions``, ``tutoring_answers``, ``tutoring_follows``).

Times are ISO 8601 UTC text (one format, so they sort as text on both stores). Similar
questions while a learner types (:meth:`TutoringStore.suggest`): PostgreSQL's French
full-text search (``to_tsvector('french', …)``, a GIN index, prefix matching for the word
being typed); on SQLite, rapidfuzz over the course's visible questions.

Every method is one transaction; a failure is an :class:`~parcours.errors.EventStoreError`
saying which store and what to check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from ..i18n import _
from .connection import TutoringDatabase
from .model import FORMER_LEARNER, Answer, Question
from .tables import (
    ANSWER_COLUMNS,
    FTS,
    FUZZY_CANDIDATES,
    QUESTION_COLUMNS,
    TIMES,
    WORD,
)


def stamp(moment: dt.datetime) -> str:
    """``moment`` as stored: ISO 8601 in UTC, microseconds always written."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _moment(text: str | None) -> dt.datetime | None:
    return None if not text else dt.datetime.fromisoformat(text)


def new_id(prefix: str) -> str:
    """A fresh identifier (``q-…``, ``a-…``) nobody can guess."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _question(row: Sequence[Any]) -> Question:
    data = dict(zip(QUESTION_COLUMNS, row, strict=True))
    for name in TIMES & data.keys():
        data[name] = _moment(data[name])
    data["public"] = bool(data["public"])
    return Question(**data)


def _answer(row: Sequence[Any]) -> Answer:
    data = dict(zip(ANSWER_COLUMNS, row, strict=True))
    data["at"] = _moment(data["at"])
    data["staff"], data["endorsed"] = bool(data["staff"]), bool(data["endorsed"])
    return Answer(**data)


def _plain(text: str) -> str:
    """Lower case, accents off: "Créer" and "creer" compare equal."""
    import unicodedata

    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()


class TutoringStore(TutoringDatabase):
    """Questions and answers in SQLite (a file) or PostgreSQL (a URL); one connection
    per thread.

    :param url: ``sqlite:///<path>`` or ``postgresql://user@host/database``
    """

    def __init__(self, url: str) -> None:
        super().__init__(url)
        #: each question's text as the SQLite suggestions compare it, by id
        self._texts: dict[str, str] = {}

    # -- writing ------------------------------------------------------------------------
    def ask(self, question: Question, *, mail: bool = False) -> Question:
        """Store a new question; its author follows it (and, with ``mail``, is e-mailed
        when the staff answer it)."""
        values = [getattr(question, c) for c in QUESTION_COLUMNS]
        row = [
            stamp(v) if isinstance(v, dt.datetime) else (int(v) if isinstance(v, bool) else v)
            for v in values
        ]
        marks = ", ".join("?" for _c in QUESTION_COLUMNS)
        self._run(
            [
                (
                    f"INSERT INTO tutoring_questions ({', '.join(QUESTION_COLUMNS)}) "
                    f"VALUES ({marks})",
                    row,
                ),
                self._follow_sql(question.id, question.author, question.asked_at),
                *([self._mail_sql(question.id, question.author)] if mail else []),
            ]
        )
        return question

    @staticmethod
    def _mail_sql(question: str, person: str) -> tuple[str, list[Any]]:
        return (
            "INSERT INTO tutoring_mail (question, person) VALUES (?, ?) "
            "ON CONFLICT (question, person) DO NOTHING",
            [question, person],
        )

    def mailed(self, question: str) -> list[str]:
        """Who asked to be e-mailed when the staff answer ``question``."""
        rows = self._rows(
            "SELECT person FROM tutoring_mail WHERE question = ? ORDER BY person", [question]
        )
        return [str(row[0]) for row in rows]

    def _follow_sql(self, question: str, person: str, at: dt.datetime) -> tuple[str, list[Any]]:
        return (
            "INSERT INTO tutoring_follows (question, person, read_at) VALUES (?, ?, ?) "
            "ON CONFLICT (question, person) DO NOTHING",
            [question, person, stamp(at)],
        )

    def answer(self, answer: Answer) -> Answer:
        """Store an answer; a staff answer is the question's first staff response when it
        has none yet, and makes it answered (unless resolved)."""
        row = [
            answer.id,
            answer.question,
            answer.course,
            answer.author,
            answer.body,
            stamp(answer.at),
            int(answer.staff),
            int(answer.endorsed),
            answer.endorsed_by,
        ]
        writes: list[tuple[str, Sequence[Any]]] = [
            (
                f"INSERT INTO tutoring_answers ({', '.join(ANSWER_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _c in ANSWER_COLUMNS)})",
                row,
            ),
            self._follow_sql(answer.question, answer.author, answer.at),
        ]
        if answer.staff:
            writes += self._answered_sql(answer.question, answer.at, answer.author)
        self._run(writes)
        return answer

    @staticmethod
    def _answered_sql(question: str, at: dt.datetime, by: str) -> list[tuple[str, list[Any]]]:
        when = stamp(at)
        return [
            (
                "UPDATE tutoring_questions SET first_staff_at = ?, first_staff_by = ? "
                "WHERE id = ? AND first_staff_at IS NULL",
                [when, by, question],
            ),
            (
                "UPDATE tutoring_questions SET state = 'answered', answered_at = ? "
                "WHERE id = ? AND state = 'asked'",
                [when, question],
            ),
        ]

    def mark_answered(self, question: str, at: dt.datetime, by: str) -> None:
        """The staff say the question is answered (e.g. in class, or by a classmate)."""
        self._run(self._answered_sql(question, at, by))

    def resolve(self, question: str, at: dt.datetime, by: str) -> None:
        """Close the question (resolution time kept); answered by then if not before."""
        self._run(
            [
                *self._answered_sql(question, at, by),
                (
                    "UPDATE tutoring_questions SET state = 'resolved', resolved_at = ? "
                    "WHERE id = ? AND state <> 'resolved'",
                    [stamp(at), question],
                ),
            ]
        )

    def set_public(self, question: str, public: bool) -> None:
        """Show the question to the course (public) or only to its asker and the staff."""
        self._run(
            [("UPDATE tutoring_questions SET public = ? WHERE id = ?", [int(public), question])]
        )

    def endorse(self, answer: Answer, at: dt.datetime, by: str) -> None:
        """A staff member endorses an answer: the question counts as answered from now."""
        self._run(
            [
                (
                    "UPDATE tutoring_answers SET endorsed = 1, endorsed_by = ? WHERE id = ?",
                    [by, answer.id],
                ),
                *self._answered_sql(answer.question, at, by),
            ]
        )

    def merge(self, duplicate: str, into: str) -> None:
        """``duplicate`` is the same question as ``into``: hidden from lists, its followers
        follow ``into``."""
        self._run(
            [
                ("UPDATE tutoring_questions SET merged_into = ? WHERE id = ?", [into, duplicate]),
                (
                    "INSERT INTO tutoring_follows (question, person, read_at) "
                    "SELECT ?, person, read_at FROM tutoring_follows WHERE question = ? "
                    "ON CONFLICT (question, person) DO NOTHING",
                    [into, duplicate],
                ),
                (
                    "INSERT INTO tutoring_mail (question, person) "
                    "SELECT ?, person FROM tutoring_mail WHERE question = ? "
                    "ON CONFLICT (question, person) DO NOTHING",
                    [into, duplicate],
                ),
            ]
        )

    def follow(self, question: str, person: str, at: dt.datetime) -> None:
        """``person`` follows ``question`` (its answers count in her unread ones)."""
        self._run([self._follow_sql(question, person, at)])

    def mark_read(self, question: str, person: str, at: dt.datetime) -> None:
        """``person`` has read ``question``'s answers up to ``at`` (when she follows it)."""
        self._run(
            [
                (
                    "UPDATE tutoring_follows SET read_at = ? WHERE question = ? AND person = ?",
                    [stamp(at), question, person],
                )
            ]
        )

    def forget(self, author: str, replacement: str = FORMER_LEARNER) -> int:
        """GDPR erasure: ``author``'s questions and answers signed ``replacement``, her
        follows gone, then the tables rewritten so that the old values leave no trace in
        the store's files (SQLite: VACUUM; PostgreSQL: VACUUM FULL). What others answered
        stays readable (docs/privacy.md). Returns the rows changed."""
        names = [replacement, author]
        changed = self._run(
            [
                ("UPDATE tutoring_questions SET author = ? WHERE author = ?", names),
                ("UPDATE tutoring_answers SET author = ? WHERE author = ?", names),
                ("UPDATE tutoring_answers SET endorsed_by = ? WHERE endorsed_by = ?", names),
                ("DELETE FROM tutoring_follows WHERE person = ?", [author]),
                ("DELETE FROM tutoring_mail WHERE person = ?", [author]),
            ]
        )
        conn = self._connect()
        try:
            if self.dialect == "sqlite":
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                conn.execute("VACUUM FULL tutoring_questions, tutoring_answers, tutoring_follows")
        except self._db_errors as exc:
            self.close()
            raise self._error(_("refused a write"), exc) from None
        return changed

    # -- reading ------------------------------------------------------------------------
    def question(self, course: str, question: str) -> Question | None:
        """One question of ``course``, None when it has no such question."""
        rows = self._rows(
            f"SELECT {', '.join(QUESTION_COLUMNS)} FROM tutoring_questions "
            "WHERE course = ? AND id = ?",
            [course, question],
        )
        return _question(rows[0]) if rows else None

    def questions(
        self,
        course: str | None = None,
        *,
        reader: str | None = None,
        author: str | None = None,
        merged: bool = False,
    ) -> list[Question]:
        """Questions oldest first: of ``course`` (all when None), only those a learner
        ``reader`` may read (public, or her own), only ``author``'s; merged duplicates
        only with ``merged``."""
        clauses: list[str] = []
        params: list[Any] = []
        if course is not None:
            clauses.append("course = ?")
            params.append(course)
        if reader is not None:
            clauses.append("(public = 1 OR author = ?)")
            params.append(reader)
        if author is not None:
            clauses.append("author = ?")
            params.append(author)
        if not merged:
            clauses.append("merged_into = ''")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(
            f"SELECT {', '.join(QUESTION_COLUMNS)} FROM tutoring_questions{where} "
            "ORDER BY asked_at, id",
            params,
        )
        return [_question(row) for row in rows]

    def answers(self, question: str) -> list[Answer]:
        """A question's answers, oldest first."""
        rows = self._rows(
            f"SELECT {', '.join(ANSWER_COLUMNS)} FROM tutoring_answers WHERE question = ? "
            "ORDER BY at, id",
            [question],
        )
        return [_answer(row) for row in rows]

    def answers_by(self, author: str) -> list[Answer]:
        """Every answer ``author`` wrote (her evidence pack, her data export)."""
        rows = self._rows(
            f"SELECT {', '.join(ANSWER_COLUMNS)} FROM tutoring_answers WHERE author = ? "
            "ORDER BY at, id",
            [author],
        )
        return [_answer(row) for row in rows]

    def answer_of(self, course: str, answer: str) -> Answer | None:
        """One answer of ``course``."""
        rows = self._rows(
            f"SELECT {', '.join(ANSWER_COLUMNS)} FROM tutoring_answers WHERE course = ? AND id = ?",
            [course, answer],
        )
        return _answer(rows[0]) if rows else None

    def unread(self, person: str, course: str | None = None) -> dict[str, int]:
        """Answers by others that ``person`` has not read yet, per question she follows
        (asked, followed, answered, or merged into one of those)."""
        sql = (
            "SELECT f.question, count(a.id) FROM tutoring_follows f "
            "JOIN tutoring_answers a ON a.question = f.question AND a.at > f.read_at "
            "AND a.author <> f.person WHERE f.person = ?"
        )
        params: list[Any] = [person]
        if course is not None:
            sql += " AND a.course = ?"
            params.append(course)
        return {str(q): int(n) for q, n in self._rows(sql + " GROUP BY f.question", params)}

    def suggest(self, course: str, text: str, reader: str, limit: int = 5) -> list[Question]:
        """The questions of ``course`` ``reader`` may read that look like ``text`` (what
        she is typing), best first."""
        words = [w.lower() for w in WORD.findall(text)][:16]
        if not words:
            return []
        if self.dialect == "postgresql":
            # every word, the last one as typed so far (a prefix); then any of them
            hits: list[Question] = []
            for query in (
                " & ".join([*words[:-1], f"{words[-1]}:*"]),
                " | ".join(f"{w}:*" for w in words),
            ):
                rows = self._rows(
                    f"SELECT {', '.join(QUESTION_COLUMNS)} FROM tutoring_questions "
                    "WHERE course = ? AND merged_into = '' AND (public = 1 OR author = ?) "
                    f"AND {FTS} @@ to_tsquery('french', ?) ORDER BY "
                    f"ts_rank({FTS}, to_tsquery('french', ?)) DESC, asked_at DESC LIMIT ?",
                    [course, reader, query, query, limit],
                )
                seen = {q.id for q in hits}
                hits += [q for q in map(_question, rows) if q.id not in seen][: limit - len(hits)]
                if len(hits) >= limit:
                    break
            return hits
        from rapidfuzz import fuzz, process

        ids = [
            row[0]
            for row in self._rows(
                "SELECT id FROM tutoring_questions "
                "WHERE course = ? AND merged_into = '' AND (public = 1 OR author = ?) "
                "ORDER BY asked_at DESC LIMIT ?",
                [course, reader, FUZZY_CANDIDATES],
            )
        ]
        unseen = [i for i in ids if i not in self._texts]
        for start in range(0, len(unseen), 500):  # a question's text never changes: kept
            part = unseen[start : start + 500]
            marks = ", ".join("?" for _i in part)
            for ident, title, body in self._rows(
                f"SELECT id, title, substr(body, 1, 300) FROM tutoring_questions "
                f"WHERE id IN ({marks})",
                part,
            ):
                self._texts[ident] = _plain(f"{title} {body}")
        choices = {i: self._texts[i] for i in ids if i in self._texts}
        found = process.extract(
            _plain(" ".join(words)), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=70
        )
        best = [key for _text, _score, key in found]
        return [q for q in (self.question(course, key) for key in best) if q is not None]

    def figure_rows(self, course: str | None = None) -> list[tuple[Any, ...]]:
        """What the figures need of every question (not merged), as stored: course,
        asked_at, first_staff_at, resolved_at, first_staff_by, state, author, activity
        (text: 100,000 rows read faster so than with dates computed by the database)."""
        sql = (
            "SELECT course, asked_at, first_staff_at, resolved_at, first_staff_by, state, "
            "author, activity FROM tutoring_questions WHERE merged_into = ''"
        )
        if course is None:
            return self._rows(sql)
        return self._rows(sql + " AND course = ?", [course])
