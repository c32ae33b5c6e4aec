"""Test helpers for the L7 proxy: an h11 backend with scripted paths, a round-robin Upstream, a proxy
listener, an h11 test client, a proxy session over memory streams (for MockClock timers), and spec
builders; and for driving a ``Dataplane`` with hand-built specs
(no config layer): a running data plane and a TLS member's server context. Everything binds 127.0.0.1
port 0."""
from __future__ import annotations

import json
import ssl
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Collection, Iterator

import h11
import trio
import trio.testing

from adc.certs import generate_self_signed
from adc.dataplane.connect import Connector, dial_tcp
from adc.dataplane.http_pool import IdlePool
from adc.dataplane.http_proxy import UpstreamHooks
from adc.dataplane.http_proxy import serve_http
from adc.dataplane.lb import PickContext
from adc.dataplane.runtime import Dataplane
from adc.dataplane.spec import MemberSpec, PoolSpec, ProfileSpec, VirtualServerSpec

BLOCK = bytes(range(256)) * 256  # 64 KiB pattern for generated bodies


def pattern(n: int) -> Iterator[bytes]:
    """n bytes of the repeating pattern, 64 KiB at a time."""
    left = n
    while left > 0:
        piece = BLOCK if left >= len(BLOCK) else BLOCK[:left]
        left -= len(piece)
        yield piece


def pattern_crc(n: int) -> int:
    crc = 0
    full, rest = divmod(n, len(BLOCK))
    for _ in range(full):
        crc = zlib.crc32(BLOCK, crc)
    return zlib.crc32(BLOCK[:rest], crc)


# ---- specs ---------------------------------------------------------------------------------------


def make_member(name: str, port: int, host: str = "127.0.0.1") -> MemberSpec:
    return MemberSpec(key=name, real_server=name, host=host, port=port)


def make_vs(members: list[MemberSpec], **profile: object) -> VirtualServerSpec:
    prof = ProfileSpec(name="P", type="http", **profile)  # type: ignore[arg-type]
    return VirtualServerSpec(
        name="vs1",
        status="enable",
        type="l7-load-balance",
        ip="127.0.0.1",
        ports=((80, 80),),
        profile=prof,
        method="round-robin",
        pool=PoolSpec("pool1", tuple(members)),
    )


# ---- upstream ------------------------------------------------------------------------------------


class RRUpstream(UpstreamHooks):
    """Round robin over ``members`` (``vs``'s pool's to begin with; ``exclude`` is ignored, so what is
    tested is the proxy's own bound on retries); counts picks and active requests.

    Members are reached through a real ``Connector`` for ``vs`` (its connect-timeout, its TLS); its dial
    records each connect and uses ``dial(member)`` when one is set (memory streams), TCP otherwise.
    """

    def __init__(self, vs: VirtualServerSpec, dial: Callable[[MemberSpec], object] | None = None) -> None:
        self.members = list(vs.pool.members)
        self._next = 0
        self.picks: list[str] = []
        self.contexts: list[PickContext] = []
        self.active: dict[str, int] = {}
        self.max_active = 0
        self.connects: list[str] = []
        self.dial = dial
        self.connector = Connector(vs, self._dial)

    def pick(self, ctx: PickContext, exclude: Collection[str] = ()) -> MemberSpec | None:
        self.contexts.append(ctx)
        if not self.members:
            return None
        m = self.members[self._next % len(self.members)]
        self._next += 1
        self.picks.append(m.key)
        return m

    async def _dial(self, member: MemberSpec, port: int) -> trio.abc.Stream:
        self.connects.append(member.key)
        if self.dial is not None:
            return await self.dial(member)  # type: ignore[misc, no-any-return]
        return await dial_tcp(member, port)

    def acquire(self, member: MemberSpec) -> None:
        self.active[member.key] = self.active.get(member.key, 0) + 1
        self.max_active = max(self.max_active, sum(self.active.values()))

    def release(self, member: MemberSpec) -> None:
        self.active[member.key] -= 1


# ---- backend -------------------------------------------------------------------------------------


