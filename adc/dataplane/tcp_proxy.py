"""The Layer-4 tunnel: bytes both ways, half-close honoured, one idle timer for the session.

Used for Layer-4 virtual servers and Layer-7 ones whose profile is not HTTP (tcp, l7-tcp, tcps...).
The tunnel does not look at the bytes: client TLS passes through untouched unless the runtime
terminated it before (tcps).
"""
from __future__ import annotations

import math

import trio

CHUNK = 65536


class IdleTimer:
    """A cancel scope whose deadline moves forward whenever bytes flow in either direction."""

    def __init__(self, scope: trio.CancelScope, seconds: float) -> None:
        self.scope = scope
        self.seconds = seconds
        self.touch()

    def touch(self) -> None:
        self.scope.deadline = trio.current_time() + self.seconds if self.seconds > 0 else math.inf


async def _pump(src: trio.abc.ReceiveStream, dst: trio.abc.Stream, timer: IdleTimer) -> None:
    """Copy until EOF, then pass the EOF on (half-close); errors end this direction only."""
    try:
        while True:
            data = await src.receive_some(CHUNK)
            if not data:
                break
            timer.touch()
            await dst.send_all(data)
            timer.touch()
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    try:
        send_eof = getattr(dst, "send_eof", None)
        if send_eof is not None:
            await send_eof()
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError, trio.BusyResourceError):
        pass


async def tunnel(a: trio.abc.Stream, b: trio.abc.Stream, idle_timeout: float, first_to_b: bytes = b"", first_to_a: bytes = b"") -> None:
    """Splice two streams until both directions ended or nothing moved for ``idle_timeout`` seconds.

    ``first_to_b``/``first_to_a`` are bytes already read from one side that must reach the other
    before anything else (what followed an HTTP Upgrade handshake).
    """
    with trio.CancelScope() as scope:
        timer = IdleTimer(scope, idle_timeout)
        try:
            if first_to_b:
                await b.send_all(first_to_b)
            if first_to_a:
                await a.send_all(first_to_a)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            return
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_pump, a, b, timer)
            nursery.start_soon(_pump, b, a, timer)
