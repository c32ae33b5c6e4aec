"""The L7 HTTP proxy on real loopback sockets (timers on MockClock with memory streams).

Backends are h11 servers from ``http_servers``; clients are an h11 client, raw sockets for malformed
input, curl, and the ``websockets`` library for WebSocket.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
import zlib
from typing import AsyncIterator, Awaitable, Callable

import h11
import psutil
import pytest
import trio
import trio.testing

from adc.dataplane.http_message import (
    Rejected,
    add_xff,
    check_smuggling,
    error_response,
    host_without_port,
    inspect_request_head,
    is_websocket_upgrade,
    request_headers_upstream,
    response_headers_downstream,
    split_target,
)
from adc.dataplane.http_pool import IdlePool, close_idle_connections, idle_pool
from adc.dataplane.http_proxy import serve_http
from adc.dataplane.spec import MemberSpec

from .http_servers import (
    Backend,
    H11Client,
    Proxy,
    RRUpstream,
    make_member,
    make_vs,
    pattern,
    pattern_crc,
    parse_raw,
    raw_request,
)
from .http_servers import mock_session as _mock_session
from .http_servers import read_all as _read_all

CURL = shutil.which("curl") or "/usr/bin/curl"
BIG_MB = int(os.environ.get("ADC_HTTP_BIG_MB", "1024"))  # 1 GB each way, as the issue asks


@pytest.fixture
async def pools() -> AsyncIterator[list[IdlePool]]:
    """Pools created by the test; closed at teardown so no socket is left to the GC."""
    made: list[IdlePool] = []
    yield made
    for p in made:
        await p.aclose()
    await close_idle_connections()


Setup = Callable[..., Awaitable[tuple[Proxy, list[Backend]]]]


@pytest.fixture
def setup(nursery: trio.Nursery, pools: list[IdlePool]) -> Setup:
    async def make(n: int = 2, members: list[MemberSpec] | None = None, drop_reused: bool = False, **profile: object) -> tuple[Proxy, list[Backend]]:
        backends = [Backend(f"s{i + 1}", drop_reused=drop_reused) for i in range(n)]
        for b in backends:
            await b.start(nursery)
        if members is None:
            members = [make_member(b.name, b.port) for b in backends]
        vs = make_vs(members, **profile)
        upstream = RRUpstream(vs)
        proxy = Proxy(vs, upstream)
        pools.append(proxy.pool)
        await proxy.start(nursery)
        return proxy, backends

    return make


def closed_port() -> int:
    """A port with nothing listening (bound then closed)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- sans-IO rules -------------------------------------------------------------------------------


def test_check_smuggling_rules() -> None:
    ok = [(b"Host", b"a"), (b"Content-Length", b"5")]
    assert check_smuggling(ok) is None
    assert check_smuggling([(b"Transfer-Encoding", b"Chunked")]) is None
    assert "both" in check_smuggling([(b"Content-Length", b"5"), (b"Transfer-Encoding", b"chunked")])  # type: ignore[operator]
    assert "duplicate Content-Length" == check_smuggling([(b"Content-Length", b"5"), (b"content-length", b"5")])
    assert "invalid Content-Length" == check_smuggling([(b"Content-Length", b"5, 5")])
    assert "invalid Content-Length" == check_smuggling([(b"Content-Length", b"+5")])
    assert "unsupported" in check_smuggling([(b"Transfer-Encoding", b"xchunked")])  # type: ignore[operator]
    assert "unsupported" in check_smuggling([(b"Transfer-Encoding", b"gzip, chunked")])  # type: ignore[operator]
    assert "duplicate Transfer-Encoding" == check_smuggling([(b"Transfer-Encoding", b"chunked")] * 2)
    assert "invalid header name" in check_smuggling([(b"Content-Length ", b"5")])  # type: ignore[operator]
    assert "invalid header name" in check_smuggling([(b"X\x00Y", b"5")])  # type: ignore[operator]


