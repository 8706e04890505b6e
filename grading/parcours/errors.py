"""One exception root for Parcours; every message says what, where, and what to do.

The CLI turns any :class:`ParcoursError` into its message on stderr and the exit status
in :attr:`ParcoursError.exit_status` (2 for bad input), never a traceback. Every command
exits with one of the :class:`ExitStatus` values (README, "Exit statuses").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Self


class ExitStatus(IntEnum):
    """What every ``parcours`` command's exit status means (one scheme for all)."""

    #: done, nothing to report
    CLEAN = 0
    #: the command itself failed (a store or gradebook unwritable, a server not started)
    FAILURE = 1
    #: bad input: a course, assignment, learner or option value that is wrong
    BAD_INPUT = 2
    #: done, with problems for the user to look at, each listed (learner and reason)
    PROBLEMS = 3
    #: interrupted (Ctrl-C)
    INTERRUPTED = 130


class ParcoursError(Exception):
    """Root of every error Parcours raises on purpose.

    Every subclass survives a process boundary (pickle: multiprocessing, Dask, the fork
    server) with the same message and attributes, whatever its ``__init__`` takes.

    Messages raised below the CLI name settings and arguments in a teacher's words, never
    a command-line flag: they set :attr:`argument` to the Python name of the argument at
    fault (``to``, ``until``) and the CLI adds the flag that gave it, if any.
    """

    #: exit status the CLI uses for this error
    exit_status: int = ExitStatus.FAILURE
    #: the argument or setting at fault, by its Python name ('' if none)
    argument: str = ""

    def about(self, argument: str) -> Self:
        """This error, saying which argument is at fault (see :attr:`argument`)."""
        self.argument = argument
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls ``cls(*self.args)``: wrong for a subclass whose
        # __init__ takes something else than its message (CourseError takes problems).
        return (_rebuild_error, (type(self), self.args), self.__dict__ or None)


def _rebuild_error(cls: type[ParcoursError], args: tuple[Any, ...]) -> ParcoursError:
    """Unpickle a :class:`ParcoursError` without calling its ``__init__``: its message
    (``args``) as it was; its attributes follow as pickle state."""
    return cls.__new__(cls, *args)


class BadInputError(ParcoursError):
    """Something a user wrote (manifest, notebook, command-line value) is wrong."""

    exit_status = ExitStatus.BAD_INPUT


class ConfigurationError(BadInputError):
    """A ``jupyter_config.py`` or a configuration value is wrong."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a course: where it is and what to do about it."""

    #: file the problem is in, relative to the project when possible
    file: str
    #: what is wrong
    message: str
    #: key path (``modules[1].lessons[0].minutes``) or cell (``cell 4 (id 'q1')``), if any
    where: str = ""
    #: what the author should do
    fix: str = ""

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}" if self.where else self.file
        text = f"{place}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


def _english_heading(count: int) -> str:
    return f"{count} problem{'s' if count != 1 else ''} found:"


#: the first line of a :class:`CourseError`, "N problems found:", in the user's language:
#: :mod:`.i18n` (a layer above, which raises these errors) puts its own here when imported
problems_heading: Callable[[int], str] = _english_heading


class CourseError(BadInputError):
    """A course's manifest or notebooks are invalid; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        lines = [problems_heading(count)]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class GradingError(ParcoursError):
    """The grading pipeline could not do what was asked (not a learner's broken work:
    that is graded with a recorded reason, never raised)."""


class SchedulerError(BadInputError):
    """The Dask scheduler named by ``--scheduler`` or ``grading_scheduler`` cannot be used
    (unreachable, not a scheduler, no workers, dask.distributed not installed); raised
    before anything is graded or recorded."""


class EventStoreError(ParcoursError):
    """The event store cannot be opened or written."""


class DataError(ParcoursError):
    """Analytics inputs (gradebook, events, manifests) are missing or inconsistent."""


class InvalidEventError(EventStoreError):
    """An event does not follow its schema; names the event, the field and the problem."""
