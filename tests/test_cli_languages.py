"""``--lang`` is honoured by every ``parcours`` command: each one registered in
``cli/__init__.py`` is run in process, in French and in English, with ``--help`` and with
one bad input, and what it prints is in the language asked for — no sentence of the
catalogue in the other language (and, for the messages, at least one in the right one)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from parcours.cli import COMMANDS, main
from parcours.errors import ExitStatus
from parcours.i18n.extract import read_translations

#: one cheap call per command that fails on bad input before anything heavy is started
BAD_INPUT: dict[str, list[str]] = {
    "check": ["check", "no-such-course"],
    "release": ["release", "no-such-course", "devoir-1"],
    "roster": ["roster", "no-such-course", "list"],
    "extend": ["extend", "no-such-course", "devoir-1", "ada", "--until", "2030-01-01T00:00Z"],
    "collect": ["collect", "no-such-course", "devoir-1"],
    "autograde": ["autograde", "no-such-course", "devoir-1"],
    "formgrader": ["formgrader", "no-such-course"],
    "feedback": ["feedback", "no-such-course", "devoir-1"],
    "fetch": ["fetch", "no-such-course", "devoir-1"],
    "submit": ["submit", "no-such-course", "devoir-1"],
    "deadlines": ["deadlines", "no-such-course"],
    "review": ["review", "no-such-course", "--learner", "ada"],
    "report": ["report", "no-such-course"],
    "groups": ["groups", "no-such-course", "--skill", "pandas"],
    "dashboard": ["dashboard", "--port", "0"],
    "demo": ["demo", "--learners", "0", "--no-serve"],
    "hub": ["hub", "--port", "0"],
    "accounts": ["accounts", "password", "nobody"],
    # the compliance commands (#15), registered by their own branch
    "sheet": ["sheet", "no-such-course"],
    "evidence": ["evidence", "no-such-course"],
    "certificate": ["certificate", "no-such-course"],
    "followup": ["followup", "no-such-course", "list"],
    "remind": ["remind", "no-such-course"],
    "privacy": ["privacy", "erase"],
    "lti": ["lti", "no-such-course", "status"],
    "lrs": ["lrs", "sync"],  # no LRS configured
    "peer": ["peer", "no-such-course", "devoir-1", "status"],
    "questions": ["questions", "no-such-course", "list"],
    "badges": ["badges", "issue", "no-such-course"],
}
#: commands with no bad input to give: their plain output is checked instead
PLAIN = {"config": ["config"]}

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _chunks(text: str) -> set[str]:
    """The literal runs of a message between its placeholders that are real sentences
    (two words or more, ten letters or more), spaces normalised."""
    found = set()
    for part in PLACEHOLDER.split(text):
        part = " ".join(part.split()).strip(" :;,.()«»'\"-—`")
        if len(part.split()) >= 2 and sum(c.isalpha() for c in part) >= 10:
            found.add(part)
    return found


@cache
def sentences() -> dict[str, frozenset[str]]:
    """language -> sentences only that language's catalogue text has."""
    french, english = read_translations("fr"), read_translations("en")
    said: dict[str, set[str]] = {"fr": set(), "en": set()}
    for msgid, translated in french.items():
        en_texts = list(msgid) if isinstance(msgid, tuple) else [msgid]
        en_key = english.get(msgid)
        if en_key and not isinstance(en_key, tuple):
            en_texts = [en_key]  # a message written as a key (``quiz_mean``)
        fr_texts = list(translated) if isinstance(translated, tuple) else [translated]
        en_words = {c for t in en_texts for c in _chunks(t)}
        fr_words = {c for t in fr_texts if t for c in _chunks(t)}
        said["en"] |= en_words - fr_words
        said["fr"] |= fr_words - en_words
    return {lang: frozenset(words) for lang, words in said.items()}


def _said(sentence: str, flat: str) -> bool:
    """``sentence`` is in ``flat`` as whole words ("assignment id" is not in "assignment
    identifiant")."""
    return re.search(rf"(?<!\w){re.escape(sentence)}(?!\w)", flat) is not None


def assert_in_language(text: str, lang: str, *, some: bool) -> None:
    other = "en" if lang == "fr" else "fr"
    flat = " ".join(text.split())
    wrong = sorted(s for s in sentences()[other] if _said(s, flat))
    assert not wrong, f"{other} sentences in a --lang {lang} output: {wrong}\n{text}"
    if some:
        right = [s for s in sentences()[lang] if _said(s, flat)]
        assert right, f"no {lang} sentence of the catalogue in:\n{text}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "courses").mkdir()
    return tmp_path


