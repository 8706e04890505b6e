"""The configuration as the hub's services read it: each service runs as its own ordinary
account (docs/deployment.md), whose search path may name folders of other accounts."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.accounts import as_nobody


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder under /tmp that the account ``nobody`` may enter."""
    base = Path(tempfile.mkdtemp(prefix="parcours-accounts-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base)


def closed_folder(path: Path, config_line: str) -> Path:
    """A folder only root may enter, holding a ``jupyter_config.py``."""
    path.mkdir()
    (path / "jupyter_config.py").write_text(config_line + "\n", encoding="utf-8")
    os.chmod(path, 0o700)
    return path


def test_another_accounts_folder_on_the_path_is_passed_over(shared_tmp: Path) -> None:
    other = closed_folder(shared_tmp / "root-jupyter", "raise RuntimeError('not yours')")
    project = shared_tmp / "project"
    project.mkdir()
    (project / "jupyter_config.py").write_text("c.ParcoursConfig.language = 'en'\n")
    os.chmod(project, 0o755)
    code = (
        "from parcours.project import load_traitlets_config\n"
        f"merged = load_traitlets_config({str(project)!r})\n"
        "print(merged.ParcoursConfig.language)\n"
    )
    run = as_nobody(code, shared_tmp, JUPYTER_CONFIG_PATH=str(other))
    assert run.returncode == 0, run.stderr
    # the project's own file was read, the closed one passed over (it would raise)
    assert run.stdout.strip() == "en", run.stdout


def test_a_project_the_account_cannot_read_is_named(shared_tmp: Path) -> None:
    project = closed_folder(shared_tmp / "project", "c.ParcoursConfig.language = 'fr'")
    code = (
        "from parcours.project import load_traitlets_config\n"
        f"load_traitlets_config({str(project)!r})\n"
    )
    run = as_nobody(code, shared_tmp)
    assert run.returncode != 0
    assert f"{project / 'jupyter_config.py'} : le compte de ce processus ne peut pas lire" in (
        run.stderr
    )
    assert "docs/deployment.md" in run.stderr
