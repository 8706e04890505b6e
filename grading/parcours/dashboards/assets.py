"""The scripts a dashboard page needs, learned from the visits the server has answered,
and announced to the next visitors so that their browsers fetch them all at once.

Voila's frontend fetches its scripts in stages: its own bundle asks for some sixty
chunks once the page is parsed, then for the widgets' extension, then for more chunks
once the kernel has connected, then for the output widget's code once the widgets'
states have come. On a slow link (1.5 Mbit/s, 300 ms) each stage waits for the one
before: 5.6 s of the coordinator page's 13 s went to those waits, not to the bytes.

The server sees each script request and the page that made it (its ``Referer``): the
scripts of ``voila/static/`` and ``voila/labextensions/`` a page has needed are kept in
order (in memory and, when a file is given, in ``<data_dir>/dashboards/assets.json``,
so a restarted server keeps them), and the page names them (:meth:`PageAssets.announce`,
written by the page handler in place of the template's :data:`PLACEHOLDER`).
``static/parcours.js`` asks for them all once the page is parsed (its first view is
then painted): each stage finds its scripts there or on their way. Announced earlier
(a ``Link`` header), they took the slow link from the page's own style and scripts and
its first content came at 9.4 s instead of 1.6 s. Parcours' own template scripts are
left out (the template preloads what it needs: plotly.js only where no pictures were
drawn ahead). A script that is no longer found (Voila upgraded) is forgotten.

Voila's labextension files are served "no-cache" (one request to the server per file
and visit, 0.3 to 0.5 s of every visit with the scripts cached); those whose name
carries their content's hash never change and are served as immutable
(:func:`hashed_name`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

#: where the scripts a page needs are served from (under the server's base URL)
LEARNED_PREFIXES = ("voila/static/", "voila/labextensions/")
#: the part of a page's address after which its notebook is named
RENDER = "/voila/render/"
#: written by Parcours' Voila template where the page's scripts are to be named
PLACEHOLDER = '<script type="application/json" id="parcours-assets">[]</script>'
#: at most this many scripts per page are announced
MAX_PER_PAGE = 200
_HASHED = re.compile(r"\.[0-9a-f]{16,}\.js$")


def hashed_name(path: str) -> bool:
    """Whether a file's name carries its content's hash (``remoteEntry.c8c9eed2cdefdeac.js``,
    ``84.09c61a35dce1705f.js``): such a file never changes under that name."""
    return bool(_HASHED.search(path))


def page_of(referer: str) -> str:
    """The notebook of the dashboard page at ``referer`` (``coordinator.ipynb``), or ""."""
    path = urlsplit(referer).path
    return path.split(RENDER, 1)[1] if RENDER in path else ""


class PageAssets:
    """The scripts each page has needed, in the order first asked for."""

    def __init__(self, base_url: str = "/", file: str | os.PathLike[str] | None = None):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.file = Path(file) if file else None
        self.pages: dict[str, list[str]] = {}
        if self.file is not None:
            try:
                stored = json.loads(self.file.read_text(encoding="utf-8"))
                self.pages = {
                    str(page): [str(uri) for uri in uris][:MAX_PER_PAGE]
                    for page, uris in stored.items()
                    if isinstance(uris, list)
                }
            except FileNotFoundError:
                pass
            except (OSError, ValueError, AttributeError) as error:
                log.warning("%s: unreadable, learning the pages' scripts anew (%s)", file, error)

    def learned(self, uri: str) -> bool:
        """Whether the request ``uri`` (path and query) is one of the scripts learned."""
        path = urlsplit(uri).path
        if not path.startswith(self.base_url) or not path.endswith(".js"):
            return False
        return path[len(self.base_url) :].startswith(LEARNED_PREFIXES)

    def record(self, referer: str, uri: str, status: int) -> None:
        """Note that the page at ``referer`` asked for ``uri`` and got ``status``."""
        page = page_of(referer)
        if not page or not self.learned(uri):
            return
        known = self.pages.setdefault(page, [])
        if status in (200, 304):
            if uri in known or len(known) >= MAX_PER_PAGE:
                return
            known.append(uri)
        elif status == 404 and uri in known:
            known.remove(uri)
        else:
            return
        self._save()

    def announce(self, page: str) -> str:
        """:data:`PLACEHOLDER` naming the scripts ``page`` needs (a JSON list)."""
        listed = json.dumps(self.pages.get(page, [])).replace("</", "<\\/")
        return PLACEHOLDER.replace(">[]<", f">{listed}<")

    def _save(self) -> None:
        if self.file is None:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.file.parent, prefix=".assets-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.pages, out, indent=1)
            os.replace(name, self.file)
        except OSError as error:  # a read-only data folder: the list lives in memory
            log.warning("%s: the pages' scripts are not kept (%s)", self.file, error)
            self.file = None
