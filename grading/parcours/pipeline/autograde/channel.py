"""Length-prefixed JSON messages over a socket, with timeouts (supervisor <-> runner)."""

from __future__ import annotations

import json
import marshal
import select
import socket
import struct
import time
from typing import Any

#: largest message accepted (outputs are capped well below this by the runner)
MAX_MESSAGE = 64 * 1024 * 1024


class ChannelClosed(Exception):
    """The other end closed the channel (the process died or closed it)."""


class ChannelTimeout(Exception):
    """No complete message arrived in time."""


class ChannelGarbage(Exception):
    """What arrived is not a message of ours (student code wrote to the channel?)."""


class Channel:
    """One end of a socket pair carrying JSON messages."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, message: Any) -> None:
        data = json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")
        self.sock.sendall(struct.pack(">I", len(data)) + data)

    def request(self, message: dict[str, Any]) -> None:
        """Send a request to the runner (see :func:`encode_request`)."""
        self.sock.sendall(encode_request(message))

    def pending(self) -> bool:
        """Whether bytes are waiting to be read (none should, between two requests)."""
        ready, _, _ = select.select([self.sock], [], [], 0)
        return bool(ready)

    def _read(self, count: int, deadline: float | None) -> bytes:
        chunks: list[bytes] = []
        while count:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ChannelTimeout()
                ready, _, _ = select.select([self.sock], [], [], left)
                if not ready:
                    raise ChannelTimeout()
            chunk = self.sock.recv(min(count, 1 << 20))
            if not chunk:
                raise ChannelClosed()
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def recv(self, timeout: float | None = None) -> Any:
        """The next message; ChannelTimeout if none started within ``timeout`` seconds.

        Once a message has started, up to 10 more seconds are given to finish it.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        header = self._read(4, deadline)
        (size,) = struct.unpack(">I", header)
        if size > MAX_MESSAGE:
            raise ChannelGarbage(f"message of {size} bytes announced")
        body = self._read(size, time.monotonic() + 10.0)
        try:
            return json.loads(body.decode("utf-8", "surrogatepass"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ChannelGarbage(str(exc)) from exc


def encode_request(message: dict[str, Any]) -> bytes:
    """A request of the supervisor's as the runner reads it (testproc.read_request): a
    4-byte length and a marshal body (decoded there by a built-in function, which a
    notebook cannot replace as it can replace ``json``)."""
    data = marshal.dumps(message)
    return struct.pack(">I", len(data)) + data
