"""The tutors' reminder: the open questions of a course near or over its commitment, by
e-mail to the course's ``[tutoring] notify`` addresses, through the SMTP settings the
learners' reminders use (``ParcoursConfig.smtp_*``). Safe from cron: each question is
reminded once when near (``tutoring_near_hours`` working hours before it is due) and once
when over; what was sent is kept in ``<data_dir>/courses/<course>/tutoring-reminders.jsonl``
(locked while a run works, so two runs at once cannot both send).

And the learners' e-mail when the staff answer a question they asked to be told of
(:func:`send_answer_mail`), through the same settings.
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import mail
from ..errors import ParcoursError
from ..i18n import _, language, ngettext, number
from ..safetext import excerpt, printable
from .desk import Desk, Reader

if TYPE_CHECKING:
    from ..config import ParcoursConfig

LEDGER = "tutoring-reminders.jsonl"


@dataclass
class Report:
    """What a run did: the reminder keys sent, and to whom; what failed."""

    sent: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def ledger_path(config: ParcoursConfig, course: str) -> Path:
    """The course's ledger of tutors' reminders."""
    return Path(config.data_dir) / "courses" / course / LEDGER


def _sent(path: Path) -> set[str]:
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["key"] for line in lines if line.strip()}


def due(desk: Desk, sent: set[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(key, question as the staff read it) for each open question near or over the delay
    and not reminded of yet at this stage; the latest first."""
    found = []
    for view in desk.questions(Reader("parcours-reminder", True)):
        if view["state"] != "asked" or not view["near"]:
            continue
        key = f"{view['id']}:{'over' if view['late'] else 'near'}"
        if key not in (sent or set()):
            found.append((key, view))
    return found


def _body(desk: Desk, items: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        _(
            "Questions of the course '{course}' near or over the committed delay "
            "({hours} working hours to a first answer):"
        ).format(course=desk.course.title, hours=number(desk.response_hours, decimals=1)),
        "",
    ]
    for _key, view in items:
        left = view["remaining_hours"]
        when = (
            _("over the delay by {hours} working hours").format(hours=number(-left, decimals=1))
            if left < 0
            else _("due in {hours} working hours").format(hours=number(left, decimals=1))
        )
        place = view["activity"] or _("the panel")
        lines.append(
            f"- {excerpt(view['title'], 120)} ({excerpt(place, 64)}; {when}) [{view['id']}]"
        )
    lines += [
        "",
        _("Answer them with: parcours questions {course} list").format(course=desk.course.id),
    ]
    return "\n".join(lines)


def send_tutor_reminders(config: ParcoursConfig, desk: Desk) -> Report:
    """E-mail the course's ``notify`` addresses the questions near or over the delay not
    reminded of yet (one message listing them); record what was sent."""
    report = Report()
    course = desk.course
    addresses = list(course.tutoring.notify)
    if not addresses:
        return report
    path = ledger_path(config, course.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        items = due(desk, _sent(path))
        if not items:
            return report
        with language(course.language):
            subject = ngettext(
                "[{course}] {n} question near or over the delay",
                "[{course}] {n} questions near or over the delay",
                len(items),
            ).format(course=course.id, n=len(items))
            message = mail.message(config, addresses, subject, _body(desk, items))
        try:
            mail.send(config, message, _("the tutors' reminder (tried again next run)"))
        except ParcoursError:
            report.failed = [key for key, _view in items]
            raise
        now = desk.now().isoformat()
        for key, _view in items:
            handle.write(json.dumps({"key": key, "at": now, "to": addresses}) + "\n")
            report.sent.append(key)
        report.to = addresses
    return report


def send_answer_mail(config: ParcoursConfig, desk: Desk, answer: dict[str, Any]) -> list[str]:
    """E-mail those who asked to be told (``mail`` when asking: the asker, and who asked a
    duplicate merged into it) that the staff answered their question: the answer's
    text, who gave it, where to read it. Sent to the roster's address of each; nothing
    for a classmate's answer, nor to the one who wrote it. Returns the learners e-mailed;
    a ParcoursError when the SMTP server refuses (the answer itself is kept)."""
    from ..pipeline.roster import load_roster

    if not answer.get("staff") or not (config.smtp_host and config.smtp_sender):
        return []  # a classmate's answer; or no SMTP server: e-mail is off
    question = desk.store.question(desk.course.id, str(answer["question"]))
    if question is None:
        return []
    wanted = [p for p in desk.store.mailed(question.id) if p != answer["author"]]
    roster = load_roster(config, desk.course).learners
    to = [(p, roster[p].email) for p in wanted if p in roster and roster[p].email]
    if not to:
        return []
    course = desk.course
    with language(course.language):
        subject = _("[{course}] Your question has an answer").format(course=course.id)
        body = "\n".join(
            [
                _('{by} answered your question "{title}":').format(
                    by=answer["author"], title=excerpt(question.title, 200)
                ),
                "",
                printable(str(answer["body"])[:4000]),
                "",
                _(
                    'Read it, and the other answers, in the "Mon parcours" panel of your '
                    "JupyterLab (course '{course}')."
                ).format(course=course.title),
            ]
        )
        message = mail.message(config, [address for _p, address in to], subject, body)
    told = ", ".join(p for p, _a in to)
    what = _("the e-mail telling {learners} of the answer").format(learners=told)
    mail.send(config, message, what)
    return [p for p, _address in to]
