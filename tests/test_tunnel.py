"""``tunnel.splice`` on its own: a pure pump between two streams, driven over trio's in-memory streams.

``client`` and ``member`` are the far ends the test speaks through; ``splice`` pumps between the two
near ends. Timers run on MockClock; every wait is bounded by ``fail_after``.
"""
from __future__ import annotations

from functools import partial

import pytest
import trio
import trio.testing

from adc.dataplane.tunnel import splice

IDLE = 30.0


async def read_until_eof(stream: trio.abc.Stream) -> bytes:
    out = bytearray()
    while chunk := await stream.receive_some(65536):
        out += chunk
    return bytes(out)


async def read_exactly(stream: trio.abc.Stream, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = await stream.receive_some(n - len(out))
        assert chunk, f"EOF after {bytes(out)!r}"
        out += chunk
    return bytes(out)


class Pair:
    """Two memory pipes and a running ``splice`` between their near ends."""

    def __init__(self) -> None:
        self.client, self.near_client = trio.testing.memory_stream_pair()
        self.near_member, self.member = trio.testing.memory_stream_pair()
        self.done = trio.Event()
        self.ended = 0.0  # trio.current_time() when splice returned

    async def run(self, a_pending: bytes = b"", b_pending: bytes = b"", idle: float = IDLE,
                  a: trio.abc.Stream | None = None, b: trio.abc.Stream | None = None) -> None:
        try:
            await splice(a or self.near_client, b or self.near_member, a_pending, b_pending, idle)
        finally:
            self.ended = trio.current_time()
            self.done.set()


class NoHalfClose(trio.abc.Stream):
    """A stream that cannot half-close (as TLS cannot), over another one."""

    def __init__(self, inner: trio.abc.Stream) -> None:
        self.inner = inner

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return await self.inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Breaks(NoHalfClose):
    """Fails its reads with ``BrokenResourceError`` (a reset) once ``broken`` is set."""

    def __init__(self, inner: trio.abc.Stream) -> None:
        super().__init__(inner)
        self.broken = trio.Event()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        await self.broken.wait()
        raise trio.BrokenResourceError("connection reset")


async def test_pending_bytes_go_first_each_way(nursery: trio.Nursery) -> None:
    p = Pair()
    await p.client.send_all(b"+later")  # already readable when the tunnel starts
    nursery.start_soon(p.run, b"client-early", b"member-early")
    with trio.fail_after(5):
        assert await read_exactly(p.member, len(b"client-early+later")) == b"client-early+later"
        await p.member.send_all(b"+reply")
        assert await read_exactly(p.client, len(b"member-early+reply")) == b"member-early+reply"
        await p.client.aclose()
        await p.member.aclose()
        await p.done.wait()


async def test_half_close_is_passed_on_and_the_other_way_keeps_flowing(nursery: trio.Nursery) -> None:
    p = Pair()
    nursery.start_soon(p.run)
    with trio.fail_after(5):
        await p.client.send_all(b"question")
        await p.client.send_eof()  # the client is done sending, still listening
        assert await read_until_eof(p.member) == b"question"  # the member sees the EOF
        assert not p.done.is_set()
        await p.member.send_all(b"answer after the client's EOF")
        await p.member.send_eof()
        assert await read_until_eof(p.client) == b"answer after the client's EOF"
        await p.done.wait()  # both ways ended: the tunnel is over


async def test_an_end_towards_a_side_that_cannot_half_close_ends_the_tunnel(nursery: trio.Nursery) -> None:
    p = Pair()
    nursery.start_soon(partial(p.run, b=NoHalfClose(p.near_member)))
    with trio.fail_after(5):
        await p.client.send_all(b"last words")
        await p.client.send_eof()
        assert await read_exactly(p.member, len(b"last words")) == b"last words"
        await p.done.wait()  # the member side could not be half-closed: everything ends


async def test_an_error_on_one_side_ends_both(nursery: trio.Nursery) -> None:
    p = Pair()
    member = Breaks(p.near_member)
    nursery.start_soon(partial(p.run, b=member))
    with trio.fail_after(5):
        await p.client.send_all(b"ping")
        assert await read_exactly(p.member, 4) == b"ping"
        member.broken.set()  # the member resets; the client side is open and silent
        await p.done.wait()  # no waiting for the client, nor for the idle timer


async def test_a_failed_send_ends_both(nursery: trio.Nursery) -> None:
    p = Pair()
    nursery.start_soon(p.run)
    with trio.fail_after(5):
        await p.member.aclose()  # gone: the next write towards it fails
        await p.client.send_all(b"into the void")
        await p.done.wait()


async def test_idle_timer_covers_both_directions_and_traffic_rearms_it(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    silent, busy = Pair(), Pair()
    start = trio.current_time()
    nursery.start_soon(silent.run, b"", b"", 7.0)
    nursery.start_soon(busy.run, b"", b"", 10.0)
    with trio.fail_after(60):  # virtual seconds: a tunnel that ends early or never fails here, not hangs
        await trio.sleep(6)
        await busy.client.send_all(b"a")  # client -> member traffic re-arms the timer
        assert await busy.member.receive_some(10) == b"a"
        await trio.sleep(6)
        await busy.member.send_all(b"b")  # and so does member -> client traffic
        assert await busy.client.receive_some(10) == b"b"
        assert not busy.done.is_set()
        await busy.done.wait()
    assert silent.ended - start == pytest.approx(7)  # no traffic at all
    assert busy.ended - start == pytest.approx(22)  # 10 s of silence after the last byte at 12 s
