"""The tutoring tables, the same on SQLite and PostgreSQL (plus, on PostgreSQL, the French
full-text index of the suggestions): questions, answers, who follows which question up
to when she read it, and who asked to be e-mailed when the staff answer one."""

from __future__ import annotations

import re

QUESTION_COLUMNS = (
    "id",
    "course",
    "author",
    "title",
    "body",
    "asked_at",
    "activity",
    "notebook",
    "cell",
    "code",
    "public",
    "state",
    "first_staff_at",
    "first_staff_by",
    "answered_at",
    "resolved_at",
    "merged_into",
)
ANSWER_COLUMNS: tuple[str, ...] = ("id", "question", "course", "author", "body", "at")
ANSWER_COLUMNS += ("staff", "endorsed", "endorsed_by")
TIMES = {"asked_at", "first_staff_at", "answered_at", "resolved_at", "at"}

DDL = """
CREATE TABLE IF NOT EXISTS tutoring_questions (
    id TEXT PRIMARY KEY, course TEXT NOT NULL, author TEXT NOT NULL, title TEXT NOT NULL,
    body TEXT NOT NULL, asked_at TEXT NOT NULL, activity TEXT NOT NULL DEFAULT '',
    notebook TEXT NOT NULL DEFAULT '', cell TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL DEFAULT '', public INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'asked', first_staff_at TEXT, first_staff_by TEXT NOT NULL
    DEFAULT '', answered_at TEXT, resolved_at TEXT, merged_into TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS tutoring_questions_course ON tutoring_questions (course, asked_at);
CREATE INDEX IF NOT EXISTS tutoring_questions_author ON tutoring_questions (author);
CREATE TABLE IF NOT EXISTS tutoring_answers (
    id TEXT PRIMARY KEY, question TEXT NOT NULL, course TEXT NOT NULL, author TEXT NOT NULL,
    body TEXT NOT NULL, at TEXT NOT NULL, staff INTEGER NOT NULL DEFAULT 0,
    endorsed INTEGER NOT NULL DEFAULT 0, endorsed_by TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS tutoring_answers_question ON tutoring_answers (question, at);
CREATE TABLE IF NOT EXISTS tutoring_follows (
    question TEXT NOT NULL, person TEXT NOT NULL, read_at TEXT NOT NULL,
    PRIMARY KEY (question, person));
CREATE INDEX IF NOT EXISTS tutoring_follows_person ON tutoring_follows (person);
CREATE TABLE IF NOT EXISTS tutoring_mail (
    question TEXT NOT NULL, person TEXT NOT NULL, PRIMARY KEY (question, person));
"""
#: the table made last: when it is there, so is everything else (stores made before it
#: was added get it, and whatever else is missing, at their next opening)
LAST_MADE = "tutoring_mail"
#: PostgreSQL only: the French full-text index of the suggestions
FTS = "search"
PG_DDL = """
ALTER TABLE tutoring_questions ADD COLUMN IF NOT EXISTS search tsvector
    GENERATED ALWAYS AS (to_tsvector('french', title || ' ' || body)) STORED;
CREATE INDEX IF NOT EXISTS tutoring_questions_search ON tutoring_questions USING gin (search);
"""
#: how many candidates rapidfuzz compares on SQLite (the newest of the course)
FUZZY_CANDIDATES = 5000
WORD = re.compile(r"\w{2,}")
DDL_LOCK = 0x54757472  # "Tutr": one creator of the tables at a time on PostgreSQL
