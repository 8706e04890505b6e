"""What the hub's learner page (dashboards/served.py) costs a class logging in at once
beyond its own HTML (issue #24): no request for an icon the hub does not have (a
browser asks for /favicon.ico, which the proxy hands to the hub, which renders its 404
page), and Parcours' script at an address that changes with its content, which browsers
may keep for long."""

from __future__ import annotations

import hashlib
import re
from types import SimpleNamespace


def served_page() -> str:
    from parcours.dashboards.blocks import Static
    from parcours.dashboards.served import page_html

    page = SimpleNamespace(
        blocks=[Static.html("<p id='learner-name'>apprenant00001</p>")],
        lang="fr",
        title="<h1 lang='fr'>Ma progression</h1>",
    )
    return page_html(page, "/services/dashboards/voila/templates/parcours/static/", {})  # type: ignore[arg-type]


def test_the_page_names_its_icon_itself() -> None:
    head = served_page().split("</head>", 1)[0]
    icons = re.findall(r'<link rel="icon" href="([^"]*)"', head)
    assert icons == ["data:,"], head


def test_the_pages_script_address_changes_with_the_script() -> None:
    from parcours.dashboards.served import SCRIPT

    digest = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:12]
    sources = re.findall(r'<script src="([^"]+)"', served_page())
    assert sources == [
        f"/services/dashboards/voila/templates/parcours/static/parcours.js?v={digest}"
    ]
