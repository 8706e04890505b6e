"""The scripts a page needs, learned from the requests it made (dashboards/assets.py)."""

from __future__ import annotations

import json

from parcours.dashboards.assets import PLACEHOLDER, PageAssets, hashed_name

PAGE = "http://127.0.0.1:8866/voila/render/coordinator.ipynb?lang=fr"


def test_scripts_are_learned_in_order_and_kept(tmp_path) -> None:
    file = tmp_path / "assets.json"
    assets = PageAssets("/", file)
    assets.record(PAGE, "/voila/static/voila.js", 200)
    assets.record(PAGE, "/voila/labextensions/w/static/84.09c61a35dce1705f.js?v=09c6", 304)
    assets.record(PAGE, "/voila/static/voila.js", 200)  # once
    assets.record(PAGE, "/voila/templates/parcours/static/parcours.js", 200)  # the template's
    assets.record(PAGE, "/voila/static/theme.css", 200)  # not a script
    assets.record("http://127.0.0.1:8866/voila/tree", "/voila/static/other.js", 200)  # no page
    hashed = "/voila/labextensions/w/static/84.09c61a35dce1705f.js?v=09c6"
    expected = ["/voila/static/voila.js", hashed]
    assert assets.pages == {"coordinator.ipynb": expected}
    # a restarted server knows them
    assert PageAssets("/", file).pages == {"coordinator.ipynb": expected}
    # a script no longer there (Voila upgraded) is forgotten
    assets.record(PAGE, "/voila/static/voila.js", 404)
    assert PageAssets("/", file).pages["coordinator.ipynb"] == expected[1:]


def test_the_page_names_them_in_place_of_the_placeholder() -> None:
    assets = PageAssets("/services/dashboards/")
    prefixed = "http://hub/services/dashboards/voila/render/teacher.ipynb"
    assets.record(prefixed, "/services/dashboards/voila/static/a.js", 200)
    assets.record(prefixed, "/voila/static/b.js", 200)  # outside the server's base URL
    named = assets.announce("teacher.ipynb")
    assert named.startswith('<script type="application/json" id="parcours-assets">')
    assert json.loads(named.split(">", 1)[1].rsplit("<", 1)[0]) == [
        "/services/dashboards/voila/static/a.js"
    ]
    assert assets.announce("coordinator.ipynb") == PLACEHOLDER  # nothing learned yet
    assets.record(prefixed, "/services/dashboards/voila/static/</script>.js", 200)
    assert "</script>.js" not in assets.announce("teacher.ipynb")  # cannot end the element


def test_unreadable_record_is_learned_anew(tmp_path) -> None:
    file = tmp_path / "assets.json"
    file.write_text("{not json", encoding="utf-8")
    assets = PageAssets("/", file)
    assert assets.pages == {}
    assets.record(PAGE, "/voila/static/voila.js", 200)
    assert json.loads(file.read_text(encoding="utf-8")) == {
        "coordinator.ipynb": ["/voila/static/voila.js"]
    }


def test_hashed_names() -> None:
    assert hashed_name("/voila/labextensions/x/static/remoteEntry.c8c9eed2cdefdeac.js")
    assert hashed_name("/voila/labextensions/x/static/883.369fbd92285483263252.js")
    assert not hashed_name("/voila/labextensions/x/static/extension.js")
    assert not hashed_name("/voila/labextensions/x/package.json")
