"""Writes that complete at once skip trio's machinery: the HTTP proxy's send fast path.

A keep-alive exchange writes small messages (a request head, a response) into sockets whose buffers
are almost always empty, so the write completes in the one ``send`` syscall. Through
``SocketStream.send_all`` that syscall also costs a trio checkpoint, a conflict-detector entry and,
in the proxy, a cancel scope for the write timeout: per request, twice. ``send_nowait`` makes the
syscall directly on the socket's descriptor and reports how much the kernel took; only what is left
(a full buffer, a slow peer) goes through ``send_all`` under its timeout. Scheduling stays fair: the
proxy's reads still wait through trio, and every request makes at least one read.

A stream qualifies when it is a plain ``trio.SocketStream`` or has a ``send_nowait`` method of its
own (the observer's counting wrapper forwards to its inner stream and counts what was taken). TLS
streams and test doubles do not: for them ``send_nowait`` takes nothing.
"""
from __future__ import annotations

import os

import trio

__all__ = ["receive_nowait", "send_nowait"]


def send_nowait(stream: object, data: bytes) -> int:
    """Write as much of ``data`` to ``stream`` as its socket takes without blocking; the count.

    Raises ``OSError`` (a reset, a closed peer) as ``send_all`` would; 0 when the stream does not
    qualify or its buffer is full.
    """
    if type(stream) is trio.SocketStream:
        sock = stream.socket
        try:
            return _send(sock.fileno(), data)
        except BlockingIOError:
            return 0
    own = getattr(stream, "send_nowait", None)
    if own is not None:
        return own(data)
    return 0


def receive_nowait(stream: object, max_bytes: int) -> bytes | None:
    """What ``stream``'s socket holds now (at most ``max_bytes``; b"" at end of stream), or None when
    a read would block or the stream does not qualify. A keep-alive client under load has often sent
    its next request before the proxy is back to read it: then no wait, no timeout scope."""
    if type(stream) is trio.SocketStream:
        fd = stream.socket.fileno()
        if fd < 0:
            raise trio.ClosedResourceError("the socket was closed")
        try:
            return os.read(fd, max_bytes)
        except BlockingIOError:
            return None
    own = getattr(stream, "receive_nowait", None)
    if own is not None:
        return own(max_bytes)
    return None


def _send(fd: int, data: bytes) -> int:
    """``write`` on a socket is ``send`` without flags: trio's sockets are non-blocking, and Python
    ignores SIGPIPE, so a closed peer is an ``OSError`` (EPIPE) here."""
    if fd < 0:
        raise trio.ClosedResourceError("the socket was closed")
    return os.write(fd, data)
