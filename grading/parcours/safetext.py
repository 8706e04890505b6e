"""Text someone else wrote, made safe to show on a terminal or in a one-line message.

Learners write cell names, exception messages, file and folder names; a teacher's
terminal would obey the control sequences they hold (``\\x1b]0;…\\x07`` sets the window
title, ``\\x1b[2K\\r`` erases the line: a forged "All submissions graded cleanly." over a
real problem). :func:`printable` writes every control character as its Python escape
(``\\x1b``, ``\\r``, ``\\x9b``...), so the text shows exactly what it holds; every
command that prints learner-derived text goes through it. :func:`excerpt` also bounds
the length, for text embedded in a message (``results.excerpt`` for grading problems).
"""

from __future__ import annotations

import re

#: C0 controls (tab and newline by choice), DEL, C1 controls, and the Unicode characters
#: that reorder or hide text on a terminal (bidirectional overrides and isolates, line and
#: paragraph separators, zero-width joiners: a name that reads as another)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile("[\t\n]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in "\t\n\r":
        return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep_lines: bool = True) -> str:
    """``text`` (made ``str``) with every control character escaped as Python writes it
    (``\\x1b``, ``\\r``, ``\\x7f``, ``\\x9b``, ``\\u202e``); ``\\n`` and ``\\t`` are kept
    when ``keep_lines``, escaped too otherwise (one-line messages)."""
    value = str(text)
    value = _CONTROL.sub(_escape, value)
    return value if keep_lines else _LINE_BREAKS.sub(_escape, value)


def excerpt(text: object, limit: int = 80) -> str:
    """At most ``limit`` characters of ``text``, on one line, control characters escaped
    (:func:`printable`); a cut is marked with ``…``."""
    value = printable(text, keep_lines=False)
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + "…"


__all__ = ["excerpt", "printable"]
