"""The Layer-7 HTTP/1.1 proxy of an ``l7-load-balance`` virtual server with an http/https profile.

Design: two h11 state machines per exchange, one facing the client (``h11.SERVER``) and one facing
the chosen member (``h11.CLIENT``), and a trio pump between them. The pump is the only code that
touches a stream; header rules live in ``http_message`` (pure functions), idle member connections in
``http_pool``, the byte tunnel in ``tunnel``, how members are tried and reached in ``connect``. The
runtime supplies the ``Upstream`` (picking, its ``Connector``, counting) and calls ``serve_http`` once
per accepted (and already TLS-terminated) client connection.

Per request
  The head is checked on its raw bytes before h11 parses it (``request_head_end``: smuggling
  material -> 400, a version other than HTTP/1.0 and HTTP/1.1 -> 505, the HTTP/2 connection preface
  ``PRI * HTTP/2.0`` -> 400, more than ``max-http-headers`` lines or a head larger than
  ``tune-bufsize`` -> 431, all with ``Connection: close`` and before any member is picked); h11's
  own refusals answer with their ``error_status_hint``. h11 is handed exactly one head at a time
  (the session keeps what follows in ``rbuf``). A member is picked for every request from (client,
  VS address, Host without port, path, path+query), and an idle connection to it is reused when the
  pool has one. Bodies are streamed both ways, concurrently (upload and download are two tasks, so
  an early answer such as a 413 reaches the client, and ``100 Continue`` from the member is
  relayed), never buffered whole. ``X-Forwarded-For`` (or ``X-<http-x-forwarded-for-header>``) gets
  the client ip appended when the profile enables it.

Request bodies
  What one read from the client brings goes to the member in one write: a Content-Length body as
  is, a chunked body as one chunk however many chunks the client used (``ChunkedBody`` decodes
  them, at a fraction of h11's cost per chunk; chunk extensions are dropped). Trailer fields that
  may not be trailers (``FORBIDDEN_TRAILERS``: Content-Length, Transfer-Encoding, Host,
  Authorization, Cookie, ...) are dropped from request trailers, and from response trailers too.
  A body has a deadline: the whole request must arrive within ``http-request-timeout`` (FortiADC:
  "the maximum allowed time to wait for a complete HTTP request"), counted from the request's first
  byte, plus one second for every ``MIN_BODY_RATE`` (1000) body bytes received, and only while the
  proxy waits for the client (time spent connecting to or writing to the member is not the
  client's). ``client-timeout`` still bounds each read. Either answers 408 if no response started;
  otherwise both connections close.

http-mode
  * ``KeepAlive``: both sides keep-alive; member connections go back to the idle pool.
  * ``ServerClose``: the request to the member carries ``Connection: close`` and the member connection
    is closed after each response; the client side stays keep-alive.
  * ``OnceOnly``: only the first request of a client connection is analysed (load balanced, XFF
    added). If that exchange ends with both connections still reusable, the client connection and
    that member connection are then spliced into a byte tunnel (like HAProxy's pre-1.5 tunnel mode),
    so later requests go unparsed to the same member over the same connection; otherwise both close.
    That is the mode's meaning, and it means the checks above (smuggling, versions, header limits,
    body deadline, trailers) apply to the first request only: the later ones reach the member as the
    client wrote them.

Layer-7 policies
  Routing by content happens in the ``Upstream``'s ``pick`` (the request's Host, target, Referer, SNI
  and client address are in the ``PickContext``); no matching rule is a ``pick`` of None, so a 503.
  The virtual server's content-rewriting request rules run before the request is forwarded (a
  redirect or a 403 is answered here, nothing reaches a member), its response rules on each
  response head. A 503 carries the error page (text/html) when the virtual server has one, else
  ``error-msg``. The connection pool of the request's rule or virtual server bounds what
  ``_park_or_close`` keeps (see ``http_pool``).

Failures (the answer always carries ``Connection: close`` and the client connection is then closed)
  * no member (``pick`` gives None) or none of the members ``connect.candidates`` offers could be
    connected: 503 with the virtual server's ``error-msg`` as body.
  * the member resets or closes before a complete response head: 502; ``server-timeout`` while
    waiting for it: 504. After the response head went out, a failure just closes the client
    connection (the client sees a truncated body).
  * a reused member connection that fails before any response byte is retried once on a fresh
    connection to the same member, for GET/HEAD/OPTIONS without a body (the stale keep-alive race);
    if that fresh connect fails the answer is 502.
  * ``CONNECT``: 405 (this is a reverse proxy).
  * ``http-request-timeout`` elapsed before the head is complete: 408 if any byte came, silent
    close otherwise; ``client-timeout`` idle in a request body, or the body's deadline passed: 408
    (if no response started yet).

Timeouts (profile, seconds)
  ``http-keepalive-timeout`` for the first byte of a following request; ``http-request-timeout`` for
  the whole head (from the connection start, or from the first byte of a following request), with
  ``client-timeout`` also bounding each read, and for the body with its allowance (see Request
  bodies); ``client-timeout`` per read of a request body and per write to the client; ``server-timeout`` per read from or write to the member (while a body is being
  uploaded the upload's progress re-arms the wait for the response); ``connect-timeout`` per connect
  (applied by the ``Connector``, TLS handshake included).
  After ``101 Switching Protocols`` the tunnel's idle timeout is max(client-timeout, server-timeout).

WebSocket
  An HTTP/1.1 GET with ``Upgrade: websocket`` and ``Connection: upgrade`` is load balanced like any
  request and forwarded with both headers intact (other ``Upgrade`` requests have the header
  removed, as nginx does). A ``101`` answer is relayed with all its headers and the connection
  becomes a tunnel; bytes each side sent early (``rbuf``, and h11's ``trailing_data`` on the member side) go first. Any other answer
  is relayed as normal HTTP and the client connection stays an HTTP connection.

Every connection is guarded: nothing raised while serving one client connection escapes
``serve_http`` (it is logged at debug level), and both streams are closed on the way out.
"""
from __future__ import annotations

