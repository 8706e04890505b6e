"""Parcours back office: course model, grading pipeline, gradebook access, analytics, CLI.

Kept import-light: the CLI imports this package on every start.
"""

__version__ = "0.1.0"
