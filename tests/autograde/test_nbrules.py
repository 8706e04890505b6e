"""The ported rules (nbrules.py) agree with nbgrader's own functions."""

from __future__ import annotations

import copy
import itertools

import pytest
from parcours.pipeline.autograde import nbrules


def cell(kind="code", source="x = 1", outputs=(), **meta):
    cell_type = kind
    base = {
        "schema_version": 3,
        "grade": False,
        "solution": False,
        "locked": False,
        "grade_id": "c1",
    }
    base.update(meta)
    data = {"cell_type": cell_type, "source": source, "metadata": {"nbgrader": base}}
    if cell_type == "code":
        data["outputs"] = list(outputs)
        data["execution_count"] = None
    return data


ERROR = {"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}
STDERR = {"output_type": "stream", "name": "stderr", "text": "warning\n"}
STDOUT = {"output_type": "stream", "name": "stdout", "text": "ok\n"}


def result(text):
    return {
        "output_type": "execute_result",
        "data": {"text/plain": text},
        "metadata": {},
        "execution_count": 1,
    }


OUTPUTS = [
    (),
    (STDOUT,),
    (ERROR,),
    (STDERR,),
    (STDOUT, result("1.5")),
    (result("'abc'"),),
    (result("-1"),),
    (result(["1.0"]),),
]


@pytest.mark.parametrize(
    ("outputs", "solution", "locked"),
    list(itertools.product(OUTPUTS, [False, True], [False, True])),
)
def test_determine_grade_and_checksum_as_nbgrader(outputs, solution, locked):
    import nbformat
    from nbgrader import utils

    plain = cell(outputs=outputs, grade=True, solution=solution, locked=locked, points=2)
    plain["metadata"]["nbgrader"]["checksum"] = nbrules.compute_checksum(plain)
    node = nbformat.from_dict(copy.deepcopy(plain))
    assert nbrules.compute_checksum(plain) == utils.compute_checksum(node)
    assert nbrules.determine_grade(plain) == utils.determine_grade(node)
    assert nbrules.is_locked(plain) == utils.is_locked(node)


VARIANTS = [
    {},
    {"grade": True, "points": 1},
    {"grade": True},
    {"solution": True, "grade_id": ""},
    {"schema_version": 2},
    {"extra": 1},
    {"points": -1, "grade": True},
    {"grade": True, "solution": False, "points": 1, "cell_type": "markdown"},
    {"task": True, "points": 1},
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[str(v) for v in VARIANTS])
@pytest.mark.parametrize("cell_type", ["code", "markdown"])
def test_metadata_validation_as_nbgrader(variant, cell_type):
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    plain = cell(cell_type, **variant)
    try:
        MetadataValidator().validate_cell(nbformat.from_dict(copy.deepcopy(plain)))
        theirs = True
    except Exception:  # nbgrader raises ValidationError, SchemaTooOld/New, jsonschema errors
        theirs = False
    try:
        nbrules.validate_cell(plain)
        ours = True
    except nbrules.MetadataError:
        ours = False
    assert ours == theirs
