"""HTTP hardening (issue 15, points 4 and 5): a request body has a deadline and its chunks are
coalesced, so how a body is chunked hardly changes what it costs; HTTP versions other than 1.0 and 1.1
and the HTTP/2 preface never reach a member; trailer fields that may not be trailers are dropped.

The proxy runs on real loopback sockets (``setup`` from test_http_proxy), on memory streams under
MockClock for the timers, and in a whole ``Dataplane`` thread where its CPU time is measured."""
from __future__ import annotations

import json
import time
import zlib
from dataclasses import replace

import pytest
import trio
import trio.testing

from adc.dataplane.http_message import FORBIDDEN_TRAILERS, ChunkedBody, Rejected, filter_trailers, request_head_end
from adc.dataplane.http_proxy import MIN_BODY_RATE
from adc.dataplane.runtime import Dataplane
from adc.dataplane.spec import DataplaneSpec

from .dataplane_helpers import free_port, vs_ip
from .http_servers import Backend, H11Client, make_member, make_vs, mock_session, parse_raw, raw_request, read_all
from .test_http_proxy import Setup, pools, setup  # noqa: F401  (fixtures)

# ---- versions and the HTTP/2 preface --------------------------------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS_FRAME = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


@pytest.mark.parametrize("version", [b"2.0", b"3.0", b"1.2", b"0.9", b"11.1"])
def test_request_head_end_refuses_other_versions(version: bytes) -> None:
    with pytest.raises(Rejected) as e:
        request_head_end(b"GET / HTTP/" + version + b"\r\nHost: a\r\n\r\n", 100, 8000)
    assert e.value.status == 505


def test_request_head_end_refuses_the_preface_and_passes_1x() -> None:
    with pytest.raises(Rejected) as e:
        request_head_end(PREFACE + SETTINGS_FRAME, 100, 8000)
    assert e.value.status == 400 and "preface" in e.value.reason
    assert request_head_end(b"GET / HTTP/1.0\r\n\r\nX", 100, 8000) == 18
    assert request_head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET", 100, 8000) == 27
    assert request_head_end(b"GET / HTTP/1.1\r\nHost: a\r\n", 100, 8000) == -1
    assert request_head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r", 100, 8000, search_from=26) == -1
    assert request_head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 100, 8000, search_from=26) == 27


@pytest.mark.parametrize("version", ["2.0", "3.0", "1.2"])
async def test_unknown_versions_get_505_and_never_reach_a_member(setup: Setup, version: str) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, f"GET / HTTP/{version}\r\nHost: a\r\n\r\n".encode())
    status, headers, _ = parse_raw(data)
    assert (status, headers["connection"]) == (505, "close")
    assert s1.connections == 0 and proxy.upstream.picks == []


async def test_http2_preface_gets_400_and_never_reaches_a_member(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, PREFACE + SETTINGS_FRAME)
    status, headers, _ = parse_raw(data)
    assert (status, headers["connection"]) == (400, "close")
    assert s1.connections == 0 and proxy.upstream.picks == []


# ---- trailers -------------------------------------------------------------------------------------

BAD_TRAILERS = [
    ("Content-Length", "5"), ("Transfer-Encoding", "chunked"), ("Host", "evil.example"),
    ("Content-Type", "text/evil"), ("Authorization", "Basic ZXZpbA=="), ("Set-Cookie", "a=b"),
    ("Cookie", "a=b"), ("TE", "trailers"), ("Trailer", "X-Checksum"), ("Connection", "close"),
    ("Keep-Alive", "timeout=1"), ("Upgrade", "h2c"),
]


def test_filter_trailers() -> None:
    kept = [(b"X-Checksum", b"1"), (b"Server-Timing", b"db;dur=5")]
    assert filter_trailers([(n.encode(), v.encode()) for n, v in BAD_TRAILERS] + kept) == kept
    assert {n.lower().encode() for n, _ in BAD_TRAILERS} <= FORBIDDEN_TRAILERS


