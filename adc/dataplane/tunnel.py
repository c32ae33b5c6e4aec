"""The byte tunnel: Layer-4 sessions, and an HTTP connection after ``101 Switching Protocols`` (or in OnceOnly mode).

``splice`` copies both directions until both have ended. Bytes already read past the HTTP exchange
(h11's ``trailing_data`` on each side) are sent first. An end of stream on one side is passed on as a
half-close (``send_eof``) when the other side supports it, and the other direction keeps flowing until
it ends too; a side that cannot half-close (TLS) ends the whole tunnel. Any error ends the whole
tunnel. One idle timer covers both directions: traffic either way re-arms it, as HAProxy's
``timeout tunnel`` does. The caller closes both streams.

Per chunk the pump only notes the time of the traffic; a watchdog task sleeps until the idle
deadline that time implies and ends the tunnel once nothing moved for ``idle`` seconds (rather than
moving a cancel scope's deadline twice per chunk, which costs a trip through trio's deadline heap
each time). Writes that the socket takes at once skip trio (``fastio.send_nowait``); the reads
remain trio's and keep the pump fair to other tasks.
"""
from __future__ import annotations

import math

import trio

from .fastio import send_nowait

__all__ = ["splice"]

CHUNK = 65536
MAX_CHUNK = 1 << 22
_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError, trio.BusyResourceError, OSError)


async def splice(
    a: trio.abc.Stream, b: trio.abc.Stream, a_pending: bytes, b_pending: bytes, idle: float
) -> None:
    """Tunnel a <-> b; ``a_pending`` came from ``a`` and goes to ``b`` first (and vice versa)."""
    clock = trio.current_time
    last = [clock()]  # when traffic last moved, either way
    ended = 0

    async def watchdog(scope: trio.CancelScope) -> None:
        if math.isinf(idle):
            return
        while True:
            left = last[0] + idle - clock()
            if left <= 0:
                scope.cancel()
                return
            await trio.sleep(left)

    async def send(dst: trio.abc.Stream, data: bytes) -> None:
        sent = send_nowait(dst, data)
        if sent < len(data):
            await dst.send_all(data[sent:] if sent else data)
        last[0] = clock()

    async def one_way(src: trio.abc.Stream, dst: trio.abc.Stream, pending: bytes, scope: trio.CancelScope) -> None:
        nonlocal ended
        try:
            if pending:
                await send(dst, pending)
            size = CHUNK
            while True:
                data = await src.receive_some(size)
                if not data:
                    break
                # Adapt the read size (64 KiB .. 4 MiB): bulk transfers fill their reads and get bigger ones (fewer
                # trips through trio per byte); chatty ones keep small, cheap reads.
                if len(data) == size and size < MAX_CHUNK:
                    size *= 2
                elif len(data) < size // 4 and size > CHUNK:
                    size //= 2
                last[0] = clock()
                sent = send_nowait(dst, data)  # type: ignore[arg-type]  # socket and TLS streams give bytes
                if sent < len(data):
                    await dst.send_all(data[sent:] if sent else data)
                last[0] = clock()
            if isinstance(dst, trio.abc.HalfCloseableStream):
                await dst.send_eof()
            else:
                scope.cancel()
        except _STREAM_ERRORS:
            scope.cancel()
        ended += 1
        if ended == 2:  # both directions ended cleanly: the watchdog goes too
            scope.cancel()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(watchdog, nursery.cancel_scope)
        nursery.start_soon(one_way, a, b, a_pending, nursery.cancel_scope)
        nursery.start_soon(one_way, b, a, b_pending, nursery.cancel_scope)
