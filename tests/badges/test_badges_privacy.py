"""GDPR and badges (docs/badges.md, docs/compliance): a learner's export holds her
credentials as issued; her erasure removes them — her account and name gone from the
badges' database, its free pages and its WAL — while a classmate's stay valid."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from parcours.badges.registry import award, issued, verify
from parcours.compliance.privacy import erase_learner, export_learner
from parcours.config import ParcoursConfig
from parcours.course.load import load_course

from tests.badges.conftest import complete_lesson


def test_her_badges_exported_then_erased(project: Path, config: ParcoursConfig) -> None:
    course = load_course(project / "courses" / "mini-cours")
    for learner in ("zoe", "bob"):
        complete_lesson(config, learner, "l01")
    made = award(config, course)
    assert sorted(i.learner for i in made) == ["bob", "zoe"]
    [hers] = [i for i in made if i.learner == "zoe"]

    archive = export_learner(config, "zoe", project / "exports")
    with zipfile.ZipFile(archive) as zf:
        exported = json.loads(zf.read("badges.json"))
    assert [(c["id"], c["badge"], c["token"]) for c in exported] == [
        (hers.id, "premiere-lecon", hers.token)
    ]

    done = erase_learner(config, "zoe")
    database = Path(config.data_dir) / "badges.sqlite"
    assert str(database) in done.rewritten and not done.problems, done.problems
    assert [i.learner for i in issued(config)] == ["bob"]
    assert verify(config, hers.id) is None  # her page: never issued here
    [his] = [i for i in made if i.learner == "bob"]
    assert verify(config, his.id).status == "valid"  # type: ignore[union-attr]
    for path in database.parent.glob("badges.sqlite*"):
        data = path.read_bytes()
        assert b"zoe" not in data and "Zoé".encode() not in data, path
