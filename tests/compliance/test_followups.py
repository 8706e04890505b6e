"""Follow-ups from the command line: recorded, listed, closed, and in the evidence pack."""

from __future__ import annotations

import json

from parcours.cli import main
from parcours.compliance.evidence import collect

from tests.compliance.conftest import World


def test_record_list_close(world: World, capsys) -> None:
    when = "2026-09-15T10:00:00+02:00"
    assert main(["followup", "c1", "add", "bob", "--how", "phone", "--by", "tuteur",
                 "--when", when, "--outcome", "injoignable"]) == 0  # fmt: skip
    ident = capsys.readouterr().out.strip()
    assert main(["followup", "c1", "list", "--status", "open"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["learner"], listed["how"]) == (ident, "bob", "phone")
    assert listed["contacted_at"] == "2026-09-15T10:00:00+02:00"
    assert main(["followup", "c1", "done", ident, "--outcome", "rappelé le 16, reprend"]) == 0
    assert main(["followup", "c1", "list", "bob", "--status", "open"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    (shown,) = collect(world.config, world.course, "bob")["followups"]
    assert (shown["status"], shown["outcome"]) == ("done", "rappelé le 16, reprend")
    assert collect(world.config, world.course, "alice")["followups"] == []
    # refusals: a way of contacting nobody knows, a learner not in the roster
    assert main(["followup", "c1", "add", "bob", "--how", "pigeon", "--by", "t"]) == 2
    assert main(["followup", "c1", "add", "zoe", "--by", "t"]) == 2