import functools
import logging
import re
import time
from dataclasses import dataclass
from typing import Collection, Hashable, Protocol

import h11
import trio

from .http_message import (
    ChunkedBody,
    Rejected,
    error_response,
    filter_trailers,
    host_without_port,
    keepalive_hint,
    scan_request,
    request_head_end,
    request_headers_upstream,
    response_headers_downstream,
    split_target,
)
from .connect import ConnectFailed, Connector, candidates
from .http_pool import IdlePool, UpstreamConnection, close_idle_connections, idle_pool, local_address
from .fastio import receive_nowait, send_nowait
from .tunnel import splice
from .content_routing import RequestFacts
from .rewriting import rewrite_request, rewrite_response
from .lb import PickContext
from .spec import MemberSpec, VirtualServerSpec

__all__ = [
    "ClientGone",
    "IdlePool",
    "NoServer",
    "ProxyError",
    "Upstream",
    "UpstreamFailed",
    "close_idle_connections",
    "idle_pool",
    "serve_http",
]

log = logging.getLogger(__name__)

CHUNK = 65536  # read size on both sides: the most a connection holds in flight per direction
UPSTREAM_MAX_HEAD = 65536  # response heads (big Set-Cookie sets) may exceed the request cap
MIN_REQUEST_HEAD = 1024
LINGER = 2.0  # after an error answer, how long to drain the client before closing
LINGER_BYTES = 1 << 20
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS"})
HTTP_VERSIONS = (b"1.1", b"1.0")
# A request body may take longer than http-request-timeout by one second per MIN_BODY_RATE bytes it
# delivers (Apache's mod_reqtimeout ``body=...,MinRate=500`` idea): big uploads at any sensible speed
# finish, a body trickled at a few bytes a second is cut.
MIN_BODY_RATE = 1000.0
_END_OF_CHUNKED_BODY = b"0\r\n\r\n"  # what the client-side h11 is told once ``ChunkedBody`` is done
_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError, trio.BusyResourceError, OSError)


@dataclass(frozen=True)
class ExchangeRecord:
    """One request as the proxy saw it: for statistics and the traffic log."""

    vs: str
    client: tuple[str, int]
    member: MemberSpec | None
    method: str
    target: str
    host: str
    status: int  # 0 when no answer went out
    request_bytes: int  # body bytes from the client
    response_bytes: int  # body bytes to the client
    started: float  # wall clock (time.time())
    duration: float  # seconds
    member_local: tuple[str, int] | None = None  # the appliance's address on the member connection
    rule: str = ""  # the content-routing rule that routed it


