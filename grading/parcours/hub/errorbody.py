"""One JSON error body for every HTTP API of Parcours — the Parcours service, the
dashboards service and the JupyterLab server extension: JupyterHub's own,
``{"status": <code>, "message": "<what went wrong, what to do>"}``. Clients read
``message`` (:mod:`.client`, the "Mon parcours" panel)."""

from __future__ import annotations

import json
from typing import Any

import tornado.web


def error_body(status: int, message: str) -> dict[str, Any]:
    """The body answering an error: JupyterHub's shape."""
    return {"status": int(status), "message": str(message)}


def message_of(exc: BaseException | None, reason: str) -> str:
    """What an error answer says: a :class:`tornado.web.HTTPError`'s message (its
    arguments filled in), else the status's reason (never a traceback)."""
    if isinstance(exc, tornado.web.HTTPError) and exc.log_message:
        text = exc.log_message
        return text % exc.args if exc.args else text
    return reason


class JupyterHubErrors:
    """A tornado handler mixin answering every error in JupyterHub's shape (put it
    first among the bases: its ``write_error`` wins)."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        handler: Any = self
        exc = kwargs.get("exc_info", (None, None, None))[1]
        handler.set_header("Content-Type", "application/json; charset=utf-8")
        body = error_body(status_code, message_of(exc, handler._reason))
        handler.finish(json.dumps(body, ensure_ascii=False))
