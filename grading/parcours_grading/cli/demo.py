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

from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--learners", type=int, default=40, help="learners in the synthetic class (default 40)"
    )
    parser.add_argument(
        "--no-serve", action="store_true", help="build the demo data, do not start the servers"
    )
    parser.add_argument(
        "--reset", action="store_true", help="replace the Parcours data already in the data folder"
    )
    parser.add_argument(
        "--check-lessons",
        action="store_true",
        help="also execute every lesson notebook while checking the course",
    )
    parser.add_argument(
        "--single-user",
        action="store_true",
        help="serve JupyterLab and the dashboards for one person on this "
        "machine (no hub, no accounts; not a security boundary)",
    )
    parser.add_argument(
        "--seed", type=int, help="random seed (default: c.ParcoursConfig.random_seed)"
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours_grading.demo import build_demo, serve

    result = build_demo(
        config,
        args.learners,
        seed=args.seed if args.seed is not None else config.random_seed,
        reset=args.reset,
        check_lessons=args.check_lessons,
    )
    print(
        f"5/5 done in {result.seconds.get('total', 0):.0f} s: {result.learners} learners, "
        f"{result.submissions} submissions graded on real kernels, {result.events} events; "
        f"class seen as of {result.now:%Y-%m-%d %H:%M} UTC."
    )
    if args.no_serve:
        return ExitStatus.CLEAN
    import os

    if not args.single_user and os.geteuid() == 0:
        return _serve_hub(config, result.now)
    if not args.single_user:
        print(
            "Not root: serving for one person on this machine (the hub needs root to run "
            "each person's JupyterLab as their own account)."
        )
    servers = serve(
        config, result.now, lab_port=config.lab_port, dashboard_port=config.dashboard_port
    )
    try:
        print("Serving (Ctrl-C to stop):")
        print(f"  JupyterLab   {servers.lab_url}")
        for name in ("coordinator", "teacher", "learner"):
            extra = {"learner": "apprenant00000"} if name == "learner" else {}
            print(f"  {name:<12} {servers.dashboards.url(name, **extra)}")
        servers.lab.wait()
    except KeyboardInterrupt:
        print("stopping…")
    finally:
        servers.stop()
    return ExitStatus.CLEAN


def _serve_hub(config: ParcoursConfig, now: object) -> ExitStatus:
    import signal

    from parcours_grading.demo import serve_hub

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    hub, passwords = serve_hub(config, now)  # type: ignore[arg-type]
    try:
        print(f"Parcours on JupyterHub: {hub.url}  (Ctrl-C to stop; log: {hub.log_path})")
        print("Log in as:")
        for key, password in passwords.items():
            role, name = key.split(":", 1)
            print(f"  {role:<12} {name:<16} password {password}")
        print(f"Every account's first password: {config.hub_dir / 'passwords.csv'}")
        hub.wait()
    except KeyboardInterrupt:
        print("stopping…")
    finally:
        hub.stop()
    return ExitStatus.CLEAN
