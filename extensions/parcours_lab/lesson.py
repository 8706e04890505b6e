"""The lesson authoring API: one session per lesson notebook.

::

    from parcours_lab import lesson
    L = lesson.start("analyse-de-donnees", "l01-decouvrir")   # records 'opened'
    L.quiz("l01-q1")          # one question of courses/<id>/quizzes/l01-decouvrir.yaml
    L.section("series")       # records a section completed
    L.reflection()            # the lesson's end: reflection form, lesson completed
    L.satisfaction()          # module satisfaction (last lesson of a module)

A section or the lesson counts as completed when the learner reaches it *after answering*
every question shown before it: run by "Run All" before any answer, it is recorded when
the last of those questions gets its first answer (a lesson without questions is
completed when its end is reached). Nothing is recorded for the learner that they did
not do.

The learner is ``JUPYTERHUB_USER``, else ``ParcoursConfig.learner``, else the OS user; events
carry only the pseudonymous id. ``PARCOURS_EVENTS=off`` shows everything, records nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from parcours.errors import BadInputError
from parcours.i18n import _
from parcours.store import Event

from .context import CourseContext, actor, course_context
from .recorder import Outcome, Recorder
from .ui import record

if TYPE_CHECKING:
    from .quiz.widgets import QuizWidget
    from .reflection import ReflectionWidget
    from .satisfaction import SatisfactionWidget


class LessonSession:
    """A learner's visit to one lesson: shows its widgets and records its progress."""

    def __init__(
        self,
        ctx: CourseContext,
        lesson: str,
        *,
        version: str = "",
        recorder: Recorder | None = None,
        lang: str | None = None,
    ):
        self.ctx = ctx
        self.course = ctx.id
        self.lesson = lesson
        self.version = version
        self.recorder = recorder
        self._lang_given = lang
        self.lang = lang or ctx.language
        self.actor = actor()
        self.opened_at = time.monotonic()
        self._last_mark = self.opened_at
        self.sections: list[str] = []
        self.quizzes: dict[str, QuizWidget] = {}
        self.completed = False
        self.last_outcome: Outcome | None = None
        #: sections (and the lesson's end, None) reached before their questions were
        #: answered: recorded when the last of those questions is answered
        self._waiting: list[tuple[str | None, list[str]]] = []

    @property
    def time_on_task(self) -> float:
        """Seconds since the lesson was opened in this kernel."""
        return time.monotonic() - self.opened_at

    def _extra(self, **values: Any) -> dict[str, Any]:
        return ({"version": self.version} if self.version else {}) | values

    def _record(self, **values: Any) -> Outcome | None:
        event = Event.make(actor=self.actor, course=self.course, lesson=self.lesson, **values)
        self.last_outcome, notice = record(event, self.lang, self.recorder)
        if notice:
            import ipywidgets as w
            from IPython.display import display

            display(w.HTML(notice))
        return self.last_outcome

    def open(self) -> LessonSession:
        """Record that the lesson was opened (and, when the kernel stops before the lesson
        is completed, the time spent as 'progressed')."""
        self._record(
            verb="opened", object_type="lesson", object_id=self.lesson, extra=self._extra()
        )
        import atexit

        atexit.register(self._on_exit)
        return self

    def _on_exit(self) -> None:
        if self.completed:
            return
        self.completed = True
        event = Event.make(
            actor=self.actor,
            course=self.course,
            lesson=self.lesson,
            verb="progressed",
            object_type="lesson",
            object_id=self.lesson,
            duration_s=round(self.time_on_task, 3),
            extra=self._extra(sections=self.sections, questions_answered=self._answered()),
        )
        record(event, self.lang, self.recorder)  # a spooled event is flushed next session

    def _answered(self) -> int:
        return sum(1 for q in self.quizzes.values() if q.attempt)

    def quiz(self, question_id: str) -> QuizWidget:
        """Show question ``question_id`` of this lesson's bank; every check is recorded."""
        from .quiz.locate import bank_for
        from .quiz.widgets import QuizWidget

        bank = bank_for(self.ctx, self.lesson)
        question = bank.question(question_id)
        widget = QuizWidget(
            question,
            course=self.course,
            actor=self.actor,
            lang=self._lang_given or bank.language or self.lang,
            recorder=self.recorder,
            extra=self._extra(),
            on_attempt=self._after_attempt,
        )
        self.quizzes[question_id] = widget
        return widget.show()

    def _unanswered(self) -> list[str]:
        return [qid for qid, q in self.quizzes.items() if not q.attempt]

    def _after_attempt(self, _widget: QuizWidget) -> None:
        """A question was answered: record what was waiting for it, in order."""
        while self._waiting:
            slug, questions = self._waiting[0]
            if any(not self.quizzes[qid].attempt for qid in questions):
                return
            self._waiting.pop(0)
            if slug is None:
                self.complete()
            else:
                self._record_section(slug)

    def section(self, slug: str) -> Outcome | None:
        """Record that the learner reached the end of section ``slug`` (time since the
        previous section, or since the lesson was opened)."""
        if not slug or "#" in slug:
            raise BadInputError(
                _("lesson.section: {slug!r} is not a section name (no '#')", lang=self.lang).format(
                    slug=slug
                )
            )
        waiting = self._unanswered()
        if waiting or self._waiting:
            self._waiting.append((slug, waiting))
            return None
        return self._record_section(slug)

    def _record_section(self, slug: str) -> Outcome | None:
        now = time.monotonic()
        duration, self._last_mark = now - self._last_mark, now
        self.sections.append(slug)
        return self._record(
            verb="completed",
            object_type="section",
            object_id=f"{self.lesson}#{slug}",
            duration_s=round(duration, 3),
            extra=self._extra(elapsed_s=round(now - self.opened_at, 3)),
        )

    def complete(self) -> Outcome | None:
        """Record the lesson completed with its time on task (once per session)."""
        if self.completed:
            return None
        self.completed = True
        return self._record(
            verb="completed",
            object_type="lesson",
            object_id=self.lesson,
            duration_s=round(self.time_on_task, 3),
            extra=self._extra(sections=self.sections, questions_answered=self._answered()),
        )

    def end(self) -> Outcome | None:
        """The learner reached the lesson's end: completed now if every question shown
        has been answered, else when the last of them is."""
        waiting = self._unanswered()
        if waiting or self._waiting:
            self._waiting.append((None, waiting))
            return None
        return self.complete()

    def reflection(self) -> ReflectionWidget:
        """The lesson's end (see :meth:`end`) and the reflection form (minutes
        pre-filled)."""
        from .reflection import ReflectionWidget

        self.end()
        return ReflectionWidget(
            self.course,
            object_type="lesson",
            object_id=self.lesson,
            actor=self.actor,
            lang=self.lang,
            minutes=max(1, round(self.time_on_task / 60)),
            recorder=self.recorder,
            extra=self._extra(),
        ).show()

    def satisfaction(self) -> SatisfactionWidget:
        """Show the satisfaction form of the module this lesson belongs to."""
        from .satisfaction import SatisfactionWidget

        module = self.ctx.lesson_module.get(self.lesson, self.lesson)
        return SatisfactionWidget(
            self.course,
            module,
            actor=self.actor,
            lesson=self.lesson,
            lang=self.lang,
            recorder=self.recorder,
            extra=self._extra(),
        ).show()


def start(
    course: str,
    lesson: str,
    *,
    version: str = "",
    recorder: Recorder | None = None,
    lang: str | None = None,
) -> LessonSession:
    """Open lesson ``lesson`` of ``course`` (an id, or a course folder path): records
    'opened' and returns the session whose methods show the lesson's widgets."""
    ctx = course_context(course)
    ctx.require_lesson(lesson)
    return LessonSession(ctx, lesson, version=version, recorder=recorder, lang=lang).open()
