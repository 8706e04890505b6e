"""The learner's side of nbgrader's exchange: who sees which release, fetch and submit.

Differentiated release (to a group or to named learners)
--------------------------------------------------------
nbgrader's exchange has one ``outbound/<assignment>`` folder per course, readable by every
learner; it has no notion of "released to these learners only" (nbgrader #1433). Parcours
keeps nbgrader's layout untouched and adds a *release record*,
``<data_dir>/courses/<id>/releases.json`` (see :mod:`.records`), that says who each release
is for (everyone, or a list of learner ids resolved from groups at release time) and from
when (the manifest's ``opens``). nbgrader's exchange is pluggable (``ExchangeFactory``):
the three classes below are nbgrader's own list/fetch/submit with one extra check against
that record, and ``jupyter_config.py`` names them, so nbgrader's JupyterLab assignment list,
``nbgrader fetch_assignment``, ``parcours fetch``/``submit`` and the deadlines endpoint all
agree on what a learner sees.

Why not one exchange name per group (``devoir-2-groupe-a``)? Collect, autograde, the
gradebook and formgrader would then see several assignments for one piece of work, and a
learner moving group would change assignment. Why not file permissions alone? They need
one Unix group per Parcours group on a shared file system; the record works on one machine
and on JupyterHub alike. Where learners have their own Unix accounts, keep the exchange's
outbound folder readable only through Jupyter (the record is the policy; permissions, if
you add them, are a second lock).

This is a visibility policy, not a lock: on one machine, or wherever learners' processes
can read the exchange's outbound folder, a determined learner can read it directly (as
with plain nbgrader). The teacher's tools (formgrader, ``parcours``), whose nbgrader course
directory is the course root, see every release.

Releases that have no Parcours record (made with plain ``nbgrader release_assignment``)
stay visible to everyone, as nbgrader would show them. Corrections are released the same
way, under ``<assignment>-correction``, to the learners whose own due date has passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from nbgrader.exchange.default import (
    Exchange,
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from traitlets import default

from ..errors import BadInputError
from ..i18n import _, get_language
from .records import RELEASES, in_audience, learner_id, parse_time, read_record, released_to
from .submitsize import LEFT_OUT_FILE, SubmissionSize, megabytes, weigh_submission

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


class ParcoursExchange(Exchange):
    """nbgrader's exchange whose folder is ``ParcoursConfig.exchange_dir``.

    The project's ``jupyter_config.py`` does not compute ``Exchange.root``: it is read here,
    when the exchange is used, from the Parcours settings in force (the user's
    ``jupyter_config.py`` included), so that teachers and learners use one exchange.
    """

    def parcours(self) -> ParcoursConfig:
        """The Parcours settings this exchange was configured with (or, for an nbgrader
        application that has none, those of the project's configuration files)."""
        from ..config import ParcoursConfig, load_config

        if "ParcoursConfig" in self.config:
            return ParcoursConfig(config=self.config)
        return load_config()

    @default("root")
    def _default_root(self) -> str:
        return self.parcours().exchange_dir

    def ensure_directory(self, path: str, mode: int) -> None:
        """nbgrader's ("You don't own the directory"), but root uses the hub's exchange, the
        service's: what it writes is handed back (:func:`..hub.accounts.hand_over_course`)."""
        if os.geteuid() == 0 and os.path.isdir(path) and not os.path.islink(path):
            return
        super().ensure_directory(path, mode)

    def start(self) -> Any:
        """nbgrader's operation, or what ``ParcoursConfig.exchange_transport`` names does
        it (on the hub, set by the hub in learners' servers: through the Parcours service,
        whose exchange it is), given this exchange and nbgrader's own operation."""
        name = self.parcours().exchange_transport
        if not name:
            return super().start()
        from traitlets.utils.importstring import import_item

        try:
            transport = import_item(name)
        except (ImportError, ValueError) as exc:
            from ..errors import ConfigurationError

            raise ConfigurationError(
                _(
                    "c.ParcoursConfig.exchange_transport = '{name}' cannot be imported "
                    "({error}); name a function (exchange, local_start) -> result, or leave "
                    "it empty for nbgrader's own exchange."
                ).format(name=name, error=exc)
            ) from None
        return transport(self, super().start)


class ParcoursReleaseAssignment(ParcoursExchange, ExchangeReleaseAssignment):
    """nbgrader's release, into Parcours' exchange."""


class ParcoursReleaseFeedback(ParcoursExchange, ExchangeReleaseFeedback):
    """nbgrader's release of feedback, into Parcours' exchange."""


class ParcoursCollect(ParcoursExchange, ExchangeCollect):
    """nbgrader's collect, from Parcours' exchange."""


class _ReleaseRecordCheck(ParcoursExchange):
    """nbgrader exchange classes that read Parcours' release record."""

    def _learner(self) -> str:
        from ..identity import person

        student = self.coursedir.student_id
        return student if student and student != "*" else person()

    def _record(self, course_id: str) -> dict[str, Any]:
        return read_record(self.parcours().course_root(course_id) / RELEASES)["entries"]

    def _teachers_view(self, course_id: str) -> bool:
        """The teacher's tools (formgrader, ``parcours``) point nbgrader's course directory
        at the course root; a learner's Jupyter does not. The teacher sees every release."""
        root = Path(self.coursedir.root).resolve()
        return root == self.parcours().course_root(course_id).resolve()

    def _visible(self, course_id: str, assignment_id: str) -> bool:
        if self._teachers_view(course_id):
            return True
        entry = self._record(course_id).get(assignment_id)
        return entry is None or released_to(entry, self._learner())


class ParcoursExchangeList(_ReleaseRecordCheck, ExchangeList):
    """nbgrader's list, without the releases not meant for this learner."""

    def parse_assignments(self) -> list[dict[str, Any]]:
        assignments = super().parse_assignments()
        if self.inbound or self.cached:
            return assignments
        return [a for a in assignments if self._visible(a["course_id"], a["assignment_id"])]


class ParcoursFetchAssignment(_ReleaseRecordCheck, ExchangeFetchAssignment):
    """nbgrader's fetch, refused for a release not meant for this learner."""

    def init_src(self) -> None:
        super().init_src()
        if not self._visible(self.coursedir.course_id, self.coursedir.assignment_id):
            self.fail(
                _("'{assignment}' is not released to you (yet).").format(
                    assignment=self.coursedir.assignment_id
                )
            )


class ParcoursSubmit(_ReleaseRecordCheck, ExchangeSubmit):
    """nbgrader's submit, refused for a release not meant for this learner.

    A folder over nbgrader's ``max_dir_size`` (100 MB by default), which nbgrader refuses
    whole ("Directory size is too big"), is submitted without its largest files instead
    (:func:`weigh_submission`): the learner's notebook still reaches the teacher. What was
    left out is logged for the learner, kept in :attr:`weighed` and recorded in the
    submission as ``parcours-left-out.json``."""

    #: the submission as weighed by the last copy (``None`` before)
    weighed: SubmissionSize | None = None

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        from nbgrader.utils import ignore_patterns

        coursedir = self.coursedir
        weighed = weigh_submission(Path(src), 1000 * coursedir.max_dir_size,
                                   1000 * coursedir.max_file_size, coursedir.ignore,
                                   coursedir.include)  # fmt: skip
        self.weighed = weighed
        if not weighed.left_out:
            super().do_copy(src, dest, log)
            return
        if weighed.size > weighed.limit:  # the notebooks alone
            lang = get_language()
            self.fail(
                _(
                    "Directory size is too big: the notebooks alone weigh {size}, over the "
                    "limit of {limit}."
                ).format(size=megabytes(weighed.size, lang), limit=megabytes(weighed.limit, lang))
            )
        self.log.warning("%s", weighed.describe(get_language()))
        left = {os.path.join(src, name) for name, _size in weighed.left_out}
        nbgrader_rules = ignore_patterns(exclude=coursedir.ignore, include=coursedir.include,
                                         max_file_size=coursedir.max_file_size)  # fmt: skip

        def ignored(directory: str, names: list[str]) -> set[str]:
            ours = {name for name in names if os.path.join(directory, name) in left}
            return set(nbgrader_rules(directory, names)) | ours

        shutil.copytree(src, dest, ignore=ignored)
        record = {"schema_version": 1, "size": weighed.total, "limit": weighed.limit,
                  "file_limit": weighed.file_limit,
                  "left_out": [{"file": n, "bytes": b} for n, b in weighed.left_out]}  # fmt: skip
        Path(dest, LEFT_OUT_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")
        if coursedir.groupshared:  # as nbgrader's own copy does
            for directory, _dirs, names in os.walk(dest):
                with contextlib.suppress(PermissionError):
                    os.chmod(directory, (os.stat(directory).st_mode | 0o2770) & 0o2777)
                for name in names:
                    path = os.path.join(directory, name)
                    with contextlib.suppress(PermissionError):
                        os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)

    def init_release(self) -> None:
        super().init_release()
        if not self._visible(self.coursedir.course_id, self.coursedir.assignment_id):
            self.fail(
                _("'{assignment}' is not released to you, so it cannot be submitted.").format(
                    assignment=self.coursedir.assignment_id
                )
            )


class ParcoursFetchFeedback(_ReleaseRecordCheck, ExchangeFetchFeedback):
    """nbgrader's fetch of feedback, for this learner's submissions only.

    nbgrader finds feedback through the submissions kept in the account's cache
    (``<student>+<assignment>+<timestamp>``), whoever made them: on an OS account shared
    by several learners (a lab machine, ``--learner``), it would hand every one of them
    everyone's feedback. Only the asked learner's submissions are kept."""

    def init_src(self) -> None:
        super().init_src()
        import glob
        import os

        learner = self._learner()
        assignment = self.coursedir.assignment_id or "*"
        mine = {
            os.path.basename(folder).split("+")[-1]
            for folder in glob.glob(
                os.path.join(self.cache_path, f"{glob.escape(learner)}+{assignment}+*")
            )
        }
        found: list[tuple[str, str, str]] = self.feedback_files  # type: ignore[has-type]
        self.feedback_files = [f for f in found if f[1] in mine]


# -- learner commands --------------------------------------------------------------------


class LearnerPlace(TypedDict, total=False):
    """Who acts, and where, in the learner's commands (:func:`fetch`, :func:`submit`,
    :func:`fetch_feedback`)."""

    #: the learner id (default: the configured or logged-in learner, see ``learner_id``)
    learner: str | None
    #: folder holding ``<course>/<assignment>`` (default: the working directory)
    into: Path | None
    #: nbgrader's cache of the learner's submissions (default: nbgrader's)
    cache_dir: Path | None


def _learner_course(
    config: ParcoursConfig, course: Course, assignment_id: str, place: LearnerPlace
) -> tuple[str, Path, Any]:
    """The learner's id, their assignment folder and nbgrader's objects set up for them
    (after checking the assignment exists)."""
    from .gradebook import nbgrader_course

    _known(course, assignment_id)
    who = learner_id(config, place.get("learner"))
    into, cache_dir = place.get("into"), place.get("cache_dir")
    home = str(Path(into or Path.cwd()).resolve())
    extra: dict[str, Any] = {
        "CourseDirectory__root": home,  # a learner has no course root (see _teachers_view)
        "CourseDirectory__assignment_id": assignment_id,
        "CourseDirectory__student_id": who,
        "Exchange__assignment_dir": home,
    }
    if cache_dir is not None:
        extra["Exchange__cache"] = str(cache_dir)
    folder = assignment_folder(course, assignment_id, into)
    return who, folder, nbgrader_course(config, course, **extra)


def _known(course: Course, assignment_id: str) -> None:
    from .deadlines import correction_id, find_assignment

    if any(correction_id(a.id) == assignment_id for a in course.assignments):
        return
    find_assignment(course, assignment_id)


def refuse_unreleased(
    config: ParcoursConfig, course: Course, assignment_id: str, learner: str
) -> None:
    """Refuse, in the course's language and without the exchange's internal paths, to
    fetch an assignment or a correction not released to ``learner`` yet, saying when it
    will be (nbgrader would answer "Assignment not found at: …/outbound/…")."""
    from ..i18n import _, language
    from .deadlines import correction_id, correction_time, load_extensions
    from .records import now_utc

    releases = read_record(config.course_root(course.id) / RELEASES)["entries"]
    entry = releases.get(assignment_id)
    if entry is not None and released_to(entry, learner):
        return
    from ..course.zones import shown as shown_in
    from ..course.zones import zone_of

    known = {a.id: a for a in course.assignments}
    of_id = assignment_id.removesuffix("-correction")
    # the zone the assignment's dates were written in, named
    zone = zone_of(course, known.get(assignment_id) or known.get(of_id))

    def shown(moment: Any) -> str:
        return shown_in(moment, zone, course.language)

    with language(course.language):
        of = next((a for a in course.assignments if correction_id(a.id) == assignment_id), None)
        if of is not None:
            work = releases.get(of.id)
            if work is None or not in_audience(work, learner):
                raise BadInputError(
                    _(
                        "'{assignment}' is not released to you, so neither is its correction."
                    ).format(assignment=of.id)
                )
            when = correction_time(course, of, learner, load_extensions(config, course))
            if when is None:
                raise BadInputError(
                    _("The correction of '{assignment}' is not published in this course.").format(
                        assignment=of.id
                    )
                )
            if when > now_utc():
                raise BadInputError(
                    _(
                        "The correction of '{assignment}' is not published yet: it will be "
                        "after your due date, from {when}. Try again then."
                    ).format(assignment=of.id, when=shown(when))
                )
            raise BadInputError(
                _(
                    "The correction of '{assignment}' is due to be published (since {when}) "
                    "but is not yet: your teacher publishes it with their next feedback run; "
                    "try again later."
                ).format(assignment=of.id, when=shown(when))
            )
        if entry is None:
            # released without Parcours' record (plain nbgrader): let nbgrader decide
            if (Path(config.exchange_dir) / course.id / "outbound" / assignment_id).is_dir():
                return
            raise BadInputError(
                _("'{assignment}' is not released yet; it opens on {when}.").format(
                    assignment=assignment_id,
                    when=shown(course.opens(course.assignment(assignment_id))),
                )
            )
        if not in_audience(entry, learner):
            raise BadInputError(
                _("'{assignment}' is not released to you.").format(assignment=assignment_id)
            )
        raise BadInputError(
            _("'{assignment}' opens on {when}; fetch it then.").format(
                assignment=assignment_id, when=shown(parse_time(entry["opens"]))
            )
        )


def assignment_folder(course: Course, assignment_id: str, into: Path | None = None) -> Path:
    """Where a fetched assignment lands: ``<into>/<course>/<assignment>`` (nbgrader's
    ``path_includes_course``)."""
    return Path(into or Path.cwd()).resolve() / course.id / assignment_id


def fetch(
    config: ParcoursConfig, course: Course, assignment_id: str, **place: Unpack[LearnerPlace]
) -> Path:
    """Fetch a released assignment (or its correction, ``<id>-correction``) into
    ``<into>/<course>/<assignment>``. Fetching again only restores missing files: the
    learner's work is never overwritten. Returns the folder."""
    from .gradebook import run_exchange

    who, dest, nbc = _learner_course(config, course, assignment_id, place)
    refuse_unreleased(config, course, assignment_id, who)
    run_exchange(
        "FetchAssignment",
        nbc,
        f"fetch '{assignment_id}' for learner '{who}'",
        replace_missing_files=dest.is_dir(),
    )
    return dest


def submit(
    config: ParcoursConfig, course: Course, assignment_id: str, **place: Unpack[LearnerPlace]
) -> Submission:
    """Submit ``<into>/<course>/<assignment>`` to the exchange with nbgrader's submit
    (a folder too big is sent without its largest files: see :class:`ParcoursSubmit`)."""
    from .gradebook import nbgrader_log, run_app

    who, folder, nbc = _learner_course(config, course, assignment_id, place)
    if not folder.is_dir():
        raise BadInputError(
            _(
                "nothing to submit: {folder} does not exist. Fetch the assignment first "
                "('parcours fetch {course} {assignment}') and work in that folder."
            ).format(folder=folder, course=course.id, assignment=assignment_id)
        )
    app = nbc.exchange.Submit(coursedir=nbc.coursedir, authenticator=nbc.authenticator,
                              config=nbc.config, log=nbgrader_log())  # fmt: skip
    run_app(app, f"submit '{assignment_id}' for learner '{who}'")
    return Submission(folder, getattr(app, "weighed", None))


@dataclass(frozen=True)
class Submission:
    """What :func:`submit` sent."""

    #: the folder submitted
    folder: Path
    #: its weight against nbgrader's limits, with what was left out (``None`` when the
    #: configured exchange is not Parcours' own)
    weighed: SubmissionSize | None = None


def fetch_feedback(
    config: ParcoursConfig, course: Course, assignment_id: str, **place: Unpack[LearnerPlace]
) -> list[Path]:
    """Fetch the released feedback of the learner's submissions into
    ``<into>/<course>/<assignment>/feedback/<timestamp>/``; returns the HTML files."""
    from .gradebook import run_exchange

    who, folder, nbc = _learner_course(config, course, assignment_id, place)
    if not (Path(config.exchange_dir) / course.id / "feedback").is_dir():
        return []  # no feedback released in this course yet (nbgrader would name its folder)
    run_exchange("FetchFeedback", nbc, f"fetch the feedback on '{assignment_id}' for '{who}'")
    return sorted((folder / "feedback").glob("*/*.html"))
