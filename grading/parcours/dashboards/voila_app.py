"""``python -m parcours.dashboards.voila_app``: Voila, with Parcours' kernel-wait
guard installed first (see :mod:`parcours.kernelwait`).

Takes exactly Voila's command-line arguments; :func:`.server.voila_command` uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def prepare() -> None:
    """Install the guard and make Parcours' Voila template findable (also used by the
    hub service, :mod:`parcours.hub.voila_service`)."""
    from ..kernelwait import install

    install()
    share = str(Path(__file__).with_name("share"))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [share, *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    )


def main() -> int:
    """Prepare, then run Voila's own entry point."""
    prepare()
    from .voila_pages import ParcoursVoila

    ParcoursVoila.launch_instance()
    return 0


if __name__ == "__main__":
    sys.exit(main())
