"""Every message a person reads goes through gettext: a ``raise`` of a user-facing error
(the :class:`parcours.errors.ParcoursError` family, and the HTTP errors the hub's service
and the Lab extension answer to a person) whose message is written in the code — a
string, an f-string, a concatenation, a ``"...".format()`` — and not passed through
``_()`` / ``ngettext()`` fails here, naming the file and line.

A message assigned to a name first (``message = f"..."; raise BadInputError(message)``)
is followed inside its function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import parcours
import parcours_lab

PACKAGES = {
    "parcours": Path(parcours.__file__).parent,
    "parcours_lab": Path(parcours_lab.__file__).parent,
}
#: the root of the errors a person reads (every subclass, wherever defined, counts too)
ROOTS = {"ParcoursError"}
#: tornado's error: its message is the JSON answer's ``message`` (service and Lab extension)
HTTP_ERRORS = {"HTTPError"}
#: the modules whose ``HTTPError`` answers a person (``urllib.error.HTTPError`` elsewhere
#: is a client's, not an answer)
HTTP_ANSWERING = ("parcours/hub/", "parcours_lab/server/")
TRANSLATING = {"_", "gettext_", "ngettext", "N_"}


def modules() -> list[tuple[str, ast.Module]]:
    found = []
    for name, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found.append((f"{name}/{path.relative_to(folder)}", tree))
    return found


def _name(node: ast.expr) -> str:
    """``BadInputError`` for ``BadInputError`` and ``errors.BadInputError``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def user_facing_errors(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """The names of ``ParcoursError`` and of every class deriving from it in ``trees``."""
    bases: dict[str, set[str]] = {}
    for _shown, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name(b) for b in node.bases)
    family = set(ROOTS)
    grown = True
    while grown:
        grown = False
        for name, its_bases in bases.items():
            if name not in family and its_bases & family:
                family.add(name)
                grown = True
    return family


def _words(text: str) -> bool:
    """Words a person reads (``"no such course"``), not a bare ``"tcp://"`` or ``": "``."""
    return " " in text.strip() and sum(c.isalpha() for c in text) >= 2


