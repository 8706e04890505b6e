"""An assignment's instructions name the stub its cells actually hold (issue #24): the
demo's said "replace `# YOUR CODE HERE`" while its released cells say "# VOTRE CODE ICI"
(the project's ``ClearSolutions.code_stub`` in ``jupyter_config.py``)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "courses" / "analyse-de-donnees"
#: nbgrader's own stubs, which this project replaces
NBGRADER_DEFAULTS = ("YOUR CODE HERE", "YOUR ANSWER HERE")


def configured_stubs() -> dict[str, Any]:
    """``ClearSolutions.code_stub`` and ``text_stub`` as the project's jupyter_config.py
    sets them (read, not run: the file configures the whole project)."""
    tree = ast.parse((REPO / "jupyter_config.py").read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = ast.unparse(node.targets[0])
            if target.startswith("c.ClearSolutions."):
                found[target.removeprefix("c.ClearSolutions.")] = ast.literal_eval(node.value)
    return found


@pytest.mark.parametrize(
    "notebook", sorted(COURSE.glob("source/*/*.ipynb")), ids=lambda p: p.parent.name
)
def test_instructions_name_the_stub_the_cells_hold(notebook: Path) -> None:
    from nbgrader.preprocessors import ClearSolutions

    stubs = configured_stubs()
    code_stub, text_stub = stubs["code_stub"]["python"], stubs["text_stub"]
    first_line = code_stub.splitlines()[0]  # "# VOTRE CODE ICI"
    source = nbformat.read(notebook, as_version=4)
    released, _ = ClearSolutions(code_stub=stubs["code_stub"], text_stub=text_stub).preprocess(
        source, {}
    )
    cells = [c.source for c in released.cells]
    assert any(first_line in c for c in cells if "raise NotImplementedError()" in c)
    instructions = "\n".join(
        c.source
        for c in nbformat.read(notebook, as_version=4).cells
        if c.cell_type == "markdown" and "BEGIN SOLUTION" not in c.source
    )
    for default in NBGRADER_DEFAULTS:
        assert default not in instructions, f"{notebook.name} names nbgrader's {default!r}"
    assert f"`{first_line}`" in instructions
    if any(c.strip() == text_stub for c in cells):  # written answers: their stub named too
        assert text_stub in instructions
