"""Show the configuration in force: every ParcoursConfig setting, its value, and the
jupyter_config.py files it was read from (highest priority first)."""

from __future__ import annotations

import argparse
from pathlib import Path

from parcours.config import ParcoursConfig
from parcours.errors import ExitStatus
from parcours.i18n import _
from parcours.project import CONFIG_FILE, config_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("print as JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    traits = config.traits(config=True)
    values = {
        name: (_("(secret, not shown)") if traits[name].metadata.get("secret") else
               getattr(config, name))
        for name in sorted(traits)
    }  # fmt: skip
    files = [
        str(Path(folder) / CONFIG_FILE)
        for folder in config_paths(Path(config.root))
        if (Path(folder) / CONFIG_FILE).is_file()
    ]
    if args.json:
        import json

        print(json.dumps({"files": files, "settings": values}, indent=2, ensure_ascii=False))
        return ExitStatus.CLEAN

    print(_("configuration files (first wins):"))
    for path in files:
        print(f"  {path}")
    print(_("settings (c.ParcoursConfig.<name>):"))
    for name, value in values.items():
        print(f"  {name} = {value!r}")
    return ExitStatus.CLEAN