def untranslated(node: ast.expr | None, names: dict[str, list[ast.expr]]) -> bool:
    """``node`` is a text written in the code (with words) that no ``_()`` translates."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and _words(node.value)
    if isinstance(node, ast.JoinedStr):  # its texts, each placeholder as one word
        parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return _words("".join(str(p) for p in parts).replace("{}", "0"))
    if isinstance(node, ast.BinOp):  # "a" + b, "... %s" % x
        return untranslated(node.left, names) or untranslated(node.right, names)
    if isinstance(node, ast.IfExp):
        return untranslated(node.body, names) or untranslated(node.orelse, names)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in TRANSLATING:
            return False
        if isinstance(func, ast.Attribute) and func.attr == "format":  # "...".format()
            return untranslated(func.value, names)
        if isinstance(func, ast.Attribute) and func.attr == "join":  # "\n".join([...])
            return any(untranslated(a, names) for a in node.args) or untranslated(func.value, names)
        return False
    if isinstance(node, ast.List | ast.Tuple):
        return any(untranslated(e, names) for e in node.elts)
    if isinstance(node, ast.Name):
        values = names.pop(node.id, [])  # popped: a name assigned from itself ends
        try:
            return any(untranslated(v, names) for v in values)
        finally:
            names[node.id] = values
    return False


def _assignments(function: ast.AST) -> dict[str, list[ast.expr]]:
    """name -> the values assigned to it in one function (or module)."""
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign | ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            found.setdefault(node.target.id, []).append(node.value)
    return found


def _scopes(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.Call]]:
    """(innermost function or module, call) for each call of ``tree``."""

    def walk(node: ast.AST, scope: ast.AST) -> Iterator[tuple[ast.AST, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            if isinstance(child, ast.Call):
                yield scope, child
            yield from walk(child, inner)

    yield from walk(tree, tree)


def _messages(call: ast.Call, http: bool, helper: bool) -> list[ast.expr]:
    """The arguments of an error's construction that are read by a person: a
    ``ParcoursError``'s message (first argument), an ``HTTPError``'s ``log_message``
    (second) and ``reason``; every argument of a helper that builds one (its texts end
    up in the message)."""
    if helper:
        return [*call.args, *(k.value for k in call.keywords)]
    if http:
        keywords = [k.value for k in call.keywords if k.arg in {"log_message", "reason"}]
        return call.args[1:2] + keywords
    return call.args[:1] + [k.value for k in call.keywords if k.arg in {"message", "msg"}]


def untranslated_errors(trees: list[tuple[str, ast.Module]], family: set[str]) -> list[str]:
    """``file:line: Error(...)`` for each user-facing error built with an untranslated
    message, in every module of ``trees``."""
    found = []
    assigned: dict[int, dict[str, list[ast.expr]]] = {}
    for shown, tree in trees:
        answering = shown.startswith(HTTP_ANSWERING)
        helpers = _error_helpers(tree, family | (HTTP_ERRORS if answering else set()))
        for scope, call in _scopes(tree):
            name = _name(call.func)
            http = answering and (name in HTTP_ERRORS or helpers.get(name) is True)
            if not (http or name in family or name in helpers):
                continue
            if id(scope) not in assigned:
                assigned[id(scope)] = _assignments(scope)
            names = assigned[id(scope)]
            messages = _messages(call, http, name in helpers)
            if any(untranslated(m, names) for m in messages):
                found.append(f"{shown}:{call.lineno}: {name}(...)")
    return found


def _error_helpers(tree: ast.Module, errors: set[str]) -> dict[str, bool]:
    """Functions of the module that build an error from their arguments (``def _bad(status,
    message) -> web.HTTPError``): name -> whether it is an HTTP error (status first)."""
    helpers: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            returned = _name(node.returns) if isinstance(node.returns, ast.expr) else ""
            if isinstance(node.returns, ast.Constant) and isinstance(node.returns.value, str):
                returned = node.returns.value.rpartition(".")[2]
            if returned in errors:
                helpers[node.name] = returned in HTTP_ERRORS
    return helpers


def test_every_user_facing_error_is_translated() -> None:
    trees = modules()
    found = untranslated_errors(trees, user_facing_errors(trees))
    assert not found, (
        "messages a person reads, not translated — write them as "
        '_("... {name} ...").format(name=...) and add them to the .po files '
        "(python -m parcours.i18n.extract):\n" + "\n".join(found)
    )


def test_the_guard_finds_an_untranslated_raise() -> None:
    """The check is not blind: each untranslated form is found, each translated one not."""
    sample = ast.parse(
        "class CohortError(BadInputError): ...\n"
        "raise BadInputError('no such course')\n"
        "raise errors.GradingError(f'{course}: nothing to grade')\n"
        "raise CohortError('no learners in ' + course)\n"
        "raise BadInputError('{n} learners'.format(n=n))\n"
        "message = f'bad {value}'\n"
        "raise ConfigurationError(message)\n"
        "raise web.HTTPError(404, f'no course {course}')\n"
        "raise BadInputError(_('no such course'))\n"
        "raise BadInputError(_('{n} learners').format(n=n))\n"
        "raise BadInputError(ngettext('{n} day', '{n} days', n).format(n=n))\n"
        "raise BadInputError(f'{where}: {exc}')\n"
        "raise web.HTTPError(404)\n"
        "raise ValueError('not for a person')\n"
    )
    errors_module = ast.parse(
        "class ParcoursError(Exception): ...\n"
        "class BadInputError(ParcoursError): ...\n"
        "class ConfigurationError(BadInputError): ...\n"
        "class GradingError(ParcoursError): ...\n"
    )
    trees = [("parcours/errors.py", errors_module), ("parcours/hub/sample.py", sample)]
    lines = [int(f.split(":")[1]) for f in untranslated_errors(trees, user_facing_errors(trees))]
    assert lines == [2, 3, 4, 5, 7, 8]
