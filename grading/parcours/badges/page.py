"""The public verification page of a credential: whether it is valid or revoked, the
badge, its criteria, to whom and by whom it was issued, in French or English.

Nothing on it is trusted: the learner's name came from a roster or an LMS and the
badge's texts from a course folder, so every one is HTML-escaped, and the page is
served with a Content-Security-Policy that runs no script and loads nothing.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from ..i18n import _

if TYPE_CHECKING:
    from .registry import Verification

#: the page loads nothing and runs nothing
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1b1b1b}.status{font-size:1.4rem;font-weight:bold;padding:.6rem 1rem;"
    "border-radius:.4rem}.valid{background:#e3f4e1;color:#14531a}.revoked,.invalid"
    "{background:#fbe4e4;color:#8a1010}dt{font-weight:bold}dd{margin:0 0 .8rem 0}"
)


def _date(stamp: str, lang: str) -> str:
    """A UTC date as a reader of ``lang`` writes it (the zone named)."""
    from babel.dates import format_date

    from ..i18n.display import LOCALES

    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{format_date(when.date(), 'long', locale=LOCALES.get(lang, 'en_GB'))} (UTC)"


def status_text(status: str, lang: str) -> str:
    """The verdict as a person reads it."""
    if status == "valid":
        return _("Valid: this badge was issued by this Parcours and is in force.", lang)
    if status == "revoked":
        return _("Revoked: this badge was withdrawn by its issuer and is no longer valid.", lang)
    return _("Not valid: this credential's signature does not hold.", lang)


def verification_page(check: Verification, lang: str, other_lang_url: str) -> str:
    """The HTML page of one credential's verification."""
    held = check.issued
    subject = check.claims.get("credentialSubject", {})
    achievement = subject.get("achievement", {})
    course = (achievement.get("alignment") or [{}])[0].get("targetName", held.course)
    rows = [
        (_("Badge", lang), achievement.get("name", held.badge)),
        (_("Description", lang), achievement.get("description", "")),
        (_("Criteria", lang), (achievement.get("criteria") or {}).get("narrative", "")),
        (_("Course", lang), course),
        (_("Awarded to", lang), held.name),
        (_("Issued by", lang), (check.claims.get("issuer") or {}).get("name", "Parcours")),
        (_("Issued on", lang), _date(held.issued_at, lang)),
        (_("Credential", lang), f"urn:uuid:{held.id}"),
    ]
    if check.status == "revoked":
        rows.append((_("Revoked on", lang), _date(held.revoked_at, lang)))
        if held.reason:
            rows.append((_("Reason", lang), held.reason))
    if check.problem:
        rows.append((_("Problem", lang), check.problem))
    listed = "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(str(value))}</dd>" for label, value in rows if value
    )
    image = ""
    if check.status == "valid":  # the image with the credential in it (bake.py)
        png = f"{held.id}.png"
        image = (
            f'<p class="image"><img src="{png}" width="160" height="160" alt=""><br>'
            f'<a href="{png}" download>{escape(_("Download the badge (PNG)", lang))}</a></p>'
        )
    title = _("Badge verification", lang)
    switch = _("Version française", lang) if lang == "en" else _("English version", lang)
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="status {escape(check.status)}" role="status" data-status="'
        f'{escape(check.status)}">{escape(status_text(check.status, lang))}</p>'
        f"<dl>{listed}</dl>{image}"
        f'<p><a href="{escape(other_lang_url)}">{escape(switch)}</a></p>'
        f"</main></body></html>"
    )


def unknown_page(lang: str) -> str:
    """The page of a credential never issued here."""
    title = _("Badge verification", lang)
    said = _("No badge with this identifier was issued here.", lang)
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f'<h1>{escape(title)}</h1><p class="status invalid" role="status" '
        f'data-status="unknown">{escape(said)}</p></main></body></html>'
    )