async def test_request_trailers_that_may_not_be_trailers_are_dropped(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    trailers = "".join(f"{n}: {v}\r\n" for n, v in [("X-Checksum", "abc"), *BAD_TRAILERS])
    request = (b"POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n"
               b"Connection: close\r\n\r\n5\r\nhello\r\n0\r\n" + trailers.encode() + b"\r\n")
    status, _, body = parse_raw(await raw_request(proxy.port, request))
    assert status == 200 and json.loads(body)["body_len"] == 5
    assert s1.requests[0].trailers == [("x-checksum", "abc")]


async def test_response_trailers_that_may_not_be_trailers_are_dropped(setup: Setup) -> None:
    proxy, _ = await setup(1)
    client = await H11Client.open(proxy.port)
    try:
        reply = await client.request("GET", "/bad-trailers")
        assert reply.body == b"hello" and reply.trailers == [("x-sum", "5")]
        assert (await client.request("GET", "/")).status == 200  # the connection is still good
    finally:
        await client.aclose()


async def test_oversized_trailer_section_is_refused(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, bufsize=2048)
    request = (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
               + b"".join(b"X-T%d: %s\r\n" % (i, b"v" * 100) for i in range(40)) + b"\r\n")
    assert parse_raw(await raw_request(proxy.port, request))[0] == 400
    assert s1.requests == []  # the member never got a complete request


# ---- the body deadline ------------------------------------------------------------------------------

ISSUE_TIMERS = dict(client_timeout=10, server_timeout=20, request_timeout=5)  # the issue's 10/20/5 s


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_trickled_one_byte_every_4s_is_cut_at_http_request_timeout(
        nursery: trio.Nursery, autojump_clock: trio.testing.MockClock, chunked: bool) -> None:
    """The issue: 200 POSTs sending a byte every 4 s stayed open 125 s under 10/20/5 s timeouts, each
    holding a member connection. Each read is within client-timeout; the whole request is not."""
    backend = Backend("b")
    client, done, _ = await mock_session(nursery, backend, **ISSUE_TIMERS)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 100"
    start = trio.current_time()
    await client.send_all(b"POST / HTTP/1.1\r\nHost: a\r\n" + framing + b"\r\n\r\n")

    async def trickle() -> None:
        try:
            for _ in range(100):
                await trio.sleep(4)
                await client.send_all(b"1\r\nx\r\n" if chunked else b"x")
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    async with trio.open_nursery() as n:
        n.start_soon(trickle)
        first = await client.receive_some(65536)
        answered = trio.current_time() - start
        n.cancel_scope.cancel()
    data = first + await read_all(client)
    await done.wait()
    assert parse_raw(data)[0] == 408
    assert answered == pytest.approx(5, abs=0.01)  # http-request-timeout, + 1 ms for the byte that came
    assert backend.connections == 1 and backend.closed == 1  # the member connection was let go
    assert backend.requests == []


async def test_a_body_arriving_at_a_steady_rate_may_outlast_http_request_timeout(
        nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    size, piece = 2_000_000, 65536
    client, done, _ = await mock_session(nursery, Backend("b"), **ISSUE_TIMERS)
    start = trio.current_time()
    await client.send_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % size)
    sent = 0
    while sent < size:
        await trio.sleep(1)  # 64 KiB a second: 31 s in all, six times http-request-timeout
        n = min(piece, size - sent)
        await client.send_all(b"x" * n)
        sent += n
    data = bytearray()
    while b"}" not in data:
        data += await client.receive_some(65536)
    assert trio.current_time() - start > 30
    status, _, body = parse_raw(bytes(data))
    assert status == 200 and json.loads(body)["body_len"] == size
    assert piece / MIN_BODY_RATE > 1  # each piece buys more time than the wait before the next one


async def test_trickling_posts_on_real_sockets_end_and_release_their_member_connections(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, request_timeout=1, client_timeout=10, server_timeout=20)
    answers: list[int] = []

    async def trickler() -> None:
        stream = await trio.open_tcp_stream("127.0.0.1", proxy.port)
        async with stream:
            await stream.send_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n")
            data = b""
            with trio.move_on_after(10):
                try:
                    while b"\r\n\r\n" not in data:
                        with trio.move_on_after(0.25):  # one byte every 0.25 s, until the answer
                            data += await stream.receive_some(65536)
                        await stream.send_all(b"x")
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
            answers.append(parse_raw(data)[0] if data else 0)

    started = trio.current_time()
    async with trio.open_nursery() as n:
        for _ in range(20):
            n.start_soon(trickler)
    assert answers == [408] * 20
    assert trio.current_time() - started < 5  # cut at about 1 s each, not 250 s
    with trio.fail_after(5):
        while s1.closed < s1.connections:  # the member connections go when the clients are cut
            await trio.sleep(0.01)
    assert s1.requests == []


# ---- chunks: coalesced, and cheap -------------------------------------------------------------------


def test_chunked_body_decoder_agrees_with_itself_however_the_bytes_arrive() -> None:
    pieces = [bytes([65 + i % 26]) * (1 + i * 7 % 300) for i in range(500)]
    wire = b"".join(b"%x;ext=%d\r\n%s\r\n" % (len(p), i, p) for i, p in enumerate(pieces)) + b"0\r\nX-T: 1\r\n\r\nNEXT"
    for step in (1, 2, 3, 7, 100, 4096, len(wire)):
        decoder = ChunkedBody()
        out = b"".join(decoder.feed(wire[i:i + step]) for i in range(0, len(wire), step))
        assert out == b"".join(pieces)
        assert decoder.done and decoder.trailers == [(b"X-T", b"1")] and decoder.rest == b"NEXT"


@pytest.mark.parametrize("bad", [b"zz\r\n", b"0x1\r\nx\r\n", b"+1\r\nx\r\n", b"1_0\r\n", b" 1\r\nx\r\n",
                                 b"1\r\nxy\r\n", b"1\r\nx\n1\r\n", b"1" * 5000, b"0\r\nNo colon\r\n\r\n"])
def test_chunked_body_decoder_refuses_malformed_framing(bad: bytes) -> None:
    with pytest.raises(Rejected) as e:
        ChunkedBody().feed(bad)
    assert e.value.status == 400


async def test_requests_pipelined_after_bodies_are_served_in_order(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, b"POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         b"3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
                                         b"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nde"
                                         b"GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert data.count(b"HTTP/1.1 200") == 3
    assert [(r.target, r.body_len, r.trailers) for r in s1.requests] == [("/1", 3, [("x-t", "1")]), ("/2", 2, []), ("/3", 0, [])]


def _chunked(body: bytes, size: int) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)) + b"0\r\n\r\n"


