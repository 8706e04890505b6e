"""``python -m parcours.cli`` is the ``parcours`` command."""

import sys

from . import main

sys.exit(main())
