"""Documents as data, written out as HTML (with Jinja2) and as PDF (with Typst).

Every compliance document (course sheet, evidence pack, certificate) is first built as a
:class:`Document`: a title and a list of blocks (headings, paragraphs, label/value
fields, lists, tables, a signature block). :func:`to_pdf` hands it as JSON to one Typst
template (``templates/document.typ``), so a learner's name or a course title is data,
never markup; :func:`to_html` renders the same blocks as an accessible HTML page
(``templates/document.html.j2``, text escaped by Jinja2).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParcoursError
from ..i18n import _

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Document:
    """A document to typeset: title, optional subtitle, header and footer, blocks."""

    title: str
    lang: str
    subtitle: str = ""
    header: str = ""
    footer: str = ""
    author: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def heading(self, text: str) -> Document:
        """Add a section heading."""
        self.blocks.append({"kind": "heading", "text": text})
        return self

    def para(self, text: str) -> Document:
        """Add a paragraph (skipped when empty)."""
        if text.strip():
            self.blocks.append({"kind": "para", "text": text.strip()})
        return self

    def fields(self, rows: list[tuple[str, str]]) -> Document:
        """Add label/value pairs (pairs with an empty value are left out)."""
        kept = [[label, str(value)] for label, value in rows if str(value).strip()]
        if kept:
            self.blocks.append({"kind": "fields", "rows": kept})
        return self

    def items(self, items: list[str]) -> Document:
        """Add a bulleted list (skipped when empty)."""
        if items:
            self.blocks.append({"kind": "list", "items": [str(i) for i in items]})
        return self

    def table(self, header: list[str], rows: list[list[Any]]) -> Document:
        """Add a table; every cell is shown as text ('' for None)."""
        cells = [["" if c is None else str(c) for c in row] for row in rows]
        self.blocks.append({"kind": "table", "header": header, "rows": cells})
        return self

    def signature(self, place: str, name: str, label: str) -> Document:
        """Add a signature block: place and date, signatory, label of the signature line."""
        self.blocks.append({"kind": "signature", "place": place, "name": name, "label": label})
        return self


def to_pdf(document: Document) -> bytes:
    """The document as PDF bytes, typeset by Typst (fonts embedded in the library)."""
    import typst

    source = (TEMPLATES / "document.typ").read_bytes()
    try:
        return bytes(
            typst.compile(source, sys_inputs={"data": json.dumps(asdict(document))}, format="pdf")
        )
    except Exception as exc:  # typst raises its own errors (TypstError, RuntimeError...)
        raise ParcoursError(
            _(
                "the PDF '{title}' could not be typeset: {error}. This is a bug in "
                "Parcours' template (compliance/templates/document.typ); please report it."
            ).format(title=document.title, error=exc)
        ) from exc


def to_html(document: Document) -> str:
    """The document as one self-contained HTML page (text escaped by Jinja2)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("document.html.j2").render(d=asdict(document))
