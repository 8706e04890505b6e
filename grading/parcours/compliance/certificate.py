"""The certificat de réalisation (certificate of completion) a funder asks for.

No model is imposed; it carries the fields funders check: the learner (and their employer
when the roster gives one), the course's title and nature (an action de formation, art.
L6313-1 of the Code du travail), its dates, the duration completed against the estimated
duration (from the evidence: estimated minutes of the lessons completed and assignments
submitted, and the time on task measured), the training body, and a signature block. It
is written in the course's language to ``<data_dir>/certificates/<course>/<learner>.pdf``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _, language
from .common import compliance_dir, date_text, duration_text
from .typeset import Document, to_pdf

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


def certificate_document(
    config: ParcoursConfig, course: Course, learner_id: str, lang: str, now: dt.datetime
) -> Document:
    """The certificate's content for one learner."""
    from zoneinfo import ZoneInfo

    from .evidence import collect

    data = collect(config, course, learner_id, now)
    zone = ZoneInfo(course.timezone)

    def day(text: str | None) -> str:
        return date_text(dt.datetime.fromisoformat(text).astimezone(zone), lang) if text else "-"

    person = data["learner"]
    with language(lang):
        doc = Document(
            title=_("Certificate of completion"),
            subtitle=_(
                "Training action — certificate issued under article L6353-1 of the French "
                "Labour Code"
            ),
            lang=lang,
            header=config.organisation_name,
            author=config.organisation_name,
        )
        body = [
            (_("Name"), config.organisation_name),
            (_("Address"), config.organisation_address),
            (_("SIRET"), config.organisation_siret),
            (_("Declaration of activity"), config.organisation_nda),
        ]
        doc.heading(_("Training body"))
        doc.fields(body)
        doc.heading(_("Learner"))
        doc.fields([(_("Name"), person["name"]), (_("Employer"), person["employer"])])
        doc.heading(_("Training"))
        doc.fields(
            [
                (_("Title"), course.title),
                (_("Nature"), _("Training action (art. L6313-1 of the Code du travail)")),
                (_("Format"), _("Distance learning, asynchronous")),
                (_("From"), day(data["first_activity"])),
                (_("To"), day(data["last_activity"])),
                (_("Estimated duration"), duration_text(data["course"]["minutes_estimated"] * 60)),
                (_("Duration completed"), duration_text(data["minutes_completed_estimated"] * 60)),
                (_("Time on task measured"), duration_text(data["time_on_task_s"])),
            ]
        )
        doc.para(
            _(
                "The training body named above certifies that the learner named above "
                "followed this training action over the period and for the duration shown. "
                "The records behind these figures (connection logs, results) are kept in "
                "their evidence pack."
            )
        )
        doc.signature(
            _("Made in {city}, on {date}").format(
                city=config.organisation_city or "…", date=date_text(now.astimezone(zone), lang)
            ),
            config.organisation_signatory or config.organisation_name,
            _("Signature and stamp of the training body"),
        )
    return doc


def write_certificate(
    config: ParcoursConfig,
    course: Course,
    learner_id: str,
    *,
    lang: str | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Write the certificate of one learner; returns its path."""
    from .common import now_utc

    moment = now or now_utc()
    doc = certificate_document(config, course, learner_id, lang or course.language, moment)
    target = compliance_dir(config, "certificates", course.id) / f"{learner_id}.pdf"
    target.write_bytes(to_pdf(doc))
    return target
