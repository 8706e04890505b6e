"""GDPR (docs/privacy.md): 'export LEARNER' writes every piece of a learner's data, in every
store, to one zip (Art. 15 and 20); 'erase LEARNER' removes or irreversibly pseudonymises
it everywhere, keeping a last evidence pack and their certificates for their retention
period (Art. 17; asks for --yes); 'purge' removes every record past its retention period
(ParcoursConfig.retention_*) and lists what it removed. Exit 3 when something needs a
person (each listed)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.errors import ExitStatus
from parcours.i18n import _, ngettext

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["export", "erase", "purge"], help=_("what to do"))
    parser.add_argument("learner", nargs="?", help=_("learner id (export, erase)"))
    parser.add_argument(
        "--out", help=_("folder of the export (default: <data_dir>/privacy/exports)")
    )
    parser.add_argument("--yes", action="store_true", help=_("erase: yes, erase this learner"))
    parser.add_argument("--now", help=_("purge: act as of this ISO moment"))
    parser.add_argument("--dry-run", action="store_true", help=_("purge: list, remove nothing"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from pathlib import Path

    from parcours.compliance import privacy
    from parcours.errors import BadInputError
    from parcours.safetext import printable  # learners' file names: never obeyed

    if args.action == "purge":
        from parcours.compliance.common import parse_moment

        now = parse_moment(args.now, "now") if args.now else None
        report = privacy.purge(config, now, dry_run=args.dry_run)
        for kind, items in report.removed.items():
            for item in items:
                print(f"{kind}\t{item}")
        if not report.removed:
            print(_("nothing is past its retention period"))
        return ExitStatus.CLEAN
    if not args.learner:
        raise BadInputError(
            _("name the learner to export")
            if args.action == "export"
            else _("name the learner to erase")
        ).about("learner")
    if args.action == "export":
        print(privacy.export_learner(config, args.learner, Path(args.out) if args.out else None))
        return ExitStatus.CLEAN
    if not args.yes:
        raise BadInputError(
            _(
                "erasing '{learner}' cannot be undone; run 'parcours privacy export "
                "{learner}' first if they asked for their data, then add --yes"
            ).format(learner=args.learner)
        ).about("yes")
    done = privacy.erase_learner(config, args.learner)
    for path in done.retained:
        print(_("retained") + f"\t{printable(path, keep_lines=False)}")
    removed, rewritten = len(done.removed), len(done.rewritten)
    print(
        "; ".join(
            [
                ngettext("{n} file removed", "{n} files removed", removed).format(n=removed),
                ngettext("{n} file rewritten", "{n} files rewritten", rewritten).format(
                    n=rewritten
                ),
                ngettext("{n} event pseudonymised", "{n} events pseudonymised", done.events).format(
                    n=done.events
                ),
            ]
        )
    )
    for place, what in done.problems:
        place, what = (printable(text, keep_lines=False) for text in (place, what))
        print(_("problem") + f"\t{place}\t{what}")
    return ExitStatus.PROBLEMS if done.problems else ExitStatus.CLEAN
