"""The byte tunnel: Layer-4 sessions, and an HTTP connection after ``101 Switching Protocols`` (or in OnceOnly mode).

``splice`` copies both directions until both have ended. Bytes already read past the HTTP exchange
(h11's ``trailing_data`` on each side) are sent first. An end of stream on one side is passed on as a
half-close (``send_eof``) when the other side supports it, and the other direction keeps flowing until
it ends too; a side that cannot half-close (TLS) ends the whole tunnel. Any error ends the whole
tunnel. One idle timer covers both directions: traffic either way re-arms it, as HAProxy's
``timeout tunnel`` does. The caller closes both streams.
"""
from __future__ import annotations

import trio

__all__ = ["splice"]

CHUNK = 65536
MAX_CHUNK = 1 << 22
_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError, trio.BusyResourceError, OSError)


async def splice(
    a: trio.abc.Stream, b: trio.abc.Stream, a_pending: bytes, b_pending: bytes, idle: float
) -> None:
    """Tunnel a <-> b; ``a_pending`` came from ``a`` and goes to ``b`` first (and vice versa)."""
    with trio.CancelScope(deadline=trio.current_time() + idle) as scope:

        def touch() -> None:
            scope.deadline = trio.current_time() + idle

        async def one_way(src: trio.abc.Stream, dst: trio.abc.Stream, pending: bytes) -> None:
            try:
                if pending:
                    await dst.send_all(pending)
                    touch()
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
                    touch()
                    await dst.send_all(data)
                    touch()
                if isinstance(dst, trio.abc.HalfCloseableStream):
                    await dst.send_eof()
                else:
                    scope.cancel()
            except _STREAM_ERRORS:
                scope.cancel()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(one_way, a, b, a_pending)
            nursery.start_soon(one_way, b, a, b_pending)