@dataclass
class Seen:
    conn_id: int
    method: str
    target: str
    headers: list[tuple[str, str]]
    body_len: int
    body_crc: int
    data_events: int = 0  # h11 Data events the body came in (about one per chunk, or per read)
    trailers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n == name.lower()]


@dataclass
class Backend:
    """An h11 server; what it does depends on the request path:

    /download/<n>[?chunked]  n pattern bytes          /status/<code>   that status
    /close                   answers with Connection: close
    /hang                    never answers             /reset           closes without answering
    /partial                 promises 1000 bytes, sends 10, closes
    /early                   413 at once without reading the body, then closes
    /trailers                chunked body with a trailer
    /bad-trailers            chunked body with a trailer and trailers that may not be trailers
    /ws-refuse               403 (for upgrade requests)
    anything else            reads the body, answers 200 with a JSON summary of what it saw
    ``drop_reused``: the second request on a connection is met with a close (a stale keep-alive).
    """

    name: str
    drop_reused: bool = False
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    closed: int = 0  # connections that ended (closed by either side)
    port: int = 0
    got_request: trio.Event = field(default_factory=trio.Event)

    async def start(self, nursery: trio.Nursery) -> int:
        listeners = await nursery.start(partial(trio.serve_tcp, self.handle, 0, host="127.0.0.1"))
        self.port = listeners[0].socket.getsockname()[1]
        return self.port

    async def handle(self, stream: trio.abc.Stream) -> None:
        self.connections += 1
        conn_id = self.connections
        conn = h11.Connection(h11.SERVER)
        served = 0
        try:
            while True:
                event = await self._next(stream, conn)
                if type(event) is not h11.Request:
                    return
                if self.drop_reused and served >= 1:
                    return
                served += 1
                if not await self._serve(stream, conn, conn_id, event):
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (trio.BrokenResourceError, trio.ClosedResourceError, h11.ProtocolError, OSError):
            pass
        finally:
            self.closed += 1
            await trio.aclose_forcefully(stream)

    @staticmethod
    async def _next(stream: trio.abc.Stream, conn: h11.Connection) -> object:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
                continue
            return event

    async def _send(self, stream: trio.abc.Stream, conn: h11.Connection, *events: object) -> None:
        for ev in events:
            data = conn.send(ev)  # type: ignore[arg-type]
            if data:
                await stream.send_all(data)

    async def _serve(self, stream: trio.abc.Stream, conn: h11.Connection, conn_id: int, req: h11.Request) -> bool:
        target = req.target.decode()
        path = target.split("?", 1)[0]
        if path == "/reset":
            return False
        if path == "/hang":
            self.got_request.set()
            await trio.sleep_forever()
        if path == "/early":
            await self._send(stream, conn, h11.Response(status_code=413, headers=[("Content-Length", "0"), ("Connection", "close")]), h11.EndOfMessage())
            return False
        if path == "/ws-refuse":
            await self._send(stream, conn, h11.Response(status_code=403, headers=[("Content-Length", "7")]), h11.Data(data=b"refused"), h11.EndOfMessage())
            return True
        if conn.they_are_waiting_for_100_continue:
            await self._send(stream, conn, h11.InformationalResponse(status_code=100, headers=[]))
        body_len = 0
        crc = 0
        data_events = 0
        while True:
            ev = await self._next(stream, conn)
            if type(ev) is h11.Data:
                body_len += len(ev.data)  # type: ignore[attr-defined]
                crc = zlib.crc32(ev.data, crc)  # type: ignore[attr-defined]
                data_events += 1
            elif type(ev) is h11.EndOfMessage:
                trailers = [(n.decode(), v.decode("latin-1")) for n, v in ev.headers]  # type: ignore[attr-defined]
                break
            else:
                return False
        seen = Seen(
            conn_id,
            req.method.decode(),
            target,
            [(n.decode(), v.decode("latin-1")) for n, v in req.headers],
            body_len,
            crc,
            data_events,
            trailers,
        )
        self.requests.append(seen)
        self.got_request.set()
        if path.startswith("/download/"):
            n = int(path.rsplit("/", 1)[1])
            framing = [("Transfer-Encoding", "chunked")] if "chunked" in target else [("Content-Length", str(n))]
            await self._send(stream, conn, h11.Response(status_code=200, headers=framing))
            if req.method != b"HEAD":
                for piece in pattern(n):
                    await self._send(stream, conn, h11.Data(data=piece))
            await self._send(stream, conn, h11.EndOfMessage())
            return True
        if path == "/partial":
            await self._send(stream, conn, h11.Response(status_code=200, headers=[("Content-Length", "1000")]), h11.Data(data=b"0123456789"))
            return False
        if path == "/trailers":
            await self._send(
                stream,
                conn,
                h11.Response(status_code=200, headers=[("Transfer-Encoding", "chunked"), ("Trailer", "X-Sum")]),
                h11.Data(data=b"hello"),
                h11.EndOfMessage(headers=[("X-Sum", "5")]),
            )
            return True
        if path == "/bad-trailers":
            await self._send(
                stream,
                conn,
                h11.Response(status_code=200, headers=[("Transfer-Encoding", "chunked"), ("Trailer", "X-Sum")]),
                h11.Data(data=b"hello"),
                h11.EndOfMessage(headers=[("X-Sum", "5"), ("Content-Length", "99"), ("Set-Cookie", "a=b"), ("Connection", "close")]),
            )
            return True
        status = int(path.rsplit("/", 1)[1]) if path.startswith("/status/") else 200
        payload = json.dumps(
            {"server": self.name, "conn": conn_id, "method": seen.method, "target": target, "headers": seen.headers, "body_len": body_len, "body_crc": crc}
        ).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), ("Keep-Alive", "timeout=5")]
        if path == "/close":
            headers.append(("Connection", "close"))
        await self._send(stream, conn, h11.Response(status_code=status, headers=headers), h11.Data(data=payload), h11.EndOfMessage())
        return True


