"""Open Badges 3.0 (issue #28): a badge earned, issued as a signed OpenBadgeCredential,
checked on the public page the Parcours service serves (real HTTP on loopback, no
token), revoked, and shown as revoked; the page in French and English, the learner's
name escaped; a credential altered after issue is shown as not valid."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest
from parcours.badges import BadgeError
from parcours.badges.declared import course_badges
from parcours.badges.registry import issued
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course.load import load_course

from tests.badges.conftest import complete_lesson


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as got:
            return got.status, dict(got.headers), got.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def status_of(page: str) -> str:
    found = re.search(r'data-status="([a-z]+)">([^<]*)<', page)
    assert found, page
    return found.group(1)


def test_badge_issued_verified_revoked(
    project: Path, config: ParcoursConfig, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["--root", str(project), "--lang", "en"]
    # nobody has earned anything yet: nothing issued
    assert main(["badges", "issue", "mini-cours", *root]) == 0
    assert "0 badges issued." in capsys.readouterr().out
    complete_lesson(config, "zoe", "l01")
    assert main(["badges", "issue", "mini-cours", *root]) == 0
    out = capsys.readouterr().out
    assert "premiere-lecon issued to zoe:" in out and "1 badges issued." in out
    assert "bob" not in out  # he has not completed the lesson
    assert main(["badges", "issue", "mini-cours", *root]) == 0  # never twice
    assert "0 badges issued." in capsys.readouterr().out
    [held] = issued(config, "mini-cours")
    page_url = service + f"badges/{held.id}"
    assert f"https://parcours.example.org/services/parcours/badges/{held.id}" in out

    # the public page, no token: valid, in English or French, her name as text
    status, headers, page = get(page_url + "?lang=en")
    assert status == 200 and status_of(page) == "valid"
    assert "Valid: this badge was issued" in page and "Première leçon" in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "<script>" not in page and "<img src=x" not in page
    assert "Zoé &lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in page
    status, _headers, page = get(page_url, {"Accept-Language": "fr-FR,fr;q=0.9"})
    assert status == 200 and "Valide : ce badge a été délivré" in page
    assert "Décerné à" in page and 'href="?lang=en"' in page

    # the credential as issued: an OB 3.0 OpenBadgeCredential, signed by the issuer's key
    status, headers, token = get(page_url + "?format=jwt")
    assert status == 200 and headers["Content-Type"] == "application/vc+jwt"
    _status, _headers, issuer = get(service + "badges/issuer")
    from jwcrypto import jwk, jws

    check = jws.JWS()
    check.deserialize(token)
    check.verify(jwk.JWK(**json.loads(issuer)["publicKey"]), alg="RS256")
    claims = json.loads(check.payload)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["jti"] == claims["id"] == f"urn:uuid:{held.id}"
    assert claims["iss"] == claims["issuer"]["id"] == json.loads(issuer)["id"]
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["criteria"]["narrative"] == "Leçon 1 terminée."
    assert claims["credentialStatus"]["type"] == "1EdTechRevocationList"
    # her account only hashed (with a salt): a verifier who knows it can check it
    account = next(i for i in subject["identifier"] if i["identityType"] == "identifier")
    assert account["hashed"] and "zoe" not in account["identityHash"]

    # revoked: the page says so at once, with the reason (escaped); the list names it
    reason = "Plagiat <b>avéré</b>"
    assert main(["badges", "revoke", held.id, "--reason", reason, *root]) == 0
    assert f"Credential {held.id} revoked" in capsys.readouterr().out
    status, _headers, page = get(page_url + "?lang=en")
    assert status == 200 and status_of(page) == "revoked"
    assert "Revoked: this badge was withdrawn" in page
    assert "Plagiat &lt;b&gt;avéré&lt;/b&gt;" in page
    _status, _headers, page = get(page_url + "?lang=fr")
    assert "Révoqué : ce badge a été retiré" in page
    _status, _headers, listed = get(service + "badges/revocations")
    assert [r["id"] for r in json.loads(listed)["revokedCredentials"]] == [f"urn:uuid:{held.id}"]
    assert main(["badges", "list", "--json", *root]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["revoked_at"] and row["reason"] == reason and "token" not in row

    # revoked, she may earn it again: a new credential, valid, the old one still revoked
    assert main(["badges", "issue", "mini-cours", "--learner", "zoe", *root]) == 0
    assert "1 badges issued." in capsys.readouterr().out
    states = {i.id: i.revoked for i in issued(config, "mini-cours")}
    assert sorted(states.values()) == [False, True]


def test_altered_or_unknown_credentials_are_not_valid(
    project: Path, config: ParcoursConfig, service: str
) -> None:
    complete_lesson(config, "bob", "l01")
    assert main(["badges", "issue", "mini-cours", "--root", str(project)]) == 0
    [held] = issued(config)
    header, payload, signature = held.token.split(".")
    forged = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with sqlite3.connect(Path(config.data_dir) / "badges.sqlite") as db:
        db.execute("UPDATE issued SET token = ?", (f"{header}.{forged}.{signature}",))
    status, _headers, page = get(service + f"badges/{held.id}?lang=en")
    assert status == 200 and status_of(page) == "invalid"
    assert "Not valid" in page
    status, _headers, page = get(service + "badges/00000000-0000-4000-8000-000000000000?lang=fr")
    assert status == 404 and "Aucun badge portant cet identifiant" in page


@pytest.mark.parametrize(
    ("declared", "said"),
    [
        ('[[badges]]\nid = "x"\nname = "X"\nlessons = ["l99"]\n', "no lesson 'l99'"),
        ('[[badges]]\nid = "x"\nname = "X"\nmodules = ["m9"]\n', "no module 'm9'"),
        ('[[badges]]\nid = "x"\nname = "X"\nassignment = "devoir-z"\n', "no assignment"),
        ('[[badges]]\nid = "x"\nname = "X"\n', "name lessons, modules or an assignment"),
        ('[[badges]]\nid = "x"\nname = "X"\nlessons = ["l01"]\nlevel = 2\n', "unknown key"),
        ('[[badges]]\nid = "x y"\nname = "X"\nlessons = ["l01"]\n', "'id' must be"),
        (
            '[[badges]]\nid = "x"\nname = "X"\nassignment = "devoir-a"\nmin_score = 60\n',
            "'min_score' is a share",
        ),
    ],
)
def test_a_badge_declared_wrong_is_named(
    project: Path, declared: str, said: str, default_language: str
) -> None:
    from parcours.i18n import set_language

    set_language("en")
    folder = project / "courses" / "mini-cours"
    (folder / "badges.toml").write_text(declared, encoding="utf-8")
    with pytest.raises(BadgeError, match=re.escape(said)) as raised:
        course_badges(load_course(folder))
    assert "badges.toml" in str(raised.value)


def test_module_criteria_and_assignment_share(config: ParcoursConfig, project: Path) -> None:
    from parcours.badges import registry

    folder = project / "courses" / "mini-cours"
    (folder / "badges.toml").write_text(
        '[[badges]]\nid = "m1"\nname = "Module 1"\nmodules = ["m1"]\n'
        'assignment = "devoir-a"\nmin_score = 0.6\n',
        encoding="utf-8",
    )
    course = load_course(folder)
    [badge] = course_badges(course)
    assert badge.lessons == ("l01",) and badge.assignment == "devoir-a"
    complete_lesson(config, "zoe", "l01")
    # no grade yet in the gradebook: not earned, whatever her lessons
    assert not registry.earned(config, course, badge, "zoe")


def test_assignment_badge_needs_its_share_of_the_points(
    config: ParcoursConfig, project: Path
) -> None:
    from parcours.badges import registry
    from parcours.pipeline.gradebook import open_gradebook
    from sqlalchemy.exc import SAWarning

    course = load_course(project / "courses" / "mini-cours")
    badge = next(b for b in course_badges(course) if b.id == "devoir-reussi")
    # nbgrader's own add_submission warns from SQLAlchemy's autoflush (not ours)
    with open_gradebook(config, course) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gb.add_assignment("devoir-a")
        gb.add_notebook("devoir", "devoir-a")
        gb.add_grade_cell("q1", "devoir", "devoir-a", max_score=5, cell_type="code")
        for learner, points in (("zoe", 3.0), ("bob", 2.5)):  # 60 % and 50 %
            gb.update_or_create_student(learner)
            gb.add_submission("devoir-a", learner)
            grade = gb.find_grade("q1", "devoir", "devoir-a", learner)
            grade.manual_score = points
            gb.db.commit()
    assert registry.assignment_shares(config, course, "devoir-a") == {"zoe": 0.6, "bob": 0.5}
    made = registry.award(config, course, "devoir-reussi")
    assert [(i.badge, i.learner) for i in made] == [("devoir-reussi", "zoe")]
    assert registry.earned(config, course, badge, "zoe")
    assert not registry.earned(config, course, badge, "bob")
