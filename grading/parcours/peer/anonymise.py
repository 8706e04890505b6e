"""What a reviewer reads: a submitted notebook as inert HTML, every trace of its author
removed.

A notebook carries its author in many places: the notebook's metadata (an ``authors``
list, a kernel named after her, widget state), cells' metadata and ids, paths printed by
her code or in a traceback (``/home/ana.martin/…``, ``jovyan``, her submission folder
named after her login), her name typed in a Markdown cell or an output. This module:

1. keeps only what a reviewer needs (:func:`anonymise_notebook`): the cells' sources and
   outputs, the language, the nbgrader grade ids the rubric points to; cell ids
   renumbered; outputs reduced to text, HTML, Markdown, LaTeX and raster images (no
   JavaScript, no widget, no SVG);
2. replaces her login, names, e-mail address and any home folder in every text
   (:func:`scrub`; accents ignored, ``data:`` images left intact);
3. renders the result with nbconvert's ``basic`` template through the project's
   sanitiser (:mod:`parcours.pipeline.safehtml`), scrubs the HTML once more, and wraps it
   in a page whose Content-Security-Policy allows no script at all (:func:`review_page`).

Raster images are kept as they are: their pixels are not read (a screenshot showing her
name would show it).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..i18n import _

#: what the page allows: no script, no request anywhere; inline style and data: images
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
#: output data kept (by mimetype), the rest is dropped
KEPT_MIMETYPES = (
    "text/plain",
    "text/html",
    "text/markdown",
    "text/latex",
    "image/png",
    "image/jpeg",
    "image/gif",
)
#: nbgrader's cell metadata kept (the rubric names grade ids)
KEPT_NBGRADER = ("grade_id", "grade", "solution", "task", "points", "locked", "schema_version")
#: home folders, wherever they show (Linux, macOS, Windows)
_HOMES = re.compile(r"(/home/|/Users/|[A-Za-z]:\\\\?Users\\\\?)[^/\\\s'\"<>]+")
_DATA_URI = r"data:image/[A-Za-z+.-]+;base64,[A-Za-z0-9+/=]+"


def _plain(text: str) -> str:
    """``text`` without accents (Hélène -> Helene)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Author:
    """Who must not be recognisable: her login and the names she is known by."""

    login: str
    names: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, login: str, first: str = "", last: str = "", email: str = "") -> Author:
        """From a roster entry: login, first and last names, full name, e-mail."""
        full = f"{first} {last}".strip()
        return cls(
            login, tuple(n for n in (email, full, f"{last} {first}".strip(), first, last) if n)
        )

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Every form of her identity, longest first, as whole words (a letter or a digit
        on either side makes it another word; ``_``, ``.``, ``-`` do not)."""
        forms = {"jovyan", self.login}
        for name in self.names:
            forms.add(name)
            for part in re.split(r"[\s@.,_-]+", name):
                if len(part) >= 2:
                    forms.add(part)
        forms |= {_plain(f) for f in forms}
        alternatives = "|".join(
            re.escape(f) for f in sorted((f for f in forms if f.strip()), key=len, reverse=True)
        )
        return re.compile(rf"({_DATA_URI})|(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def scrub(text: str, author: Author) -> str:
    """``text`` with her home folder, login, names and e-mail replaced (``data:`` URIs
    untouched: an image is not text)."""
    if not text:
        return text
    text = _HOMES.sub(lambda m: m.group(1) + "learner", text)
    placeholder = _("[author]")
    return author.pattern.sub(lambda m: m.group(1) or placeholder, text)


def _scrub_any(value: Any, author: Author) -> Any:
    if isinstance(value, str):
        return scrub(value, author)
    if isinstance(value, list):
        return [_scrub_any(v, author) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_any(v, author) for k, v in value.items()}
    return value


def _output(output: dict[str, Any], author: Author) -> dict[str, Any] | None:
    kind = output.get("output_type")
    if kind == "stream":
        return {
            "output_type": "stream",
            "name": "stderr" if output.get("name") == "stderr" else "stdout",
            "text": scrub(_joined(output.get("text", "")), author),
        }
    if kind == "error":
        return {
            "output_type": "error",
            "ename": scrub(str(output.get("ename", "")), author),
            "evalue": scrub(str(output.get("evalue", "")), author),
            "traceback": [scrub(str(line), author) for line in output.get("traceback", [])],
        }
    if kind not in ("display_data", "execute_result"):
        return None
    data = {}
    for mimetype in KEPT_MIMETYPES:
        if mimetype in output.get("data", {}):
            value = _joined(output["data"][mimetype])
            data[mimetype] = value if mimetype.startswith("image/") else scrub(value, author)
    if not data:
        return None
    metadata = {}
    for mimetype, meta in (output.get("metadata") or {}).items():
        if mimetype in data and isinstance(meta, dict):
            metadata[mimetype] = {k: meta[k] for k in ("width", "height") if k in meta}
    kept: dict[str, Any] = {"output_type": kind, "data": data, "metadata": metadata}
    if kind == "execute_result":
        count = output.get("execution_count")
        kept["execution_count"] = count if isinstance(count, int) else None
    return kept


def _joined(value: Any) -> str:
    return "".join(str(v) for v in value) if isinstance(value, list) else str(value)


def anonymise_notebook(nb: dict[str, Any], author: Author) -> Any:
    """A new notebook (nbformat node) holding only what a reviewer needs of ``nb``, with
    no trace of ``author`` (see the module)."""
    import nbformat

    language = (nb.get("metadata", {}).get("language_info") or {}).get("name") or "python"
    out = nbformat.v4.new_notebook()
    out.metadata = {
        "language_info": {"name": str(language) if str(language).isidentifier() else "python"}
    }
    for index, cell in enumerate(nb.get("cells", [])):
        kind = cell.get("cell_type")
        source = scrub(_joined(cell.get("source", "")), author)
        if kind == "code":
            new = nbformat.v4.new_code_cell(source)
            outputs = [_output(o, author) for o in cell.get("outputs", []) if isinstance(o, dict)]
            new.outputs = [nbformat.from_dict(o) for o in outputs if o is not None]
            count = cell.get("execution_count")
            new.execution_count = count if isinstance(count, int) else None
        elif kind == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
            attachments = cell.get("attachments")
            if isinstance(attachments, dict):
                new.attachments = {scrub(k, author): v for k, v in attachments.items()}
        else:
            new = nbformat.v4.new_raw_cell(source)
        new.id = f"cell-{index}"
        nbgrader = (cell.get("metadata") or {}).get("nbgrader")
        if isinstance(nbgrader, dict):
            new.metadata = {
                "nbgrader": {
                    k: _scrub_any(nbgrader[k], author) for k in KEPT_NBGRADER if k in nbgrader
                }
            }
        out.cells.append(new)
    return out


def render_fragment(nb: Any, author: Author) -> str:
    """The anonymised notebook ``nb`` as sanitised HTML (a fragment), scrubbed again."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    from ..pipeline.safehtml import FILTERS, PREPROCESSOR, clean

    config = Config()
    config.HTMLExporter.template_name = "basic"
    config.HTMLExporter.sanitize_html = True
    config.HTMLExporter.filters = dict(FILTERS)
    config.HTMLExporter.preprocessors = [PREPROCESSOR]
    body, _resources = HTMLExporter(config=config).from_notebook_node(nb)
    return scrub(clean(body), author)


def review_page(nb: dict[str, Any], author: Author, title: str, lang: str = "fr") -> str:
    """The page a reviewer reads: ``nb`` anonymised, rendered inert, under ``title`` (a
    submission's anonymous label), with a Content-Security-Policy that runs nothing."""
    fragment = render_fragment(anonymise_notebook(nb, author), author)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{fragment}</main></body></html>\n"
    )


_STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}"
    "pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}"
    ".input_prompt,.output_prompt{color:#555;font-size:.8rem}"
    ".output_error pre,.output_stderr pre{background:#fdecea}"
)
