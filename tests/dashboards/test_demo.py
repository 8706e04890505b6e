"""`parcours demo` end to end on a tiny class: the real pipeline fills the gradebook, the
event store and the feedback; the servers start and answer; the dashboards' numbers read
as of the simulated weeks."""

from __future__ import annotations

import urllib.request

import pandas as pd
import pytest
from parcours.cli import main
from parcours.config import load_config


@pytest.mark.slow
def test_demo_builds_and_serves(tmp_path, capsys) -> None:
    data = tmp_path / "demo"
    demo = ["demo", "--learners", "4", "--no-serve", "--data-dir", str(data), "--lang", "en"]
    assert main(demo) == 0
    out = capsys.readouterr().out
    assert "5/5 done" in out and "graded on real kernels" in out

    # refused without --reset: an earlier demo is never overwritten silently
    assert main(["demo", "--learners", "4", "--no-serve", "--data-dir", str(data)]) == 2
    assert "--reset" in capsys.readouterr().err

    from parcours.dashboards import teacher
    from parcours.dashboards.data import load_dashboard_data
    from parcours.demo import serve

    config = load_config(data_dir=str(data))
    frames = load_dashboard_data(config).frames
    assert len(frames.learners) == 4
    assert len(frames.submissions) >= 4 and len(frames.grades) > 0
    assert (frames.events["verb"] == "answered").any()
    last = frames.events["timestamp"].max()
    config.dashboard_now = (last + pd.Timedelta(hours=2)).isoformat()
    status = teacher.assignment_status(
        load_dashboard_data(config), "analyse-de-donnees", "devoir-1"
    )
    # submissions carry their simulated times: most are on time, none months late
    assert status.on_time + status.late >= 1 and status.on_time >= status.late

    servers = serve(config, last.to_pydatetime())
    try:
        with urllib.request.urlopen(
            servers.lab_url.replace("/lab?", "/api/status?"), timeout=10
        ) as response:
            assert response.status == 200
        with urllib.request.urlopen(servers.dashboards.base_url + "/", timeout=10) as response:
            assert response.status == 200
    finally:
        servers.stop()
    assert servers.lab.poll() is not None
