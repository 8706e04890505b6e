"""The formgrader's pages never run learner content (a Jupyter server extension).

Loaded by the formgrader's server only (``parcours formgrader``, the hub's services
``formgrader-<course>``: :data:`SERVER_ARGUMENT`), after nbgrader's formgrader extension
(extensions load in name order). It

- replaces the formgrader's nbconvert exporter by one that sanitises learners' Markdown,
  HTML and outputs (:mod:`.safehtml`): the submission view shows them, inert;
- gives every response a ``Content-Security-Policy`` (:func:`policy`): scripts from the
  server itself, and the inline scripts of the page's own template, by their SHA-256
  hash, never any other inline script, event-handler attribute or ``javascript:`` URL.
  In a submission (``/formgrader/submissions/…``) only the scripts *before* the notebook
  (nbgrader's header and navigation) are hashed: whatever the learner's part of the page
  holds cannot run even if it got past the sanitiser. nbgrader's own ``onclick``
  handlers there are allowed by hash (``'unsafe-hashes'``). Files and exports served by
  the server (``/files/``, ``/nbconvert/``, ``/view/``) run no script at all. MathJax
  (formgrader renders math with it) is allowed from its CDN folder only; ``'unsafe-eval'``
  stays because formgrader's Backbone/underscore views and MathJax's configuration need
  it: it lets the server's own scripts evaluate strings, it never runs markup.

It also gives the formgrader Parcours' view of releases (:mod:`.formgraderapi`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from typing import Any

#: the command-line switch that loads this extension next to the others
SERVER_ARGUMENT = f"--ServerApp.jpserver_extensions={__name__}=True"
#: where nbgrader's formgrade template loads MathJax 2 from (nbconvert's mathjax macro)
MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"
#: where a submission's learner content starts (nbgrader's formgrade template)
LEARNER_PART = 'id="notebook-container"'
#: pages that are a learner's file or an export of it: no script at all
NO_SCRIPT_PATHS = ("/files/", "/nbconvert/", "/view/")
#: directives kept from the handler's own policy (Jupyter's and JupyterHub's)
KEPT = ("frame-ancestors", "sandbox", "report-uri")

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*("([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_RUNNABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def trusted_part(path: str, page: str) -> str:
    """The part of ``page`` (served at ``path``, relative to the server's base URL)
    written by the server's templates: all of it, except for a submission (up to the
    learner's notebook) and a learner's file or export (nothing)."""
    if path.startswith(NO_SCRIPT_PATHS):
        return ""
    if path.startswith("/formgrader/submissions/"):
        cut = page.find(LEARNER_PART)
        return page[:cut] if cut >= 0 else ""
    return page


def inline_hashes(part: str) -> tuple[list[str], list[str]]:
    """The hashes of the runnable inline scripts and of the event-handler attributes in
    ``part`` (scripts with a ``src`` and data blocks such as JSON are not hashed)."""
    scripts = []
    for attributes, body in _SCRIPT.findall(part):
        kind = _TYPE.search(attributes)
        if "src=" in attributes.lower() or (kind and kind.group(1).lower() not in _RUNNABLE_TYPES):
            continue
        scripts.append(_hash(body))
    handlers = [
        _hash(html.unescape(m.group(2) or m.group(3) or "")) for m in _HANDLER.finditer(part)
    ]
    return sorted(set(scripts)), sorted(set(handlers))


def policy(path: str, page: str | None, previous: str = "") -> str:
    """The Content-Security-Policy for a response at ``path`` (relative to the server's
    base URL, with its leading ``/``): ``page`` its HTML when
    known (else no inline script is allowed), ``previous`` the policy the handler set
    (its ``frame-ancestors``, ``sandbox`` and ``report-uri`` are kept)."""
    part = trusted_part(path, page or "")
    if path.startswith(NO_SCRIPT_PATHS):
        scripts = "'none'"
    else:
        hashes, handlers = inline_hashes(part)
        extra = ["'unsafe-hashes'", *handlers] if handlers else []
        scripts = " ".join(["'self'", "'unsafe-eval'", MATHJAX, *hashes, *extra])
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        f"style-src 'self' 'unsafe-inline' {MATHJAX}",
        f"font-src 'self' data: {MATHJAX}",
        "img-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    for directive in previous.split(";"):
        if directive.strip().split(" ", 1)[0].lower() in KEPT:
            directives.append(directive.strip())
    if not any(d.startswith("frame-ancestors") for d in directives):
        directives.append("frame-ancestors 'self'")
    return "; ".join(directives)


def safe_exporter(config: Any) -> Any:
    """An ``HTMLExporter`` with ``config`` (the formgrader's: its formgrade template),
    sanitising learner content (:mod:`.safehtml`)."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    from .safehtml import FILTERS, PREPROCESSOR

    merged = Config()
    merged.merge(config)
    merged.HTMLExporter.sanitize_html = True
    merged.HTMLExporter.filters = dict(FILTERS)
    merged.HTMLExporter.preprocessors = [PREPROCESSOR]
    exporter = HTMLExporter(config=merged)
    exporter.parcours_safe = True  # type: ignore[attr-defined]
    return exporter


def make_safe(settings: dict[str, Any]) -> None:
    """Swap the formgrader's exporter (``nbgrader_exporter``) for :func:`safe_exporter`,
    once; a server without the formgrader gets a safe one for when it comes."""
    current = settings.get("nbgrader_exporter")
    if current is not None and getattr(current, "parcours_safe", False):
        return
    config = current.config if current is not None else settings.get("initial_config", {})
    settings["nbgrader_exporter"] = safe_exporter(config or {})


class StaffPolicy:
    """A tornado output transform: sets :func:`policy` on every response, the page's
    HTML hashed when it is written in one piece (formgrader's pages are)."""

    def __init__(self, request: Any, settings: dict[str, Any]) -> None:
        base = str(settings.get("base_url") or "/")
        path = str(request.path)
        self.path = "/" + (path[len(base) :] if path.startswith(base) else path).lstrip("/")
        make_safe(settings)  # before the handler renders: nbgrader may have replaced it

    def transform_first_chunk(
        self, status_code: int, headers: Any, chunk: bytes, finishing: bool
    ) -> tuple[int, Any, bytes]:
        kind = headers.get("Content-Type", "")
        page = None
        if finishing and kind.startswith("text/html"):
            page = chunk.decode("utf-8", "replace")
        previous = headers.get("Content-Security-Policy", "")
        headers["Content-Security-Policy"] = policy(self.path, page, previous)
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return chunk


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    settings = web_app.settings
    make_safe(settings)
    from .formgraderapi import use_parcours_api

    use_parcours_api()  # releases as Parcours made them, no release/collect buttons
    # first: the page is read before any compression (tornado applies them in order)
    web_app.transforms.insert(0, lambda request: StaffPolicy(request, settings))
    serverapp.log.info("Parcours: learner content sanitised, Content-Security-Policy set")