def test_inspect_request_head() -> None:
    assert inspect_request_head(b"GET / HTTP/1.1\r\nHost: a\r\n", 100, 8000) is False
    assert inspect_request_head(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE", 100, 8000) is True
    assert inspect_request_head(b"GET / HTTP/1.1\nHost: a\n\n", 100, 8000) is True
    with pytest.raises(Rejected, match="folding") as e:
        inspect_request_head(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 100, 8000)
    assert e.value.status == 400
    with pytest.raises(Rejected) as e:
        inspect_request_head(b"GET / HTTP/1.1\r\n" + b"X-A: 1\r\n" * 11 + b"\r\n", 10, 8000)
    assert e.value.status == 431
    with pytest.raises(Rejected) as e:
        inspect_request_head(b"GET / HTTP/1.1\r\nX-A: " + b"a" * 9000, 10, 8000)
    assert e.value.status == 431
    with pytest.raises(Rejected, match="colon"):
        inspect_request_head(b"GET / HTTP/1.1\r\nHost a\r\n\r\n", 100, 8000)


def test_add_xff_appends_and_merges() -> None:
    assert add_xff([(b"Host", b"a")], "10.0.0.9") == [(b"Host", b"a"), (b"X-Forwarded-For", b"10.0.0.9")]
    merged = add_xff([(b"x-forwarded-for", b"1.1.1.1"), (b"Host", b"a"), (b"X-Forwarded-For", b"2.2.2.2")], "3.3.3.3")
    assert merged == [(b"x-forwarded-for", b"1.1.1.1, 2.2.2.2, 3.3.3.3"), (b"Host", b"a")]
    assert add_xff([], "1.2.3.4", "X-Real-Client") == [(b"X-Real-Client", b"1.2.3.4")]


def test_header_rewrites() -> None:
    raw = [(b"Host", b"h"), (b"Connection", b"keep-alive, X-Secret, Content-Length"), (b"X-Secret", b"s"), (b"Keep-Alive", b"5"), (b"Content-Length", b"3")]
    out = request_headers_upstream(raw, websocket=False, server_close=False, default_host="v:80", xff=None)
    assert out == [(b"Host", b"h"), (b"Content-Length", b"3")]
    out = request_headers_upstream([(b"Accept", b"*/*")], websocket=False, server_close=True, default_host="v:80", xff=("X-Forwarded-For", "1.2.3.4"))
    assert out == [(b"Host", b"v:80"), (b"Accept", b"*/*"), (b"Connection", b"close"), (b"X-Forwarded-For", b"1.2.3.4")]
    ws = [(b"Host", b"h"), (b"Upgrade", b"websocket"), (b"Connection", b"Upgrade")]
    assert request_headers_upstream(ws, websocket=True, server_close=True, default_host="x", xff=None) == ws
    assert response_headers_downstream([(b"Connection", b"close"), (b"Content-Length", b"1")]) == [(b"Content-Length", b"1")]
    up = [(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade")]
    assert response_headers_downstream(up, switching=True) == up


def test_small_helpers() -> None:
    assert host_without_port("Example.COM:8080") == "example.com"
    assert host_without_port("[::1]:80") == "::1"
    assert host_without_port("::1") == "::1"
    assert split_target(b"/a/b?x=1") == ("/a/b", "/a/b?x=1")
    assert split_target(b"http://h:1/p?q") == ("/p", "/p?q")
    assert split_target(b"http://h?q") == ("/", "/?q")
    assert split_target(b"*") == ("*", "*")
    req = h11.Request(method="GET", target="/", headers=[("Host", "a"), ("Upgrade", "WebSocket"), ("Connection", "keep-alive, Upgrade")])
    assert is_websocket_upgrade(req)
    assert not is_websocket_upgrade(h11.Request(method="GET", target="/", headers=[("Host", "a"), ("Upgrade", "h2c"), ("Connection", "Upgrade")]))
    assert not is_websocket_upgrade(h11.Request(method="GET", target="/", headers=[("Host", "a"), ("Upgrade", "websocket")]))
    resp = error_response(503, "Server-unavailable!")
    assert resp.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and resp.endswith(b"\r\n\r\nServer-unavailable!")
    assert b"Connection: close" in resp
    assert error_response(503, "x", head_only=True).endswith(b"\r\n\r\n")


# ---- keep-alive, per-request balancing, reuse ----------------------------------------------------


async def test_keepalive_balances_every_request_and_reuses_member_connections(setup: Setup) -> None:
    proxy, (s1, s2) = await setup(2, xff=True)
    client = await H11Client.open(proxy.port)
    try:
        seen = []
        for i in range(6):
            r = await client.request("GET", f"/p{i}?q={i}", headers=[("Host", f"Site.example:{8000 + i}")])
            assert r.status == 200
            seen.append(r.json())
    finally:
        await client.aclose()
    assert [s["server"] for s in seen] == ["s1", "s2"] * 3  # a member per request
    assert proxy.accepted == 1  # one client connection
    assert s1.connections == 1 and s2.connections == 1  # member connections reused
    ctx = proxy.upstream.contexts[3]
    assert (ctx.host, ctx.uri, ctx.full_uri, ctx.client_ip, ctx.dest_port) == ("site.example", "/p3", "/p3?q=3", "127.0.0.1", proxy.port)
    assert proxy.upstream.active == {"s1": 0, "s2": 0}


async def test_member_connections_are_shared_across_client_connections(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    for _ in range(3):
        client = await H11Client.open(proxy.port)
        assert (await client.request("GET", "/")).status == 200
        await client.aclose()
    assert proxy.accepted == 3
    assert s1.connections == 1


async def test_xff_added_and_appended(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, xff=True)
    client = await H11Client.open(proxy.port)
    try:
        await client.request("GET", "/a")
        await client.request("GET", "/b", headers=[("X-Forwarded-For", "203.0.113.7")])
    finally:
        await client.aclose()
    assert s1.requests[0].header("x-forwarded-for") == ["127.0.0.1"]
    assert s1.requests[1].header("x-forwarded-for") == ["203.0.113.7, 127.0.0.1"]


async def test_xff_custom_name_and_disabled(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, xff=True, xff_header="Client-IP")
    client = await H11Client.open(proxy.port)
    await client.request("GET", "/")
    await client.aclose()
    assert s1.requests[0].header("x-client-ip") == ["127.0.0.1"]
    assert s1.requests[0].header("x-forwarded-for") == []
    proxy2, (s2,) = await setup(1)
    client = await H11Client.open(proxy2.port)
    await client.request("GET", "/")
    await client.aclose()
    assert s2.requests[0].header("x-forwarded-for") == []


async def test_hop_by_hop_headers_stay_on_their_hop(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    client = await H11Client.open(proxy.port)
    r = await client.request("GET", "/close", headers=[("Connection", "X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=9")])
    assert r.status == 200
    assert r.header("connection") == [] and r.header("keep-alive") == []  # member said close: not the client's business
    r = await client.request("GET", "/")  # the client connection is still usable
    assert r.status == 200
    await client.aclose()
    assert s1.requests[0].header("x-hop") == [] and s1.requests[0].header("keep-alive") == []
    assert s1.connections == 2  # the member closed the first one


async def test_server_close_mode(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, http_mode="ServerClose")
    client = await H11Client.open(proxy.port)
    for _ in range(3):
        r = await client.request("GET", "/")
        assert r.status == 200 and r.header("connection") == []
    await client.aclose()
    assert proxy.accepted == 1  # client side kept alive
    assert s1.connections == 3  # a member connection per request
    assert all(seen.header("connection") == ["close"] for seen in s1.requests)
    assert proxy.pool.count() == 0


async def test_once_only_mode_analyses_only_the_first_request(setup: Setup) -> None:
    proxy, (s1, s2) = await setup(2, http_mode="OnceOnly", xff=True)
    client = await H11Client.open(proxy.port)
    try:
        replies = [(await client.request("GET", f"/{i}")).json() for i in range(3)]
    finally:
        await client.aclose()
    assert [r["server"] for r in replies] == ["s1"] * 3  # later requests follow the first one
    assert len({r["conn"] for r in replies}) == 1  # on the same member connection
    assert proxy.upstream.picks == ["s1"]
    assert [seen.header("x-forwarded-for") for seen in s1.requests] == [["127.0.0.1"], [], []]
    assert s2.connections == 0


async def test_client_connection_close_is_honoured(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    status, headers, body = parse_raw(data)
    assert status == 200 and headers["connection"] == "close" and json.loads(body)["server"] == "s1"
    assert s1.requests[0].header("connection") == []


async def test_http10_client(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, b"GET /download/100?chunked HTTP/1.0\r\n\r\n")
    status, headers, body = parse_raw(data)
    assert status == 200 and body == bytes(range(100)) and "transfer-encoding" not in headers
    assert s1.requests[0].header("host") == [f"127.0.0.1:{proxy.port}"]


async def test_pipelined_requests_are_answered_in_order(setup: Setup) -> None:
    proxy, (s1, s2) = await setup(2)
    data = await raw_request(proxy.port, b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert data.count(b"HTTP/1.1 200") == 3
    targets = [json.loads(part.split(b"\r\n\r\n", 1)[1][: part.split(b"\r\n\r\n", 1)[1].index(b"}") + 1])["target"] for part in data.split(b"HTTP/1.1 200")[1:]]
    assert targets == ["/1", "/2", "/3"]


async def test_head_request_and_trailers(setup: Setup) -> None:
    proxy, _ = await setup(1)
    client = await H11Client.open(proxy.port)
    r = await client.request("HEAD", "/download/5000")
    assert r.status == 200 and r.header("content-length") == ["5000"] and r.body == b""
    r = await client.request("GET", "/trailers")
    assert r.body == b"hello" and r.trailers == [("x-sum", "5")]
    await client.aclose()


# ---- failures ------------------------------------------------------------------------------------


async def test_no_member_gives_503_with_error_msg(setup: Setup) -> None:
    proxy, _ = await setup(0, members=[])
    data = await raw_request(proxy.port, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    status, headers, body = parse_raw(data)
    assert (status, headers["connection"], body) == (503, "close", b"Server-unavailable!")


async def test_connect_failure_tries_another_member_then_503(setup: Setup) -> None:
    dead1, dead2 = make_member("dead1", closed_port()), make_member("dead2", closed_port())
    proxy, (s1,) = await setup(1)
    live = make_member("s1", s1.port)
    proxy.upstream.members[:] = [dead1, live]
    client = await H11Client.open(proxy.port)
    r = await client.request("GET", "/")
    await client.aclose()
    assert r.status == 200 and r.json()["server"] == "s1"
    assert proxy.upstream.connects == ["dead1", "s1"]
    proxy.upstream.members[:] = [dead1, dead2, live]
    proxy.upstream._next = 0
    data = await raw_request(proxy.port, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert parse_raw(data)[0] == 503  # one retry only
    assert proxy.upstream.connects[2:] == ["dead1", "dead2"]


async def test_member_reset_before_response_is_502(setup: Setup) -> None:
    proxy, _ = await setup(1)
    status, headers, _ = parse_raw(await raw_request(proxy.port, b"POST /reset HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"))
    assert status == 502 and headers["connection"] == "close"


async def test_truncated_response_closes_the_client(setup: Setup) -> None:
    proxy, _ = await setup(1)
    data = await raw_request(proxy.port, b"GET /partial HTTP/1.1\r\nHost: a\r\n\r\n")
    status, headers, body = parse_raw(data)
    assert status == 200 and headers["content-length"] == "1000" and body == b"0123456789"


async def test_stale_keepalive_connection_is_retried_for_idempotent_requests(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, drop_reused=True)
    client = await H11Client.open(proxy.port)
    r1 = await client.request("GET", "/one")
    r2 = await client.request("GET", "/two")  # the parked connection is closed when used: retried
    await client.aclose()
    assert (r1.status, r2.status) == (200, 200)
    assert r2.json()["conn"] == 2 and s1.connections == 2  # conn 1 was reused, dropped the request, retried on conn 2
    client = await H11Client.open(proxy.port)
    r3 = await client.request("POST", "/three", body=b"x")  # not idempotent: no retry
    assert r3.status == 502
    await client.aclose()


async def test_early_response_while_uploading(setup: Setup) -> None:
    proxy, _ = await setup(1)
    client = await H11Client.open(proxy.port)
    reply: list[int] = []

    async def upload() -> None:
        stream = client.stream
        await stream.send_all(client.conn.send(h11.Request(method="POST", target="/early", headers=[("Host", "a"), ("Content-Length", "100000000")])))
        with trio.move_on_after(5):
            try:
                while True:
                    await stream.send_all(b"x" * 65536)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass

    with trio.fail_after(10):
        async with trio.open_nursery() as n:
            n.start_soon(upload)
            data = bytearray()
            while b"\r\n\r\n" not in data:
                data += await client.stream.receive_some(65536)
            reply.append(int(data.split()[1]))
            n.cancel_scope.cancel()
    await client.aclose()
    assert reply == [413]


async def test_exceptions_in_one_connection_never_escape(nursery: trio.Nursery) -> None:
    class Exploding(RRUpstream):
        def pick(self, ctx):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    upstream = Exploding(make_vs([]))
    a, b = trio.testing.memory_stream_pair()
    await b.send_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    await serve_http(a, ("1.2.3.4", 5), ("5.6.7.8", 80), make_vs([]), upstream, pool=IdlePool())  # returns


# ---- smuggling and limits ------------------------------------------------------------------------

SMUGGLING = {
    "cl-and-te": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te-and-cl": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
    "duplicate-cl-equal": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
    "duplicate-cl-conflict": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
    "cl-list": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 5\r\n\r\nabcde",
    "obs-fold": b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: a\r\n b\r\n\r\n",
    "obs-fold-te": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "space-before-colon": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 4\r\n\r\nabcd",
    "bad-name": b"GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n",
    "te-obfuscated": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te-twice": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bad-chunk-size": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
    "no-host": b"GET / HTTP/1.1\r\n\r\n",
    "bad-request-line": b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
    "nul-in-value": b"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n",
}


async def test_connect_method_is_refused(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    status, headers, _ = parse_raw(data)
    assert (status, headers["connection"], s1.connections) == (405, "close", 0)


@pytest.mark.parametrize("name", sorted(SMUGGLING))
async def test_smuggling_is_refused_and_never_forwarded(setup: Setup, name: str) -> None:
    proxy, (s1,) = await setup(1)
    data = await raw_request(proxy.port, SMUGGLING[name])
    status, headers, _ = parse_raw(data)
    assert status == 400 and headers["connection"] == "close"
    if name != "bad-chunk-size":  # the head is fine there; the body breaks after it was routed
        assert s1.connections == 0  # the member never saw a byte
    assert s1.requests == []


async def test_too_many_headers_and_too_large_head(setup: Setup) -> None:
    proxy, (s1,) = await setup(1, max_headers=20, bufsize=2048)
    many = b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(20)) + b"\r\n"
    assert parse_raw(await raw_request(proxy.port, many))[0] == 431
    big = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n"
    assert parse_raw(await raw_request(proxy.port, big))[0] == 431
    at_limit = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(18)) + b"Host: a\r\nConnection: close\r\n\r\n"
    assert parse_raw(await raw_request(proxy.port, at_limit))[0] == 200
    assert s1.connections == 1


# ---- streaming -----------------------------------------------------------------------------------


class RssSampler:
    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base

    async def run(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            await trio.sleep(0.05)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 1e6


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_big_upload_and_download_stream_with_bounded_memory(setup: Setup, nursery: trio.Nursery, chunked: bool) -> None:
    size = BIG_MB * 1_000_000
    proxy, (s1,) = await setup(1)
    sampler = RssSampler()
    await nursery.start(sampler.run)
    client = await H11Client.open(proxy.port)
    with trio.fail_after(60):
        t0 = time.perf_counter()
        headers = [] if chunked else [("Content-Length", str(size))]
        r = await client.request("POST", "/upload", headers=headers, body=pattern(size))
        t1 = time.perf_counter()
        d = await client.request("GET", f"/download/{size}" + ("?chunked" if chunked else ""), keep_body=False)
        t2 = time.perf_counter()
    await client.aclose()
    crc = pattern_crc(size)
    assert r.status == 200 and r.json()["body_len"] == size and r.json()["body_crc"] == crc
    assert d.status == 200 and d.body_len == size and d.body_crc == crc
    print(f"\n{BIG_MB} MB {'chunked' if chunked else 'content-length'}: up {size / (t1 - t0) / 1e6:.0f} MB/s, down {size / (t2 - t1) / 1e6:.0f} MB/s, RSS growth {sampler.growth_mb:.1f} MB")
    assert sampler.growth_mb < 50


# ---- curl ----------------------------------------------------------------------------------------


async def test_curl_keepalive_reuses_one_connection(setup: Setup) -> None:
    proxy, (s1, s2) = await setup(2, xff=True)
    url = f"http://127.0.0.1:{proxy.port}"
    result = await trio.run_process(
        [CURL, "-s", "-w", "\\n%{num_connects}\\n", f"{url}/a", f"{url}/b", f"{url}/c"], capture_stdout=True, capture_stderr=True
    )
    lines = [l for l in result.stdout.decode().split("\n") if l]
    bodies = [json.loads(l) for l in lines if l.startswith("{")]
    connects = [int(l) for l in lines if l.isdigit()]
    assert [b["server"] for b in bodies] == ["s1", "s2", "s1"]
    assert connects == [1, 0, 0]  # curl opened one connection and reused it
    assert proxy.accepted == 1
    assert all(b["headers"][-1] == ["x-forwarded-for", "127.0.0.1"] for b in bodies)


async def test_curl_chunked_upload(setup: Setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    proxy, (s1,) = await setup(1)
    size = 3_000_000
    src = tmp_path / "body.bin"
    src.write_bytes((zlib.crc32(b"seed").to_bytes(4, "big") * (size // 4)))
    result = await trio.run_process(
        [CURL, "-s", "-H", "Transfer-Encoding: chunked", "--data-binary", f"@{src}", f"http://127.0.0.1:{proxy.port}/up"],
        capture_stdout=True,
        capture_stderr=True,
    )
    body = json.loads(result.stdout)
    assert body["body_len"] == size and body["body_crc"] == zlib.crc32(src.read_bytes())
    assert ["transfer-encoding", "chunked"] in body["headers"]
    assert ["expect", "100-continue"] in body["headers"]  # curl waited for the relayed 100 Continue


# ---- timers (MockClock, memory streams) ----------------------------------------------------------


TIMERS = dict(client_timeout=5, server_timeout=7, connect_timeout=3, request_timeout=11, keepalive_timeout=13)


async def test_request_head_timeout_slowloris(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    client, done, _ = await _mock_session(nursery, Backend("b"), **TIMERS)
    start = trio.current_time()

    async def trickle() -> None:
        try:
            for b in b"GET / HTTP/1.1\r\nHost: a\r\n":  # one byte every 2 s: each read is within client-timeout
                await client.send_all(bytes([b]))
                await trio.sleep(2)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    async with trio.open_nursery() as n:
        n.start_soon(trickle)
        first = await client.receive_some(65536)
        answered = trio.current_time() - start
        n.cancel_scope.cancel()
    data = first + await _read_all(client)
    await done.wait()
    assert parse_raw(data)[0] == 408
    assert answered == pytest.approx(11)  # cut at http-request-timeout


async def test_silent_client_is_dropped_at_request_timeout(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    client, done, _ = await _mock_session(nursery, Backend("b"), **dict(TIMERS, client_timeout=50))
    start = trio.current_time()
    assert await _read_all(client) == b""
    assert trio.current_time() - start == pytest.approx(11)


async def test_keepalive_timeout_closes_idle_client(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    client, done, _ = await _mock_session(nursery, Backend("b"), **TIMERS)
    await client.send_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    data = bytearray()
    while b"}" not in data:
        data += await client.receive_some(65536)
    start = trio.current_time()
    assert await _read_all(client) == b""
    assert trio.current_time() - start == pytest.approx(13)


async def test_server_timeout_gives_504(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    client, done, _ = await _mock_session(nursery, Backend("b"), **TIMERS)
    await client.send_all(b"GET /hang HTTP/1.1\r\nHost: a\r\n\r\n")
    start = trio.current_time()
    data = await _read_all(client)
    assert parse_raw(data)[0] == 504
    assert trio.current_time() - start == pytest.approx(7)


async def test_connect_timeout_gives_503(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    client, done, upstream = await _mock_session(nursery, Backend("b"), **TIMERS)

    async def never(member: MemberSpec) -> trio.abc.Stream:
        await trio.sleep_forever()
        raise AssertionError

    upstream.dial = never
    await client.send_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    start = trio.current_time()
    status, _, body = parse_raw(await _read_all(client))
    assert (status, body) == (503, b"Server-unavailable!")
    assert trio.current_time() - start == pytest.approx(3)  # one member: no second try


async def test_client_timeout_inside_body(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    backend = Backend("b")
    client, done, _ = await _mock_session(nursery, backend, **TIMERS)
    await client.send_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
    start = trio.current_time()
    data = await _read_all(client)
    assert parse_raw(data)[0] == 408
    assert trio.current_time() - start == pytest.approx(5)
    assert backend.requests == []


async def test_slow_upload_keeps_server_wait_alive(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    """An upload slower than server-timeout as a whole is fine while it progresses (and while it is
    within http-request-timeout, which bounds the whole request: test_http_hardening)."""
    client, done, _ = await _mock_session(nursery, Backend("b"), **dict(TIMERS, request_timeout=60))
    await client.send_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
    for _ in range(10):
        await trio.sleep(4)  # under client-timeout each time; 40 s in all, server-timeout is 7
        await client.send_all(b"x")
    data = bytearray()
    while b"}" not in data:
        data += await client.receive_some(65536)
    assert parse_raw(bytes(data))[0] == 200 and json.loads(parse_raw(bytes(data))[2])["body_len"] == 10


async def test_tunnel_idle_timeout_is_max_of_client_and_server(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    echo_peer: list[trio.abc.Stream] = []

    async def ws_member(member: MemberSpec) -> trio.abc.Stream:
        ours, theirs = trio.testing.memory_stream_pair()

        async def serve() -> None:
            conn = h11.Connection(h11.SERVER)
            while True:
                ev = conn.next_event()
                if ev is h11.NEED_DATA:
                    conn.receive_data(await theirs.receive_some(65536))
                elif ev is h11.PAUSED or type(ev) is h11.EndOfMessage:
                    break
            await theirs.send_all(conn.send(h11.InformationalResponse(status_code=101, headers=[("Upgrade", "websocket"), ("Connection", "Upgrade")])) + b"early")
            echo_peer.append(theirs)
            while data := await theirs.receive_some(65536):
                await theirs.send_all(data)

        nursery.start_soon(serve)
        return ours

    client, done, upstream = await _mock_session(nursery, Backend("b"), **TIMERS)
    upstream.dial = ws_member
    await client.send_all(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nfirst")
    data = bytearray()
    while not data.endswith(b"earlyfirst"):
        data += await client.receive_some(65536)
    assert data.startswith(b"HTTP/1.1 101 ")
    await trio.sleep(6.5)  # longer than client-timeout (5), shorter than server-timeout (7)
    await client.send_all(b"ping")
    assert await client.receive_some(65536) == b"ping"
    start = trio.current_time()
    assert await _read_all(client) == b""
    assert trio.current_time() - start == pytest.approx(7)


# ---- WebSocket (websockets library on both ends) -------------------------------------------------


class WsBackend:
    """A ``websockets`` sync server in a thread: echoes, closes with 4001 on request, refuses /refuse."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.handshakes: list[dict[str, str]] = []
        self.client_closes: list[tuple[int, str]] = []
        self.server = serve(self._handler, "127.0.0.1", 0, process_request=self._process, max_size=None, compression=None)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _process(self, connection, request):  # type: ignore[no-untyped-def]
        from http import HTTPStatus

        self.handshakes.append({k.lower(): v for k, v in request.headers.raw_items()})
        if request.path == "/refuse":
            return connection.respond(HTTPStatus.FORBIDDEN, "no websocket for you\n")
        return None

    def _handler(self, ws) -> None:  # type: ignore[no-untyped-def]
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                fragments = [f for f in ws.recv_streaming() if f]  # websockets ends an iterable with an empty FIN frame
                message = fragments[0][:0].join(fragments)
                if message == "close-4001":
                    ws.close(4001, "bye from server")
                    return
                if message == "ping-me":
                    ws.ping(b"server-ping").wait(5)
                    ws.send("pong-received")
                    continue
                ws.send(fragments if len(fragments) > 1 else message)
        except ConnectionClosed as exc:
            if exc.rcvd is not None:
                self.client_closes.append((exc.rcvd.code, exc.rcvd.reason))

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def ws_backend() -> AsyncIterator[WsBackend]:  # type: ignore[misc]
    backend = WsBackend()
    yield backend
    backend.close()


def _ws_session(port: int) -> dict[str, object]:
    """The client side, run in a thread: everything observed, for the test to check."""
    from websockets.exceptions import ConnectionClosedError
    from websockets.sync.client import connect

    out: dict[str, object] = {}
    big_bin = os.urandom(5_000_000)
    big_text = "é" * 1_500_000
    with connect(f"ws://127.0.0.1:{port}/chat?room=1", max_size=None, compression=None, open_timeout=10, close_timeout=5) as ws:
        ws.send(big_bin)
        out["big_bin"] = ws.recv(timeout=10) == big_bin
        ws.send(big_text)
        out["big_text"] = ws.recv(timeout=10) == big_text
        ws.send(["frag-1 ", "frag-2 ", "frag-3"])  # one message in three frames
        out["fragments"] = [f for f in ws.recv_streaming() if f]
        out["pong"] = ws.ping(b"client-ping").wait(5)
        ws.send("ping-me")
        out["server_ping"] = ws.recv(timeout=10)
        many = [f"m{i}" for i in range(200)]
        for m in many:
            ws.send(m)
        out["ordered"] = [ws.recv(timeout=10) for _ in many] == many
    with connect(f"ws://127.0.0.1:{port}/x", open_timeout=10, close_timeout=5) as ws:
        ws.send("close-4001")
        try:
            ws.recv(timeout=10)
        except ConnectionClosedError as exc:
            out["server_close"] = (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else None
    with connect(f"ws://127.0.0.1:{port}/y", open_timeout=10, close_timeout=5) as ws:
        ws.send("hi")
        ws.recv(timeout=10)
        ws.close(4002, "bye from client")
    return out


async def test_websocket_through_the_proxy(setup: Setup, ws_backend: WsBackend) -> None:
    proxy, _ = await setup(0, members=[make_member("ws", ws_backend.port)], xff=True)
    with trio.fail_after(30):
        out = await trio.to_thread.run_sync(_ws_session, proxy.port)
        while len(ws_backend.client_closes) < 2:  # the server thread records the clients' closes
            await trio.sleep(0.01)
    assert out["big_bin"] and out["big_text"] and out["ordered"]
    assert out["fragments"] == ["frag-1 ", "frag-2 ", "frag-3"]  # frames pass unchanged
    assert out["pong"] is True and out["server_ping"] == "pong-received"
    assert out["server_close"] == (4001, "bye from server")
    assert sorted(ws_backend.client_closes) == [(1000, ""), (4002, "bye from client")]
    hs = ws_backend.handshakes[0]
    assert hs["upgrade"] == "websocket" and hs["connection"] == "Upgrade" and hs["x-forwarded-for"] == "127.0.0.1"
    assert proxy.upstream.picks == ["ws", "ws", "ws"]
    with trio.fail_after(10):
        while proxy.finished < 3:  # every tunnel ended with its connection
            await trio.sleep(0.01)
    assert proxy.upstream.active == {"ws": 0}


async def test_refused_websocket_upgrade_with_websockets_client(setup: Setup, ws_backend: WsBackend) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    proxy, _ = await setup(0, members=[make_member("ws", ws_backend.port)])

    def attempt() -> int:
        try:
            connect(f"ws://127.0.0.1:{proxy.port}/refuse", open_timeout=10)
        except InvalidStatus as exc:
            return exc.response.status_code
        return 0

    with trio.fail_after(20):
        assert await trio.to_thread.run_sync(attempt) == 403


async def test_refused_upgrade_stays_http(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    client = await H11Client.open(proxy.port)
    r = await client.request("GET", "/ws-refuse", headers=[("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")])
    assert (r.status, r.body) == (403, b"refused")
    r = await client.request("GET", "/after")  # same client connection, plain HTTP again
    assert r.status == 200 and r.json()["target"] == "/after"
    await client.aclose()
    assert proxy.accepted == 1


async def test_non_websocket_upgrade_is_not_forwarded(setup: Setup) -> None:
    proxy, (s1,) = await setup(1)
    client = await H11Client.open(proxy.port)
    r = await client.request("GET", "/", headers=[("Upgrade", "h2c"), ("Connection", "Upgrade, HTTP2-Settings"), ("HTTP2-Settings", "AAMAAABkAAQAAP__")])
    assert r.status == 200
    r = await client.request("GET", "/again")
    assert r.status == 200
    await client.aclose()
    seen = s1.requests[0]
    assert seen.header("upgrade") == [] and seen.header("http2-settings") == [] and seen.header("connection") == []


# ---- idle pool -----------------------------------------------------------------------------------


def test_keepalive_hint() -> None:
    from adc.dataplane.http_message import keepalive_hint

    assert keepalive_hint([(b"Keep-Alive", b"timeout=5, max=100")]) == 5.0
    assert keepalive_hint([(b"keep-alive", b"max=100")]) is None
    assert keepalive_hint([]) is None


def _uc(stream: trio.abc.Stream, key: str = "k") -> object:
    from adc.dataplane.http_pool import UpstreamConnection

    return UpstreamConnection(stream, h11.Connection(h11.CLIENT), make_member("m", 1), key)


async def test_pool_drops_connections_the_server_closed() -> None:
    pool = IdlePool(poll_after=0.0)  # every reuse polled
    a1, b1 = trio.socket.socketpair()
    a2, b2 = trio.socket.socketpair()
    first, second = _uc(trio.SocketStream(a1)), _uc(trio.SocketStream(a2))
    await pool.put(first)
    await pool.put(second)
    b2.close()  # the server closed the most recent one while it was idle
    assert await pool.take("k") is first
    assert await pool.take("k") is None
    assert pool.count() == 0
    await first.stream.aclose()
    b1.close()


async def test_pool_polls_only_connections_idle_a_while(autojump_clock: trio.testing.MockClock) -> None:
    """A connection parked less than ``poll_after`` ago is reused without the poll syscall; one idle
    longer is polled, and dropped when the server closed it."""
    pool = IdlePool()
    assert pool.poll_after == 1.0
    a1, b1 = trio.socket.socketpair()
    a2, b2 = trio.socket.socketpair()
    recent, old = _uc(trio.SocketStream(a1)), _uc(trio.SocketStream(a2))
    await pool.put(recent)
    b1.close()
    assert await pool.take("k") is recent  # not polled: the request on it meets the close (and is retried)
    await pool.put(old)
    b2.close()
    await trio.sleep(1.0)
    assert await pool.take("k") is None  # polled: seen closed, dropped
    assert pool.count() == 0
    await recent.stream.aclose()


async def test_pool_expiry_and_keepalive_hint(autojump_clock: trio.testing.MockClock) -> None:
    pool = IdlePool(idle_timeout=15)
    old, hinted, fresh = (_uc(trio.testing.memory_stream_pair()[0]) for _ in range(3))
    hinted.max_idle = 4
    await pool.put(old)
    await trio.sleep(10)
    await pool.put(hinted)
    await pool.put(fresh)
    await trio.sleep(6)  # old idle 16 s > 15, hinted idle 6 s > 4, fresh idle 6 s
    assert await pool.take("k") is fresh
    assert await pool.take("k") is None
    await pool.aclose()


async def test_pool_is_per_trio_run() -> None:
    assert idle_pool() is idle_pool()


# ---- HTTPS client side (the runtime terminates TLS; serve_http gets the SSLStream) ---------------


async def test_over_tls_client_stream(nursery: trio.Nursery, setup: Setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import ssl

    from adc.certs import generate_self_signed

    cert_pem, key_pem = generate_self_signed("t", "ECDSA", "secp256r1", "127.0.0.1")
    (tmp_path / "c.pem").write_bytes(cert_pem)
    (tmp_path / "k.pem").write_bytes(key_pem)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    client_ctx = ssl.create_default_context(cafile=str(tmp_path / "c.pem"))
    proxy, (s1,) = await setup(1, xff=True)

    async def handler(stream: trio.SSLStream) -> None:  # type: ignore[type-arg]
        sock = stream.transport_stream.socket  # type: ignore[attr-defined]
        await serve_http(stream, sock.getpeername(), sock.getsockname(), proxy.vs, proxy.upstream, pool=proxy.pool)

    from functools import partial

    listeners = await nursery.start(partial(trio.serve_ssl_over_tcp, handler, 0, server_ctx, host="127.0.0.1", https_compatible=True))
    port = listeners[0].transport_listener.socket.getsockname()[1]
    stream = await trio.open_ssl_over_tcp_stream("127.0.0.1", port, ssl_context=client_ctx, https_compatible=True)
    client = H11Client(stream)
    with trio.fail_after(10):
        r1 = await client.request("GET", "/download/300000")
        r2 = await client.request("POST", "/up", body=b"z" * 100000)
    await client.aclose()
    assert r1.body == b"".join(pattern(300000)) and r2.json()["body_len"] == 100000
    assert s1.connections == 1


# ---- tunnel half-close and abrupt clients --------------------------------------------------------


async def test_tunnel_propagates_half_close_both_ways(setup: Setup, nursery: trio.Nursery) -> None:
    from functools import partial

    async def member(stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        while True:
            ev = conn.next_event()
            if ev is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
            elif ev is h11.PAUSED or type(ev) is h11.EndOfMessage:
                break
        early = conn.trailing_data[0]
        reply = conn.send(h11.InformationalResponse(status_code=101, headers=[("Upgrade", "websocket"), ("Connection", "Upgrade")]))
        await stream.send_all(reply + b"hello;")  # bytes right behind the 101
        await stream.send_all(early.upper())
        while data := await stream.receive_some(65536):  # until the client's half-close arrives
            await stream.send_all(data.upper())
        await stream.send_all(b"bye")  # still allowed to talk after the client's FIN
        await stream.aclose()

    listeners = await nursery.start(partial(trio.serve_tcp, member, 0, host="127.0.0.1"))
    proxy, _ = await setup(0, members=[make_member("raw", listeners[0].socket.getsockname()[1])])
    with trio.fail_after(10):
        client = await trio.open_tcp_stream("127.0.0.1", proxy.port)
        await client.send_all(b"GET /t HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly;")
        data = bytearray()
        while not data.endswith(b"EARLY;"):
            data += await client.receive_some(65536)
        assert data.startswith(b"HTTP/1.1 101 ") and data.endswith(b"\r\n\r\nhello;EARLY;")
        await client.send_all(b"more;")
        await client.send_eof()  # half-close: the member sees EOF, answers, then closes
        rest = bytearray()
        while chunk := await client.receive_some(65536):
            rest += chunk
        assert rest == b"MORE;bye"
        await client.aclose()
        while proxy.finished < 1:
            await trio.sleep(0.01)


async def test_client_reset_mid_download_only_ends_that_connection(setup: Setup) -> None:
    import socket
    import struct

    proxy, (s1,) = await setup(1)
    with trio.fail_after(10):
        client = await H11Client.open(proxy.port)
        await client.stream.send_all(b"GET /download/50000000 HTTP/1.1\r\nHost: a\r\n\r\n")
        await client.stream.receive_some(65536)
        client.stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await client.aclose()  # RST
        while proxy.finished < 1:
            await trio.sleep(0.01)
        again = await H11Client.open(proxy.port)
        assert (await again.request("GET", "/")).status == 200
        await again.aclose()
    assert proxy.upstream.active == {"s1": 0}


# ---- the per-request fast paths ------------------------------------------------------------------

def test_scan_request_agrees_with_the_single_helpers() -> None:
    from adc.dataplane.http_message import request_body_framing, scan_request
    from adc.dataplane.http_proxy import request_host

    cases = [
        [("Host", "a.example:81"), ("Cookie", "x=1"), ("Referer", "http://r/"), ("cookie", "y=2")],
        [("Host", "a"), ("Upgrade", "WebSocket"), ("Connection", "keep-alive, Upgrade")],
        [("Host", "a"), ("Upgrade", "websocket")],
        [("Host", "a"), ("Connection", "Keep-Alive, Close"), ("Content-Length", "12")],
        [("Host", "a"), ("Transfer-Encoding", "chunked")],
        [("Host", "a"), ("Referer", "one"), ("Referer", "two")],
    ]
    for headers in cases:
        for version in ("1.1", "1.0"):
            req = h11.Request(method="GET", target="/", headers=headers, http_version=version)
            scan = scan_request(req)
            assert scan.host == request_host(req)
            assert scan.cookie == "; ".join(v.decode() for n, v in req.headers if n == b"cookie")
            assert scan.referer == next((v.decode() for n, v in req.headers if n == b"referer"), "")
            assert (scan.chunked, scan.length) == request_body_framing(req)
            assert scan.websocket == is_websocket_upgrade(req)
            closing = any(n == b"connection" and b"close" in v.lower() for n, v in req.headers)
            assert scan.keep_alive == (version == "1.1" and not closing)
            assert scan.upgrade == any(n == b"upgrade" for n, _ in req.headers)


async def test_direct_lane_answers_as_h11_would(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep-alive GETs get their answer written by the proxy (the direct lane); the last request asks
    for ``Connection: close`` and gets h11's answer. Apart from that header the heads are the same."""
    from adc.dataplane import http_proxy

    direct = []
    write = http_proxy._response_head
    monkeypatch.setattr(http_proxy, "_response_head", lambda *a: direct.append(a[0]) or write(*a))
    proxy, _ = await setup(1)
    request = b"".join(b"GET /%s HTTP/1.1\r\nHost: a\r\n%s\r\n" % (p, b"Connection: close\r\n" if p == b"c" else b"")
                       for p in (b"a", b"b", b"c"))
    data = await raw_request(proxy.port, request)
    heads, bodies = [], []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(parse_raw(head + b"\r\n\r\n")[1]["content-length"])
        heads.append(head.split(b"\r\n"))
        bodies.append(json.loads(rest[:length]))
        data = rest[length:]
    assert [b["target"] for b in bodies] == ["/a", "/b", "/c"]
    assert heads[0] == heads[1]
    assert [h for h in heads[2] if h.lower() != b"connection: close"] == heads[0]
    assert len(heads[2]) == len(heads[0]) + 1
    assert proxy.accepted == 1
    assert direct == [200, 200]  # the two keep-alive answers took the direct lane, the closing one not