def _common(project: Path, lang: str) -> list[str]:
    return ["--root", str(project), "--data-dir", str(project / "data"), "--lang", lang]


def test_every_command_is_walked() -> None:
    assert set(COMMANDS) <= set(BAD_INPUT) | set(PLAIN), "add the new command's bad input"


#: the registered commands that have a bad input above
FAILING = [command for command in COMMANDS if command in BAD_INPUT]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_in_the_language_asked(
    command: str, lang: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help", *_common(project, lang)])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"parcours {command}" in out
    assert_in_language(out, lang, some=True)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("command", FAILING)
def test_bad_input_in_the_language_asked(
    command: str, lang: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([*BAD_INPUT[command], *_common(project, lang)])
    out, err = capsys.readouterr()
    assert status == ExitStatus.BAD_INPUT, out + err
    assert err.startswith(f"parcours {command}: ")
    assert_in_language(out + err, lang, some=True)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("command", list(PLAIN))
def test_plain_output_in_the_language_asked(
    command: str, lang: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*PLAIN[command], *_common(project, lang)]) == ExitStatus.CLEAN
    assert_in_language(capsys.readouterr().out, lang, some=True)


@pytest.mark.parametrize(
    ("lang", "roles"),
    [
        ("fr", ["apprenant", "enseignant", "coordinateur"]),
        ("en", ["learner", "teacher", "coordinator"]),
    ],
)
def test_the_demo_names_its_accounts_roles_in_the_language(lang: str, roles: list[str]) -> None:
    from parcours.cli.demo import login_lines
    from parcours.i18n import language

    passwords = {"learner:ana": "p1", "teacher:prof": "p2", "coordinator:coord": "p3"}
    with language(lang):
        lines = login_lines(passwords).splitlines()
    assert [line.split()[0] for line in lines[1:]] == roles
    assert [line.split()[1] for line in lines[1:]] == ["ana", "prof", "coord"]


def _configured(project: Path, lang: str) -> list[str]:
    """``--root`` of a project whose jupyter_config.py sets ``lang`` (no --lang given)."""
    (project / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.language = {lang!r}\n", encoding="utf-8"
    )
    return ["--root", str(project)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_parcours_help_follows_the_configured_language(
    lang: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``parcours --help`` (the list of commands) in the configured language, as its
    commands' own help is (issue #24 item 11)."""
    assert main(["--help", *_configured(project, lang)]) == ExitStatus.CLEAN
    out = capsys.readouterr().out
    assert out.startswith("usage : " if lang == "fr" else "usage: ")
    assert_in_language(out, lang, some=True)


#: argparse's own errors: (argv, French, English)
ARGPARSE_ERRORS = [
    (["deadlines"], "arguments obligatoires manquants : course", "arguments are required: course"),
    (
        ["submit", "cours", "devoir-1", "--bogus"],
        "arguments inconnus : --bogus",
        "unrecognized arguments: --bogus",
    ),
    (
        ["report", "cours", "--format", "docx"],
        "argument --format : choix invalide : 'docx'",
        "argument --format: invalid choice: 'docx'",
    ),
]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("argv", "french", "english"), ARGPARSE_ERRORS)
def test_argparse_errors_in_the_configured_language(
    argv: list[str],
    french: str,
    english: str,
    lang: str,
    project: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """argparse's "usage:", "error:", "the following arguments are required", "invalid
    choice" are in the configured language, and in --lang's when given."""
    with pytest.raises(SystemExit) as done:
        main([*argv, *_configured(project, lang)])
    assert done.value.code == ExitStatus.BAD_INPUT
    err = capsys.readouterr().err
    if lang == "fr":
        assert f"parcours {argv[0]} : erreur : " in err and french in err, err
        assert err.startswith("usage : ") and "error" not in err, err
    else:
        assert f"parcours {argv[0]}: error: " in err and english in err, err
    other = "en" if lang == "fr" else "fr"
    with pytest.raises(SystemExit):
        main([*argv, *_configured(project, lang), "--lang", other])
    err = capsys.readouterr().err
    assert (english if other == "en" else french) in err, err
