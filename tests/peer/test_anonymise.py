"""What a reviewer receives: no trace of the author, nothing that runs.

The notebook is run on a real kernel from a folder named after the author (as a hub home
is), so that the paths and the traceback are the ones Python really prints."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import nbformat
import pytest
from nbclient import NotebookClient
from parcours.i18n import _
from parcours.peer.anonymise import Author, anonymise_notebook, review_page, scrub

AUTHOR = Author.of("amartin", "Hélène", "Martin-Durand", "helene.martin@example.org")
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"amartin" * 4).decode()


@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("home") / "amartin" / "devoir-1"
    home.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["authors"] = [{"name": "Hélène Martin-Durand"}]
    nb.metadata["widgets"] = {"state": {"x": "amartin"}}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Devoir de Helene Martin-Durand\n<script>alert('amartin')</script>\n"
            '<img src="x" onerror="alert(1)">'
        ),
        nbformat.v4.new_code_cell("import os\nprint(os.getcwd())\nprint('par amartin')"),
        nbformat.v4.new_code_cell(
            "from IPython.display import HTML, display, Javascript\n"
            "display(HTML('<b>ok</b><script>document.title=\"amartin\"</script>'))\n"
            "display(Javascript('alert(1)'))"
        ),
        nbformat.v4.new_code_cell(f"open('{home}/missing-helene.csv')"),
        nbformat.v4.new_markdown_cell(f"![graph](data:image/png;base64,{PNG})"),
    ]
    nb.cells[1].metadata["tags"] = ["amartin"]
    nb.cells[1].metadata["nbgrader"] = {"grade_id": "q5-diagnostic", "grade": True, "points": 2}
    NotebookClient(
        nb, timeout=60, allow_errors=True, resources={"metadata": {"path": str(home)}}
    ).execute()
    as_dict = nbformat.from_dict(nb)
    return {"nb": as_dict, "home": str(home)}


def _traces(text: str) -> list[str]:
    found = re.findall(r"amartin|h[ée]l[èe]ne|martin|durand|jovyan|/home/(?!learner)", text, re.I)
    return found


def test_the_run_really_printed_her_traces(submitted: dict) -> None:
    """The fixture is not blind: her folder and login are in the raw outputs."""
    raw = nbformat.writes(submitted["nb"])
    assert submitted["home"] in raw and "par amartin" in raw and "FileNotFoundError" in raw


def test_no_trace_of_her_in_the_page(submitted: dict) -> None:
    page = review_page(submitted["nb"], AUTHOR, "Copie A", "fr")
    visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert _traces(visible) == [], _traces(visible)
    # her work is still there: her output, the traceback's error, the grade id
    assert f"par {_('[author]')}" in page
    assert "FileNotFoundError" in page
    assert f"missing-{_('[author]')}.csv" in page
    # the image is intact (not scrubbed inside its base64)
    assert PNG in page


def test_nothing_runs_in_the_page(submitted: dict) -> None:
    page = review_page(submitted["nb"], AUTHOR, "Copie A")
    tags: list[tuple[str, list]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            tags.append((tag, attrs))

    Tags().feed(page)
    assert not [t for t, _a in tags if t in {"script", "iframe", "object", "embed", "svg"}]
    assert not [(t, a) for t, attrs in tags for a, _v in attrs if a.startswith("on")]
    assert not [v for _t, attrs in tags for _a, v in attrs if "javascript:" in (v or "")]
    assert "default-src 'none'" in page


def test_metadata_and_ids_go(submitted: dict) -> None:
    nb = anonymise_notebook(submitted["nb"], AUTHOR)
    assert set(nb.metadata) == {"language_info"}
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(len(nb.cells))]
    assert nb.cells[1].metadata == {
        "nbgrader": {"grade_id": "q5-diagnostic", "grade": True, "points": 2}
    }
    mimetypes = {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}
    assert mimetypes <= {"text/plain", "text/html"}, mimetypes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/home/amartin/x.py", "/home/learner/x.py"),
        ("/home/jovyan/work", "/home/learner/work"),
        ("C:\\Users\\Helene\\a.py", "C:\\Users\\learner\\a.py"),
        ("fait par Hélène MARTIN-DURAND", "fait par [author]"),
        ("amartin_notes.csv", "[author]_notes.csv"),
        ("samartine et martinet", "samartine et martinet"),
        ("helene.martin@example.org", "[author]"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text, AUTHOR) == expected.replace("[author]", _("[author]"))