async def test_a_body_of_tiny_chunks_reaches_the_member_in_few_large_ones(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    body = bytes(range(256)) * 400  # 102,400 bytes as 102,400 chunks of one byte
    request = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + _chunked(body, 1)
    status, _, answer = parse_raw(await raw_request(proxy.port, request, timeout=60))
    seen = json.loads(answer)
    assert status == 200 and seen["body_len"] == len(body) and seen["body_crc"] == zlib.crc32(body)
    assert s1.requests[0].data_events <= 64  # one write per read of the client (64 KiB), not per chunk


async def _thread_cpu() -> float:
    return time.thread_time()


async def test_the_cpu_cost_of_a_body_hardly_depends_on_its_chunks(nursery: trio.Nursery) -> None:
    """The issue: a body of a million 1-byte chunks cost 29.5 s of CPU (h11 parsing, re-chunking and
    a write per chunk). The data plane's own thread is measured (time.thread_time in it), for the
    same 200,000-byte body sent as one chunk, as 1,000-byte chunks and as 1-byte chunks, and
    against what h11 alone spends parsing the 1-byte-chunk body in this process."""
    backend = Backend("b")
    await backend.start(nursery)
    body = bytes(range(256)) * 782  # 200,192 bytes
    ip, port = vs_ip(), free_port()
    vs = replace(make_vs([make_member("b", backend.port)]), name="v", ip=ip, ports=((port, port),))
    plane = Dataplane()
    await trio.to_thread.run_sync(plane.start)  # its own thread; the backend and the client stay in this one
    try:
        assert await trio.to_thread.run_sync(plane.apply, DataplaneSpec(1, {"v": vs})) == []

        async def cost(size: int) -> float:
            request = (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                       + _chunked(body, size))
            best = float("inf")
            for _ in range(3):
                before = await trio.to_thread.run_sync(plane.call, _thread_cpu)
                with trio.fail_after(60):
                    stream = await trio.open_tcp_stream(ip, port)
                    async with stream:
                        await stream.send_all(request)
                        answer = await read_all(stream)
                after = await trio.to_thread.run_sync(plane.call, _thread_cpu)
                assert json.loads(parse_raw(answer)[2])["body_crc"] == zlib.crc32(body)
                best = min(best, after - before)  # type: ignore[operator]
            return best

        one, kilo, small, tiny = await cost(len(body)), await cost(1000), await cost(64), await cost(1)
    finally:
        await trio.to_thread.run_sync(plane.stop)

    import h11

    started = time.thread_time()
    parser = h11.Connection(h11.SERVER)
    parser.receive_data(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunked(body, 1))
    while type(parser.next_event()) is not h11.EndOfMessage:
        pass
    h11_alone = time.thread_time() - started
    print(f"\nproxy CPU for a 200 kB body: one chunk {one * 1e3:.1f} ms, 1 kB chunks {kilo * 1e3:.1f} ms, "
          f"64-byte chunks {small * 1e3:.1f} ms ({small / one:.1f}x), "
          f"1-byte chunks {tiny * 1e3:.1f} ms ({tiny / one:.0f}x one chunk, {tiny / h11_alone:.2f}x h11 parsing alone)")
    assert kilo < 2 * one  # ordinary chunk sizes cost the same as one chunk
    assert tiny < 0.25 * h11_alone  # the tiny chunks cost a fraction of what h11 alone would spend on them
