"""The kernel-wait guard (parcours.kernelwait): a reply already in the socket is
taken even when one poll of the socket missed its wake-up; timeouts still hold."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import pytest
import zmq
import zmq.asyncio


class _Channel:
    """The two attributes AsyncZMQSocketChannel.get_msg uses."""

    def __init__(self, socket: zmq.asyncio.Socket):
        self.socket = socket

    async def _recv(self) -> dict:
        return {"content": (await self.socket.recv()).decode()}


class _DeafOnce:
    """A socket whose first poll misses its wake-up (waits its whole timeout, reports
    nothing, or for ever when no timeout is given) — the failure the guard is for."""

    def __init__(self, socket: zmq.asyncio.Socket):
        self._socket, self.polls = socket, 0

    async def poll(self, timeout: int | None = None) -> int:
        self.polls += 1
        if self.polls == 1:
            if timeout is None:
                await asyncio.Event().wait()  # never wakes: the bug
            await asyncio.sleep(timeout / 1000)
            return 0
        return await self._socket.poll(timeout)

    def __getattr__(self, name: str):
        return getattr(self._socket, name)


def _pair(context: zmq.asyncio.Context, name: str):
    a, b = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
    a.bind(f"inproc://{name}")
    b.connect(f"inproc://{name}")
    return a, b


def test_reply_already_in_the_socket_is_taken_after_a_missed_wakeup() -> None:
    from jupyter_client.channels import AsyncZMQSocketChannel
    from parcours import kernelwait

    kernelwait.install()
    kernelwait.install()  # idempotent

    async def scenario() -> tuple[dict, float, int]:
        context = zmq.asyncio.Context()
        kernel, client = _pair(context, "kernelwait-1")
        deaf = _DeafOnce(client)
        channel = _Channel(deaf)  # type: ignore[arg-type]
        await kernel.send(b"execute_reply")
        start = time.monotonic()
        msg = await asyncio.wait_for(AsyncZMQSocketChannel.get_msg(channel, None), 10)
        elapsed = time.monotonic() - start
        kernel.close(0), client.close(0), context.term()
        return msg, elapsed, deaf.polls

    msg, elapsed, polls = asyncio.run(scenario())
    assert msg == {"content": "execute_reply"}
    assert polls == 2 and elapsed < kernelwait.SLICE_S * 4


def test_timeouts_still_hold_and_late_replies_arrive() -> None:
    from jupyter_client.channels import AsyncZMQSocketChannel
    from parcours import kernelwait

    kernelwait.install()

    async def scenario() -> tuple[float, dict]:
        context = zmq.asyncio.Context()
        kernel, client = _pair(context, "kernelwait-2")
        channel = _Channel(client)
        start = time.monotonic()
        with pytest.raises(Empty):
            await AsyncZMQSocketChannel.get_msg(channel, 0.3)
        waited = time.monotonic() - start

        async def late() -> None:
            await asyncio.sleep(1.2)  # longer than one slice: the wait goes on
            await kernel.send(b"late reply")

        sender = asyncio.ensure_future(late())
        msg = await AsyncZMQSocketChannel.get_msg(channel, None)
        await sender
        kernel.close(0), client.close(0), context.term()
        return waited, msg

    waited, msg = asyncio.run(scenario())
    assert 0.25 < waited < 1.5
    assert msg == {"content": "late reply"}
