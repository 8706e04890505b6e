"""Baked badges: the signed credential inside the badge's PNG image (Open Badges 3.0,
"Baking"), so the image a learner posts or mails carries its own proof.

The VC-JWT goes in an ``iTXt`` chunk whose keyword is ``openbadgecredential``,
uncompressed, one per image (a second baking replaces the first). The image is the one
the course declares (``image`` in ``badges.toml``), else a medal typeset with Typst from
the badge's name and the course's title. :func:`check_baked` reads an image back: its
credential's signature, that it was issued here as it stands, and whether it was revoked.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _
from . import BadgeError
from .declared import PNG_SIGNATURE as SIGNATURE

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course
    from .declared import Badge
    from .registry import Verification

TEMPLATES = Path(__file__).parent / "templates"
#: the iTXt keyword Open Badges 3.0 gives the credential
KEYWORD = b"openbadgecredential"


def _chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks as (type, data); BadgeError when it is not a whole PNG."""
    if not image.startswith(SIGNATURE):
        raise BadgeError(_("This file is not a PNG image."))
    chunks: list[tuple[bytes, bytes]] = []
    at = len(SIGNATURE)
    while at + 8 <= len(image):
        (length,) = struct.unpack(">I", image[at : at + 4])
        kind = image[at + 4 : at + 8]
        data = image[at + 8 : at + 8 + length]
        if len(data) != length or at + 12 + length > len(image):
            break
        chunks.append((kind, data))
        at += 12 + length
        if kind == b"IEND":
            return chunks
    raise BadgeError(_("This PNG image is cut short (no end chunk)."))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _is_credential(kind: bytes, data: bytes) -> bool:
    return kind == b"iTXt" and data.split(b"\0", 1)[0] == KEYWORD


def bake(image: bytes, token: str) -> bytes:
    """``image`` (PNG bytes) with ``token`` baked in, any earlier credential removed."""
    kept = [(k, d) for k, d in _chunks(image) if not _is_credential(k, d)]
    # keyword, NUL, compression flag 0 (none), method 0, no language, NUL, no
    # translated keyword, NUL, then the text (UTF-8)
    text = KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + token.encode("utf-8")
    chunks = [*kept[:-1], (b"iTXt", text), kept[-1]]
    return SIGNATURE + b"".join(_chunk(k, d) for k, d in chunks)


def baked(image: bytes) -> str | None:
    """The credential baked in ``image``, None when there is none."""
    for kind, data in _chunks(image):
        if _is_credential(kind, data):
            try:
                rest = data.split(b"\0", 1)[1]
                compressed, rest = rest[0], rest[2:]
                _language, _translated, text = rest.split(b"\0", 2)
                return (zlib.decompress(text) if compressed else text).decode("utf-8")
            except (IndexError, ValueError, zlib.error) as error:  # UnicodeDecodeError too
                raise BadgeError(
                    _("This image's badge chunk cannot be read ({error}).").format(error=error)
                ) from None
    return None


def badge_image(course: Course, badge: Badge) -> bytes:
    """The badge's PNG: the course's own (``image``), else a medal typeset here."""
    if badge.image:
        return course.path(badge.image).read_bytes()
    import typst

    source = (TEMPLATES / "badge.typ").read_bytes()
    data = json.dumps({"name": badge.name, "course": course.title, "lang": course.language})
    return bytes(typst.compile(source, sys_inputs={"data": data}, format="png", ppi=144))


def baked_badge(config: ParcoursConfig, ident: str) -> tuple[str, bytes] | None:
    """``(file name, PNG)`` of the credential ``ident`` with its VC-JWT baked in; None
    when it was never issued here or is no longer valid (revoked, or its course or badge
    gone)."""
    from ..course.load import find_course, load_course
    from ..errors import ParcoursError
    from .declared import find_badge
    from .registry import verify

    check = verify(config, ident)
    if check is None or check.status != "valid":
        return None
    try:
        course = load_course(find_course(config.courses_dir, check.issued.course))
        badge = find_badge(course, check.issued.badge)
    except ParcoursError:
        return None
    return f"{badge.id}.png", bake(badge_image(course, badge), check.issued.token)


def check_baked(config: ParcoursConfig, image: bytes) -> Verification:
    """What a baked image proves: the credential it carries, checked as its page checks
    it, and the same as the one issued here. BadgeError when it carries none, or one
    this Parcours never issued."""
    from .registry import Verification, verify
    from .signing import verified_claims

    token = baked(image)
    if token is None:
        raise BadgeError(_("This image carries no badge (no 'openbadgecredential' chunk)."))
    claims = verified_claims(config, token)  # BadgeError when the signature does not hold
    ident = str(claims.get("jti", "")).removeprefix("urn:uuid:")
    check = verify(config, ident)
    if check is None:
        raise BadgeError(_("The badge in this image was not issued here."))
    if check.issued.token != token:
        return Verification("invalid", check.issued, {}, _("the image's credential was altered"))
    return check
