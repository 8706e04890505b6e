"""`parcours dashboard`: the Voila command it runs, its errors, and a real start/stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from parcours.cli import main
from parcours.config import load_config
from parcours.dashboards.server import voila_command
from parcours.servers import free_port


def test_voila_command_and_config(repo: Path) -> None:
    config = load_config(repo)
    command = voila_command(config, 8999, pool_size=2)
    # Voila itself, started behind the kernel-wait guard (parcours.kernelwait)
    assert command[:3] == [sys.executable, "-m", "parcours.dashboards.voila_app"]
    assert str(repo / "notebooks") in command
    assert "--Voila.ip=127.0.0.1" in command and "--no-browser" in command
    assert "--preheat_kernel=True" in command and "--pool_size=2" in command
    written = json.loads((Path(config.data_dir) / "dashboards" / "voila.json").read_text())
    assert "@jupyter/nbgrader" in written["VoilaConfiguration"]["extension_denylist"]
    assert "--preheat_kernel=True" not in voila_command(config, 8999, pool_size=0)


def test_bad_port_is_a_clear_error(capsys) -> None:
    assert main(["dashboard", "--port", "70000", "--no-browser", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "--port 70000: not a TCP port" in err and "Traceback" not in err
    assert main(["dashboard", "--port", "70000", "--no-browser", "--lang", "fr"]) == 2
    assert "--port 70000 : ce n'est pas un port TCP" in capsys.readouterr().err


def test_dashboard_serves_and_stops_on_ctrl_c(repo: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parcours.cli",
            "dashboard",
            "--no-browser",
            "--port",
            str(port),
            "--pool-size",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=repo,
        env=os.environ.copy(),
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "learner" in line and "/voila/render/learner.ipynb" in line:
                break
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/voila/render/coordinator.ipynb" in text, text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
            # the dashboards' first page (dashboards/index.py), not Voila's file list
            first_page = response.read().decode()
            assert "Tableaux de bord de Parcours" in first_page
            assert 'href="/voila/render/coordinator.ipynb"' in first_page
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:  # stop it the way a user would, so Voila stops too
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _cli(repo: Path, data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """``parcours dashboard ARGS`` as a user starts it, its data in ``data_dir``."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parcours.cli",
            "dashboard",
            "--no-browser",
            "--lang",
            "en",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=repo,
        env={**os.environ, "PARCOURS_DATA_DIR": str(data_dir), **env},
    )


def test_taken_port_is_refused_before_starting_anything(repo: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as other:  # another program's server on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        process = _cli(repo, tmp_path, "--port", str(port))
        out, err = process.communicate(timeout=60)
    assert process.returncode == 2, (out, err)
    assert f"port {port} on 127.0.0.1 is already in use (pid {os.getpid()}" in err
    assert "nothing was started" in err and "choose a free port: --port " in err
    assert "/voila/render/" not in out and "Traceback" not in err
    assert not (tmp_path / "dashboards" / "voila.log").exists()  # Voila never started


def test_sigterm_stops_voila_and_its_kernels(repo: Path, tmp_path: Path) -> None:
    import psutil
    from parcours.dashboards.server import READY_ENV, ReadyWatcher

    ready = ReadyWatcher(tmp_path / "ready")
    port = free_port()
    process = _cli(
        repo,
        tmp_path,
        "--port",
        str(port),
        "--pool-size",
        "1",
        **{READY_ENV: str(tmp_path / "ready")},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        log = tmp_path / "dashboards" / "voila.log"
        assert f"Voila's log: {log}" in lines[-1], lines
        ready.wait("teacher", 1, timeout=120, log=log)  # its preheated kernel is up
        started = psutil.Process(process.pid).children(recursive=True)
        kernels = [p for p in started if "ipykernel_launcher" in " ".join(p.cmdline())]
        assert kernels and any("voila_app" in " ".join(p.cmdline()) for p in started)

        process.send_signal(signal.SIGTERM)  # kill PID
        assert process.wait(60) == 0
        _gone, alive = psutil.wait_procs(started, timeout=30)
        assert not alive, [" ".join(p.cmdline()) for p in alive]
        assert log.stat().st_size > 0  # Voila's log was kept
    finally:
        ready.close()
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_debug_shows_tracebacks(repo: Path) -> None:
    config = load_config(repo)
    assert "--show_tracebacks=False" in voila_command(config, 8999)
    command = voila_command(config, 8999, debug=True)
    assert "--show_tracebacks=True" in command and "--debug" in command


def test_demo_refuses_a_taken_port_before_starting_anything(
    repo: Path, tmp_path: Path, monkeypatch
) -> None:
    import datetime as dt
    import socket

    import pytest
    from parcours.demo import serve
    from parcours.servers import PortInUseError

    for name in ("PARCOURS_ROOT", "JUPYTER_CONFIG_PATH"):  # restored after the test
        monkeypatch.setenv(name, os.environ.get(name, ""))
    config = load_config(repo, data_dir=str(tmp_path))
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"le port {port} sur 127.0.0.1 est déjà utilisé"):
            serve(config, dt.datetime.now(dt.UTC), lab_port=port)
    assert not (tmp_path / "jupyterlab.log").exists()  # JupyterLab never started
