"""The foundation a newcomer relies on: packaging, the one configuration file, a fast CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

HEAVY = ["nbformat", "nbclient", "nbgrader", "pandas", "pydantic", "jupyter_core", "sqlalchemy"]


def parcours(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parcours.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_help_lists_commands_by_role_without_heavy_imports() -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from parcours.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    status = main(['--help'])\n"
        # jupyter_core: --help reads jupyter_config.py for its language (config folders)
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules and m != 'jupyter_core']\n"
        "print(status, heavy, out.getvalue().count('\\n'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    status, rest = result.stdout.split(" ", 1)
    assert status == "0"
    assert rest.startswith("[]"), f"--help imported heavy modules: {rest}"
    text = parcours("--help", "--lang", "en").stdout
    for role in ("teacher commands:", "learner commands:", "coordinator commands:"):
        assert role in text
    for command in (
        "check",
        "release",
        "autograde",
        "feedback",
        "review",
        "report",
        "dashboard",
        "demo",
    ):
        assert f"\n  {command} " in text


def test_every_command_answers_help() -> None:
    from parcours.cli import COMMANDS, build_parser

    missing = []
    for command in COMMANDS:
        try:
            build_parser(command).format_help()
        except ModuleNotFoundError as exc:
            missing.append(f"{command}: {exc}")
    assert not missing, "commands without a module: " + "; ".join(missing)


def test_unknown_command_exits_2_with_the_known_ones() -> None:
    result = parcours("grade-everything", "--lang", "en")
    assert result.returncode == 2
    assert "unknown command 'grade-everything'" in result.stderr
    assert "autograde" in result.stderr
    # without --lang, in the configured language (the project's: French)
    assert "commande inconnue « grade-everything »" in parcours("grade-everything").stderr


def test_user_config_overrides_the_project_file(isolated_jupyter: Path) -> None:
    user = Path(os.environ["JUPYTER_CONFIG_DIR"]) / "jupyter_config.py"
    user.write_text("c.ParcoursConfig.language = 'en'\nc.ParcoursConfig.cell_timeout = 5\n")
    shown = json.loads(parcours("config", "--json").stdout)
    assert shown["files"][0] == str(user)
    assert shown["files"][1].endswith("/jupyter_config.py") and shown["files"][1] != str(user)
    settings = shown["settings"]
    assert settings["language"] == "en" and settings["cell_timeout"] == 5
    # the rest still comes from the project's file
    assert settings["memory_limit_mb"] == 1024
    assert settings["data_dir"] == os.environ["PARCOURS_DATA_DIR"]


def test_broken_user_config_is_reported_not_raised(isolated_jupyter: Path) -> None:
    user = Path(os.environ["JUPYTER_CONFIG_DIR"]) / "jupyter_config.py"
    user.write_text("c.ParcoursConfig.language = \n")
    result = parcours("config")
    assert result.returncode == 2
    assert str(user) in result.stderr and "impossible de charger" in result.stderr
    assert "Traceback" not in result.stderr


def test_jupyter_apps_started_by_parcours_read_the_project_config(isolated_jupyter: Path) -> None:
    from parcours.project import activate_project

    saved = dict(os.environ)
    try:
        root = activate_project()
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    probe = (
        "from jupyter_core.application import JupyterApp\n"
        "app = JupyterApp()\n"
        "app.initialize([])\n"
        "from nbgrader.exchange import ExchangeFactory\n"
        "print(ExchangeFactory(config=app.config).List(config=app.config).root)\n"
        "print(app.config.VoilaConfiguration.extension_denylist)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    exchange, denylist = result.stdout.strip().splitlines()
    assert exchange == os.path.join(os.environ["PARCOURS_DATA_DIR"], "exchange")
    assert "nbgrader" in denylist
    assert env["PARCOURS_ROOT"] == str(root)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with Parcours' wheel (built from this checkout) installed, alone."""
    repo = Path(__file__).resolve().parents[1]
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(repo)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheel = next(dist.glob("parcours-*.whl"))
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return env_dir


@pytest.mark.slow
def test_built_wheel_installs_uniquely_named_packages(wheel_venv: Path, tmp_path: Path) -> None:
    env_dir = wheel_venv
    python = env_dir / "bin" / "python"
    probe = (
        "import importlib.util, parcours, parcours_lab, sys\n"
        "print(parcours.__file__); print(parcours_lab.__file__)\n"
        "print(importlib.util.find_spec('grading'), importlib.util.find_spec('extensions'))\n"
    )
    out = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    grading_file, lab_file, generic = out.stdout.strip().splitlines()
    assert "site-packages/parcours" in grading_file
    assert "site-packages/parcours_lab" in lab_file
    assert generic == "None None"
    assert (env_dir / "share" / "parcours" / "jupyter_config.py").is_file()
    assert (env_dir / "etc" / "jupyter" / "jupyter_server_config.d" / "parcours_lab.json").is_file()
    assert (env_dir / "share" / "parcours" / "notebooks" / "coordinator.ipynb").is_file()


@pytest.mark.slow
def test_built_wheel_serves_the_dashboards(wheel_venv: Path, tmp_path: Path, repo: Path) -> None:
    """`parcours dashboard` from the wheel's venv, in a project folder of courses only
    (no notebooks/): the installed notebooks and Voila template serve the coordinator."""
    import shutil
    import sysconfig
    import urllib.request

    from parcours.servers import free_port

    # the wheel's dependencies: this venv's, as if installed with it (no package index here)
    purelib = subprocess.run(
        [str(wheel_venv / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "parcours-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    project = tmp_path / "project"
    shutil.copytree(repo / "courses", project / "courses")
    shutil.copy(repo / "jupyter_config.py", project / "jupyter_config.py")
    env = {**os.environ, "PARCOURS_ROOT": str(project),
           "PARCOURS_DATA_DIR": str(tmp_path / "data"),
           # the dependencies' Jupyter data (Voila's base templates), as if in this prefix
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
           "PATH": str(wheel_venv / "bin") + os.pathsep + os.environ["PATH"]}  # fmt: skip
    env.pop("JUPYTER_CONFIG_PATH", None)
    port = free_port("127.0.0.1")
    server = subprocess.Popen(
        [str(wheel_venv / "bin" / "parcours"), "dashboard", "--no-browser", "--port", str(port)],
        env=env, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        said = []
        for line in server.stdout:  # the URLs are printed once Voila answers
            said.append(line)
            if "coordinator" in line and "http" in line:
                break
        url = said[-1].split()[-1] if said else ""
        assert url.startswith(f"http://127.0.0.1:{port}/"), "".join(said)
        with urllib.request.urlopen(url, timeout=120) as answer:
            assert answer.status == 200
            page = answer.read().decode("utf-8")
        assert "Coordination" in page
        log = (tmp_path / "data" / "dashboards" / "voila.log").read_text(encoding="utf-8")
        assert "Error at server while executing cell" not in log, log[-3000:]
        assert "TemplateNotFound" not in log
    finally:
        server.terminate()
        server.wait(timeout=60)