class UpstreamHooks:
    """Defaults for the hooks of an ``Upstream`` (inherit them): they change nothing."""

    def response_headers(self, member: MemberSpec, ctx: PickContext, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """The member's response headers as the client gets them (persistence adds its cookie here)."""
        return headers

    def exchange_done(self, record: ExchangeRecord) -> None:
        """Called once per request, answered or not."""


class Upstream(Protocol):
    """What the runtime provides for one virtual server: member choice, connections, counters."""

    def pick(self, ctx: PickContext, exclude: Collection[str] = ...) -> MemberSpec | None: ...

    @property
    def connector(self) -> Connector:
        """How to reach the members the latest ``pick`` chose among (connect-timeout, TLS, pool key)."""
        ...

    def acquire(self, member: MemberSpec) -> None: ...

    def release(self, member: MemberSpec) -> None: ...

    def response_headers(self, member: MemberSpec, ctx: PickContext, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]: ...

    def exchange_done(self, record: ExchangeRecord) -> None: ...


class ProxyError(Exception):
    """Ends the current exchange; ``status`` is what the client gets if no response has started."""

    status = 502


class ClientGone(ProxyError):
    """The client closed, reset or stalled: nothing more can be said to it."""


class ClientFailed(ProxyError):
    """The client broke the protocol or went idle inside a request body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class UpstreamFailed(ProxyError):
    """The member failed; ``stale`` when no response byte had arrived (retry candidate)."""

    def __init__(self, status: int, reason: str, *, stale: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.stale = stale


class NoServer(ProxyError):
    """No member to pick, or none could be connected."""

    status = 503


@dataclass(eq=False)
class _Exchange:
    """Mutable state of one request/response crossing the proxy."""

    body: bool
    response_started: bool = False  # the client's h11 has left SEND_RESPONSE: no error answer now
    upstream_bytes: bool = False  # any byte came from the member
    request_complete: bool = False  # the whole request (head, body, end) was written to the member
    client_chunked: bool = False  # the response goes to the client chunked (trailers allowed)
    server_wait: trio.CancelScope | None = None
    error: ProxyError | None = None
    status: int = 0  # the member's status code, once its head has come
    request_bytes: int = 0
    response_bytes: int = 0
    ctx: PickContext | None = None
    direct: bool = False  # the response took the direct lane (``_Session.direct_lane``)

    def fail(self, exc: ProxyError) -> None:
        if self.error is None:
            self.error = exc


_TUNNEL = "tunnel"
_DONE = "done"


class _Session:
    """One client connection: a loop of exchanges, then maybe a tunnel."""

    def __init__(
        self,
        client: trio.abc.Stream,
        peer: tuple[str, int],
        local: tuple[str, int],
        vs: VirtualServerSpec,
        upstream: Upstream,
        pool: IdlePool,
    ) -> None:
        self.client = client
        self.peer = peer
        self.local = local
        self.tls_session = b""
        self.sni = ""  # the client's TLS server name (content routing)
        self.facts: RequestFacts | None = None  # the current request, for response rewriting
        self.vs = vs
        self.profile = vs.profile
        self.upstream = upstream
        self.pool = pool
        self.mode = self.profile.http_mode.lower()
        self.max_head = max(self.profile.bufsize, MIN_REQUEST_HEAD)
        self.cconn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.max_head)
        self.linger = False  # drain the client before closing (it may still be sending)
        self.open_upstream: UpstreamConnection | None = None  # closed on the way out unless parked
        self.exchange: _Exchange | None = None  # the current request's (for its record)
        self.ctx: PickContext | None = None
        self.answered = 0  # a status the proxy answered itself for the current request
        self.open_member: MemberSpec | None = None
        self.member_local: tuple[str, int] | None = None
        # Client bytes read but not given to h11: h11 gets exactly one request head at a time and a
        # Content-Length body's bytes; a chunked body is decoded here (``ChunkedBody``), never by h11.
        self.rbuf = b""
        self.head_deadline = 0.0  # when the current request's http-request-timeout runs out
        self.body_budget = 0.0  # seconds the client may still spend delivering the current body
        self.chunked: ChunkedBody | None = None  # the current request body's decoder, when chunked
        self.body_left = 0  # Content-Length bytes of the current request body not read yet
        # The direct lane: a bodiless, non-HEAD request of an HTTP/1.1 keep-alive client (outside
        # OnceOnly) whose answer has a Content-Length and headers no rule or persistence changed
        # gets that answer written by the proxy itself, not by the client-side h11 (three state
        # machine steps and a serialisation less per request); the connection's h11 is then
        # replaced by a fresh one for the next request.
        self.direct_lane = False
        self.scan_host: str | None = None  # the current request's Host, once ``_route`` read it

    # ---- client side -------------------------------------------------------------------------

    # trio types ``receive_some`` as bytes | bytearray; socket and TLS streams give bytes, and h11 wants
    # bytes: no copy on the hot path to please the checker.
    async def _recv_client(self) -> bytes:
        try:
            return await self.client.receive_some(CHUNK)  # type: ignore[return-value]
        except _STREAM_ERRORS as exc:
            raise ClientGone(f"client receive: {exc!r}") from exc

    async def _send_client(self, data: bytes) -> None:
        if not data:
            return
        try:
            sent = send_nowait(self.client, data)  # most writes complete here, without trio
        except _STREAM_ERRORS as exc:
            raise ClientGone(f"client send: {exc!r}") from exc
        if sent == len(data):
            return
        if sent:
            data = data[sent:]
        with trio.CancelScope(deadline=trio.current_time() + self.profile.client_timeout) as scope:
            try:
                await self.client.send_all(data)
            except _STREAM_ERRORS as exc:
                raise ClientGone(f"client send: {exc!r}") from exc
        if scope.cancelled_caught:
            raise ClientGone("client-timeout while sending")

    async def _answer(self, status: int, body: str = "", head_only: bool = False,
                      extra: list[tuple[bytes, bytes]] | None = None, html: bool = False) -> None:
        """The ADC's own answer; the connection closes after it."""
        self.answered = status
        self.linger = True
        log.debug("answering %s to %s:%s", status, *self.peer)
        await self._send_client(error_response(status, body, head_only=head_only, extra=extra,
                                               content_type=b"text/html; charset=utf-8" if html else
                                               b"text/plain; charset=utf-8"))

    async def _receive_head(self, first: bool) -> h11.Request | None:
        """The next request head, or None when the client is done (closed, idle, timed out).

        The head's raw bytes are checked (``request_head_end``) and h11 is given exactly the head;
        what follows it stays in ``rbuf``.
        """
        conn = self.cconn
        profile = self.profile
        buf = self.rbuf
        if not first and not buf:
            try:
                data = receive_nowait(self.client, CHUNK)  # often here already: no wait, no scope
            except _STREAM_ERRORS as exc:
                raise ClientGone(f"client receive: {exc!r}") from exc
            if data is None:
                with trio.CancelScope(deadline=trio.current_time() + profile.keepalive_timeout):
                    data = await self._recv_client()
            if not data:  # keep-alive timeout or a clean close between requests
                return None
            buf = data
        deadline = self.head_deadline = trio.current_time() + profile.request_timeout
        seen = 0
        while True:
            end = request_head_end(buf, profile.max_headers, self.max_head, seen) if buf else -1
            if end >= 0:
                break
            seen = len(buf)
            data = None
            with trio.move_on_at(min(deadline, trio.current_time() + profile.client_timeout)):
                data = await self._recv_client()
            if data is None:
                if buf:
                    self.rbuf = b""
                    raise Rejected(408, "request head not received in time")
                return None
            if not data:  # closed: h11 says whether that was clean or in the middle of a head
                self.rbuf = b""
                conn.receive_data(buf)
                conn.receive_data(b"")
                conn.next_event()  # ConnectionClosed, or RemoteProtocolError for a partial head
                return None
            buf = buf + data if buf else data
        if end == len(buf):
            self.rbuf = b""
            conn.receive_data(buf)
        else:
            self.rbuf = buf[end:]
            conn.receive_data(buf[:end])
        event = conn.next_event()
        if type(event) is h11.Request:
            if event.http_version not in HTTP_VERSIONS:  # request_head_end already said so; never forwarded
                raise Rejected(505, "HTTP version not supported")
            return event
        raise Rejected(400, "incomplete request head")  # pragma: no cover - h11 ends heads where we do

    # ---- member side -------------------------------------------------------------------------

    async def _connect(self, member: MemberSpec, key: Hashable, host: str) -> UpstreamConnection:
        """A new connection to ``member`` (``key``: its idle-pool key; ``host``: the request's Host
        without port). Raises ``ConnectFailed``."""
        stream = await self.upstream.connector.open(member, host, self.local[1])
        conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=UPSTREAM_MAX_HEAD)
        uc = UpstreamConnection(stream, conn, member, key, created=trio.current_time(), local=local_address(stream))
        cp = getattr(self.upstream, "connection_pool", None)
        if cp is not None and cp.age > 0:
            uc.expires = uc.created + cp.age
        return uc

    async def _open(self, ctx: PickContext) -> UpstreamConnection:
        """An idle or new connection to a member the connector's ``candidates`` offer."""
        upstream = self.upstream
        for member in candidates(upstream.pick, ctx):
            key = upstream.connector.pool_key(member, ctx.host, self.local[1])
            parked = await self.pool.take(key)
            if parked is not None:
                return parked
            try:
                return await self._connect(member, key, ctx.host)
            except ConnectFailed:
                continue
        raise NoServer("no member available")

    async def _send_upstream(self, uc: UpstreamConnection, data: bytes, ex: _Exchange) -> None:
        if not data:
            return
        try:
            sent = send_nowait(uc.stream, data)  # most writes complete here, without trio
        except _STREAM_ERRORS as exc:
            raise UpstreamFailed(502, f"member send: {exc!r}", stale=not ex.upstream_bytes) from exc
        if sent:
            data = data[sent:]
        if not data:
            if ex.server_wait is not None:  # upload progress: the member is alive
                ex.server_wait.deadline = trio.current_time() + self.profile.server_timeout
            return
        with trio.move_on_after(self.profile.server_timeout) as scope:
            try:
                await uc.stream.send_all(data)
            except _STREAM_ERRORS as exc:
                raise UpstreamFailed(502, f"member send: {exc!r}", stale=not ex.upstream_bytes) from exc
        if scope.cancelled_caught:
            raise UpstreamFailed(504, "server-timeout while sending")
        if ex.server_wait is not None:  # upload progress: the member is alive
            ex.server_wait.deadline = trio.current_time() + self.profile.server_timeout

    async def _recv_upstream(self, uc: UpstreamConnection, ex: _Exchange) -> bytes:
        with trio.CancelScope(deadline=trio.current_time() + self.profile.server_timeout) as scope:
            ex.server_wait = scope
            try:
                data = await uc.stream.receive_some(CHUNK)
            except _STREAM_ERRORS as exc:
                raise UpstreamFailed(502, f"member receive: {exc!r}", stale=not ex.upstream_bytes) from exc
            finally:
                ex.server_wait = None
            if data:
                ex.upstream_bytes = True
            return data  # type: ignore[return-value]  # bytes, as in _recv_client
        raise UpstreamFailed(504, "server-timeout")

    async def _park_or_close(self, uc: UpstreamConnection, ex: _Exchange) -> None:
        """Back to the idle pool when the member kept the connection alive and it is clean."""
        conn = uc.conn
        self.open_upstream = None
        if (
            ex.request_complete
            and self.mode != "serverclose"
            and conn.our_state is h11.DONE
            and conn.their_state is h11.DONE
            and not conn.trailing_data[0]
        ):
            conn.start_next_cycle()
            uc.requests += 1
            cp = getattr(self.upstream, "connection_pool", None)  # connection pool: size, reuse, timeout
            if cp is None:
                await self.pool.put(uc)
            elif (cp.reuse and uc.requests >= cp.reuse) or trio.current_time() >= uc.expires:
                await trio.aclose_forcefully(uc.stream)
            else:
                uc.idle_limit = float(cp.timeout)
                await self.pool.put(uc, cp.size or None)
        else:
            await trio.aclose_forcefully(uc.stream)

    # ---- one exchange --------------------------------------------------------------------------

    async def _recv_body(self) -> bytes:
        """The next read of a request body: ``client-timeout`` bounds the wait, and so does what is
        left of the body's time (``body_budget``); either gives 408."""
        start = trio.current_time()
        data = None
        with trio.move_on_at(start + min(self.profile.client_timeout, self.body_budget)):
            data = await self._recv_client()
        self.body_budget -= trio.current_time() - start
        if data is None:
            raise ClientFailed(408, "request body not received in time")
        if not data:
            raise ClientGone("client closed inside the request body")
        self.body_budget += len(data) / MIN_BODY_RATE
        return data

    async def _upload(self, uc: UpstreamConnection, ex: _Exchange) -> None:
        """Client body -> member: what one read brought goes out in one write (one chunk when the
        body is chunked, however many chunks the client used)."""
        conn = self.cconn
        decoder = self.chunked
        while True:
            data = self.rbuf
            if data:
                self.rbuf = b""
            else:
                data = await self._recv_body()
            trailers: list[tuple[bytes, bytes]] = []
            if decoder is not None:
                try:
                    payload = decoder.feed(data)
                except Rejected as exc:
                    raise ClientFailed(exc.status, exc.reason) from exc
                done = decoder.done
                if done:
                    self.rbuf = decoder.rest
                    trailers = filter_trailers(decoder.trailers)
                    conn.receive_data(_END_OF_CHUNKED_BODY)
                    conn.next_event()  # EndOfMessage: the client-side h11 is DONE with this request
            else:
                left = self.body_left
                if len(data) > left:
                    self.rbuf = data[left:]
                    data = data[:left]
                self.body_left = left - len(data)
                conn.receive_data(data)
                pieces = []
                done = False
                while True:  # one Data for what was given, then the end once all of it came
                    event = conn.next_event()
                    if type(event) is h11.Data:
                        pieces.append(event.data)
                    elif type(event) is h11.EndOfMessage:
                        done = True
                        break
                    elif event is h11.NEED_DATA:
                        break
                    else:  # pragma: no cover - h11 gives nothing else inside a Content-Length body
                        raise ClientGone(f"unexpected {event!r} inside the request body")
                payload = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            sconn = uc.conn
            try:
                out = sconn.send(h11.Data(data=payload)) if payload else b""
                if done:
                    end = sconn.send(h11.EndOfMessage(headers=trailers))
                    out = out + end if out else end
            except h11.LocalProtocolError as exc:  # a trailer h11 will not write
                raise ClientFailed(400, f"cannot forward the request body: {exc}") from exc
            ex.request_bytes += len(payload)
            try:
                await self._send_upstream(uc, out, ex)
            except UpstreamFailed as exc:
                # stop uploading; the download side reports what the member says (or its failure)
                log.debug("upload to %s stopped: %s", uc.member.ident, exc)
                return
            if done:
                ex.request_complete = True
                return

    async def _download(self, uc: UpstreamConnection, ex: _Exchange, method: bytes) -> str:
        """Member response -> client; returns _DONE, or _TUNNEL after a relayed 101.

        What one read from the member produces (head, body piece, end) goes out in one write.
        """
        sconn = uc.conn
        cconn = self.cconn
        out: list[bytes] = []
        # Nothing of the member's answer is buffered yet (a connection is parked only without
        # trailing data): read before asking h11 for an event.
        need_data = True
        while True:
            if need_data:
                if out:
                    await self._send_client(out[0] if len(out) == 1 else b"".join(out))
                    out.clear()
                sconn.receive_data(await self._recv_upstream(uc, ex))
            try:
                event = sconn.next_event()
            except h11.RemoteProtocolError as exc:
                raise UpstreamFailed(502, f"member: {exc}", stale=not ex.upstream_bytes) from exc
            need_data = event is h11.NEED_DATA
            if need_data:
                continue
            kind = type(event)
            try:
                if kind is h11.Data:
                    ex.response_bytes += len(event.data)  # type: ignore[union-attr]
                    # the direct lane relays the member's Content-Length body as it comes
                    out.append(event.data if ex.direct else cconn.send(event))  # type: ignore[union-attr,arg-type]
                elif kind is h11.Response:
                    raw = event.headers.raw_items()  # type: ignore[union-attr]
                    status = event.status_code  # type: ignore[union-attr]
                    hint = keepalive_hint(raw)
                    if hint is not None:
                        uc.max_idle = hint - 1.0
                    te = cl = False
                    for n, _ in event.headers:  # type: ignore[union-attr]
                        if n == b"transfer-encoding":
                            te = True
                        elif n == b"content-length":
                            cl = True
                    ex.client_chunked = (
                        cconn.their_http_version == b"1.1"
                        and method != b"HEAD"
                        and status not in (204, 304)
                        and te
                    )
                    ex.status = status
                    headers = relayed = response_headers_downstream(raw)
                    if self.vs.rewrites and self.facts is not None:
                        headers = rewrite_response(self.vs.rewrites, self.facts, headers)
                    if ex.ctx is not None:
                        headers = self.upstream.response_headers(uc.member, ex.ctx, headers)
                    ex.response_started = True
                    if self.direct_lane and cl and not te and headers is relayed:
                        # The direct lane: the head is written here, not by the client-side h11
                        # (see ``_exchange``); the member's head as h11 parsed it, less hop-by-hop
                        # fields, needs no new validation, and its Content-Length frames the body.
                        ex.direct = True
                        out.append(_response_head(status, event.reason, headers))  # type: ignore[union-attr]
                        continue
                    # the member's head as h11 parsed it, less hop-by-hop fields, is not validated
                    # again; a rewritten one or one with a persistence cookie is
                    response = h11.Response(
                        status_code=status,
                        headers=headers,
                        reason=event.reason,  # type: ignore[union-attr]
                        _parsed=headers is relayed,
                    )
                    self._request_end()
                    out.append(cconn.send(response))
                elif kind is h11.InformationalResponse:
                    self._request_end()
                    status = event.status_code  # type: ignore[union-attr]
                    info = h11.InformationalResponse(
                        status_code=status,
                        headers=response_headers_downstream(
                            event.headers.raw_items(), switching=status == 101  # type: ignore[union-attr]
                        ),
                        reason=event.reason,  # type: ignore[union-attr]
                    )
                    if status == 101:
                        ex.status = 101
                        ex.response_started = True
                        await self._send_client(cconn.send(info))
                        return _TUNNEL
                    if cconn.their_http_version == b"1.1":
                        out.append(cconn.send(info))
                elif kind is h11.EndOfMessage:
                    trailers = event.headers  # type: ignore[union-attr]
                    if not ex.direct:
                        kept = filter_trailers(trailers.raw_items()) if ex.client_chunked and trailers else []
                        out.append(cconn.send(h11.EndOfMessage(headers=kept)))
                    await self._send_client(b"".join(out))
                    return _DONE
                else:  # ConnectionClosed or PAUSED without a 101
                    raise UpstreamFailed(502, f"member: unexpected {event!r}", stale=not ex.upstream_bytes)
            except h11.LocalProtocolError as exc:  # the member's answer cannot be relayed as is
                raise UpstreamFailed(502, f"cannot relay: {exc}") from exc

    def _request_end(self) -> None:
        """Let the client-side h11 see the end of a bodiless request the direct lane left pending."""
        if self.direct_lane:
            self.direct_lane = False
            self.cconn.next_event()  # EndOfMessage: h11 has the whole head, and no body follows

    async def _forward(self, request: h11.Request, uc: UpstreamConnection, ex: _Exchange) -> str:
        data = uc.conn.send(request)
        if not ex.body:
            data += uc.conn.send(h11.EndOfMessage())
        await self._send_upstream(uc, data, ex)
        if not ex.body:
            ex.request_complete = True
            return await self._download(uc, ex, request.method)
        result: list[str] = []

        async def upload(scope: trio.CancelScope) -> None:
            try:
                await self._upload(uc, ex)
            except ProxyError as exc:
                ex.fail(exc)
                scope.cancel()

        async def download(scope: trio.CancelScope) -> None:
            try:
                result.append(await self._download(uc, ex, request.method))
            except ProxyError as exc:
                ex.fail(exc)
            scope.cancel()  # done or failed: an unfinished upload is abandoned

        async with trio.open_nursery() as nursery:
            nursery.start_soon(upload, nursery.cancel_scope)
            nursery.start_soon(download, nursery.cancel_scope)
        if ex.error is not None:
            raise ex.error
        return result[0]

    async def _exchange(self, request: h11.Request, upstream_request: h11.Request, uc: UpstreamConnection, body: bool,
                        host: str) -> bool:
        """Forward one request on ``uc`` (retrying a stale reuse once); True to keep the client."""
        retryable = request.method in IDEMPOTENT and not body
        self.open_upstream = uc
        for attempt in (1, 2):
            ex = self.exchange = _Exchange(body=body, ctx=self.ctx)
            try:
                outcome = await self._forward(upstream_request, uc, ex)
                break
            except UpstreamFailed as exc:
                await trio.aclose_forcefully(uc.stream)
                self.open_upstream = None
                if exc.stale and uc.reused and retryable and attempt == 1:
                    log.debug("stale keep-alive connection to %s, retrying on a new one", uc.member.ident)
                    try:
                        uc = await self._connect(uc.member, uc.key, host)
                    except ConnectFailed:
                        await self._answer(502, head_only=request.method == b"HEAD")
                        return False
                    self.open_upstream = uc
                    continue
                log.debug("member %s failed: %s", uc.member.ident, exc)
                if not ex.response_started:
                    await self._answer(exc.status, head_only=request.method == b"HEAD")
                return False
            except ClientFailed as exc:
                if not ex.response_started:
                    await self._answer(exc.status, str(exc))
                return False
        if outcome == _TUNNEL:
            await self._tunnel(uc)
            return False
        cconn = self.cconn
        if ex.direct:  # a complete bodiless keep-alive request, answered in full: h11 saw the head only
            client_alive = True
        else:
            client_alive = cconn.our_state is h11.DONE and cconn.their_state is h11.DONE
        if self.mode == "onceonly":
            sconn = uc.conn
            if client_alive and ex.request_complete and sconn.our_state is h11.DONE and sconn.their_state is h11.DONE:
                cconn.start_next_cycle()
                sconn.start_next_cycle()
                await self._tunnel(uc)
            else:
                self.open_upstream = None
                await trio.aclose_forcefully(uc.stream)
            return False
        await self._park_or_close(uc, ex)
        if client_alive:
            if ex.direct:  # h11 holds no bytes of the client's (it is handed exact heads): a fresh one
                self.cconn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.max_head)
            else:
                cconn.start_next_cycle()
        elif cconn.their_state is h11.SEND_BODY:
            self.linger = True  # answered before the whole body came: drain it before closing
        return client_alive

    async def _tunnel(self, uc: UpstreamConnection) -> None:
        idle = max(self.profile.client_timeout, self.profile.server_timeout)
        try:
            early = self.rbuf + self.cconn.trailing_data[0]  # h11's own buffer is empty: it gets exact heads
            self.rbuf = b""
            await splice(self.client, uc.stream, early, uc.conn.trailing_data[0], idle)
        finally:
            self.open_upstream = None
            await trio.aclose_forcefully(uc.stream)

    async def _handle(self, request: h11.Request) -> bool:
        """Route and forward one request, then report it; True when the client connection stays open."""
        self.exchange, self.ctx, self.answered, self.member_local = None, None, 0, None
        self.scan_host = None
        started, t0 = time.time(), trio.current_time()
        self.body_budget = self.head_deadline - t0  # the rest of http-request-timeout, for a body
        try:
            return await self._route(request)
        finally:
            ex = self.exchange
            self.upstream.exchange_done(ExchangeRecord(
                vs=self.vs.name,
                client=self.peer,
                member=self.open_member,
                method=request.method.decode("latin-1"),
                target=request.target.decode("latin-1"),
                host=self.scan_host if self.scan_host is not None else request_host(request),
                status=self.answered or (ex.status if ex else 0),
                request_bytes=ex.request_bytes if ex else 0,
                response_bytes=ex.response_bytes if ex else 0,
                started=started,
                duration=trio.current_time() - t0,
                member_local=self.member_local,
            ))

    async def _route(self, request: h11.Request) -> bool:
        profile = self.profile
        if request.method == b"CONNECT":  # a reverse proxy opens no tunnels on request
            await self._answer(405, "CONNECT is not allowed")
            return False
        scan = scan_request(request)
        self.scan_host = host_header = scan.host
        path, full = split_target(request.target)
        ctx = PickContext(
            client_ip=self.peer[0],
            client_port=self.peer[1],
            dest_ip=self.local[0],
            dest_port=self.local[1],
            host=host_without_port(host_header),
            uri=path,
            full_uri=full,
            cookie=scan.cookie,
            tls_session=self.tls_session,
            referer=scan.referer,
            sni=self.sni,
        )
        self.ctx = ctx
        self.open_member = None
        chunked, length = scan.chunked, scan.length
        body = chunked or length > 0
        if chunked:
            self.chunked = ChunkedBody(profile.max_headers, self.max_head)
        else:
            self.chunked, self.body_left = None, length
        websocket = scan.websocket and not body
        head_only = request.method == b"HEAD"
        target, raw_headers = request.target, request.headers.raw_items()
        if self.vs.rewrites:  # content rewriting: what the member gets, or the ADC's own answer
            self.facts = RequestFacts(ctx.client_ip, ctx.host, ctx.full_uri, ctx.referer, ctx.sni)
            outcome = rewrite_request(self.vs.rewrites, self.facts, target, raw_headers)
            if outcome.status:
                location = [(b"Location", outcome.location.encode("latin-1"))] if outcome.location else None
                await self._answer(outcome.status, "", head_only, extra=location)
                return False
            target, raw_headers = outcome.target, outcome.headers or []
        try:
            # What h11 parsed from the client was validated then: only a rewritten head (or an odd
            # X-Forwarded-For name) is validated again when the upstream request is built.
            upstream_request = h11.Request(
                method=request.method,
                target=target,
                headers=request_headers_upstream(
                    raw_headers,
                    websocket=websocket,
                    server_close=self.mode == "serverclose",
                    default_host=_host_port(self.local),
                    xff=(profile.xff_name, self.peer[0]) if profile.xff else None,
                ),
                _parsed=not self.vs.rewrites and (not profile.xff or _is_token(profile.xff_name)),
            )
        except h11.LocalProtocolError as exc:
            await self._answer(400, str(exc), head_only)
            return False
        # (an Upgrade request would leave the client-side h11 in MIGHT_SWITCH_PROTOCOL, not DONE;
        # the direct lane leaves it before the request's end, see ``_request_end``)
        self.direct_lane = (not body and not head_only and self.mode != "onceonly" and scan.keep_alive
                            and not scan.upgrade)
        if not body and not self.direct_lane:
            event = self.cconn.next_event()  # a bodiless request's end is already here
            if type(event) is not h11.EndOfMessage:  # pragma: no cover - h11 guarantees it
                await self._answer(400, head_only=head_only)
                return False
        try:
            uc = await self._open(ctx)
        except NoServer as exc:
            log.debug("%s: %s", self.vs.name, exc)
            page = self.vs.error_page_html  # the error page, else the error message (CLI744 p. 239)
            await self._answer(503, page or self.vs.error_msg, head_only, html=bool(page))
            return False
        member = self.open_member = uc.member
        self.member_local = uc.local
        self.upstream.acquire(member)
        try:
            return await self._exchange(request, upstream_request, uc, body, ctx.host)
        finally:
            self.upstream.release(member)

    # ---- the connection ------------------------------------------------------------------------

    async def run(self) -> None:
        first = True
        while True:
            try:
                request = await self._receive_head(first)
            except Rejected as exc:
                await self._answer(exc.status, exc.reason)
                return
            except h11.RemoteProtocolError as exc:
                await self._answer(exc.error_status_hint, str(exc))
                return
            if request is None:
                return
            first = False
            if not await self._handle(request):
                return

    async def close(self) -> None:
        try:
            if self.open_upstream is not None:
                await trio.aclose_forcefully(self.open_upstream.stream)
            if self.linger and isinstance(self.client, trio.abc.HalfCloseableStream):
                # let the answer reach the client before the close: unread input would turn the
                # close into a reset that can destroy it
                with trio.move_on_after(LINGER):
                    await self.client.send_eof()
                    drained = 0
                    while drained < LINGER_BYTES:
                        data = await self.client.receive_some(CHUNK)
                        if not data:
                            break
                        drained += len(data)
        except _STREAM_ERRORS:
            pass
        finally:
            await trio.aclose_forcefully(self.client)


