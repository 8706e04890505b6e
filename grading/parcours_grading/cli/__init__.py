"""The ``parcours`` command: a thin, lazily imported layer over the Python API.

Each command lives in its own module of this package with two functions:

* ``add_arguments(parser)`` declares its options (the module must import nothing heavy);
* ``run(args, config) -> ExitStatus`` does the work by calling the plain API functions,
  and returns the exit status (one scheme for every command:
  :class:`~parcours_grading.errors.ExitStatus`, README "Exit statuses").

``parcours --help`` imports none of them, so it answers in a few tens of milliseconds.
Any :class:`~parcours_grading.errors.ParcoursError` becomes its message on stderr and its
exit status (2 for bad input), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from parcours_grading.errors import ExitStatus

#: command -> (module, role, one-line help). The order is the order of the help text.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": (
        "check",
        "teacher",
        "validate a course: manifest, notebooks, lessons run, solutions pass",
    ),
    "release": (
        "release",
        "teacher",
        "release an assignment to everyone, a group or named learners",
    ),
    "roster": ("roster", "teacher", "list, import, add or remove the learners of a course"),
    "extend": ("extend", "teacher", "give a learner an extension on an assignment"),
    "collect": (
        "collect",
        "teacher",
        "collect submissions from the exchange (teacher-side timestamps)",
    ),
    "autograde": ("autograde", "teacher", "autograde collected submissions in parallel, sandboxed"),
    "formgrader": ("formgrader", "teacher", "grade by hand: nbgrader's formgrader of a course"),
    "feedback": ("feedback", "teacher", "release feedback, and the correction after the due date"),
    "fetch": ("fetch", "learner", "fetch a released assignment into your folder"),
    "submit": ("submit", "learner", "submit your work on an assignment"),
    "deadlines": ("deadlines", "learner", "show your assignments, due dates and extensions"),
    "review": ("review", "learner", "your spaced-repetition review queue for today"),
    "report": (
        "report",
        "coordinator",
        "per-learner and per-question results as csv, json or xlsx",
    ),
    "groups": ("groups", "coordinator", "level bands, complementary pairs or teams for a skill"),
    "dashboard": ("dashboard", "coordinator", "serve the Voila dashboards on 127.0.0.1"),
    "demo": (
        "demo",
        "everyone",
        "build the demo course and cohort, run the pipeline, serve it all",
    ),
    "hub": ("hub", "administrator", "serve Parcours on JupyterHub: everyone logs in as themselves"),
    "accounts": (
        "accounts",
        "administrator",
        "the hub's accounts from the rosters: sync, list, reset a password",
    ),
    "config": ("config", "everyone", "show the configuration in force and where it comes from"),
    "sheet": ("sheet", "coordinator", "the public course sheet (Qualiopi) as HTML and PDF"),
    "evidence": (
        "evidence",
        "coordinator",
        "evidence packs of learners' activity and results, and their hash check",
    ),
    "certificate": ("certificate", "coordinator", "certificates of completion (PDF)"),
    "followup": ("followup", "coordinator", "record and list tutors' follow-ups of learners"),
    "remind": ("remind", "coordinator", "send due e-mail reminders (safe from cron)"),
    "privacy": ("privacy", "administrator", "GDPR: export or erase a learner, purge old data"),
}

EPILOG_EN = "Run 'parcours COMMAND --help' for a command's options."


def _global_help() -> str:
    lines = [
        "usage: parcours COMMAND [options]",
        "",
        "Parcours: Jupyter courseware and grading for asynchronous learning.",
        "Settings come from jupyter_config.py (the project's, then ~/.jupyter's).",
        "",
    ]
    for role in ("teacher", "learner", "coordinator", "administrator", "everyone"):
        lines.append(f"{role} commands:")
        for name, (_module, who, text) in COMMANDS.items():
            if who == role:
                lines.append(f"  {name:<11} {text}")
        lines.append("")
    lines.append(EPILOG_EN)
    return "\n".join(lines)


def _common_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("common options")
    group.add_argument(
        "--root", help="project folder holding courses/ and jupyter_config.py (default: found)"
    )
    group.add_argument("--data-dir", help="runtime data folder (default: from jupyter_config.py)")
    group.add_argument("--lang", choices=["fr", "en"], help="language of messages")


def build_parser(command: str) -> argparse.ArgumentParser:
    """The argument parser of one command (imports only that command's module)."""
    module_name, _role, text = COMMANDS[command]
    module = importlib.import_module(f"{__name__}.{module_name}")
    parser = argparse.ArgumentParser(
        prog=f"parcours {command}",
        description=(module.__doc__ or text).strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(parser)
    _common_options(parser)
    return parser


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

        from parcours_grading.hub.accounts import hand_over_course

        hand_over_course(config, Path(course).name)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``parcours`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] in {"-h", "--help", "help"}:
        print(_global_help())
        return ExitStatus.CLEAN if args_list else ExitStatus.BAD_INPUT
    if args_list[0] == "--version":
        from parcours_grading import __version__

        print(f"parcours {__version__}")
        return ExitStatus.CLEAN
    command, rest = args_list[0], args_list[1:]
    if command not in COMMANDS:
        print(
            f"parcours: unknown command '{command}'. Known: {', '.join(COMMANDS)}.\n"
            "Run 'parcours --help' for what each does.",
            file=sys.stderr,
        )
        return ExitStatus.BAD_INPUT
    parser = build_parser(command)
    args = parser.parse_args(rest)

    from parcours_grading.errors import ParcoursError

    try:
        from pathlib import Path

        from parcours_grading.config import load_config

        config = load_config(
            Path(args.root) if args.root else None,
            data_dir=args.data_dir,
            language=args.lang,
        )
        module = importlib.import_module(f"{__name__}.{COMMANDS[command][0]}")
        from parcours_grading.i18n import choose_language, language

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
        print(f"parcours {command}: {exc}" + (f" ({option})" if option else ""),
              file=sys.stderr)  # fmt: skip
        return exc.exit_status
    except KeyboardInterrupt:
        print(f"parcours {command}: interrupted.", file=sys.stderr)
        return ExitStatus.INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
