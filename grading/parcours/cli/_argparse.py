"""argparse's own words ("usage:", "error: argument …: invalid choice", "the following
arguments are required") in the language in force, from the project's catalogues.

argparse asks its gettext domain ``argparse`` through the module functions ``argparse._``
and ``argparse.ngettext``, looked up at each call; :func:`argparse_in_language` routes
them to :mod:`parcours.i18n` while ``parcours`` parses and runs a command. The
messages are listed below (``N_``) so that the extractor keeps them in ``cli.po``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from parcours.i18n import N_, _, ngettext

#: the messages of argparse (Python 3.11+) a person of a ``parcours`` command can read
MESSAGES = (
    N_("usage: "),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
)


def _plural(singular: str, plural: str, n: int) -> str:
    # the one plural message of argparse, written out for the extractor
    if singular == "expected %s argument":
        return ngettext("expected %s argument", "expected %s arguments", n)
    return ngettext(singular, plural, n)


@contextmanager
def argparse_in_language() -> Iterator[None]:
    """Inside the block, argparse's messages are translated into the language in force
    (each call asks it: ``--lang`` and the course's language switch it later on)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _, _plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
