"""Reaching pool members: the one place that decides how a request or session gets a member connection.

Both users go through here: the Layer-4 tunnel (``runtime``) for each session, and the HTTP proxy for
each request that finds no idle connection (and for its stale keep-alive retry). What lives here:

* **Which members are tried.** ``candidates`` picks a member, and after a failed connect picks again
  with every member already tried excluded (the picker, with persistence on top, honours ``exclude``;
  a pick that returns an excluded member anyway, or None, ends the search). FortiADC moves on to
  another member when one does not answer; at most ``MEMBERS_TRIED`` = 2 members are tried per
  request or session, the picked one and one more, so a client waits at most two connect timeouts
  for its 503 (HTTP) or close (Layer 4). Two, not more: the HTTP proxy has always answered 503 after
  "one retry only" (its tests pin this), and the Layer-4 path now follows the same rule.
* **How long a connect may take.** The profile's ``connect-timeout`` covers the TCP connect and the
  TLS handshake together, once.
* **Whether and how it speaks TLS.** A member's own real-server SSL profile wins over the pool's
  (``real-server-ssl-profile-inherit disable``); the SNI follows ``upstream_server_hostname``; HTTP
  virtual servers offer ALPN ``http/1.1`` only (so an h2-capable member does not pick h2), Layer-4
  ones offer none. The upstream ``SSLContext`` objects are built when the ``Connector`` is (at
  reconcile), never per connection.
* **Which idle connections are interchangeable.** ``pool_key``: the member, the port actually
  dialled (a port-0 member is reached on the port the client connected to), the TLS profile and
  the SNI. A clear and a TLS connection to one member, or two SNIs, never share a socket.

Every failed connect is reported through ``on_failure`` (member, why, whether the TLS handshake was
what failed): the runtime counts it per member for the status views and the event log says it in
FortiADC's words (``stats``); here it is only logged at debug level.
"""
from __future__ import annotations

import logging
import os
import ssl
from typing import Awaitable, Callable, Collection, Hashable, Iterator

import trio

from .lb import PickContext
from .spec import MemberSpec, ProfileSpec, UpstreamTLS, VirtualServerSpec
from .tls import upstream_context, upstream_server_hostname

__all__ = ["MEMBERS_TRIED", "ConnectFailed", "Connector", "Dial", "candidates", "dial_tcp"]

log = logging.getLogger(__name__)

MEMBERS_TRIED = 2
HTTP_ALPN: tuple[str, ...] = ("http/1.1",)

Dial = Callable[[MemberSpec, int], Awaitable[trio.abc.Stream]]
OnFailure = Callable[[MemberSpec, str, bool], None]  # member, why, during the TLS handshake
Pick = Callable[[PickContext, Collection[str]], MemberSpec | None]

# What a member that cannot be reached raises: refused/unreachable (OSError, ssl.SSLError among them),
# connect-timeout, a failed TLS handshake (trio wraps it), a name the ssl module refuses as SNI.
_CONNECT_ERRORS = (OSError, trio.TooSlowError, trio.BrokenResourceError, ValueError)


class ConnectFailed(Exception):
    """The member could not be connected (the cause is chained); try another one."""


async def dial_tcp(member: MemberSpec, port: int) -> trio.abc.Stream:
    """A plain TCP connection to the member's address (the default ``Dial``)."""
    return await trio.open_tcp_stream(member.host, port)


def candidates(pick: Pick, ctx: PickContext) -> Iterator[MemberSpec]:
    """The members to try for one request or session, in order: at most ``MEMBERS_TRIED``, each
    picked with the ones already tried excluded. The caller stops iterating once one connects."""
    tried: set[str] = set()
    for _ in range(MEMBERS_TRIED):
        member = pick(ctx, tried)
        if member is None:
            return
        ident = member.ident  # a property that formats a string: once
        if ident in tried:
            return
        tried.add(ident)
        yield member


