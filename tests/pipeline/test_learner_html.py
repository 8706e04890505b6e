"""Learner HTML never runs in staff views (issue #23): a submission whose Markdown answer
and HTML output hold ``<script>``, ``<img onerror>``, ``<svg onload>`` and ``javascript:``
links, opened in a real chromium in nbgrader's formgrader (served by ``parcours
formgrader``) and as the feedback page ``parcours feedback`` generates: nothing runs, the
dangerous elements and attributes are gone, the answer's text is shown, formgrader's own
scripts still work under its Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.pipeline.collect import collect
from parcours.pipeline.exchange import assignment_folder, fetch, submit
from parcours.pipeline.feedback import feedback
from parcours.pipeline.formgrader import FormgraderServer
from parcours.pipeline.gradebook import open_gradebook
from parcours.pipeline.release import release
from parcours.pipeline.staffview import inline_hashes, policy
from parcours.servers import free_port

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.pipeline.test_feedback import SOLUTION, _work

#: what each payload would set if it ran
PAYLOAD = (
    "<script>window.__pwned = 'script'; document.title = 'pwned';</script>\n"
    "<img src=\"x\" onerror=\"window.__pwned = 'img'; document.title = 'pwned'\">\n"
    '<svg onload="window.__pwned = \'svg\'"><circle r="4"></circle></svg>\n'
    '<a id="piege" href="javascript:window.__pwned=\'link\'">cliquez ici</a>\n'
)
ANSWER = (
    "Ma réponse : la somme divisée par le nombre.\n\n"
    f"{PAYLOAD}\n[lien piégé](javascript:window.__pwned='md')\n"
)
CODE = (
    f"{SOLUTION}\n\nfrom IPython.display import HTML, display\n"
    f"display(HTML({PAYLOAD!r} + '<b>Sortie HTML</b>'))\n"
)

#: in the page: elements and attributes that run script, inside the learner's part
DANGEROUS = """root => {
    const found = [];
    for (const el of root.querySelectorAll('*')) {
        if (['script', 'svg', 'iframe', 'object', 'embed'].includes(el.localName)) {
            found.push(el.localName);
        }
        for (const attr of el.attributes) {
            if (/^on/i.test(attr.name) || /^\\s*javascript:/i.test(attr.value)) {
                found.push(el.localName + '[' + attr.name + ']');
            }
        }
    }
    return found;
}"""


@pytest.fixture
def browser() -> Iterator[Any]:
    """A chromium for one test: Playwright's event loop lives and ends inside the test, so
    pytest-jupyter's per-test loop (this folder's conftest) is never Playwright's."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _hostile_submission(config: ParcoursConfig, course: Course, homes: Path) -> None:
    from parcours.pipeline.autograde import autograde

    release(config, course, "devoir-a")
    home = homes / "alice"
    fetch(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")
    _work(assignment_folder(course, "devoir-a", home), CODE, ANSWER)
    submit(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")
    collect(config, course, "devoir-a")
    autograde(config, course, "devoir-a", workers=1, progress=False)


def _assert_inert(page: Any, learner_part: str) -> None:
    """Nothing of the payload ran or remains runnable; the learner's text is shown."""
    assert page.evaluate("window.__pwned") is None
    assert page.title() != "pwned"
    root = page.locator(learner_part).first
    assert root.evaluate(DANGEROUS) == []
    shown = root.inner_text()
    assert "Ma réponse : la somme divisée par le nombre." in shown
    assert "Sortie HTML" in shown  # the HTML output is shown, sanitised
    page.get_by_text("cliquez ici").first.click()  # the link lost its javascript: URL
    page.wait_for_load_state("load")
    assert page.evaluate("window.__pwned") is None


def test_learner_html_is_inert_in_formgrader_and_feedback(
    config: ParcoursConfig, course: Course, homes: Path, tmp_path: Path, browser: Any
) -> None:
    _hostile_submission(config, course, homes)
    result = feedback(config, course, "devoir-a")
    assert "alice" in result.released, result.withheld
    (page_file,) = result.released["alice"]

    context = browser.new_context()
    violations: list[str] = []
    errors: list[str] = []
    tab = context.new_page()
    tab.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # the feedback page as a learner or teacher opens it (a file)
        tab.goto(page_file.as_uri(), wait_until="load")
        _assert_inert(tab, "#notebook-container")
        assert 'http-equiv="Content-Security-Policy"' in page_file.read_text(encoding="utf-8")

        with open_gradebook(config, course) as gb:
            submission = gb.find_submission_notebook("devoir-a", "devoir-a", "alice").id
        with FormgraderServer(
            config, course, free_port(config.ip), log_path=tmp_path / "fg.log"
        ) as server:
            violations.clear()
            tab.goto(server.url, wait_until="load")  # logs in with the token
            response = tab.goto(
                f"{server.base_url}/formgrader/submissions/{submission}/", wait_until="load"
            )
            assert response is not None and response.status == 200
            _assert_inert(tab, "#notebook-container")
            csp = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split(";")[1]
            # formgrader's own inline scripts ran (hashed), and its views fetched the
            # grades from its API and marked the answer to grade by hand
            assert tab.evaluate("typeof toggle_name") == "function"
            assert tab.evaluate("typeof submission_id") == "string"
            tab.wait_for_selector("input.score.needs_manual_grade", state="attached")
            # formgrader's other pages (inline scripts, onclick handlers) run under it too
            for path in ("/formgrader/gradebook/devoir-a/devoir-a", "/formgrader/manage_students"):
                answer = tab.goto(f"{server.base_url}{path}", wait_until="load")
                assert answer is not None and "script-src" in answer.headers.get(
                    "content-security-policy", ""
                )
                tab.wait_for_selector("table tbody tr td", state="attached")
            assert violations == [], violations
    finally:
        context.close()
    assert not [e for e in errors if "pwned" in e], errors


def test_policy_hashes_only_what_comes_before_the_learner_part() -> None:
    page = (
        "<head><script>var base = 1;</script><script src='/x.js'></script>"
        '<script type="application/json">{}</script></head>'
        '<span onclick="toggle_name(true);"></span>'
        '<div id="notebook-container"><script>window.__pwned = 1</script>'
        '<img src=x onerror="window.__pwned = 2"></div>'
    )
    scripts, handlers = inline_hashes(page.split('<div id="notebook-container">')[0])
    found = policy("/formgrader/submissions/abc/", page)
    assert len(scripts) == 1 and scripts[0] in found and len(handlers) == 1
    assert handlers[0] in found and "'unsafe-hashes'" in found
    learner_scripts, learner_handlers = inline_hashes(page.split("notebook-container")[1])
    for digest in learner_scripts + learner_handlers:
        assert digest not in found
    assert "'unsafe-inline'" not in found.split("script-src", 1)[1].split(";")[0]
    # a learner's file or export served by the server: no script at all, sandbox kept
    files = policy("/files/autograded/alice/devoir-a/x.html", page, "sandbox allow-scripts")
    assert "script-src 'none'" in files and "sandbox allow-scripts" in files
    # paths are read from the server's base URL on: a folder named "files" is not one
    assert "script-src 'self'" in policy("/lab/tree/files/x.ipynb", "<p></p>")
