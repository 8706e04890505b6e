"""The public course sheet (Qualiopi indicator 1): what a future learner or a funder reads
before registering — objectives, public and prerequisites, duration in total and per
module, methods, assessment, accessibility, price, access delay, contact — from the
course manifest, as an HTML page and a PDF, in French or English."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _, language
from .common import duration_text
from .typeset import Document, to_html, to_pdf

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


@dataclass(frozen=True)
class SheetFiles:
    """The files of a course sheet."""

    html: Path
    pdf: Path


def course_minutes(course: Course) -> int:
    """Estimated minutes of learner work of the whole course (lessons and assignments)."""
    return sum(module_minutes(course, m.id) for m in course.modules) + sum(
        a.minutes for a in course.assignments if not a.module
    )


def module_minutes(course: Course, module_id: str) -> int:
    """Estimated minutes of one module: its lessons and the assignments attached to it."""
    module = next(m for m in course.modules if m.id == module_id)
    return sum(lesson.minutes for lesson in module.lessons) + sum(
        a.minutes for a in course.assignments if a.module == module_id
    )


def sheet_document(config: ParcoursConfig, course: Course, lang: str) -> Document:
    """The course sheet as a :class:`Document` in ``lang``."""
    from .common import date_text

    with language(lang):
        doc = Document(
            title=course.title,
            subtitle=_("Course sheet"),
            lang=lang,
            header=config.organisation_name,
            footer=" — ".join(
                p for p in (config.organisation_name, config.organisation_address) if p
            ),
            author=config.organisation_name,
        )
        doc.para(course.description)
        doc.fields(
            [
                (_("Nature"), _("Training action (action de formation), distance learning")),
                (_("Estimated duration"), duration_text(course_minutes(course) * 60)),
                (_("Starts"), date_text(course.starts, lang) if course.starts else ""),
                (_("Language"), language_name(course.language, lang)),
                (_("Price"), course.price),
                (_("Access delay"), course.access_delay),
            ]
        )
        doc.heading(_("Objectives"))
        doc.items([o for lesson in course.lessons for o in lesson.objectives])
        if course.skills:
            doc.heading(_("Skills developed and assessed"))
            doc.items([s.label for s in course.skills])
        doc.heading(_("Public and prerequisites"))
        doc.para(course.public)
        doc.items(course.prerequisites)
        doc.heading(_("Programme and duration per module"))
        rows = []
        for module in course.modules:
            contents = [lesson.title for lesson in module.lessons] + [
                a.title for a in course.assignments if a.module == module.id
            ]
            rows.append(
                [
                    module.title,
                    "; ".join(contents),
                    duration_text(module_minutes(course, module.id) * 60),
                ]
            )
        doc.table([_("Module"), _("Contents"), _("Estimated duration")], rows)
        for title, text in (
            (_("Teaching methods"), course.methods),
            (_("Assessment"), course.assessment),
            (_("Accessibility"), course.accessibility),
            (_("Contact"), course.contact),
        ):
            if text:
                doc.heading(title)
                doc.para(text)
    return doc


def write_sheet(
    config: ParcoursConfig, course: Course, lang: str | None = None, out: Path | None = None
) -> SheetFiles:
    """Write the course sheet as ``<out>/<course>.<lang>.html`` and ``.pdf`` (default
    folder: ``<data_dir>/sheets``); returns their paths."""
    from .common import compliance_dir

    lang = lang or course.language
    folder = Path(out) if out else compliance_dir(config, "sheets")
    folder.mkdir(parents=True, exist_ok=True)
    doc = sheet_document(config, course, lang)
    html = folder / f"{course.id}.{lang}.html"
    pdf = folder / f"{course.id}.{lang}.pdf"
    html.write_text(to_html(doc), encoding="utf-8")
    pdf.write_bytes(to_pdf(doc))
    return SheetFiles(html, pdf)


def language_name(code: str, lang: str) -> str:
    """The name of the language ``code`` as a reader of ``lang`` writes it (babel)."""
    from babel import Locale

    return str(Locale.parse(code).get_display_name(lang)).capitalize()
