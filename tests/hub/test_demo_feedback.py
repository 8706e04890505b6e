"""The demo's feedback reaches its learners on the hub as real feedback does: the Parcours
service finds a learner's feedback through nbgrader's record of their submissions, kept in
the service's cache (``hub.service.learner_cache``), where the demo's submissions are
recorded too. And ``parcours feedback`` run as root releases into the exchange that the
service owns on the hub. No hub needed: the service's own call, on the demo's data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's data for two learners (the real pipeline)."""
    from parcours.config import load_config
    from parcours.demo import build_demo

    config = load_config(data_dir=str(tmp_path_factory.mktemp("demo") / "data"))
    build_demo(config, 2, progress=None)
    return config


@pytest.mark.slow
def test_the_demos_feedback_is_found_as_the_service_finds_it(
    demo_data: Any, tmp_path: Path
) -> None:
    from parcours.course import find_course, load_course
    from parcours.demo import DEMO_COURSE
    from parcours.hub.service import learner_cache
    from parcours.pipeline.exchange import fetch_feedback
    from parcours.pipeline.records import SUBMISSIONS, read_record

    config = demo_data
    course = load_course(find_course(config.courses_dir, DEMO_COURSE))
    entries = read_record(config.course_root(DEMO_COURSE) / SUBMISSIONS)["entries"]
    handed_in = sorted(entries["devoir-1"])
    assert handed_in
    for learner in handed_in:  # what the service's feedback endpoint does for the learner
        pages = fetch_feedback(
            config,
            course,
            "devoir-1",
            learner=learner,
            into=tmp_path / learner,
            cache_dir=learner_cache(config, learner),
        )
        assert pages, learner
        assert all(page.suffix == ".html" and page.stat().st_size > 0 for page in pages)


@pytest.mark.slow
def test_root_releases_feedback_into_the_services_exchange(
    demo_data: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import pwd

    from parcours.cli import main
    from parcours.demo import DEMO_COURSE

    assert os.geteuid() == 0, "root's teacher command on the hub"
    config = demo_data
    other = pwd.getpwnam("nobody")  # on the hub: the service's account
    released = Path(config.exchange_dir) / DEMO_COURSE / "feedback"
    for folder, _dirs, files in os.walk(config.exchange_dir):
        for path in [folder, *(os.path.join(folder, f) for f in files)]:
            os.lchown(path, other.pw_uid, other.pw_gid)
    before = {p.name: p.stat().st_mtime_ns for p in released.glob("*.html")}
    status = main(["feedback", DEMO_COURSE, "devoir-1", "--data-dir", config.data_dir,
                   "--lang", "en"])  # fmt: skip
    err = capsys.readouterr().err
    assert status in (0, 3), err
    after = {p.name: p.stat().st_mtime_ns for p in released.glob("*.html")}
    assert set(before) <= set(after) and any(after[n] != before.get(n) for n in after)
