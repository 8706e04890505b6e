"""Build the demo course and a synthetic class, run the real pipeline (release, fetch,
submit, collect, autograde, feedback) and the lesson events over several simulated weeks,
then serve JupyterLab and the dashboards on 127.0.0.1 and print their URLs (Ctrl-C stops
them). Uses the data folder of jupyter_config.py, or --data-dir; --reset replaces an
earlier demo there."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--learners", type=int, default=40,
                        help="learners in the synthetic class (default 40)")
    parser.add_argument("--no-serve", action="store_true",
                        help="build the demo data, do not start the servers")
    parser.add_argument("--reset", action="store_true",
                        help="replace the Parcours data already in the data folder")
    parser.add_argument("--check-lessons", action="store_true",
                        help="also execute every lesson notebook while checking the course")
    parser.add_argument("--seed", type=int,
                        help="random seed (default: c.ParcoursConfig.random_seed)")


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours_grading.demo import build_demo, serve

    result = build_demo(config, args.learners, seed=args.seed if args.seed is not None
                        else config.random_seed, reset=args.reset,
                        check_lessons=args.check_lessons)
    print(f"5/5 done in {result.seconds.get('total', 0):.0f} s: {result.learners} learners, "
          f"{result.submissions} submissions graded on real kernels, {result.events} events; "
          f"class seen as of {result.now:%Y-%m-%d %H:%M} UTC.")
    if args.no_serve:
        return ExitStatus.CLEAN
    servers = serve(config, result.now, lab_port=config.lab_port,
                    dashboard_port=config.dashboard_port)
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
