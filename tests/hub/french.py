"""What a person reads in French mode, checked the same way on every page and every
output of the hub tests: no server error, no traceback, no ISO timestamp, no time of day
without its zone on the same line, none of JupyterHub's English sentences."""

from __future__ import annotations

import re
from typing import Any

#: a machine's date: what a program reads, never a person
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:")
#: a time of day as French and English pages write it (16:40, 16 h 40)
TIME = re.compile(r"(?<![\d,.:])(?:[01]?\d|2[0-3])(?::| h )[0-5]\d(?![\d:])")
#: a zone named: "(heure de Paris, UTC+1)", "UTC−3", "fuseau horaire : America/Cayenne"
ZONE = re.compile(r"UTC|GMT|heure de |fuseau horaire|\b[A-Z][a-z]+/[A-Z][A-Za-z_]+")
#: JupyterHub's (and Jupyter's) English a French page must not show
ENGLISH = (
    "Sign in",
    "Username:",
    "Password:",
    "Logout",
    "Start My Server",
    "Stop My Server",
    "Not Found",
    "Forbidden",
    "Internal Server Error",
    "Jupyter has lots of moons",
    "Your server is starting up",
    "Server not running",
    "Successfully logged out",
    "Server ready at",
    "Spawn failed",
    "Enregistrement différé",  # French, but it says the answer was not recorded
)


def french_mode(text: str, where: str) -> None:
    """Fail, naming ``where`` and the offending line, when ``text`` shows a fault."""
    assert not re.search(r"\b500\b", text), (where, "500", text[:800])
    assert "Traceback" not in text, (where, text[:1500])
    found = ISO.search(text)
    assert not found, (where, "ISO timestamp", _line(text, found.start()))
    for line in text.splitlines():
        if TIME.search(line):
            assert ZONE.search(line), (where, "a time without its zone", line)
    for sentence in ENGLISH:
        assert sentence not in text, (where, sentence, text[:800])


def read_page(page: Any, where: str, selector: str = "body") -> str:
    """What a person reads of a Playwright ``page`` (or of ``selector`` in it), checked
    with :func:`french_mode`."""
    text = str(page.locator(selector).first.inner_text())
    french_mode(text, where)
    return text


def _line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : end if end >= 0 else None]
