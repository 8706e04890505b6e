"""Feedback's leak check finds a hidden test's line in every form a feedback page can
carry it. A hostile submission printed the teacher's source notebooks into its outputs:
JSON-escaped, they passed a check that matched exact lines only."""

from __future__ import annotations

import base64
import codecs
import html
import json

import pytest
from parcours.pipeline.hiddentests import leaked

HIDDEN = 'assert abs(moyenne_ventes(df) - 202.3) < 0.05, "la moyenne n\'est pas bonne"'
OTHER = "assert list(df.columns) == ['jour', 'ventes']"


def page(body: str) -> str:
    return f"<html><body><div class='output'><pre>{body}</pre></div></body></html>"


@pytest.mark.parametrize(
    "carried",
    [
        html.escape(HIDDEN),  # printed as is
        html.escape(json.dumps({"source": HIDDEN})),  # a notebook's JSON printed
        html.escape(json.dumps(json.dumps(HIDDEN))),  # escaped twice
        html.escape(html.escape(HIDDEN)),  # HTML-escaped twice
        html.escape(HIDDEN[:30] + "\n   " + HIDDEN[30:]),  # split across lines
        html.escape(repr(HIDDEN.encode("utf-8"))),  # a Python bytes repr
        html.escape(json.dumps(HIDDEN, ensure_ascii=True).replace("'", "\\u0027")),
        html.escape(codecs.encode(HIDDEN, "rot13")),  # issue #23: the history, rot13
        html.escape(base64.b64encode(HIDDEN.encode()).decode()),
        html.escape(base64.urlsafe_b64encode(("x" + HIDDEN).encode()).decode()),
        html.escape(HIDDEN[::-1]),
        html.escape(codecs.encode(json.dumps({"In": ["", HIDDEN]}), "rot13")),
    ],
    ids=[
        "plain",
        "json",
        "json-twice",
        "html-twice",
        "split",
        "bytes-repr",
        "unicode-escapes",
        "rot13",
        "base64",
        "base64-urlsafe-shifted",
        "reversed",
        "rot13-of-json",
    ],
)
def test_a_hidden_line_is_found_in_any_form(carried: str) -> None:
    assert leaked(page(carried), {HIDDEN, OTHER}) == [HIDDEN]


def test_a_clean_page_passes() -> None:
    text = page(html.escape("moyenne_ventes(df) vaut 202.3\nTests réussis : 3 sur 4"))
    assert leaked(text, {HIDDEN, OTHER}) == []
