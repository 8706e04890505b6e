"""Every ParcoursError survives a process boundary: pickled and unpickled (multiprocessing,
Dask, the fork server) it keeps its message and its attributes."""

from __future__ import annotations

import importlib
import io
import pickle
import pkgutil
from collections.abc import Callable
from pathlib import Path

import parcours
import parcours_lab
import pytest
from parcours.errors import CourseError, ParcoursError, Problem

#: modules that run something when imported
NOT_IMPORTED = {"parcours.cli.__main__"}

PROBLEMS = [
    Problem("courses/c1/course.toml", "unknown skill 'x'", "modules[0].skills[1]", "declare it"),
    Problem("courses/c1/lessons/l01.ipynb", "not valid JSON"),
]

#: errors whose __init__ takes something else than a message: an example of each
EXAMPLES: dict[type[ParcoursError], ParcoursError] = {CourseError: CourseError(PROBLEMS)}


def every_subclass(cls: type[ParcoursError]) -> list[type[ParcoursError]]:
    """``cls`` and its subclasses, recursively, once imported every module of both packages
    (so that a new error is found wherever it is defined)."""
    for package in (parcours, parcours_lab):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if module.name not in NOT_IMPORTED:
                importlib.import_module(module.name)
    found = [cls]
    for sub in cls.__subclasses__():
        found += [c for c in every_subclass(sub) if c not in found]
    return found


def round_trip(error: ParcoursError) -> ParcoursError:
    """``error`` pickled and unpickled by the error's own means: importing ``distributed``
    registers tblib's reducers for every exception class then defined (copyreg), which
    would hide a broken ``__reduce__`` in this process but not in a fresh one."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dispatch_table = {}
    pickler.dump(error)
    copy = pickle.loads(buffer.getvalue())
    assert isinstance(copy, ParcoursError)
    return copy


def example(cls: type[ParcoursError]) -> ParcoursError:
    if cls in EXAMPLES:
        return EXAMPLES[cls]
    error = cls("learner 'ada', devoir-1: something went wrong — run it again")
    error.extra = {"learner": "ada", "cells": ["q1", "q2"]}  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize("cls", every_subclass(ParcoursError), ids=lambda c: c.__qualname__)
def test_error_round_trips_through_pickle(cls: type[ParcoursError]) -> None:
    error = example(cls)
    copy = round_trip(error)
    assert type(copy) is cls
    assert str(copy) == str(error) and copy.args == error.args
    assert vars(copy) == vars(error)
    assert copy.exit_status == error.exit_status


def test_course_error_keeps_its_problems() -> None:
    copy = round_trip(CourseError(PROBLEMS))
    assert isinstance(copy, CourseError)
    assert copy.problems == PROBLEMS
    assert str(copy).startswith("2 problèmes trouvés :")  # the tests' language: French


def test_course_error_heading_in_the_users_language() -> None:
    from parcours.i18n import language

    with language("en"):
        assert str(CourseError(PROBLEMS[:1])).startswith("1 problem found:")
    with language("fr"):
        assert str(CourseError(PROBLEMS[:1])).startswith("1 problème trouvé :")


def _refusals() -> list[tuple[Callable[[Path], object], str]]:
    import pandas as pd
    from parcours.analytics.groups import teams
    from parcours.analytics.report import write_report
    from parcours.pipeline.deadlines import parse_until

    return [
        (lambda tmp: parse_until("demain"), "until"),
        (lambda tmp: write_report({}, "pdf", tmp / "report"), "format"),
        (lambda tmp: teams(pd.DataFrame(), "s1", size=9), "size"),
    ]


@pytest.mark.parametrize("index", range(3))
def test_lower_layers_name_the_argument_not_a_flag(index: int, tmp_path: Path) -> None:
    """Below the CLI, messages quote no command-line flag: they say which argument is at
    fault (``argument``) and the CLI adds its flag."""
    call, argument = _refusals()[index]
    with pytest.raises(ParcoursError) as caught:
        call(tmp_path)
    assert caught.value.argument == argument
    assert "--" not in str(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).argument == argument
