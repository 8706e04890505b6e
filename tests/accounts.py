"""Running code as an ordinary account, as the hub's services and learners' servers run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def as_nobody(code: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` as the account ``nobody``, its HOME and Jupyter config folder
    under ``home`` (a folder it may enter), with ``env`` added to its environment."""
    return subprocess.run(
        ["runuser", "-u", "nobody", "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            **env,
        },
        check=False,
    )
