"""How fast `parcours --help` answers (the issue's bar: under 0.3 s), against
`jupyter nbconvert --help` and `nbgrader --help` as anchors, measured side by side.

Usage: .venv/bin/python bench/cli.py [--runs N]
Last line: `cli: help_s=<x> nbgrader_help_s=<x> ratio=<x>`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path


def best_of(command: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    parcours = shutil.which("parcours", path=str(bindir)) or "parcours"
    nbgrader = shutil.which("nbgrader", path=str(bindir)) or "nbgrader"
    ours = best_of([parcours, "--help"], args.runs)
    check = best_of([parcours, "check", "--help"], args.runs)
    anchor = best_of([nbgrader, "--help"], args.runs)
    print(f"parcours --help        {ours:.3f} s (best of {args.runs})")
    print(f"parcours check --help  {check:.3f} s")
    print(f"nbgrader --help        {anchor:.3f} s")
    print(f"cli: help_s={ours:.3f} nbgrader_help_s={anchor:.3f} ratio={anchor / ours:.1f}")


if __name__ == "__main__":
    main()
