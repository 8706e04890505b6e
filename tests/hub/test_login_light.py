"""The hub's login page without Bootstrap, jQuery, require.js or Font Awesome (issue #24: a
class logging in at once, each browser fetching, parsing and laying out 570 KB of style,
fonts and scripts it has no use for on this page; its own style is inline, login.css),
and still doing what JupyterHub's did: the form sends, the button is disabled and the
spinner shown once sent, the password can be shown, the theme switched, no script error;
readable by keyboard and screen reader in both themes (axe-core).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ..axe import axe_violations
from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .test_hub_pages import render  # noqa: F401 (the fixture: pages as the hub renders them)

UNUSED_ON_LOGIN = ("jquery", "bootstrap.bundle", "require.js", "style.min.css", "fontawesome")


def test_the_login_page_loads_no_script_it_does_not_use(render: Any) -> None:  # noqa: F811
    page = render("login.html")
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources, page
    assert not [s for s in sources if any(name in s for name in UNUSED_ON_LOGIN)], sources
    inline = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert not [s for s in inline if "$(" in s or "jQuery" in s], inline
    styles = re.findall(r'<link rel="stylesheet"[^>]*>', page)
    assert styles == [], styles  # its style is inline: no stylesheet to fetch
    assert "fa fa-" not in page  # no icon from Font Awesome's font


@pytest.fixture
def login_site(render: Any) -> Iterator[tuple[str, list[bytes]]]:  # noqa: F811
    """The login page and JupyterHub's static files, served as the hub serves them; the
    bodies of the forms sent to it."""
    from jupyterhub.app import JupyterHub

    static = Path(JupyterHub().data_files_path) / "static"
    page = render("login.html").encode()
    sent: list[bytes] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(static), **kwargs)

        def translate_path(self, path: str) -> str:
            return super().translate_path(path.removeprefix("/hub/static"))

        def do_GET(self) -> None:
            if self.path.startswith("/hub/static/"):
                super().do_GET()
                return
            self._answer(page if self.path.startswith("/hub/login") else b"")

        def do_POST(self) -> None:
            sent.append(self.rfile.read(int(self.headers["Content-Length"])))
            self._answer(b"<!DOCTYPE html><p id='sent'>sent</p>")

        def _answer(self, body: bytes) -> None:
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()


def test_the_light_login_page_works_in_a_browser(
    login_site: tuple[str, list[bytes]],
) -> None:
    from playwright.sync_api import sync_playwright

    url, sent = login_site
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            # script errors (the hub's logo is not served here: its 404 is no script's)
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and not m.text.startswith("Failed to load resource")
                    else None
                ),
            )
            fetched: list[tuple[str, str]] = []
            page.on("request", lambda r: fetched.append((r.resource_type, r.url)))
            page.goto(f"{url}/hub/login")
            page.wait_for_load_state("load")
            assert not [u for _k, u in fetched if any(n in u for n in UNUSED_ON_LOGIN)], fetched
            assert not [u for kind, u in fetched if kind in ("stylesheet", "font")], fetched
            assert page.locator(".auth-form-header").evaluate(
                "e => getComputedStyle(e).backgroundColor"
            ) not in ("", "rgba(0, 0, 0, 0)")  # styled: the inline style applies
            assert page.locator(".modal").first.is_hidden()  # page.html's error dialog
            assert axe_violations(page) == []

            page.fill("#password_input", "un mot de passe")
            page.click("#toggle_password_visibility")
            assert page.get_attribute("#password_input", "type") == "text"
            before = page.get_attribute("html", "data-bs-theme")
            page.click("#dark-theme-toggle")
            assert page.get_attribute("html", "data-bs-theme") not in (None, before)
            assert axe_violations(page) == []  # the other theme too

            page.fill("#username_input", "apprenant00001")
            # what the page shows once sent, noted by a listener after the page's own (the
            # next page, on the same site, reads it)
            page.evaluate(
                """() => document.querySelector("form").addEventListener("submit", () =>
                  sessionStorage.setItem("seen", JSON.stringify({
                    disabled: document.querySelector("#login_submit").disabled,
                    spinner: !document.querySelector(".feedback-widget")
                      .classList.contains("hidden")})))"""
            )
            page.click("#login_submit")
            page.wait_for_selector("#sent")
            assert sent and b"username=apprenant00001" in sent[0]
            assert b"password=un+mot+de+passe" in sent[0]
            seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))")
            assert seen == {"disabled": True, "spinner": True}
            assert errors == [], errors
        finally:
            browser.close()
