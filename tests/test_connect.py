"""``connect``: which members a request or session tries, the connect timeout, the TLS towards a member
and the idle-pool key; on loopback sockets (timers on MockClock), and end to end through a
``Dataplane`` fed hand-built specs."""
from __future__ import annotations

import socket
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Collection

import pytest
import trio
import trio.testing

from adc.dataplane.connect import MEMBERS_TRIED, ConnectFailed, Connector, candidates
from adc.dataplane.lb import Counters, PickContext
from adc.dataplane.persistence import PersistenceTable
from adc.dataplane.runtime import VsRuntime
from adc.dataplane.spec import (DataplaneSpec, MemberSpec, PersistenceSpec, PoolSpec, ProfileSpec, UpstreamTLS,
                               VirtualServerSpec)

from .dataplane_helpers import backends, connect, echo, free_port, recv_all, recv_until, vs_ip
from .http_servers import backend_tls, make_member, make_vs, running_dataplane

CTX = PickContext(client_ip="127.0.0.9", client_port=40000, dest_ip="127.0.0.1", dest_port=80)


def runtime(members: list[MemberSpec]) -> VsRuntime:
    return VsRuntime(make_vs(members), Counters(), PersistenceTable(None))


def on(vs: VirtualServerSpec, name: str, ip: str, port: int, **changes: object) -> VirtualServerSpec:
    """``vs`` renamed and listening on ip:port (for a ``Dataplane``)."""
    return replace(vs, name=name, ip=ip, ports=((port, port),), **changes)  # type: ignore[arg-type]


def tcp_vs(members: list[MemberSpec]) -> VirtualServerSpec:
    return replace(make_vs(members), type="l4-load-balance", profile=ProfileSpec("P", "tcp"))


# ---- which members are tried ---------------------------------------------------------------------


async def test_candidates_exclude_the_members_tried_and_stop_at_two() -> None:
    members = [make_member(f"m{i}", 1000 + i) for i in range(4)]
    rt = runtime(members)
    excludes: list[set[str]] = []

    def pick(ctx: PickContext, exclude: Collection[str]) -> MemberSpec | None:
        excludes.append(set(exclude))
        return rt.pick(ctx, exclude)

    tried = list(candidates(pick, CTX))
    assert MEMBERS_TRIED == 2
    assert [m.key for m in tried] == ["m0", "m1"]
    assert excludes == [set(), {members[0].ident}]  # the second pick excludes the first member
    # a picker that offers a tried member again (or nothing) ends the search early
    assert [m.key for m in candidates(lambda ctx, exclude: members[3], CTX)] == ["m3"]
    assert list(candidates(lambda ctx, exclude: None, CTX)) == []


async def test_exclusion_goes_through_persistence() -> None:
    """A source-address persisted member that failed is not offered again to the same request."""
    members = [make_member("a", 1001), make_member("b", 1002)]
    vs = make_vs(members)
    persistence = PersistenceSpec("src", "source-address")
    rt = VsRuntime(replace(vs, persistence=persistence), Counters(), PersistenceTable(persistence))
    first = rt.pick(CTX)
    assert first is not None and rt.pick(CTX) is first  # persisted
    assert [m.key for m in candidates(rt.pick, CTX)] == [first.key, ({"a", "b"} - {first.key}).pop()]


def test_layer4_session_tries_two_members_then_closes() -> None:
    """Round robin over two refusing members and a live one: a session that meets both refusals is
    closed (a third member is not tried), the next one reaches the live member."""
    dead1, dead2 = make_member("dead1", free_port()), make_member("dead2", free_port())
    with backends(echo(b"live:")) as (live,), running_dataplane() as plane:
        ip, port = vs_ip(), free_port()
        vs = on(tcp_vs([dead1, dead2, make_member("live", live.port)]), "l4", ip, port)
        assert plane.apply(DataplaneSpec(1, {"l4": vs})) == []
        with connect(ip, port) as c:
            assert recv_all(c) == b""  # dead1, dead2, then nothing
        with connect(ip, port) as c:
            assert recv_until(c, b":") == b"live:"
        assert live.connections == 1


