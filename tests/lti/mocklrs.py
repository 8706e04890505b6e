"""A learning record store on loopback (tornado), built from the xAPI 1.0.3 specification
(Part Three, §2.1 Statement Resource; Part Two, §2.4 statement properties): the
statements resource's POST, checked as an LRS checks it.

- the ``X-Experience-API-Version`` header (1.0.x) is required (400 without);
- HTTP Basic with the LRS's account (401 otherwise);
- the body is one statement or an array; each statement is checked (a UUID ``id``, an
  actor identified by exactly one inverse functional identifier, here an ``account``
  with ``homePage`` and ``name``; verb and object ids absolute IRIs; a timestamp): 400;
- two statements with one id in a batch: 400;
- a statement whose id the LRS holds with the same content is not stored again; with
  other content, the whole batch is refused with 409 (nothing stored);
- 200 with the ids stored, in order.

Injected failures: ``fail_next`` requests answered 503 before anything is stored;
``lose_next`` requests stored then answered 500 (the answer lost); ``hold_at`` (the n-th
POST, 1-based) stored, then held unanswered until :meth:`MockLrs.release`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from typing import Any
from urllib.parse import urlsplit

import tornado.web

USER, PASSWORD = "parcours", "s3cret:pass"


def _iri(value: Any) -> bool:
    return isinstance(value, str) and bool(urlsplit(value).scheme) and bool(urlsplit(value).netloc)


def problems(statement: Any) -> list[str]:
    """What makes ``statement`` invalid for this LRS (empty: valid)."""
    if not isinstance(statement, dict):
        return ["not an object"]
    found = []
    try:
        uuid.UUID(str(statement.get("id")))
    except ValueError:
        found.append("id: not a UUID")
    actor = statement.get("actor") or {}
    identifiers = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor]
    if identifiers != ["account"]:
        found.append(f"actor: one account expected, found {identifiers}")
    account = actor.get("account") or {}
    if not _iri(account.get("homePage")) or not account.get("name"):
        found.append("actor.account: homePage (IRL) and name required")
    if "name" in actor:
        found.append("actor.name: a learner's name must not leave Parcours")
    if not _iri((statement.get("verb") or {}).get("id")):
        found.append("verb.id: not an IRI")
    if not _iri((statement.get("object") or {}).get("id")):
        found.append("object.id: not an IRI")
    if not isinstance(statement.get("timestamp"), str):
        found.append("timestamp: required")
    scaled = ((statement.get("result") or {}).get("score") or {}).get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        found.append("result.score.scaled: out of [-1, 1]")
    return found


class MockLrs:
    """The LRS: ``statements`` by id, what each POST carried (``posts``)."""

    def __init__(self) -> None:
        self.statements: dict[str, dict[str, Any]] = {}
        self.posts: list[list[str]] = []
        self.fail_next = 0
        self.lose_next = 0
        self.hold_at = 0
        self.held = threading.Event()
        self.port = 0

    @property
    def url(self) -> str:
        """The xAPI endpoint (``lrs_url``)."""
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.hold = asyncio.Event()
            app = tornado.web.Application([(r"/xAPI/statements", Statements, {"lrs": self})])
            self.server = app.listen(0, address="127.0.0.1")
            self.port = next(iter(self.server._sockets.values())).getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(10)

    def release(self) -> None:
        """Answer the held request (its client may be gone)."""
        self.loop.call_soon_threadsafe(self.hold.set)

    def stop(self) -> None:
        async def close() -> None:
            self.hold.set()
            self.server.stop()
            self.loop.stop()

        self.loop.call_soon_threadsafe(lambda: asyncio.ensure_future(close()))
        self.thread.join(10)
        self.loop.close()


class Statements(tornado.web.RequestHandler):
    def initialize(self, lrs: MockLrs) -> None:
        self.lrs = lrs

    def refuse(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish({"error": message})

    async def post(self) -> None:
        lrs = self.lrs
        if not self.request.headers.get("X-Experience-API-Version", "").startswith("1.0"):
            return self.refuse(400, "X-Experience-API-Version header missing")
        expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.request.headers.get("Authorization") != f"Basic {expected}":
            return self.refuse(401, "unauthorised")
        if lrs.fail_next:
            lrs.fail_next -= 1
            return self.refuse(503, "down for maintenance")
        body = json.loads(self.request.body)
        batch = body if isinstance(body, list) else [body]
        for statement in batch:
            if found := problems(statement):
                return self.refuse(400, "; ".join(found))
        ids = [s["id"] for s in batch]
        if len(set(ids)) != len(ids):
            return self.refuse(400, "two statements with one id in a batch")
        if any(
            i in lrs.statements and lrs.statements[i] != s for i, s in zip(ids, batch, strict=True)
        ):
            return self.refuse(409, "a statement id is held with other content")
        new = [s for s in batch if s["id"] not in lrs.statements]
        lrs.statements.update({s["id"]: s for s in new})
        lrs.posts.append(ids)
        if lrs.lose_next:
            lrs.lose_next -= 1
            return self.refuse(500, "stored, but the answer is lost")
        if lrs.hold_at and len(lrs.posts) == lrs.hold_at:
            lrs.held.set()
            await lrs.hold.wait()
        self.finish(json.dumps([s["id"] for s in new]))
