"""Idle keep-alive connections to pool members, reused across requests and client connections.

One ``IdlePool`` per trio run (``idle_pool()`` keeps it in a ``RunVar``, so tests that each run their
own event loop never share sockets). Connections are keyed by ``(member ident, upstream TLS, SNI)``:
a member reached in clear and the same member reached over TLS never share a socket.

Taking a connection is LIFO (the most recently used socket is the one least likely to have been
closed by the server) and checks it first when it has been idle ``POLL_AFTER`` (1 s) or more: a
socket that became readable while idle has either been closed by the server (EOF) or received bytes
nobody asked for, and is dropped. The check is a ``poll`` syscall; a connection parked less than a
second ago is reused without it (under keep-alive load that is nearly every reuse), because servers
close idle keep-alive connections after seconds, not milliseconds (nginx 75 s, Apache and Node 5 s),
announce a sooner close in the response itself (``Connection: close``, which never parks the
connection, or ``Keep-Alive: timeout=N``), and the proxy retries the stale keep-alive race once
anyway. Connections
idle longer than ``idle_timeout`` are dropped too; the default (15 s) sits below common server
keep-alive timeouts (nginx 75 s; Apache's 5 s and Node's 5 s are covered by their ``Keep-Alive:
timeout=N`` header, which caps a connection's idle life at N - 1 s), and the proxy retries the stale
keep-alive race once anyway (see ``http_proxy``).

A virtual server's (or content-routing rule's) ``connection-pool`` bounds its connections further
(the proxy applies it): ``size`` replaces ``max_idle_per_key`` for them (``put(max_per_key=)``),
``timeout`` replaces ``idle_timeout`` (``idle_limit``), ``age`` sets ``expires`` when the connection is
opened, and ``reuse`` closes a connection after that many requests instead of parking it.

``max_total`` caps the idle connections of all keys together (the data plane sets it from its
descriptor budget, see ``limits``): a connection that would go over it is closed instead of parked.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Hashable

import h11
import trio

from .spec import MemberSpec

__all__ = ["IdlePool", "UpstreamConnection", "close_idle_connections", "idle_pool"]

POLL_AFTER = 1.0  # seconds idle from which a connection is polled for a close before reuse


@dataclass(eq=False)
class UpstreamConnection:
    """A connection to one member: the stream and the h11 client-side state machine over it."""

    stream: trio.abc.Stream
    conn: h11.Connection
    member: MemberSpec
    key: Hashable
    requests: int = 0  # requests completed on it; > 0 means a reused connection
    idle_since: float = field(default=0.0)
    max_idle: float | None = None  # the member's own ``Keep-Alive: timeout=N`` hint, less a margin
    idle_limit: float | None = None  # a connection pool's ``timeout``, instead of the pool's idle_timeout
    created: float = 0.0  # trio time it was connected (for a connection pool's ``age``)
    expires: float = float("inf")  # trio time after which it is not reused (connection pool ``age``)
    local: tuple[str, int] | None = None  # the appliance's address on it (``local_address``), once

    @property
    def reused(self) -> bool:
        return self.requests > 0


def _socket_of(stream: object) -> trio.socket.SocketType | None:
    """The socket under a SocketStream, or under the TLS layers wrapped around one."""
    for _ in range(4):
        sock = getattr(stream, "socket", None)
        if sock is not None:
            return sock
        stream = getattr(stream, "transport_stream", None)
        if stream is None:
            return None
    return None


def local_address(stream: object) -> tuple[str, int] | None:
    """This end's address of a (possibly TLS-wrapped) socket stream: the appliance's side."""
    sock = _socket_of(stream)
    if sock is None:
        return None
    try:
        addr = sock.getsockname()
    except OSError:
        return None
    return (addr[0], addr[1])


def looks_closed(stream: trio.abc.Stream) -> bool:
    """Whether an idle connection has anything to read (EOF or stray bytes): then it is unusable."""
    sock = _socket_of(stream)
    if sock is None:
        return False
    try:
        return sock.is_readable()
    except (OSError, ValueError):
        return True


class IdlePool:
    def __init__(self, idle_timeout: float = 15.0, max_idle_per_key: int = 64, max_total: int | None = None,
                 poll_after: float = POLL_AFTER) -> None:
        self.idle_timeout = idle_timeout
        self.poll_after = poll_after
        self.max_idle_per_key = max_idle_per_key
        self.max_total = max_total
        self._idle: dict[Hashable, deque[UpstreamConnection]] = {}
        self._next_sweep = float("-inf")
        self._total = 0

    def count(self, key: Hashable | None = None) -> int:
        if key is not None:
            return len(self._idle.get(key, ()))
        return self._total

    async def take(self, key: Hashable) -> UpstreamConnection | None:
        """The most recently parked live connection for ``key``, or None."""
        q = self._idle.get(key)
        now = trio.current_time()
        while q:
            uc = q.pop()
            self._total -= 1
            limit = self.idle_timeout if uc.idle_limit is None else uc.idle_limit
            if uc.max_idle is not None:
                limit = min(limit, uc.max_idle)
            idle = now - uc.idle_since
            if idle <= limit and now < uc.expires and (idle < self.poll_after or not looks_closed(uc.stream)):
                if not q:
                    del self._idle[key]
                return uc
            await trio.aclose_forcefully(uc.stream)
        self._idle.pop(key, None)
        return None

    async def put(self, uc: UpstreamConnection, max_per_key: int | None = None) -> None:
        """Park a connection whose h11 state is back to IDLE; expired ones are closed on the way.
        ``max_per_key``: a connection pool's ``size`` for this key instead of ``max_idle_per_key``."""
        uc.idle_since = trio.current_time()
        if self.max_total is not None and self._total >= self.max_total:
            await trio.aclose_forcefully(uc.stream)  # the descriptor budget's share of idle connections is used
            return
        q = self._idle.setdefault(uc.key, deque())
        q.append(uc)
        self._total += 1
        doomed = []
        keep = self.max_idle_per_key if max_per_key is None else max_per_key
        while len(q) > keep:
            doomed.append(q.popleft())
            self._total -= 1
        if uc.idle_since >= self._next_sweep:  # expired connections of every key, once a second
            self._next_sweep = uc.idle_since + 1.0
            now = uc.idle_since
            for k, other in list(self._idle.items()):
                while other and now - other[0].idle_since > (
                        self.idle_timeout if other[0].idle_limit is None else other[0].idle_limit):
                    doomed.append(other.popleft())
                    self._total -= 1
                if not other:
                    del self._idle[k]
        for old in doomed:
            await trio.aclose_forcefully(old.stream)

    async def aclose(self) -> None:
        """Close every idle connection (shutdown, end of a test)."""
        idle, self._idle = self._idle, {}
        self._total = 0
        for q in idle.values():
            for uc in q:
                await trio.aclose_forcefully(uc.stream)


_POOL: trio.lowlevel.RunVar[IdlePool] = trio.lowlevel.RunVar("adc_http_idle_pool")


def idle_pool() -> IdlePool:
    """This trio run's shared pool (created on first use)."""
    try:
        return _POOL.get()
    except LookupError:
        pool = IdlePool()
        _POOL.set(pool)
        return pool


async def close_idle_connections() -> None:
    """Close this run's idle upstream connections; call at shutdown so no socket is left to the GC."""
    try:
        pool = _POOL.get()
    except LookupError:
        return
    await pool.aclose()
