"""The course sheet and the certificate of completion: their PDFs' text read by pdftotext."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parcours.cli import main

from tests.compliance.conftest import REPO, World, pdf_text


def test_certificate_carries_the_fields_funders_check(world: World, capsys) -> None:
    assert main(["certificate", "c1", "alice", "--now", "2026-09-30T12:00:00+02:00"]) == 0
    path = capsys.readouterr().out.strip()
    text = pdf_text(path)
    for field in (
        "Certificat de réalisation",
        "Alice Martin",
        "Boulangerie Dupain",  # employer, from the roster
        "Tableurs et données",  # course title
        "Action de formation",  # nature
        "8 septembre 2026",  # first activity, course's time zone
        "20 septembre 2026",  # last activity
        "2 h 00 min",  # estimated duration: 20 + 30 + 10 + 60 min
        "1 h 20 min",  # completed: L1 (20) + A1 (60)
        "32 min",  # time on task measured
        "Formations Parcours SARL",
        "123 456 789 00012",
        "1 rue des Écoles, 31000 Toulouse",
        "Fait à Toulouse, le 30 septembre 2026",
        "Claire Moreau, directrice",
    ):
        assert field in text, field


def test_certificate_in_english_and_bad_learner(world: World, capsys) -> None:
    assert main(["certificate", "c1", "bob", "--lang", "en"]) == 0
    text = pdf_text(capsys.readouterr().out.strip())
    assert "Certificate of completion" in text and "Bob Durand" in text
    assert "Employer" not in text  # bob's employer is unknown: the line is left out
    assert main(["certificate", "c1", "zoe"]) == 2
    assert "zoe" in capsys.readouterr().err


def test_course_sheet_of_the_demo_course(tmp_path, capsys) -> None:
    assert main(["sheet", "analyse-de-donnees", "--out", str(tmp_path)]) == 0
    html, pdf = capsys.readouterr().out.split()
    text = pdf_text(pdf)
    for field in ("Fiche du cours", "Objectifs", "Public et prérequis", "Accessibilité",
                  "Référente handicap", "6 h 20 min", "Premiers pas avec pandas", "1 h 45 min",
                  "450 €", "Délai d'accès"):  # fmt: skip
        assert field in text, field
    page = Path(html).read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Sélectionner et filtrer" in page
    assert main(["sheet", "analyse-de-donnees", "--out", str(tmp_path), "--lang", "en"]) == 0
    english = pdf_text(capsys.readouterr().out.split()[1])
    assert "Course sheet" in english and "Public and prerequisites" in english
    assert (REPO / "courses" / "analyse-de-donnees").is_dir()
    assert dt.date(2026, 9, 14).strftime("%Y") in english
