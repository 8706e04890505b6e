"""Pseudonyms are keyed with a secret of the deployment (HMAC-SHA256): made once at random,
readable by its owner only, never printed by ``parcours config``; a process that cannot
read it (a learner's, on the hub) cannot compute anyone's pseudonym and is told why."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from parcours.config import load_config
from parcours.store.ids import own_actor, pseudonymize

from tests.accounts import as_nobody

REPO = Path(__file__).resolve().parents[2]


def _config(data_dir: Path):
    return load_config(REPO, data_dir=str(data_dir))


def test_the_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    config = _config(tmp_path / "data")
    key = config.pseudonym_salt
    path = tmp_path / "data" / "secrets" / "pseudonyms.key"
    assert len(key) == 64 and path.read_text(encoding="utf-8") == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert _config(tmp_path / "data").pseudonym_salt == key  # the same the next time
    alice = pseudonymize("alice", key)
    # not the unkeyed hash anyone could compute, and another deployment's differs
    assert alice[2:] not in hashlib.sha256(b"alice").hexdigest()
    assert pseudonymize("alice", _config(tmp_path / "other").pseudonym_salt) != alice


def test_without_the_key_no_pseudonym_is_computed() -> None:
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="parcours-key-", dir="/tmp"))  # others may enter
    try:
        os.chmod(base, 0o755)
        data = base / "data"
        assert _config(data).pseudonym_salt  # made by its owner (root here)
        os.chmod(data, 0o755)  # the data folder open: only the key's folder stays closed
        code = (
            "from pathlib import Path\n"
            "from parcours.config import load_config\n"
            "from parcours.store.ids import pseudonymize\n"
            f"config = load_config(Path({str(REPO)!r}), data_dir={str(data)!r})\n"
            "pseudonymize('alice', config.pseudonym_salt)\n"
        )
        run = as_nobody(code, base)
    finally:
        shutil.rmtree(base)
    assert run.returncode != 0
    # in the project's language (French), saying which file and why
    assert "Pas de clé de pseudonymes" in run.stderr and "pseudonyms.key" in run.stderr


def test_on_the_hub_a_learner_writes_as_self(tmp_path: Path) -> None:
    config = _config(tmp_path / "data")
    assert own_actor("alice", config) == pseudonymize("alice", config.pseudonym_salt)
    config.service_url = "http://127.0.0.1:8081/services/parcours/"
    assert own_actor("alice", config) == "p-self"  # the service writes the pseudonym


def test_parcours_config_does_not_print_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from parcours.cli import main

    monkeypatch.setenv("PARCOURS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "jupyter_config.py").write_text(
        'c.ParcoursConfig.smtp_password = "hunter2-smtp"\n', encoding="utf-8"
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    key = _config(tmp_path / "data").pseudonym_salt
    assert main(["config", "--lang", "en"]) == 0
    shown = capsys.readouterr().out
    assert "pseudonym_salt" in shown and key not in shown
    assert "hunter2-smtp" not in shown
