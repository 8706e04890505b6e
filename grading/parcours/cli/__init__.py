"""The ``parcours`` command: a thin, lazily imported layer over the Python API.

Each command lives in its own module of this package with two functions:

* ``add_arguments(parser)`` declares its options (the module must import nothing heavy);
* ``run(args, config) -> ExitStatus`` does the work by calling the plain API functions,
  and returns the exit status (one scheme for every command:
  :class:`~parcours.errors.ExitStatus`, README "Exit statuses").

``parcours --help`` imports none of them, so it answers in a few tens of milliseconds.
Any :class:`~parcours.errors.ParcoursError` becomes its message on stderr and its
exit status (2 for bad input), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence

from parcours.errors import ExitStatus, ParcoursError
from parcours.i18n import LANGUAGES, N_, _, language
from parcours.safetext import printable

#: command -> (module, role, one-line help). The order is the order of the help text.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": (
        "check",
        "teacher",
        N_("validate a course: manifest, notebooks, lessons run, solutions pass"),
    ),
    "release": (
        "release",
        "teacher",
        N_("release an assignment to everyone, a group or named learners"),
    ),
    "roster": ("roster", "teacher", N_("list, import, add or remove the learners of a course")),
    "extend": ("extend", "teacher", N_("give a learner an extension on an assignment")),
    "collect": (
        "collect",
        "teacher",
        N_("collect submissions from the exchange (teacher-side timestamps)"),
    ),
    "autograde": (
        "autograde",
        "teacher",
        N_("autograde collected submissions in parallel, sandboxed"),
    ),
    "formgrader": ("formgrader", "teacher", N_("grade by hand: nbgrader's formgrader of a course")),
    "peer": ("peer", "teacher", N_("peer review: allocate reviews, follow them, grades from them")),
    "questions": (
        "questions",
        "teacher",
        N_("tutoring: list, show and answer a course's questions; figures; reminder"),
    ),
    "feedback": (
        "feedback",
        "teacher",
        N_("release feedback, and the correction after the due date"),
    ),
    "fetch": ("fetch", "learner", N_("fetch a released assignment into your folder")),
    "submit": ("submit", "learner", N_("submit your work on an assignment")),
    "deadlines": ("deadlines", "learner", N_("show your assignments, due dates and extensions")),
    "review": ("review", "learner", N_("your spaced-repetition review queue for today")),
    "report": (
        "report",
        "coordinator",
        N_("per-learner and per-question results as csv, json or xlsx"),
    ),
    "groups": (
        "groups",
        "coordinator",
        N_("level bands, complementary pairs or teams for a skill"),
    ),
    "dashboard": ("dashboard", "coordinator", N_("serve the Voila dashboards on 127.0.0.1")),
    "demo": (
        "demo",
        "everyone",
        N_("build the demo course and cohort, run the pipeline, serve it all"),
    ),
    "hub": (
        "hub",
        "administrator",
        N_("serve Parcours on JupyterHub: everyone logs in as themselves"),
    ),
    "accounts": (
        "accounts",
        "administrator",
        N_("the hub's accounts from the rosters: sync, list, reset a password"),
    ),
    "config": ("config", "everyone", N_("show the configuration in force and where it comes from")),
    "sheet": ("sheet", "coordinator", N_("the public course sheet (Qualiopi) as HTML and PDF")),
    "evidence": (
        "evidence",
        "coordinator",
        N_("evidence packs of learners' activity and results, and their hash check"),
    ),
    "certificate": ("certificate", "coordinator", N_("certificates of completion (PDF)")),
    "followup": ("followup", "coordinator", N_("record and list tutors' follow-ups of learners")),
    "remind": ("remind", "coordinator", N_("send due e-mail reminders (safe from cron)")),
    "privacy": ("privacy", "administrator", N_("GDPR: export or erase a learner, purge old data")),
    "lti": ("lti", "teacher", N_("the LMS (LTI 1.3): pass scores back, sync the roster")),
    "lrs": ("lrs", "administrator", N_("send learners' events to a learning record store (xAPI)")),
    "badges": ("badges", "teacher", N_("Open Badges 3.0: issue, revoke and list badges")),
}

#: the heading of each role's commands in ``parcours --help``
ROLES = {
    "teacher": N_("teacher commands:"),
    "learner": N_("learner commands:"),
    "coordinator": N_("coordinator commands:"),
    "administrator": N_("administrator commands:"),
    "everyone": N_("commands for everyone:"),
}


def _global_help() -> str:
    lines = [
        _("usage: ") + "parcours COMMAND [options]",
        "",
        _("Parcours: Jupyter courseware and grading for asynchronous learning."),
        _("Settings come from jupyter_config.py (the project's, then ~/.jupyter's)."),
        "",
    ]
    for role, heading in ROLES.items():
        lines.append(_(heading))
        for name, (_module, who, text) in COMMANDS.items():
            if who == role:
                lines.append(f"  {name:<11} {_(text)}")
        lines.append("")
    lines.append(_("Run 'parcours COMMAND --help' for a command's options."))
    return "\n".join(lines)


def _asked_language(argv: Sequence[str]) -> str:
    """The language of what is printed before the command line is parsed (``--help``,
    ``parcours --help``, argument errors): ``--lang`` if given, else the configured one
    (``--root``'s ``jupyter_config.py``, read without importing any command). A
    configuration that cannot be read leaves ``parcours --help`` in English (the command
    itself then says what is wrong with the file)."""
    from parcours.i18n import choose_language

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    early.add_argument("--root")
    known, _rest = early.parse_known_args(list(argv))
    if known.lang:
        return choose_language(known.lang)
    from pathlib import Path

    from parcours.config import load_config

    root = Path(known.root) if known.root else None
    in_a_command = bool(argv) and argv[0] in COMMANDS
    try:
        return choose_language(None, None, load_config(root).language)
    except ParcoursError:
        if in_a_command:
            raise
        return choose_language("en")


def _common_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(_("common options"))
    group.add_argument(
        "--root", help=_("project folder holding courses/ and jupyter_config.py (default: found)")
    )
    group.add_argument(
        "--data-dir", help=_("runtime data folder (default: from jupyter_config.py)")
    )
    group.add_argument("--lang", choices=list(LANGUAGES), help=_("language of messages"))


def build_parser(command: str) -> argparse.ArgumentParser:
    """The argument parser of one command (imports only that command's module)."""
    module_name, _role, text = COMMANDS[command]
    module = importlib.import_module(f"{__name__}.{module_name}")
    parser = argparse.ArgumentParser(
        prog=f"parcours {command}",
        description=_(module.__doc__ or text).strip(),
        formatter_class=_HelpFormatter,
        add_help=False,
    )
    # argparse's own words, in the language in force too
    parser._positionals.title = _("positional arguments")
    parser._optionals.title = _("options")
    parser.add_argument("-h", "--help", action="help", help=_("show this help and exit"))
    module.add_arguments(parser)
    _common_options(parser)
    return parser


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The description as written (paragraphs, examples); "usage:" translated."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


def _option(parser: argparse.ArgumentParser, argument: str) -> str:
    """The command-line option that sets ``argument`` (its Python name), or ''."""
    for action in parser._actions:  # argparse has no public list of a parser's options
        if argument and action.dest == argument and action.option_strings:
            return max(action.option_strings, key=len)
    return ""


def _hand_over(config: object, course: str) -> None:
    """On a hub machine, a teacher command run as root leaves the course's nbgrader folder
    to the course's grader account (its formgrader writes there); nothing otherwise."""
    import os

    if os.geteuid() == 0:
        from pathlib import Path

        from parcours.hub.accounts import hand_over_course

        hand_over_course(config, Path(course).name)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``parcours`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    from parcours.cli._argparse import argparse_in_language

    try:
        with language(_asked_language(args_list)), argparse_in_language():
            return _main(args_list)
    except ParcoursError as exc:  # a broken configuration, before any command ran
        print(f"parcours: {printable(exc)}", file=sys.stderr)
        return exc.exit_status


def _main(args_list: list[str]) -> int:
    """:func:`main` in the language asked for."""
    if not args_list or args_list[0] in {"-h", "--help", "help"}:
        print(_global_help())
        return ExitStatus.CLEAN if args_list else ExitStatus.BAD_INPUT
    if args_list[0] == "--version":
        from parcours import __version__

        print(f"parcours {__version__}")
        return ExitStatus.CLEAN
    command, rest = args_list[0], args_list[1:]
    if command not in COMMANDS:
        print(
            _(
                "parcours: unknown command '{command}'. Known: {known}.\n"
                "Run 'parcours --help' for what each does."
            ).format(command=command, known=", ".join(COMMANDS)),
            file=sys.stderr,
        )
        return ExitStatus.BAD_INPUT
    parser = build_parser(command)
    args = parser.parse_args(rest)

    try:
        from pathlib import Path

        from parcours.config import load_config

        config = load_config(
            Path(args.root) if args.root else None,
            data_dir=args.data_dir,
            language=args.lang,
        )
        module = importlib.import_module(f"{__name__}.{COMMANDS[command][0]}")
        from parcours.i18n import choose_language

        # messages in --lang, else the configured language (a command about one course
        # switches to the course's own inside); also what its errors are written in
        try:
            with language(choose_language(args.lang, None, config.language)):
                return int(module.run(args, config) or 0)
        finally:
            if COMMANDS[command][1] == "teacher" and getattr(args, "course", None):
                _hand_over(config, args.course)
    except ParcoursError as exc:
        option = _option(parser, exc.argument)
        # an error may quote a learner's file or folder name: shown, never obeyed
        print(f"parcours {command}: {printable(exc)}" + (f" ({option})" if option else ""),
              file=sys.stderr)  # fmt: skip
        return exc.exit_status
    except PermissionError as exc:  # a file of the data or the course closed to this account
        print(refused_message(command, exc), file=sys.stderr)
        return ExitStatus.FAILURE
    except KeyboardInterrupt:
        print(_("parcours {command}: interrupted.").format(command=command), file=sys.stderr)
        return ExitStatus.INTERRUPTED


def refused_message(command: str, exc: PermissionError) -> str:
    """What a command refused a file by the system says (no traceback): the file, the
    account, and what to do (on the hub, the courses' data is the Parcours service's)."""
    import os
    import pwd

    try:
        account = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        account = str(os.geteuid())
    return _(
        "parcours {command}: {file}: the account '{account}' may not read or change it. "
        "On the hub, the courses' data belongs to the Parcours service: release, collect, "
        "autograde, feedback and roster list go through it from your JupyterLab on the hub; "
        "run the other teacher commands as root on the hub's machine "
        "(sudo parcours {command} …)."
    ).format(command=command, file=printable(exc.filename or exc), account=account)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
