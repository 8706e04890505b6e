"""Baked badges (issue #28, item 5): the badge's PNG carries its signed credential in an
``iTXt`` chunk ``openbadgecredential`` (Open Badges 3.0, "Baking"); the Parcours
service serves it while the credential is valid (real HTTP on loopback, no token); an
image is checked with ``parcours badges verify`` — valid, revoked, altered, foreign."""

from __future__ import annotations

import struct
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest
from parcours.badges import BadgeError
from parcours.badges.bake import bake, baked, check_baked
from parcours.badges.declared import course_badges
from parcours.badges.registry import issued
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course.load import load_course

from tests.badges.conftest import complete_lesson


def chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, each CRC checked (an independent reading of the format)."""
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(image):
        (length,) = struct.unpack(">I", image[at : at + 4])
        kind, data = image[at + 4 : at + 8], image[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", image[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        found.append((kind, data))
        at += 12 + length
    return found


def download(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url) as got:
            return got.status, dict(got.headers), got.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_credential_is_baked_as_the_specification_says(project: Path) -> None:
    course = load_course(project / "courses" / "mini-cours")
    from parcours.badges.bake import badge_image

    image = badge_image(course, course_badges(course)[0])  # the medal typeset by Parcours
    assert chunks(image)[0][0] == b"IHDR" and chunks(image)[-1][0] == b"IEND"
    once = bake(image, "aaa.bbb.ccc")
    texts = [d for k, d in chunks(once) if k == b"iTXt"]
    assert texts == [b"openbadgecredential\0\0\0\0\0aaa.bbb.ccc"]  # uncompressed, no language
    assert [k for k, _d in chunks(once)][-2:] == [b"iTXt", b"IEND"]
    twice = bake(once, "ddd.eee.fff")  # baked again: one credential, the new one
    assert [d for k, d in chunks(twice) if k == b"iTXt"] == [
        b"openbadgecredential\0\0\0\0\0ddd.eee.fff"
    ]
    assert baked(twice) == "ddd.eee.fff" and baked(image) is None
    with pytest.raises(BadgeError, match="pas une image PNG"):
        bake(b"GIF89a...", "x")
    with pytest.raises(BadgeError, match="tronquée"):
        baked(once[:-20])
    # a hostile image: a credential chunk cut short, or compressed with garbage
    for broken in (b"openbadgecredential\0", b"openbadgecredential\0\1\0\0\0not zlib"):
        parts = chunks(image)
        built = b"\x89PNG\r\n\x1a\n" + b"".join(
            struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
            for k, d in [*parts[:-1], (b"iTXt", broken), parts[-1]]
        )
        with pytest.raises(BadgeError, match="ne peut pas être lu"):
            baked(built)


def test_the_served_image_carries_her_credential_until_revoked(
    project: Path,
    config: ParcoursConfig,
    service: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from parcours.badges.bake import badge_image

    root = ["--root", str(project), "--lang", "en"]
    course = load_course(project / "courses" / "mini-cours")
    complete_lesson(config, "zoe", "l01")
    assert main(["badges", "issue", "mini-cours", *root]) == 0
    [held] = issued(config, "mini-cours")
    status, headers, image = download(service + f"badges/{held.id}.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == 'attachment; filename="premiere-lecon.png"'
    assert baked(image) == held.token
    assert check_baked(config, image).status == "valid"
    saved = tmp_path / "badge.png"
    saved.write_bytes(image)
    assert main(["badges", "verify", str(saved), *root]) == 0
    out = capsys.readouterr().out
    assert "Valid: this badge was issued" in out and f"/badges/{held.id}" in out
    # the page shows it and links to it while valid
    with urllib.request.urlopen(service + f"badges/{held.id}?lang=fr") as got:
        page = got.read().decode()
    assert f'<img src="{held.id}.png"' in page and "Télécharger le badge (PNG)" in page

    # someone edits the credential inside the image: its signature no longer holds
    header, payload, signature = held.token.split(".")
    forged = bake(image, f"{header}.{payload[:-4]}AAAA.{signature}")
    saved.write_bytes(forged)
    assert main(["badges", "verify", str(saved), *root]) == 2
    capsys.readouterr()
    # an image with no credential, a file that is no image, no file: said, exit 2
    for content, said in (
        (badge_image(course, course_badges(course)[0]), "carries no badge"),
        (b"GIF89a", "not a PNG image"),
    ):
        saved.write_bytes(content)
        assert main(["badges", "verify", str(saved), *root]) == 2
        assert said in capsys.readouterr().err
    assert main(["badges", "verify", str(tmp_path / "absent.png"), *root]) == 2
    assert "Cannot read the image" in capsys.readouterr().err

    # revoked: the image is no longer served; the one she kept says revoked (exit 3)
    assert main(["badges", "revoke", held.id, "--reason", "erreur", *root]) == 0
    assert download(service + f"badges/{held.id}.png")[0] == 404
    saved.write_bytes(image)
    capsys.readouterr()
    assert main(["badges", "verify", str(saved), *root]) == 3
    out = capsys.readouterr().out
    assert "Revoked: this badge was withdrawn" in out and "erreur" in out
    with urllib.request.urlopen(service + f"badges/{held.id}") as got:
        assert "<img" not in got.read().decode()  # no image offered for a revoked badge


def test_a_course_gives_its_own_image(project: Path) -> None:
    folder = project / "courses" / "mini-cours"
    from parcours.badges.bake import badge_image

    mine = bake(badge_image(load_course(folder), course_badges(load_course(folder))[0]), "a.b.c")
    (folder / "images").mkdir()
    (folder / "images" / "lecon.png").write_bytes(mine)
    toml = folder / "badges.toml"
    declared = toml.read_text(encoding="utf-8")
    toml.write_text(
        declared.replace('lessons = ["l01"]', 'lessons = ["l01"]\nimage = "images/lecon.png"')
    )
    course = load_course(folder)
    assert badge_image(course, course_badges(course)[0]) == mine
    for wrong in ("images/absent.png", "../../jupyter_config.py", "badges.toml"):
        toml.write_text(
            declared.replace('lessons = ["l01"]', f'lessons = ["l01"]\nimage = "{wrong}"')
        )
        with pytest.raises(BadgeError, match="« image » doit désigner un fichier PNG"):
            course_badges(load_course(folder))
