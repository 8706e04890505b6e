"""A guard against a missed wake-up when waiting for a kernel's reply.

Symptom (seen here with jupyter_client 8.10, pyzmq 26-27, ipykernel 6.31 and 7.4): a
Voila page, or any ``nbclient`` run, waits for ever on a cell the kernel has already
finished. The kernel is idle, its IOPub ``status: idle`` has arrived, but
``AsyncZMQSocketChannel.get_msg(timeout=None)`` never returns the shell ``execute_reply``:
one ``await socket.poll()`` on the edge-triggered ``zmq.FD`` missed its wake-up
(upstream reports of the same family: ipykernel#1554, pyzmq#2173). Measured on the
coordinator dashboard: 2-3 visits in 10 hung for ever without this guard, 0 in 10 with it.

The guard waits in slices of half a second: each new ``poll`` re-reads the socket's
``zmq.EVENTS``, so a reply that is already in the socket is taken at the next slice.
Nothing else changes (same timeout, same messages). :func:`install` is idempotent and is
called by every Parcours code path that runs notebooks through a kernel client (the Voila
launcher in :mod:`parcours.dashboards.voila_app`, ``parcours check``).
"""

from __future__ import annotations

import time
from typing import Any

#: longest single wait on the socket before its events are read again (seconds)
SLICE_S = 0.5

_installed = False


def install() -> None:
    """Patch ``jupyter_client``'s asyncio channel to wait for messages in slices."""
    global _installed
    if _installed:
        return
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel

    async def get_msg(self: Any, timeout: float | None = None) -> dict[str, Any]:
        """Get a message if one is ready within ``timeout`` seconds (None: no limit)."""
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = (
                SLICE_S if deadline is None else max(0.0, min(SLICE_S, deadline - time.monotonic()))
            )
            if await self.socket.poll(int(step * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty

    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]
    _installed = True
