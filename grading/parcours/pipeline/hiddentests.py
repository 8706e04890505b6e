"""Hidden tests kept out of learners' feedback (nbgrader #1363): the lines of an
assignment's hidden tests, :class:`HideHiddenTests` (the preprocessor that removes them
from nbgrader's feedback pipeline and masks any line of them a submission printed), and
:func:`leaked`, the check of a written page for any of them, in any encoding a submission
might use (:mod:`.feedback` withholds a page that fails it)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Dict, Unicode

from ..i18n import N_, _

if TYPE_CHECKING:
    from nbformat import NotebookNode

#: what a hidden test's line becomes in a learner's feedback (in the course's language)
MASK = N_("[hidden test]")
#: what stands where hidden tests were, in a feedback page or a correction
HIDDEN = N_("# (hidden tests not published)")


def hidden_test_lines(source_folder: Path) -> set[str]:
    """Every line inside a hidden-test region of the source notebooks, stripped (lines
    shorter than 8 characters are too common to search for)."""
    import nbformat

    begin, end = ClearHiddenTests().begin_test_delimeter, ClearHiddenTests().end_test_delimeter
    lines: set[str] = set()
    for path in sorted(source_folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            inside = False
            for line in cell.source.splitlines():
                if begin in line:
                    inside = True
                elif end in line:
                    inside = False
                elif inside and len(line.strip()) >= 8:
                    lines.add(line.strip())
    return lines


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\([nrt\"'\\/])")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t"}


def _unescape(text: str) -> str:
    """JSON and Python string escapes decoded (\\n, \\", \\u00e9, \\x41)."""

    def one(match: re.Match[str]) -> str:
        hex4, hex2, simple = match.groups()
        if hex4 or hex2:
            return chr(int(hex4 or hex2, 16))
        return _SIMPLE.get(simple, simple)

    return _ESCAPE.sub(one, text)


def _encodings(view: str) -> list[str]:
    """The view as a learner's code could have encoded what it printed: rot13, reversed,
    and each run of base64 (standard or URL-safe, 16 characters or more) decoded."""
    import base64
    import codecs

    views = [codecs.decode(view, "rot13"), view[::-1]]
    for run in re.findall(r"[A-Za-z0-9+/_-]{16,}={0,2}", view):
        padded = run + "=" * (-len(run) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                views.append(decode(padded).decode("utf-8"))
            except ValueError:  # not base64, or not text: nothing to look at
                continue
    return views


def page_views(text: str) -> list[str]:
    """The forms in which a page can carry a line: its visible text (tags removed, HTML
    entities decoded, terminal colours removed), then the same with JSON/Python string
    escapes decoded and with entities decoded once more (double-escaped output), each
    repeated until nothing changes (a line escaped twice is found too); and each of those
    rot13-decoded, reversed and with its base64 runs decoded (:func:`_encodings`)."""
    first = html.unescape(re.sub(r"<[^>]+>", "", text))
    first = re.sub(r"\x1b\[[0-9;]*m", "", first)
    views, todo = [first], [first]
    while todo and len(views) < 8:
        view = todo.pop()
        for decoded in (_unescape(view), html.unescape(view)):
            if decoded not in views:
                views.append(decoded)
                todo.append(decoded)
    return views + [encoded for view in views for encoded in _encodings(view)]


def leaked(text: str, lines: set[str]) -> list[str]:
    """Hidden-test lines found in an HTML page, in any form the page can carry them:
    visible text, HTML-escaped (once or twice), JSON- or Python-escaped inside an output,
    or split across lines (compared without any white space)."""
    compact = [re.sub(r"\s+", "", view) for view in page_views(text)]
    return sorted(
        line for line in lines if any(re.sub(r"\s+", "", line) in view for view in compact)
    )


class HideHiddenTests(NbGraderPreprocessor):
    """nbgrader feedback preprocessor: no hidden test's source in what a learner reads,
    plus Parcours' notes (grading problem, lateness) at the top of the notebook."""

    hidden_lines = Dict(help="Hidden-test lines to mask: {line: true}.").tag(config=True)
    notes = Dict(help="learner id -> markdown shown at the top of their feedback.").tag(config=True)
    language = Unicode("fr", help="Language of the notes.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[Any, Any]:
        from nbformat.v4 import new_markdown_cell

        self._clear = ClearHiddenTests(parent=self)
        nb, resources = super().preprocess(nb, resources)
        learner = resources.get("nbgrader", {}).get("student", "")
        note = self.notes.get(learner)
        if note:
            nb.cells.insert(0, new_markdown_cell(note))
        return nb, resources

    def _mask(self, text: str) -> str:
        for line in self.hidden_lines:
            text = text.replace(line, _(MASK, self.language))
        return text

    def _mask_any(self, value: Any, text: bool = False) -> Any:
        """Mask hidden-test lines in an output value, keeping its shape: text outputs are
        a string or a list of lines (joined), JSON outputs (widgets...) any structure."""
        if isinstance(value, str):
            return self._mask(value)
        if text and isinstance(value, list):
            return self._mask(_joined(value))
        if isinstance(value, list):
            return [self._mask_any(v) for v in value]
        if isinstance(value, dict):
            return {k: self._mask_any(v) for k, v in value.items()}
        return value

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        had_hidden = self._clear.begin_test_delimeter in cell.source
        if had_hidden:
            self._clear._remove_hidden_test_region(cell)
            cell.source = cell.source.rstrip() + "\n" + _(HIDDEN, self.language)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = self._mask(f"{output.get('ename', '')}: {output.get('evalue', '')}")
                output["traceback"] = (
                    [message[:2000]]
                    if had_hidden
                    else [self._mask(line) for line in output.get("traceback", [])]
                )
                output["evalue"] = self._mask(str(output.get("evalue", "")))
            elif "text" in output:
                output["text"] = self._mask(_joined(output["text"]))
            for mime, value in output.get("data", {}).items():
                textual = mime.startswith("text/") or mime.endswith(("+xml", "javascript"))
                output["data"][mime] = self._mask_any(value, text=textual)
        return cell, resources


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
