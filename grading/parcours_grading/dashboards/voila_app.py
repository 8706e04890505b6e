"""``python -m parcours_grading.dashboards.voila_app``: Voila, with Parcours' kernel-wait
guard installed first (see :mod:`parcours_grading.kernelwait`).

Takes exactly Voila's command-line arguments; :func:`.server.voila_command` uses it.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Install the guard, then run Voila's own entry point."""
    from ..kernelwait import install

    install()
    from voila.app import main as voila_main

    return int(voila_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
