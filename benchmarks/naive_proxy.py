"""The naive reference proxy of ``make bench``: the simplest reverse proxy on trio + h11.

What the appliance must never be slower than (issue 14, point 1). One h11 connection per side, the
member connection kept per client connection (opened on the first request, no pool, no retry), no
checks, no timeouts, no statistics. Three listeners: HTTP (``l7``), HTTPS offload (``https``: trio's
``SSLStream``, the same certificate as the appliance) and a byte pump (``l4``: ``receive_some`` /
``send_all`` each way).

    python -m benchmarks.naive_proxy IP L7_PORT L4_PORT HTTPS_PORT MEMBER_IP MEMBER_PORT CERT KEY
"""
from __future__ import annotations

import ssl
import sys
from functools import partial

import h11
import trio

CHUNK = 65536
HOP = frozenset({b"connection", b"keep-alive"})


async def _event(conn: h11.Connection, stream: trio.abc.Stream, out: list[bytes], peer: trio.abc.Stream | None):
    """The next event of ``conn``; what ``out`` holds goes to ``peer`` before waiting for bytes."""
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        if out and peer is not None:
            await peer.send_all(b"".join(out))
            out.clear()
        conn.receive_data(await stream.receive_some(CHUNK))


async def http_session(member: tuple[str, int], client: trio.abc.Stream) -> None:
    cconn = h11.Connection(h11.SERVER)
    upstream: trio.abc.Stream | None = None
    sconn: h11.Connection | None = None
    try:
        while True:
            request = await _event(cconn, client, [], None)
            if type(request) is not h11.Request:
                return
            if upstream is None or sconn is None:
                upstream = await trio.open_tcp_stream(*member)
                sconn = h11.Connection(h11.CLIENT)
            out = [sconn.send(h11.Request(method=request.method, target=request.target,
                                          headers=[(n, v) for n, v in request.headers if n not in HOP]))]
            while True:  # the request body, to the member
                event = await _event(cconn, client, out, upstream)
                out.append(sconn.send(event))
                if type(event) is h11.EndOfMessage:
                    break
            await upstream.send_all(b"".join(out))
            out = []
            while True:  # the response, to the client
                event = await _event(sconn, upstream, out, client)
                if type(event) is h11.Response:
                    event = h11.Response(status_code=event.status_code, reason=event.reason,
                                         headers=[(n, v) for n, v in event.headers if n not in HOP])
                out.append(cconn.send(event))
                if type(event) is h11.EndOfMessage:
                    break
            await client.send_all(b"".join(out))
            if cconn.our_state is not h11.DONE or sconn.our_state is not h11.DONE or sconn.their_state is not h11.DONE:
                return
            cconn.start_next_cycle()
            sconn.start_next_cycle()
    except (h11.ProtocolError, trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    finally:
        if upstream is not None:
            await trio.aclose_forcefully(upstream)
        await trio.aclose_forcefully(client)


async def _pump(src: trio.abc.Stream, dst: trio.abc.Stream, scope: trio.CancelScope) -> None:
    try:
        while data := await src.receive_some(CHUNK):
            await dst.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    scope.cancel()


async def tcp_session(member: tuple[str, int], client: trio.SocketStream) -> None:
    try:
        upstream = await trio.open_tcp_stream(*member)
    except OSError:
        await trio.aclose_forcefully(client)
        return
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_pump, client, upstream, nursery.cancel_scope)
        nursery.start_soon(_pump, upstream, client, nursery.cancel_scope)
    await trio.aclose_forcefully(upstream)
    await trio.aclose_forcefully(client)


async def main(ip: str, l7: int, l4: int, https: int, member: tuple[str, int], cert: str, key: str) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(partial(trio.serve_tcp, partial(http_session, member), l7, host=ip))
        nursery.start_soon(partial(trio.serve_tcp, partial(tcp_session, member), l4, host=ip))
        nursery.start_soon(partial(trio.serve_ssl_over_tcp, partial(http_session, member), https, ctx, host=ip))


if __name__ == "__main__":
    a = sys.argv[1:]
    trio.run(main, a[0], int(a[1]), int(a[2]), int(a[3]), (a[4], int(a[5])), a[6], a[7])