# ---- proxy listener ------------------------------------------------------------------------------


@dataclass
class Proxy:
    vs: VirtualServerSpec
    upstream: RRUpstream
    pool: IdlePool = field(default_factory=IdlePool)
    accepted: int = 0
    finished: int = 0
    port: int = 0

    async def start(self, nursery: trio.Nursery) -> int:
        listeners = await nursery.start(partial(trio.serve_tcp, self.handle, 0, host="127.0.0.1"))
        self.port = listeners[0].socket.getsockname()[1]
        return self.port

    async def handle(self, stream: trio.SocketStream) -> None:
        self.accepted += 1
        peer = stream.socket.getpeername()
        local = stream.socket.getsockname()
        try:
            await serve_http(stream, peer, local, self.vs, self.upstream, pool=self.pool)
        finally:
            self.finished += 1


# ---- clients -------------------------------------------------------------------------------------


async def raw_request(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, read until the proxy closes."""
    with trio.fail_after(timeout):
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            await stream.send_all(data)
            out = bytearray()
            while True:
                try:
                    chunk = await stream.receive_some(65536)
                except trio.BrokenResourceError:
                    break
                if not chunk:
                    break
                out += chunk
            return bytes(out)


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    body_len: int
    body_crc: int
    trailers: list[tuple[str, str]]

    def header(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n == name.lower()]

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.body)  # type: ignore[no-any-return]


class H11Client:
    """A keep-alive HTTP/1.1 client on one connection; bodies streamed, big ones only counted."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.CLIENT)

    @classmethod
    async def open(cls, port: int) -> "H11Client":
        return cls(await trio.open_tcp_stream("127.0.0.1", port))

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | None = None,
        body: Iterator[bytes] | bytes | None = None,
        keep_body: bool = True,
    ) -> Reply:
        hdrs = list(headers or [])
        if not any(n.lower() == "host" for n, _ in hdrs):
            hdrs.insert(0, ("Host", "example.com"))
        if isinstance(body, bytes):
            hdrs.append(("Content-Length", str(len(body))))
        elif body is not None and not any(n.lower() in ("content-length", "transfer-encoding") for n, _ in hdrs):
            hdrs.append(("Transfer-Encoding", "chunked"))
        await self.stream.send_all(self.conn.send(h11.Request(method=method, target=target, headers=hdrs)))
        if isinstance(body, bytes):
            await self.stream.send_all(self.conn.send(h11.Data(data=body)))
        elif body is not None:
            for piece in body:
                await self.stream.send_all(self.conn.send(h11.Data(data=piece)))
        await self.stream.send_all(self.conn.send(h11.EndOfMessage()))
        status = 0
        headers_out: list[tuple[str, str]] = []
        data = bytearray()
        n = 0
        crc = 0
        while True:
            ev = self.conn.next_event()
            if ev is h11.NEED_DATA:
                self.conn.receive_data(await self.stream.receive_some(65536))
                continue
            if type(ev) is h11.Response:
                status = ev.status_code
                headers_out = [(k.decode(), v.decode("latin-1")) for k, v in ev.headers]
            elif type(ev) is h11.Data:
                n += len(ev.data)
                crc = zlib.crc32(ev.data, crc)
                if keep_body:
                    data += ev.data
            elif type(ev) is h11.EndOfMessage:
                trailers = [(k.decode(), v.decode("latin-1")) for k, v in ev.headers]
                break
            elif type(ev) is h11.ConnectionClosed:
                raise trio.BrokenResourceError("closed")
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        return Reply(status, headers_out, bytes(data), n, crc, trailers)


