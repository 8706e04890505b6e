"""axe-core (npm, ``extensions/node_modules/axe-core``, installed by ``.ci/setup``'s
``npm ci``) run in a Playwright page: the accessibility violations a person using a screen
reader or a keyboard would meet. Shared by every browser test that checks a page
(dashboards, lessons, the JupyterLab panel)::

    from tests.axe import axe_violations
    assert axe_violations(page) == []
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[1] / "extensions/node_modules/axe-core/axe.min.js"
#: the impacts a test refuses
BLOCKING = ("critical", "serious")

_RUN = """async (context) => {
  const result = await axe.run(context || document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 200)),
  }));
}"""


def axe_violations(
    page: Any, impacts: tuple[str, ...] = BLOCKING, context: str | None = None
) -> list[dict[str, Any]]:
    """The violations of ``impacts`` axe-core finds in the page as it is now (in
    ``context``, a CSS selector, when given): id, impact, help and the nodes."""
    assert AXE.is_file(), f"{AXE} is missing: run 'npm ci' in extensions/ (.ci/setup does)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(_RUN, context)
    return [v for v in found if v["impact"] in impacts]
