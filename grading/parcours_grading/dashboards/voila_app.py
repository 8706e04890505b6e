"""``python -m parcours_grading.dashboards.voila_app``: Voila, with Parcours' kernel-wait
guard installed first (see :mod:`parcours_grading.kernelwait`).

Takes exactly Voila's command-line arguments; :func:`.server.voila_command` uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    """Install the guard, make Parcours' Voila template findable, then run Voila's own
    entry point."""
    from ..kernelwait import install

    install()
    share = str(Path(__file__).with_name("share"))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [share, *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))])
    from voila.app import main as voila_main

    return int(voila_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
