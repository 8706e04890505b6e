"""Figures of a page's first view drawn ahead, on the server, as SVG pictures.

A preheated kernel builds the coordinator's default page before anyone asks for it
(:meth:`.pages.State.warm_up`); drawing its figures then too (kaleido: plotly.js in a
headless chromium) lets the browser show them with the rest of the HTML page, at once,
instead of after loading plotly.js: the visitor sees the whole dashboard, and the
filters come to life without waiting for plotly.js. ``static/parcours.js`` replaces each
picture by the live plotly figure (hover, zoom) when the browser is idle, or as soon as
the visitor points at it or focuses it.

The drawing runs in a child process (``python -m parcours.dashboards.prerender``,
figures as JSON on stdin, SVGs as JSON on stdout) under a time limit: a browser that
hangs is killed and never holds the kernel. Optional: without kaleido or a chromium, or
if drawing fails, the figures are drawn by plotly.js in the browser as on every other
page, and the reason is logged.

Pictures are kept in a cache folder (``<data_dir>/dashboards/figures``), named by the
hash of the figure they show: the next preheated kernel, with the same data, language and
filters, shows them without starting a browser.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .blocks import Static

log = logging.getLogger(__name__)

#: width of the pictures (CSS scales them down on narrower pages)
WIDTH = 1100
#: seconds the child may take to draw a page's figures (start of chromium included)
TIMEOUT_S = 60.0
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: pictures kept in the cache folder (the oldest go first)
CACHE_SIZE = 256


def find_browser() -> str | None:
    """The chromium kaleido would use: env ``BROWSER_PATH`` (kaleido's own setting) or
    the first of :data:`BROWSERS` on the ``PATH``; None if there is none to run."""
    path = os.environ.get("BROWSER_PATH") or next(
        (found for name in BROWSERS if (found := shutil.which(name))), None
    )
    return path if path and os.access(path, os.X_OK) else None


def draw_ahead(
    blocks: list[Any], timeout: float = TIMEOUT_S, cache: Path | None = None
) -> list[Any]:
    """``blocks`` with every figure of their :class:`.blocks.Static` blocks drawn as SVG
    (pictures already in ``cache`` taken from there, new ones kept there); the blocks
    unchanged (and the reason logged) when the pictures cannot be drawn."""
    wanted = [
        (i, index)
        for i, block in enumerate(blocks)
        if isinstance(block, Static)
        for index in block.figures
    ]
    if not wanted:
        return blocks
    figures = [blocks[i].figures[index] for i, index in wanted]
    keys = [_key(figure) for figure in figures]
    svgs = [_cached(cache, key) for key in keys]
    missing = [n for n, svg in enumerate(svgs) if svg is None]
    if missing:
        drawn = _draw([figures[n] for n in missing], timeout)
        if drawn is None:
            return blocks
        for n, picture in zip(missing, drawn, strict=True):
            svgs[n] = picture
            _keep(cache, keys[n], picture)
    images: dict[int, dict[int, str]] = {}
    for (i, index), svg in zip(wanted, svgs, strict=True):
        images.setdefault(i, {})[index] = svg or ""
    return [
        block.with_images(images[i]) if i in images else block for i, block in enumerate(blocks)
    ]


def _key(figure: Any) -> str:
    text = json.dumps(figure, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{WIDTH}:{text}".encode()).hexdigest()


def _cached(cache: Path | None, key: str) -> str | None:
    if cache is None:
        return None
    try:
        return (cache / f"{key}.svg").read_text(encoding="utf-8")
    except OSError:
        return None


def _keep(cache: Path | None, key: str, svg: str) -> None:
    """Write the picture into the cache (atomically), then trim it to
    :data:`CACHE_SIZE` pictures; a cache that cannot be written is only logged."""
    if cache is None:
        return
    try:
        cache.mkdir(parents=True, exist_ok=True)
        temporary = cache / f".{key}.{os.getpid()}.tmp"
        temporary.write_text(svg, encoding="utf-8")
        os.replace(temporary, cache / f"{key}.svg")
        pictures = sorted(cache.glob("*.svg"), key=lambda p: p.stat().st_mtime)
        for old in pictures[:-CACHE_SIZE]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("figure cache %s not written (%s)", cache, exc)


def _draw(figures: list[Any], timeout: float) -> list[str] | None:
    """The SVGs of ``figures``, drawn by the child process; None (reason logged) if it
    failed or did not answer within ``timeout`` seconds."""
    child = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = child.communicate(json.dumps(figures).encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        # the child and every process it started (the browser runs in a session of its
        # own, so a process group would miss it)
        import psutil

        procs = [psutil.Process(child.pid)]
        procs += procs[0].children(recursive=True)
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(procs, timeout=10)
        child.communicate()
        log.warning(
            "figures not drawn ahead (no answer in %.0f s); the browser draws them", timeout
        )
        return None
    if child.returncode != 0:
        reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        log.warning("figures not drawn ahead (%s); the browser draws them", reason[0])
        return None
    return list(json.loads(out))


def main() -> int:
    """Child process: figures (a JSON list) on stdin, their SVGs (a JSON list) on stdout."""
    figures = json.loads(sys.stdin.buffer.read())
    browser = find_browser()
    if browser is None:
        print("no chromium to draw with (set BROWSER_PATH, or install chromium)", file=sys.stderr)
        return 2
    try:
        import kaleido
    except ImportError:
        print("kaleido is not installed", file=sys.stderr)
        return 2
    os.environ["BROWSER_PATH"] = browser
    svgs = []
    kaleido.start_sync_server(silence_warnings=True)
    try:
        for fig in figures:
            height = int(fig["layout"].get("height", 360))
            svg = kaleido.calc_fig_sync(
                fig, opts={"format": "svg", "width": WIDTH, "height": height}
            )
            svgs.append(svg.decode("utf-8") if isinstance(svg, bytes) else svg)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    sys.stdout.write(json.dumps(svgs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