def parse_raw(data: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one raw answer."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


async def mock_session(nursery: trio.Nursery, backend: Backend, **profile: object) -> tuple[trio.testing.MemoryStream, trio.Event, RRUpstream]:  # type: ignore[name-defined]
    """serve_http over a memory stream pair (the client's end is returned, with an event set when
    the session ended, and the upstream); members are served by ``backend`` over memory too."""
    member = make_member("m1", 80)
    vs = make_vs([member], **profile)
    upstream = RRUpstream(vs, dial=memory_connector(backend, nursery))
    ours, theirs = trio.testing.memory_stream_pair()
    done = trio.Event()
    pool = IdlePool()

    async def run() -> None:
        try:
            await serve_http(theirs, ("10.0.0.1", 1234), ("10.0.0.100", 80), vs, upstream, pool=pool)
        finally:
            await pool.aclose()
            done.set()

    nursery.start_soon(run)
    return ours, done, upstream  # type: ignore[return-value]


async def read_all(stream: trio.abc.Stream) -> bytes:
    """Everything ``stream`` sends until it closes (or breaks)."""
    out = bytearray()
    while True:
        try:
            chunk = await stream.receive_some(65536)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)


def memory_connector(backend: Backend, nursery: trio.Nursery) -> Callable[[MemberSpec], object]:
    """A dial for ``RRUpstream`` that serves each 'connection' from ``backend`` over memory streams."""

    async def connect(member: MemberSpec) -> trio.abc.Stream:
        ours, theirs = trio.testing.memory_stream_pair()
        nursery.start_soon(backend.handle, theirs)
        return ours

    return connect


# ---- a whole data plane --------------------------------------------------------------------------


@contextmanager
def running_dataplane(**options: object) -> Iterator[Dataplane]:
    """A started ``Dataplane`` (its own trio thread), stopped on the way out; feed it specs with ``apply``.
    ``options`` go to ``Dataplane`` (``observer``, ``max_connections``, ``limit_log_interval``...)."""
    plane = Dataplane(**options)  # type: ignore[arg-type]
    plane.start()
    try:
        yield plane
    finally:
        plane.stop()


def backend_tls(tmp_path: Path) -> ssl.SSLContext:
    """A server context for a TLS member: a fresh self-signed RSA certificate for ``backend.test``."""
    cert, key = generate_self_signed("backend", "RSA", 2048, "backend.test")
    (tmp_path / "b.crt").write_bytes(cert)
    (tmp_path / "b.key").write_bytes(key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "b.crt", tmp_path / "b.key")
    return ctx
