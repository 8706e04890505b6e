"""Build the demo course and a synthetic class, run the real pipeline (release, fetch,
submit, collect, autograde, feedback) and the lesson events over several simulated weeks,
then serve Parcours on JupyterHub at 127.0.0.1 (c.ParcoursConfig.hub_port): it prints the
hub's URL and a learner, a teacher and a coordinator account with their passwords; each
logs in as themselves. As root only (each person's JupyterLab runs as their own Unix
account); --single-user (or not root) serves JupyterLab and the dashboards for one person
instead. Ctrl-C stops it all. Uses the data folder of jupyter_config.py, or --data-dir;
--reset replaces an earlier demo there."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.errors import ExitStatus
from parcours.i18n import N_, _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig

#: the demo's accounts, by role, as printed (in the user's language)
ROLE_NAMES = {"learner": N_("learner"), "teacher": N_("teacher"), "coordinator": N_("coordinator")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--learners", type=int, default=40, help=_("learners in the synthetic class (default 40)")
    )
    parser.add_argument(
        "--no-serve", action="store_true", help=_("build the demo data, do not start the servers")
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help=_("replace the Parcours data already in the data folder"),
    )
    parser.add_argument(
        "--check-lessons",
        action="store_true",
        help=_("also execute every lesson notebook while checking the course"),
    )
    parser.add_argument(
        "--single-user",
        action="store_true",
        help=_(
            "serve JupyterLab and the dashboards for one person on this "
            "machine (no hub, no accounts; not a security boundary)"
        ),
    )
    parser.add_argument(
        "--seed", type=int, help=_("random seed (default: c.ParcoursConfig.random_seed)")
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours.demo import build_demo, serve
    from parcours.i18n import display, number

    result = build_demo(
        config,
        args.learners,
        seed=args.seed if args.seed is not None else config.random_seed,
        reset=args.reset,
        check_lessons=args.check_lessons,
    )
    print(
        _(
            "5/5 done in {seconds} s: {learners} learners, {submissions} submissions graded "
            "on real kernels, {events} events; class seen as of {now}."
        ).format(
            seconds=number(result.seconds.get("total", 0), decimals=0),
            learners=result.learners,
            submissions=result.submissions,
            events=result.events,
            now=display.moment(result.now, result.zone),
        )
    )
    if args.no_serve:
        return ExitStatus.CLEAN
    import os

    if not args.single_user and os.geteuid() == 0:
        return _serve_hub(config, result.now)
    if not args.single_user:
        print(
            _(
                "Not root: serving for one person on this machine (the hub needs root to run "
                "each person's JupyterLab as their own account)."
            )
        )
    servers = serve(
        config, result.now, lab_port=config.lab_port, dashboard_port=config.dashboard_port
    )
    try:
        print(_("Serving (Ctrl-C to stop):"))
        print(f"  JupyterLab   {servers.lab_url}")
        for name in ("coordinator", "teacher", "learner"):
            extra = {"learner": "apprenant00000"} if name == "learner" else {}
            print(f"  {name:<12} {servers.dashboards.url(name, **extra)}")
        servers.lab.wait()
    except KeyboardInterrupt:
        print(_("stopping…"))
    finally:
        servers.stop()
    return ExitStatus.CLEAN


def login_lines(passwords: dict[str, str]) -> str:
    """The demo's accounts as printed: ``passwords`` by ``"<role>:<name>"`` (role:
    learner, teacher or coordinator), in the current language."""
    lines = [_("Log in as:")]
    for key, password in passwords.items():
        role, name = key.split(":", 1)
        lines.append(
            _("  {role:<12} {name:<16} password {password}").format(
                role=_(ROLE_NAMES[role]), name=name, password=password
            )
        )
    return "\n".join(lines)


def _serve_hub(config: ParcoursConfig, now: object) -> ExitStatus:
    import signal

    from parcours.demo import serve_hub
    from parcours.hub.accounts import PASSWORDS_FILE

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    hub, passwords = serve_hub(config, now)  # type: ignore[arg-type]
    try:
        print(
            _("Parcours on JupyterHub: {url}  (log: {file}; Ctrl-C stops it)").format(
                url=hub.url, file=hub.log_path
            )
        )
        print(login_lines(passwords))
        print(_("Every account's password: {file}").format(file=config.hub_dir / PASSWORDS_FILE))
        hub.wait()
    except KeyboardInterrupt:
        print(_("stopping…"))
    finally:
        hub.stop()
    return ExitStatus.CLEAN
