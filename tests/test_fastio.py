"""The direct socket reads and writes of the HTTP proxy and the tunnel (``adc.dataplane.fastio``)."""
from __future__ import annotations

import trio
import trio.testing

from adc.dataplane.fastio import receive_nowait, send_nowait
from adc.dataplane.observe import SessionInfo, counting


async def test_direct_reads_and_writes_on_a_socket_stream() -> None:
    a, b = trio.socket.socketpair()
    near, far = trio.SocketStream(a), trio.SocketStream(b)
    assert receive_nowait(far, 100) is None  # nothing there: the caller waits through trio
    assert send_nowait(near, b"hello") == 5
    assert receive_nowait(far, 100) == b"hello"
    info = SessionInfo("vs", "http", ("127.0.0.1", 1), ("127.0.0.1", 2))
    counted = counting(near, info)
    assert counted.send_nowait(b"abc") == 3 and info.bytes_out == 3  # type: ignore[attr-defined]
    assert await far.receive_some(10) == b"abc"
    await far.send_all(b"xy")
    assert counted.receive_nowait(10) == b"xy" and info.bytes_in == 2  # type: ignore[attr-defined]
    await far.aclose()
    assert receive_nowait(near, 10) == b""  # the peer closed: end of stream
    await near.aclose()
    try:
        send_nowait(near, b"x")
    except trio.ClosedResourceError:
        pass
    else:  # pragma: no cover - the assertion
        raise AssertionError("a closed stream takes no bytes")


async def test_other_streams_take_nothing_directly() -> None:
    left, right = trio.testing.memory_stream_pair()
    assert send_nowait(left, b"x") == 0
    assert receive_nowait(right, 10) is None
