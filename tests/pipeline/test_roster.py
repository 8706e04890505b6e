"""`parcours roster`: the roster is changed only with valid rows (every problem named
with its line and the fix, nothing written otherwise), and every change is kept in an
append-only history next to it; read_roster is what the hub integration syncs from."""

from __future__ import annotations

from pathlib import Path

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import BadInputError
from parcours.pipeline.roster import (
    Learner,
    add_learner,
    history_path,
    import_roster,
    read_roster,
    remove_learner,
    roster_history,
    roster_path,
)


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "classe.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_replaces_the_roster_and_keeps_history(
    config: ParcoursConfig, course: Course, tmp_path: Path
) -> None:
    file = _csv(
        tmp_path,
        "id,first_name,last_name,email,groups\n"
        "alice,Alice,Martin,alice@example.org,groupe-a\n"
        "dora,Dora,Blanc,dora@example.org,groupe-b;remediation\n"
        "bob,Bob,Durand,,groupe-a\n",
    )
    change = import_roster(config, course, file)
    assert change.added == ["dora"] and change.removed == ["chloe"]
    assert change.changed == ["bob"]  # moved from groupe-b to groupe-a
    assert [x.id for x in read_roster(config, course)] == ["alice", "dora", "bob"]
    history = roster_history(config, course)
    assert history[0]["action"] == "import" and history[0]["file"] == str(file)
    bob = next(h for h in history if h.get("learner") == "bob")
    assert bob["before"]["groups"] == ["groupe-b"] and bob["after"]["groups"] == ["groupe-a"]
    before = history_path(config, course).read_text(encoding="utf-8")
    remove_learner(config, course, "dora")
    add_learner(config, course, Learner("eve", "Ève", "Roux", "eve@example.org", ("groupe-a",)))
    after = history_path(config, course).read_text(encoding="utf-8")
    assert after.startswith(before)  # appended, never rewritten
    assert [h["action"] for h in roster_history(config, course)][-4:] == [
        "remove",
        "learner",
        "add",
        "learner",
    ]


def test_every_problem_is_named_and_nothing_is_written(
    config: ParcoursConfig, course: Course, tmp_path: Path
) -> None:
    before = roster_path(config, course).read_bytes()
    file = _csv(
        tmp_path,
        "id,first_name,last_name,email,groups\n"
        "alice,Alice,Martin,alice@example,groupe-a\n"
        "bob,Bob,Durand,,groupe-l\n"
        "alice,Alice,Bis,,groupe-a\n"
        "zoé durand,,,,\n",
    )
    with pytest.raises(BadInputError) as caught:
        import_roster(config, course, file)
    said = str(caught.value)
    assert said.startswith("4 problème(s) dans la liste de la classe, rien n'a été modifié :")
    assert (
        f"{file}: ligne 2: le courriel 'alice@example' de « alice » n'est pas une adresse" in said
    )
    assert (
        "ligne 3: le groupe « groupe-l » de « bob » n'existe pas dans la liste (vouliez-"
        "vous dire « groupe-b » ?)"
    ) in said and "comme nouveau groupe (groupe-l)" in said
    assert "--" not in said and caught.value.argument == "new_groups"
    assert "ligne 4: l'identifiant « alice » est déjà à la ligne 2" in said
    assert "ligne 5: l'identifiant 'zoé durand' n'est pas valide" in said
    assert roster_path(config, course).read_bytes() == before
    assert roster_history(config, course) == []


def test_a_new_group_is_declared(config: ParcoursConfig, course: Course, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"nouveau groupe \(atelier\)"):
        add_learner(config, course, Learner("dora", groups=("atelier",)))
    add_learner(config, course, Learner("dora", groups=("atelier",)), new_groups=["atelier"])
    assert read_roster(config, course)[-1].groups == ("atelier",)
    with pytest.raises(BadInputError, match="déjà dans la liste"):
        add_learner(config, course, Learner("dora"))
    with pytest.raises(BadInputError, match="« zoe » n'est pas dans la liste"):
        remove_learner(config, course, "zoe")


def test_roster_command(config: ParcoursConfig, course: Course, tmp_path: Path, capsys) -> None:
    folder = str(course.folder)
    bad = _csv(tmp_path, "id,courriel\nalice,a@b.fr\n")
    assert main(["roster", folder, "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "colonne(s) inconnue(s) courriel" in err and "Traceback" not in err
    good = _csv(tmp_path, "id,email,groups\nalice,alice@example.org,groupe-a\nfarid,,groupe-c\n")
    assert main(["roster", folder, "import", str(good)]) == 2
    assert capsys.readouterr().err.rstrip().endswith("(--new-group)")
    assert main(["roster", folder, "import", str(good), "--new-group", "groupe-c"]) == 0
    assert "1 ajouté(s), 2 retiré(s), 1 modifié(s)" in capsys.readouterr().out
    assert (
        main(
            ["roster", folder, "add", "gina", "--email", "gina@example.org", "--groups", "groupe-c"]
        )
        == 0
    )
    assert main(["roster", folder, "remove", "alice"]) == 0
    capsys.readouterr()
    assert main(["roster", folder, "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("farid") and "2 apprenants." in out
    assert main(["roster", folder, "remove"]) == 2
    assert "donnez l'identifiant de l'apprenant" in capsys.readouterr().err


@pytest.mark.parametrize("root", [True, False])
def test_roster_off_the_hub_leaves_accounts_alone(
    config: ParcoursConfig, course: Course, tmp_path: Path, capsys, monkeypatch, root: bool
) -> None:
    """Not root, or root without a hub serving this data folder (no hub API token; this
    machine may well have a ``parcours`` group): the roster changes, no account does."""
    from parcours.hub import accounts
    from parcours.hub.server import sync_everything

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("accounts synced off the hub")

    monkeypatch.setattr(accounts, "sync_accounts", refused)
    monkeypatch.setattr(accounts.os, "geteuid", lambda: 0 if root else 1000)
    assert not accounts.hub_machine(config)
    assert sync_everything(config) == ""
    assert main(["roster", str(course.folder), "add", "hugo"]) == 0
    out = capsys.readouterr().out
    assert "1 added" in out or "1 ajouté" in out
    assert "accounts:" not in out and "hub:" not in out
    assert not (config.hub_dir / "accounts.token").exists()
