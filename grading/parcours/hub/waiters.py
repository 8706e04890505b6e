"""Requests of the Parcours service waiting for a learner's on-submit result
(``…/result?wait=S``), woken from the grading threads (:mod:`.ongrade`) when it is written."""

from __future__ import annotations

from typing import Any


class Waiters:
    """Requests waiting for a learner's on-submit result, woken from the grading threads."""

    def __init__(self) -> None:
        self.loop: Any = None
        self.waiting: dict[tuple[str, str, str], list[Any]] = {}

    async def wait(self, key: tuple[str, str, str], timeout: float) -> None:
        import asyncio

        self.loop = asyncio.get_running_loop()
        future = self.loop.create_future()
        self.waiting.setdefault(key, []).append(future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            futures = self.waiting.get(key, [])
            if future in futures:
                futures.remove(future)
            if not futures:
                self.waiting.pop(key, None)

    def wake(self, course: str, assignment: str, learner: str) -> None:
        """Thread-safe: wake whoever waits for this result."""
        if self.loop is None:
            return

        def done() -> None:
            for future in self.waiting.pop((course, assignment, learner), []):
                if not future.done():
                    future.set_result(None)

        self.loop.call_soon_threadsafe(done)


WAITERS = Waiters()