def _http_ok(conn: socket.socket) -> None:
    recv_until(conn, b"\r\n\r\n")
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlive")


def _get(ip: str, port: int) -> bytes:
    with connect(ip, port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        return recv_all(c)


def test_http_request_tries_two_members_then_503() -> None:
    dead1, dead2 = make_member("dead1", free_port()), make_member("dead2", free_port())
    with backends(_http_ok) as (live,), running_dataplane() as plane:
        ip, port = vs_ip(), free_port()
        vs = on(make_vs([dead1, dead2, make_member("live", live.port)]), "web", ip, port, error_msg="nobody")
        assert plane.apply(DataplaneSpec(1, {"web": vs})) == []
        first = _get(ip, port)
        assert first.startswith(b"HTTP/1.1 503 ") and first.endswith(b"\r\n\r\nnobody")
        assert _get(ip, port).endswith(b"\r\n\r\nlive")


# ---- connect timeout -----------------------------------------------------------------------------


async def test_connect_timeout_bounds_a_dial_that_never_completes(autojump_clock: trio.testing.MockClock) -> None:
    async def never(member: MemberSpec, port: int) -> trio.abc.Stream:
        await trio.sleep_forever()
        raise AssertionError

    connector = Connector(make_vs([], connect_timeout=3), never)
    start = trio.current_time()
    with trio.fail_after(60), pytest.raises(ConnectFailed):
        await connector.open(make_member("m", 1))
    assert trio.current_time() - start == pytest.approx(3)


async def test_connect_timeout_on_a_real_socket_whose_syn_goes_unanswered(autojump_clock: trio.testing.MockClock) -> None:
    """A listener with a full accept queue drops further SYNs: the connect hangs, on loopback only."""
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # fills the queue
            connector = Connector(make_vs([], connect_timeout=4))
            start = trio.current_time()
            with trio.fail_after(60), pytest.raises(ConnectFailed):
                await connector.open(make_member("m", port))
            assert trio.current_time() - start == pytest.approx(4)


async def test_connect_timeout_covers_the_tls_handshake(nursery: trio.Nursery, autojump_clock: trio.testing.MockClock) -> None:
    """A member that accepts TCP and never answers the ClientHello fails at connect-timeout."""
    accepted: list[trio.SocketStream] = []

    async def silent(stream: trio.SocketStream) -> None:
        accepted.append(stream)
        await trio.sleep_forever()

    listeners = await nursery.start(partial(trio.serve_tcp, silent, 0, host="127.0.0.1"))
    port = listeners[0].socket.getsockname()[1]
    vs = replace(make_vs([], connect_timeout=3), pool=PoolSpec("p", (), tls=UpstreamTLS("rs")))
    start = trio.current_time()
    with trio.fail_after(60), pytest.raises(ConnectFailed):
        await Connector(vs).open(make_member("m", port))
    assert trio.current_time() - start == pytest.approx(3)
    assert len(accepted) == 1  # the TCP connect itself had succeeded


# ---- TLS towards a member ------------------------------------------------------------------------


def test_member_tls_overrides_the_pool() -> None:
    pool_tls, own_tls = UpstreamTLS("pool-prof"), UpstreamTLS("own-prof", sni="own.test")
    plain, own = make_member("plain", 1), replace(make_member("own", 2), tls=own_tls)
    tls_pool = Connector(replace(make_vs([plain, own]), pool=PoolSpec("p", (plain, own), tls=pool_tls)))
    assert tls_pool.tls(plain) is pool_tls and tls_pool.tls(own) is own_tls
    clear_pool = Connector(make_vs([plain, own]))
    assert clear_pool.tls(plain) is None and clear_pool.tls(own) is own_tls
    # contexts are built with the connector, one per profile, and reused
    assert clear_pool.context(own_tls) is clear_pool.context(own_tls)


class TlsMember:
    """A TLS member on loopback that records the SNI and the ALPN protocol each handshake chose."""

    def __init__(self, tmp_path: Path) -> None:
        self.ctx = backend_tls(tmp_path)
        self.ctx.set_alpn_protocols(["h2", "http/1.1"])
        self.sni: list[str | None] = []
        self.ctx.sni_callback = lambda obj, name, ctx: self.sni.append(name)  # type: ignore[assignment,misc]
        self.alpn: list[str | None] = []
        self.port = 0

    async def start(self, nursery: trio.Nursery) -> None:
        listeners = await nursery.start(partial(trio.serve_ssl_over_tcp, self.handle, 0, self.ctx, host="127.0.0.1"))
        self.port = listeners[0].transport_listener.socket.getsockname()[1]

    async def handle(self, stream: trio.SSLStream[trio.SocketStream]) -> None:
        try:
            await stream.do_handshake()
            self.alpn.append(stream.selected_alpn_protocol())
            await stream.send_all(b"tls-ok")
        except trio.BrokenResourceError:
            pass


async def _greeting(connector: Connector, member: MemberSpec, host: str = "") -> bytes:
    with trio.fail_after(10):
        stream = await connector.open(member, host)
        try:
            return bytes(await stream.receive_some(100))
        finally:
            await trio.aclose_forcefully(stream)


async def test_tls_to_a_member_with_sni_and_alpn(nursery: trio.Nursery, tmp_path: Path) -> None:
    server = TlsMember(tmp_path)
    await server.start(nursery)
    fixed = replace(make_member("fixed", server.port), tls=UpstreamTLS("own", sni="fixed.test"))
    forwarded = replace(make_member("fwd", server.port), tls=UpstreamTLS("fwd", sni_forward=True))
    http = Connector(make_vs([fixed, forwarded]))  # an HTTP virtual server, pool in clear
    assert await _greeting(http, fixed, "client.test") == b"tls-ok"  # the member's own profile: TLS
    assert await _greeting(http, forwarded, "client.test") == b"tls-ok"
    layer4 = Connector(tcp_vs([fixed]))
    assert await _greeting(layer4, fixed) == b"tls-ok"
    assert server.sni == ["fixed.test", "client.test", "fixed.test"]
    assert server.alpn == ["http/1.1", "http/1.1", None]  # HTTP offers http/1.1 only; Layer 4 offers nothing


async def test_a_failed_tls_handshake_is_a_connect_failure(nursery: trio.Nursery, tmp_path: Path) -> None:
    server = TlsMember(tmp_path)
    await server.start(nursery)
    verifying = replace(make_member("v", server.port), tls=UpstreamTLS("v", verify="LB_CERT_VERIFY"))
    with pytest.raises(ConnectFailed):  # the member's self-signed certificate does not verify
        await _greeting(Connector(make_vs([verifying])), verifying)


async def test_port_zero_member_is_reached_on_the_local_port(nursery: trio.Nursery) -> None:
    accepted: list[int] = []
    seen = trio.Event()

    async def record(stream: trio.SocketStream) -> None:
        accepted.append(stream.socket.getsockname()[1])
        seen.set()
        await stream.aclose()

    listeners = await nursery.start(partial(trio.serve_tcp, record, 0, host="127.0.0.1"))
    port = listeners[0].socket.getsockname()[1]
    with trio.fail_after(10):
        stream = await Connector(make_vs([])).open(make_member("m", 0), "", port)
        await stream.aclose()
        await seen.wait()
    assert accepted == [port]


# ---- the idle-pool key ---------------------------------------------------------------------------


def test_pool_key_separates_port_zero_members_and_tls() -> None:
    member = make_member("m", 0)
    connector = Connector(make_vs([member]))
    assert connector.pool_key(member, "a", 80) != connector.pool_key(member, "a", 81)
    tls = UpstreamTLS("t", sni_forward=True)
    tls_member = MemberSpec(key="m", real_server="m", host="127.0.0.1", port=0, tls=tls)
    assert connector.pool_key(tls_member, "a.example:443", 80) != connector.pool_key(member, "a.example", 80)
    assert connector.pool_key(tls_member, "a.example:443", 80) != connector.pool_key(tls_member, "b.example", 80)
    # a clear connection serves any Host; a TLS one the SNI it was opened with
    assert connector.pool_key(member, "a", 80) == connector.pool_key(member, "b", 80)
    assert connector.pool_key(tls_member, "a.example", 80) == connector.pool_key(tls_member, "a.example", 80)
