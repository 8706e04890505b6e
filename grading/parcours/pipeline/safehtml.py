"""Learner content rendered for staff without running it.

A learner's notebook is theirs to write: a Markdown answer may hold ``<script>``, a cell
may display ``HTML('<img src=x onerror=…>')``, and the ``.ipynb`` itself may be edited
by hand. nbgrader's formgrader and feedback pages render all of it with nbconvert, as
is, on the teacher's origin. This module is what nbconvert runs instead there:

- :func:`clean` — an allow-list sanitiser (nh3, i.e. ammonia): text formatting, lists,
  tables, headings, images and links survive; ``<script>``, ``<style>``, ``<iframe>``,
  ``<svg>``, ``<form>``, event handlers (``on…``), ``style`` and ``data-…`` attributes
  and ``javascript:`` URLs do not; ``data:`` URLs only as an image's ``src``; ids get the
  ``learner-`` prefix (no clobbering of the page's own names).
- :func:`markdown2html` and :func:`clean_html` — nbconvert's Jinja filters of the same
  names, sanitising: nbgrader's formgrade and feedback templates render Markdown cells
  through ``markdown2html`` without nbconvert's ``clean_html``, so the Markdown filter
  sanitises its own output; ``clean_html`` (used on HTML outputs and raw cells once
  ``HTMLExporter.sanitize_html`` is on) becomes :func:`clean` (nbconvert's own, bleach's
  short list, would print a pandas table or a heading as escaped tags).
- :class:`LearnerNotebook` — a preprocessor for what the templates print outside those
  filters: an image output's ``width``/``height`` (printed unquoted) kept only when they
  are numbers, nbgrader ``grade_id`` s reduced to the characters nbgrader allows.

:func:`.coursedir.use_safe_html` puts them in nbgrader's feedback configuration;
:mod:`.staffview` in the formgrader server.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import pass_context
from nbconvert.preprocessors import Preprocessor

#: what ``clean`` lets an element keep, beyond ammonia's per-tag defaults
GENERIC_ATTRIBUTES = {"class", "id", "title", "lang", "dir"}
URL_SCHEMES = {"http", "https", "mailto", "data"}
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
_URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "poster", "srcset"}
_GRADE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: ``data:`` URLs only as an image's source."""
    if attribute in _URL_ATTRIBUTES and value.strip().lower().startswith("data:"):
        if tag == "img" and attribute == "src" and _IMAGE_DATA.match(value.strip()):
            return value
        return None
    return value


def _keep_local_attribute(tag: str, attribute: str, value: str) -> str | None:
    """:func:`_keep_attribute`, and no image loaded from elsewhere: a remote image in
    text a learner wrote would tell its server who read it, and when."""
    if tag == "img" and attribute in ("src", "srcset") and not _IMAGE_DATA.match(value.strip()):
        return None
    return _keep_attribute(tag, attribute, value)


@cache
def _attributes() -> dict[str, set[str]]:
    import nh3

    return {**{k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}, "*": GENERIC_ATTRIBUTES}


def clean(html: str | bytes, *, remote_images: bool = True) -> str:
    """``html`` (a fragment) with everything that could run removed (see the module);
    without ``remote_images``, images only from ``data:`` URLs (text a person wrote for
    others to read: a remote image would report each reading to its server)."""
    import nh3

    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
    return nh3.clean(
        text,
        tags=set(nh3.ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=_attributes(),
        attribute_filter=_keep_attribute if remote_images else _keep_local_attribute,
        url_schemes=URL_SCHEMES,
        id_prefix="learner-",
    )


def clean_html(element: Any) -> str:
    """nbconvert's ``clean_html`` filter, with :func:`clean`'s allow-list."""
    return clean(element)


@pass_context
def markdown2html(context: Any, source: str) -> str:
    """nbconvert's ``markdown2html`` filter of ``HTMLExporter`` (cell attachments as
    ``data:`` images, math left to MathJax), its HTML sanitised with :func:`clean`."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    cell = context.get("cell", {}) or {}
    resources = context.get("resources", {}) or {}
    renderer = IPythonRenderer(
        escape=False,
        attachments=cell.get("attachments", {}),
        path=resources.get("metadata", {}).get("path", ""),
        exclude_anchor_links=True,
    )
    return clean(MarkdownWithMath(renderer=renderer).render(source))


#: the filters above, as nbconvert's ``TemplateExporter.filters`` setting names them
FILTERS = {
    "markdown2html": f"{__name__}.markdown2html",
    "clean_html": f"{__name__}.clean_html",
}


def _number(value: Any) -> Any:
    """A width or height kept only when it is a number (or a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,5}(\.\d{1,3})?", value.strip()):
        return value.strip()
    return None


class LearnerNotebook(Preprocessor):
    """What nbconvert's and nbgrader's templates print without escaping, made inert:
    image outputs' ``width``/``height`` metadata (printed unquoted) kept only as numbers,
    ``grade_id`` s (printed in ``id="…"``) reduced to nbgrader's characters."""

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        if isinstance(nbgrader, dict) and "grade_id" in nbgrader:
            nbgrader["grade_id"] = _GRADE_ID.sub("_", str(nbgrader["grade_id"]))
        for output in cell.get("outputs", []):
            metadata = output.get("metadata")
            if not isinstance(metadata, dict):
                continue
            for key, value in list(metadata.items()):
                if isinstance(value, dict):  # per mimetype: {"image/png": {"width": …}}
                    for name in ("width", "height"):
                        if name in value and _number(value[name]) is None:
                            del value[name]
                elif key in ("width", "height") and _number(value) is None:
                    del metadata[key]
        return cell, resources


#: the preprocessor above, as nbconvert's ``Exporter.preprocessors`` setting names it
PREPROCESSOR = f"{__name__}.LearnerNotebook"
