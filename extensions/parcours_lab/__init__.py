"""Parcours inside the learner's Jupyter: quiz, reflection and satisfaction widgets, the
event recorder, and the Jupyter server extension."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "parcours_lab.server"}]