def failure_text(exc: BaseException, timeout: float) -> str:
    """A failed connect in a few words for the status and the event log (``Connection refused``)."""
    if isinstance(exc, trio.TooSlowError):
        return f"no answer within connect-timeout ({timeout:g} s)"
    cause: BaseException = exc
    # trio wraps the real reason: a failed handshake in BrokenResourceError, a refused connect in an
    # OSError ("all attempts to connect ... failed") caused by a group of each attempt's error
    while not (isinstance(cause, OSError) and cause.strerror):
        if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
            cause = cause.exceptions[-1]
        elif cause.__cause__ is not None:
            cause = cause.__cause__
        else:
            break
    if isinstance(cause, ssl.SSLError):
        return f"TLS handshake failed: {cause.reason or cause}"
    if isinstance(cause, OSError) and cause.errno:
        return os.strerror(cause.errno)  # trio's strerror repeats the address: the errno's own words
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return str(cause) or type(cause).__name__


class Connector:
    """How one generation of a virtual server reaches its members; built at reconcile.

    ``dial`` opens the transport (a test may hand in memory streams); the timeout and TLS are
    applied around it here whatever it is.
    """

    __slots__ = ("timeout", "alpn", "pool_tls", "dial", "on_failure", "_contexts")

    def __init__(self, vs: VirtualServerSpec, dial: Dial = dial_tcp, on_failure: OnFailure | None = None) -> None:
        self.timeout = float(vs.profile.connect_timeout or ProfileSpec.connect_timeout)
        self.on_failure = on_failure
        self.alpn = HTTP_ALPN if vs.mode == "http" else ()
        self.pool_tls = vs.pool.tls
        self.dial = dial
        profiles = {t for t in (vs.pool.tls, *(m.tls for m in vs.pool.members)) if t is not None}
        self._contexts = {tls: upstream_context(tls, self.alpn) for tls in profiles}

    def tls(self, member: MemberSpec) -> UpstreamTLS | None:
        """The real-server SSL profile in force for ``member``: its own, else the pool's (None: clear)."""
        return member.tls if member.tls is not None else self.pool_tls

    def context(self, tls: UpstreamTLS) -> ssl.SSLContext:
        """The prebuilt client context for ``tls`` (a member from another generation: built, cached)."""
        ctx = self._contexts.get(tls)
        return ctx if ctx is not None else upstream_context(tls, self.alpn)

    def pool_key(self, member: MemberSpec, host: str, local_port: int) -> Hashable:
        """The idle-pool key of a connection to ``member`` for a request to ``host`` (Host without port)."""
        tls = self.tls(member)
        sni = upstream_server_hostname(tls, host, member.host) if tls is not None else None
        return (member.ident, member.port or local_port, tls, sni)

    async def open(self, member: MemberSpec, host: str = "", local_port: int = 0) -> trio.abc.Stream:
        """A connected stream to ``member`` (TLS done when its profile asks), within connect-timeout.

        ``host`` is the request's Host without port ('' for Layer 4), the SNI to forward when the
        profile says so; ``local_port`` is the port a port-0 member is reached on. Raises
        ``ConnectFailed``.
        """
        handshake = False
        try:
            with trio.fail_after(self.timeout):
                stream = await self.dial(member, member.port or local_port)
                tls = self.tls(member)
                if tls is not None:
                    handshake = True
                    stream = await self._handshake(stream, tls, host, member)
        except _CONNECT_ERRORS as exc:
            log.debug("connect to %s failed: %r", member.ident, exc)
            if self.on_failure is not None:
                self.on_failure(member, failure_text(exc, self.timeout), handshake)
            raise ConnectFailed(f"connect to {member.ident}: {exc!r}") from exc
        return stream

    async def _handshake(self, stream: trio.abc.Stream, tls: UpstreamTLS, host: str,
                         member: MemberSpec) -> trio.SSLStream[trio.abc.Stream]:
        name = upstream_server_hostname(tls, host, member.host)
        ssl_stream = trio.SSLStream(stream, self.context(tls), server_hostname=name)
        try:
            await ssl_stream.do_handshake()
        except BaseException:
            await trio.aclose_forcefully(stream)
            raise
        return ssl_stream