def request_host(request: h11.Request) -> str:
    for name, value in request.headers:
        if name == b"host":
            return value.decode("latin-1")
    return ""


def _response_head(status: int, reason: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """A response head as h11 writes one (HTTP/1.1, the fields in order)."""
    return b"".join([b"HTTP/1.1 %d %s\r\n" % (status, reason), *(b"%s: %s\r\n" % h for h in headers), b"\r\n"])


@functools.lru_cache(maxsize=64)
def _is_token(name: str) -> bool:
    """Whether a configured header name is an RFC 9110 token (h11's check for field names)."""
    return bool(_TOKEN.fullmatch(name))


_TOKEN = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")


def _host_port(addr: tuple[str, int]) -> str:
    host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
    return f"{host}:{addr[1]}"


async def serve_http(
    client: trio.abc.Stream,
    peer: tuple[str, int],
    local: tuple[str, int],
    vs: VirtualServerSpec,
    upstream: Upstream,
    *,
    pool: IdlePool | None = None,
    tls_session: bytes = b"",
    sni: str = "",
) -> None:
    """Serve one client connection of an HTTP virtual server until it closes; never raises.

    ``pool`` defaults to this trio run's shared idle pool (``idle_pool()``); call
    ``close_idle_connections()`` at shutdown. ``tls_session`` is the client's TLS session id (HTTPS),
    for SSL session id persistence.
    """
    session = _Session(client, peer, local, vs, upstream, pool if pool is not None else idle_pool())
    session.tls_session = tls_session
    session.sni = sni
    try:
        await session.run()
    except Exception as exc:  # one connection's trouble never reaches the listener
        log.debug("http connection %s:%s -> %s ended: %r", peer[0], peer[1], vs.name, exc)
    finally:
        await session.close()
