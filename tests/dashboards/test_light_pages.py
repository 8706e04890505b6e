"""What a page costs a visitor's link, on the real Voila server in chromium: the scripts
a page needs are named in it from the second visit on (and fetched at once), the
kernel's websocket is compressed, the extensions' hashed files are kept by the browser;
and, on a Tornado server of its own, static files go out with brotli once compressed."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import open_dashboard

pytestmark = pytest.mark.browser


def _scripts_asked(page) -> list[str]:
    """Voila's and its extensions' scripts the page asks for, in order, as paths+query."""
    asked: list[str] = []

    def note(request) -> None:
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        script = path.endswith(".js") or ".js?" in path
        if script and ("/voila/static/" in request.url or "/voila/labextensions/" in request.url):
            asked.append("/" + path)

    page.on("request", note)
    return asked


def test_the_page_names_the_scripts_it_will_need(voila_server, browser) -> None:
    url = voila_server.url("coordinator")
    first = browser.new_context()
    page = first.new_page()
    asked = _scripts_asked(page)
    open_dashboard(page, url, server=voila_server)
    page.wait_for_selector(".parcours-root .parcours-filter-cohort select", timeout=120_000)
    page.wait_for_load_state("networkidle")
    first.close()
    assert len(asked) > 20  # Voila's frontend: its chunks, the widgets' extension

    second = browser.new_context()  # another visitor: an empty cache
    page = second.new_page()
    cdp = second.new_cdp_session(page)
    cdp.send("Network.enable")
    handshakes: list[dict] = []
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: handshakes.append(e))
    answers: dict[str, dict[str, str]] = {}
    page.on("response", lambda r: answers.__setitem__(r.url, r.headers))
    asked_again = _scripts_asked(page)
    open_dashboard(page, url, server=voila_server)
    named = page.evaluate("() => JSON.parse(document.getElementById('parcours-assets').text)")
    # every script the first visit needed, once each (in the order the server answered)
    assert sorted(named) == sorted(set(asked))
    # asked for at once: before the page has connected to its kernel
    page.wait_for_selector(".parcours-root .parcours-filter-cohort select", timeout=120_000)
    assert set(named) <= set(asked_again)
    # the kernel's messages compressed (the widgets' states: 160 KB for 1,000 learners)
    assert handshakes, "no websocket to the kernel"
    extensions = {k.lower(): v for k, v in handshakes[0]["response"]["headers"].items()}.get(
        "sec-websocket-extensions", ""
    )
    assert "permessage-deflate" in extensions
    # an extension's file named by its hash is kept; Voila's own setting asks each visit
    hashed = [u for u in answers if "/voila/labextensions/" in u and "remoteEntry." in u]
    assert hashed
    assert all("immutable" in answers[u].get("cache-control", "") for u in hashed)
    second.close()


# --- brotli, on a Tornado server of its own -------------------------------------------


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A Tornado application serving ``tmp_path`` with Parcours' compression (brotli
    first, then Tornado's gzip), on a free loopback port, in a thread."""
    import tornado.web
    from parcours.dashboards.compression import install
    from parcours.servers import free_port

    port = free_port()
    started = threading.Event()
    holder: dict[str, object] = {}

    def serve() -> None:
        async def main() -> None:
            app = tornado.web.Application(
                [(r"/static/(.*)", tornado.web.StaticFileHandler, {"path": str(tmp_path)})],
                compress_response=True,
            )
            install(app)
            server = app.listen(port, address="127.0.0.1")
            holder["stop"] = asyncio.Event()
            holder["loop"] = asyncio.get_running_loop()
            started.set()
            await holder["stop"].wait()  # type: ignore[attr-defined]
            server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30)
    yield port, tmp_path
    holder["loop"].call_soon_threadsafe(holder["stop"].set)  # type: ignore[attr-defined]
    thread.join(30)


def _get(port: int, path: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept-Encoding": accept})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_static_files_go_out_with_brotli_once_compressed(static_server) -> None:
    import brotli
    from parcours.dashboards.compression import BrotliStatic, drain

    port, folder = static_server
    script = ("var parcours = " + ", ".join(f'"ligne {n}"' for n in range(20_000)) + ";\n").encode()
    (folder / "big.js").write_bytes(script)
    BrotliStatic.cache.clear()

    status, headers, body = _get(port, "/static/big.js", "gzip, deflate, br")
    assert status == 200 and headers["content-encoding"] == "gzip"  # at once, as before
    assert gzip.decompress(body) == script
    drain()  # the worker thread has compressed it
    status, headers, body = _get(port, "/static/big.js", "gzip, deflate, br")
    assert status == 200 and headers["content-encoding"] == "br"
    assert brotli.decompress(body) == script
    assert len(body) < len(gzip.compress(script, 6))
    assert int(headers["content-length"]) == len(body)
    head = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    head.request("HEAD", "/static/big.js", headers={"Accept-Encoding": "br"})
    answer = head.getresponse()
    assert answer.status == 200 and answer.read() == b""  # no body, as HEAD asks
    head.close()
    # a browser without brotli still gets gzip; a new version of the file is compressed anew
    assert _get(port, "/static/big.js", "gzip")[1]["content-encoding"] == "gzip"
    (folder / "big.js").write_bytes(script + b"// v2\n")
    import os

    os.utime(folder / "big.js", (1_900_000_000, 1_900_000_000))
    status, headers, body = _get(port, "/static/big.js", "gzip, br")
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body).endswith(b"// v2\n")
    drain()
    status, headers, body = _get(port, "/static/big.js", "gzip, br")
    assert brotli.decompress(body) == script + b"// v2\n"
