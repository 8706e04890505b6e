"""Open Badges 3.0: badges a course declares (``courses/<id>/badges.toml``), issued to
the learners who meet their criteria as signed W3C Verifiable Credentials
(``OpenBadgeCredential``, VC-JWT, RS256), checked and revoked; the public verification
page the Parcours service serves (``hub/badges_api.py``).

- :mod:`.declared`: the badges of a course and their criteria;
- :mod:`.signing`: the issuer's key (``<data_dir>/secrets/badges-issuer.jwk``), the
  credential built and signed, a signature checked;
- :mod:`.registry`: the credentials issued (``<data_dir>/badges.sqlite``), criteria
  evaluated, revocation, verification;
- :mod:`.page`: the verification page (French or English, every recorded text escaped);
- :mod:`.bake`: the badge's PNG with its credential baked in, and such an image checked.

See docs/badges.md.
"""

from __future__ import annotations

from ..errors import BadInputError


class BadgeError(BadInputError):
    """A badge that cannot be declared, issued or revoked as asked: the message says
    which and what to do."""
