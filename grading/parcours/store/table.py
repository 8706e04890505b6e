"""The ``events`` table, described once: both stores' DDL (SQLite, PostgreSQL) is made here.

One column per field of :class:`~.events.Event` (:data:`~.events.COLUMNS`, same order), the
same indexes, and a change counter: ``events_changes`` holds one row whose ``changes`` grows
whenever a stored event is updated or deleted (a trigger on each backend). Nothing in
Parcours updates or deletes an event (writes are ``INSERT``, ignoring known ids), so the
counter stays 0 unless someone edits the table by hand; caches built from the table (the
analytics' columnar snapshot) keep the counter they saw and are rebuilt when it moves.
Standard library only (the learner's kernel imports the store package).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .events import COLUMNS

Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class Column:
    """One column: its name, kind (``text``, ``integer``, ``real``), and constraints."""

    name: str
    kind: Literal["text", "integer", "real"]
    null: bool = False
    default: str | None = None
    primary_key: bool = False


#: the events table (column order = :data:`~.events.COLUMNS`)
EVENTS: tuple[Column, ...] = (
    Column("id", "text", primary_key=True),
    Column("schema_version", "integer"),
    Column("timestamp", "text"),
    Column("actor", "text"),
    Column("verb", "text"),
    Column("course", "text"),
    Column("object_type", "text"),
    Column("object_id", "text"),
    Column("lesson", "text", default="''"),
    Column("score", "real", null=True),
    Column("success", "integer", null=True),
    Column("response", "text", null=True),
    Column("duration_s", "real", null=True),
    Column("attempt", "integer", null=True),
    Column("extra", "text", default="'{}'"),
    Column("self_reported", "integer", default="1"),
)
assert tuple(c.name for c in EVENTS) == COLUMNS, "store/table.py and Event disagree"

#: index name -> columns
INDEXES: dict[str, tuple[str, ...]] = {
    "events_course_actor": ("course", "actor"),
    "events_verb": ("verb",),
    "events_timestamp": ("timestamp",),
}

_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"text": "TEXT", "integer": "INTEGER", "real": "REAL"},
    "postgresql": {"text": "TEXT", "integer": "BIGINT", "real": "DOUBLE PRECISION"},
}

# The change counter's triggers: SQLite has row triggers only; PostgreSQL counts statements
# (TRUNCATE too) through one PL/pgSQL function.
_SQLITE_TRIGGERS = "".join(
    f"CREATE TRIGGER IF NOT EXISTS events_{what}d AFTER {what.upper()} ON events BEGIN "
    "UPDATE events_changes SET changes = changes + 1 WHERE one = 1; END;\n"
    for what in ("update", "delete")
)
_POSTGRESQL_TRIGGERS = """
CREATE OR REPLACE FUNCTION events_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events_changes SET changes = changes + 1 WHERE one = 1;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER events_changed AFTER UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_count_change();
"""


def ddl(dialect: Dialect) -> str:
    """The statements that create the events table, its indexes and its change counter
    (each ``IF NOT EXISTS``: safe to run on every connection)."""
    types = _TYPES[dialect]
    columns = []
    for c in EVENTS:
        parts = [c.name, types[c.kind]]
        if c.primary_key:
            parts.append("PRIMARY KEY")
        else:
            parts.append("NULL" if c.null else "NOT NULL")
        if c.default is not None:
            parts.append(f"DEFAULT {c.default}")
        columns.append("    " + " ".join(parts))
    statements = ["CREATE TABLE IF NOT EXISTS events (\n" + ",\n".join(columns) + "\n);"]
    statements += [
        f"CREATE INDEX IF NOT EXISTS {name} ON events ({', '.join(cols)});"
        for name, cols in INDEXES.items()
    ]
    counter = types["integer"]
    statements.append(
        f"CREATE TABLE IF NOT EXISTS events_changes (one {counter} PRIMARY KEY CHECK (one = 1), "
        f"changes {counter} NOT NULL);"
    )
    conflict = "OR IGNORE " if dialect == "sqlite" else ""
    suffix = "" if dialect == "sqlite" else " ON CONFLICT DO NOTHING"
    statements.append(f"INSERT {conflict}INTO events_changes VALUES (1, 0){suffix};")
    statements.append(_SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRESQL_TRIGGERS)
    return "\n".join(statements) + "\n"


#: what :func:`ddl` makes on SQLite (tables, indexes, triggers), by name
OBJECTS: tuple[str, ...] = (
    "events",
    *INDEXES,
    "events_changes",
    "events_updated",
    "events_deleted",
)
#: reads the change counter (its one row is made by :func:`ddl`)
CHANGES = "SELECT changes FROM events_changes WHERE one = 1"


def erasure(dialect: Dialect) -> tuple[str, str]:
    """The GDPR statements (placeholders of ``dialect``): ``forget`` gives every event of
    one actor another actor and drops their free answers (``response``, ``extra``);
    ``remove_before`` deletes the events older than a timestamp."""
    p = "?" if dialect == "sqlite" else "%s"
    return (
        f"UPDATE events SET actor = {p}, response = NULL, extra = '{{}}' WHERE actor = {p}",
        f"DELETE FROM events WHERE timestamp < {p}",
    )
