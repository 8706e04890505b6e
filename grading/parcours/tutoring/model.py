"""Questions and answers as plain data, and who may see what of them.

A question is asked by a learner of a course (``author``: her hub name, kept for the
course's staff only), about a lesson, a quiz or an assignment (``activity``), with the
notebook and cell it was asked from. It is ``public`` to the course (classmates read it,
never who asked) or private (the asker and the staff). Its ``state`` goes ``asked`` →
``answered`` (a staff answer, or a learner's answer the staff endorsed, or the staff said
so) → ``resolved``; a duplicate is ``merged_into`` another and its asker follows that one.

What a reader gets is :func:`question_view` / :func:`answer_view`: the staff see names,
classmates see "a classmate", the asker sees "you"; learner text goes out as Markdown
rendered and sanitised (:func:`render`), and as plain text for the plain clients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..i18n import N_, _

State = Literal["asked", "answered", "resolved"]
STATES: tuple[State, ...] = ("asked", "answered", "resolved")

#: what an author is shown as to a reader who may not know who it is
CLASSMATE = N_("a classmate")
YOU = N_("you")
#: what an erased learner's questions and answers are signed with (docs/privacy.md)
FORMER_LEARNER = "former-learner"

#: limits of what a learner may send (characters)
TITLE_MAX = 200
BODY_MAX = 20_000
CODE_MAX = 20_000


@dataclass(frozen=True)
class Question:
    """One question of a course (times are aware UTC datetimes)."""

    id: str
    course: str
    author: str
    title: str
    body: str
    asked_at: dt.datetime
    #: lesson, quiz or assignment id ('' when asked from the panel)
    activity: str = ""
    notebook: str = ""
    cell: str = ""
    code: str = ""
    public: bool = True
    state: State = "asked"
    #: the first answer by a teacher or tutor of the course, and who gave it
    first_staff_at: dt.datetime | None = None
    first_staff_by: str = ""
    answered_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    merged_into: str = ""


@dataclass(frozen=True)
class Answer:
    """One answer to a question (by a classmate or by the staff)."""

    id: str
    question: str
    course: str
    author: str
    body: str
    at: dt.datetime
    #: written by a teacher or tutor of the course
    staff: bool = False
    endorsed: bool = False
    endorsed_by: str = ""


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def render(text: str) -> str:
    """Learner Markdown as HTML safe to show to anyone (mistune, then nh3's allow-list:
    :func:`parcours.pipeline.safehtml.clean`), no image loaded from elsewhere (it would
    tell its server who read the question, and when)."""
    import mistune

    from ..pipeline.safehtml import clean

    return clean(str(mistune.html(text)), remote_images=False)


def shown_author(author: str, reader: str, staff_reader: bool, lang: str | None = None) -> str:
    """The author's name as ``reader`` may see it: the name for the staff, "you" for the
    author, "a classmate" for everyone else."""
    if author == reader:
        return _(YOU, lang)
    if staff_reader:
        return author
    return _(CLASSMATE, lang)


def question_view(
    question: Question,
    reader: str,
    staff_reader: bool,
    *,
    due: dt.datetime | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """What ``reader`` reads of ``question`` (JSON-ready): never the asker's name unless
    the reader is on the course's staff."""
    data = asdict(question)
    data.update(
        author=shown_author(question.author, reader, staff_reader, lang),
        mine=question.author == reader,
        title=question.title,
        body_html=render(question.body),
        code=question.code,
        asked_at=_iso(question.asked_at),
        first_staff_at=_iso(question.first_staff_at),
        answered_at=_iso(question.answered_at),
        resolved_at=_iso(question.resolved_at),
    )
    if not staff_reader:
        data.pop("first_staff_by")
    if due is not None:
        data["due"] = due.isoformat()
    return data


def answer_view(
    answer: Answer, reader: str, staff_reader: bool, lang: str | None = None
) -> dict[str, Any]:
    """What ``reader`` reads of ``answer``: staff answers are signed (staff act in their
    name), a classmate's answer is anonymous to classmates."""
    data = asdict(answer)
    shown = answer.author if answer.staff else None
    data.update(
        author=shown or shown_author(answer.author, reader, staff_reader, lang),
        mine=answer.author == reader,
        body_html=render(answer.body),
        at=_iso(answer.at),
    )
    if not staff_reader:
        data.pop("endorsed_by")
    return data
