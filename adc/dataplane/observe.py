"""What the data plane reports as traffic flows: sessions opening and closing, requests finishing.

The runtime calls an ``Observer`` from its trio thread; observers only record (counters, the live
session table, log lines handed to a writer) and never block or raise into the data plane. The
default ``NullObserver`` records nothing.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Protocol

import trio

from .fastio import receive_nowait, send_nowait
from .http_proxy import ExchangeRecord
from .spec import MemberSpec

_ids = itertools.count(1)


@dataclass(eq=False)
class SessionInfo:
    """One client connection, live: ``bytes_in`` came from the client, ``bytes_out`` went to it."""

    vs: str
    protocol: str  # tcp | http | https
    client: tuple[str, int]
    local: tuple[str, int]  # the virtual server address the client reached
    started: float = field(default_factory=time.time)
    id: int = field(default_factory=lambda: next(_ids))
    member: MemberSpec | None = None  # L4: the member of the session; L7: of the latest request
    member_local: tuple[str, int] | None = None  # the appliance's address towards the member
    bytes_in: int = 0
    bytes_out: int = 0
    last_activity: float = field(default_factory=time.monotonic)
    idle_timeout: float = 0.0  # seconds of silence after which the session ends (for "expire")
    traffic_log: bool = False  # the virtual server's traffic-log setting when the session began
    rule: str = ""  # L4 content routing: the rule that routed the session
    # how much of bytes_in/bytes_out an exchange (a request and its answer) has already been charged
    # with: the rest belongs to the exchange in progress, or (Layer 4) to the session's member
    counted_in: int = 0
    counted_out: int = 0


class Observer(Protocol):
    def session_opened(self, s: SessionInfo) -> None: ...

    def session_member(self, s: SessionInfo, member: MemberSpec | None) -> None: ...

    def exchange_done(self, s: SessionInfo, record: ExchangeRecord) -> None: ...

    def session_closed(self, s: SessionInfo) -> None: ...

    def health_changed(self, member: MemberSpec, up: bool, reason: str) -> None: ...

    def connections_waiting(self, vs: str, detail: str) -> None:
        """A virtual server's listener stopped accepting (its fair share or the global connection
        limit is reached); called at most once a minute per virtual server while that lasts."""

    def connect_failed(self, vs: str, member: MemberSpec, why: str, tls: bool) -> None:
        """A connection (``tls``: its TLS handshake) to a member failed, for a client of ``vs``."""

    def vs_status(self, vs: str, up: bool, why: str) -> None:
        """A virtual server of the config cannot be served (``why``: its address is not on this host,
        its port is taken...), or is served again; called on each change."""


class NullObserver:
    def session_opened(self, s: SessionInfo) -> None:
        pass

    def session_member(self, s: SessionInfo, member: MemberSpec | None) -> None:
        pass

    def exchange_done(self, s: SessionInfo, record: ExchangeRecord) -> None:
        pass

    def session_closed(self, s: SessionInfo) -> None:
        pass

    def health_changed(self, member: MemberSpec, up: bool, reason: str) -> None:
        pass

    def connections_waiting(self, vs: str, detail: str) -> None:
        pass

    def connect_failed(self, vs: str, member: MemberSpec, why: str, tls: bool) -> None:
        pass

    def vs_status(self, vs: str, up: bool, why: str) -> None:
        pass


class CountingStream(trio.abc.Stream):
    """Wraps the client stream to count bytes both ways into a ``SessionInfo``."""

    def __init__(self, inner: trio.abc.Stream, info: SessionInfo) -> None:
        self.inner = inner
        self.info = info

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.inner.send_all(data)
        self.info.bytes_out += len(data)
        self.info.last_activity = time.monotonic()

    def send_nowait(self, data: bytes) -> int:
        """What the socket takes at once (``fastio``), counted like ``send_all``."""
        sent = send_nowait(self.inner, data)
        if sent:
            self.info.bytes_out += sent
            self.info.last_activity = time.monotonic()
        return sent

    def receive_nowait(self, max_bytes: int) -> bytes | None:
        """What the socket holds now (``fastio``), counted like ``receive_some``; None if nothing."""
        data = receive_nowait(self.inner, max_bytes)
        if data is not None:
            self.info.bytes_in += len(data)
            self.info.last_activity = time.monotonic()
        return data

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        data = await self.inner.receive_some(max_bytes)
        self.info.bytes_in += len(data)
        self.info.last_activity = time.monotonic()
        return data

    async def aclose(self) -> None:
        await self.inner.aclose()


class CountingHalfCloseableStream(CountingStream, trio.abc.HalfCloseableStream):
    async def send_eof(self) -> None:
        await self.inner.send_eof()  # type: ignore[attr-defined]


def counting(inner: trio.abc.Stream, info: SessionInfo) -> CountingStream:
    """A counting wrapper that can half-close exactly when ``inner`` can."""
    if isinstance(inner, trio.abc.HalfCloseableStream):
        return CountingHalfCloseableStream(inner, info)
    return CountingStream(inner, info)
