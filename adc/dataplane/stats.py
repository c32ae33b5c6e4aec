"""Live statistics and the session table: the data plane's ``Observer``.

Written from the data plane's trio thread, read from the console thread. Every write takes one
``threading.Lock`` for a few dictionary updates (no I/O, no formatting under it), and every read
copies what it needs under the same lock into immutable snapshots, so the console never holds the data
plane up for longer than a copy of the live session table.

What is counted (bytes ``in`` = from the client towards the member, ``out`` = back to the client).
Virtual servers and members count the same bytes: those of the client connection, whole messages
(request and response heads and bodies, WebSocket frames, Layer-4 payload), after TLS. FortiADC's
traffic log counts the same way (``ibytes=78`` for a bare GET in the log reference's example).

- per virtual server: open sessions, sessions opened, HTTP requests, client bytes (closed sessions
  plus what the open ones have moved so far);
- per member (``MemberSpec.ident``, so figures survive a commit): HTTP requests, the client bytes of
  every exchange it served (charged when the exchange ends: a request, its answer, and for a
  WebSocket the whole tunnel; while a tunnel or Layer-4 session is open its bytes so far count live),
  failed connects (count, last reason and time), and the last health-check verdict;
  current/total connections come from the data plane's ``Counters`` (see ``member_rows``).
  A virtual server's bytes are the sum of its members' plus what no member served (a 503, a 400).

Traffic-log lines are built here (formatting is cheap) and handed to ``LogFiles``, which never blocks;
so are the event-log lines for health changes (``subtype=health``), for a virtual server whose
listener waits for connection slots (``subtype=system``, at most once a minute per virtual server),
for a virtual server that cannot be served or is served again (``subtype=health``, FortiADC's
"Virtual server [name], status is [up|down]", with the reason), and for failed connects to members
(``subtype=slb``, FortiADC's "VS [name] failed to establish SSL connection with real server [name]",
without "SSL" for a TCP connect; the first failure at once, then at most one line per
``FAILURE_LOG_INTERVAL`` per virtual server and member, saying how many were not logged).
Whether a session is logged is its virtual server's ``traffic-log`` when the session began
(``SessionInfo.traffic_log``).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..logs import LogFiles, kv
from .http_proxy import ExchangeRecord
from .observe import SessionInfo
from .spec import MemberSpec

if TYPE_CHECKING:
    pass


@dataclass
class _Figures:
    current: int = 0
    total: int = 0
    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass(frozen=True)
class Figures:
    """A snapshot of one virtual server's or one member's counters."""

    current: int = 0
    total: int = 0
    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


FAILURE_LOG_INTERVAL = 10.0  # seconds between two event-log lines about one member's failed connects


@dataclass(frozen=True)
class Failures:
    """A member's failed connects: how many since the start, the last one's reason and time."""

    count: int = 0
    reason: str = ""
    when: float = 0.0  # time.time(); 0 = never


@dataclass
class _Said:
    """When a (virtual server, member) failure was last logged, and how many were not logged since."""

    when: float
    unsaid: int = 0


@dataclass(frozen=True)
class Health:
    up: bool = True
    reason: str = ""
    when: float = 0.0  # time.time() of the last change; 0 = never checked


@dataclass(frozen=True)
class SessionRow:
    """One line of ``diagnose server-load-balance session list``, copied from a live ``SessionInfo``."""

    id: int
    vs: str
    protocol: str
    client: tuple[str, int]
    local: tuple[str, int]
    member_local: tuple[str, int] | None
    member_addr: tuple[str, int] | None
    member_name: str
    bytes_in: int
    bytes_out: int
    expire: int  # seconds before the idle timeout ends the session


def _member_addr(s: SessionInfo, m: MemberSpec | None = None) -> tuple[str, int] | None:
    m = m if m is not None else s.member
    if m is None:
        return None
    return (m.host, m.port or s.local[1])


class Stats:
    """The observer the appliance gives its data plane (see the module docstring)."""

    def __init__(self, logs: LogFiles) -> None:
        self.logs = logs
        self._lock = threading.Lock()
        self._vs: dict[str, _Figures] = {}
        self._members: dict[str, _Figures] = {}
        self._health: dict[str, Health] = {}
        self._failures: dict[str, Failures] = {}
        self._said: dict[tuple[str, str], _Said] = {}
        self._live: dict[int, SessionInfo] = {}
        self._rules: dict[tuple[str, str], int] = {}  # (virtual server, content-routing rule) -> hits

    # ------------------------------------------------------------------ Observer (data plane thread)
    def session_opened(self, s: SessionInfo) -> None:
        with self._lock:
            self._live[s.id] = s
            f = self._vs.setdefault(s.vs, _Figures())
            f.current += 1
            f.total += 1

    def session_member(self, s: SessionInfo, member: MemberSpec | None) -> None:
        """A Layer-4 session reached a member: a hit for its content-routing rule, if any (the runtime
        already set ``s.member``; connection counts live in ``Counters``)."""
        if s.rule:
            with self._lock:
                key = (s.vs, s.rule)
                self._rules[key] = self._rules.get(key, 0) + 1

    def exchange_done(self, s: SessionInfo, record: ExchangeRecord) -> None:
        # the exchange's bytes: what the client connection moved since the previous exchange ended
        # (its request and answer; for a WebSocket, the whole tunnel)
        din, dout = s.bytes_in - s.counted_in, s.bytes_out - s.counted_out
        # log first, count second: whoever sees the count (a test, an operator) finds the line queued
        if s.traffic_log:
            self.logs.traffic(http_line(s, record, din, dout))
        with self._lock:
            s.counted_in, s.counted_out = s.bytes_in, s.bytes_out
            self._vs.setdefault(record.vs, _Figures()).requests += 1
            if record.rule:
                key = (record.vs, record.rule)
                self._rules[key] = self._rules.get(key, 0) + 1
            if record.member is not None:
                m = self._members.setdefault(record.member.ident, _Figures())
                m.requests += 1
                m.bytes_in += din
                m.bytes_out += dout

    def session_closed(self, s: SessionInfo) -> None:
        with self._lock:
            if s.id not in self._live:
                return  # never opened here (or closed twice): keep the counts exact
        if s.protocol == "tcp" and s.traffic_log:
            self.logs.traffic(tcp_line(s, time.time()))
        with self._lock:
            if self._live.pop(s.id, None) is None:
                return
            f = self._vs.setdefault(s.vs, _Figures())
            f.current -= 1
            f.bytes_in += s.bytes_in
            f.bytes_out += s.bytes_out
            if s.protocol == "tcp" and s.member is not None:
                m = self._members.setdefault(s.member.ident, _Figures())
                m.bytes_in += s.bytes_in - s.counted_in
                m.bytes_out += s.bytes_out - s.counted_out

    def health_changed(self, member: MemberSpec, up: bool, reason: str) -> None:
        """Called by the health checker on every change of a member's verdict: record it, log it."""
        with self._lock:
            self._health[member.ident] = Health(up, reason, time.time())
        state = "up" if up else "down"
        self.logs.event("health", f"real server {member.real_server} ({member.host}:{member.port}) "
                                  f"health check: {state}" + (f" ({reason})" if reason else ""))

    def connections_waiting(self, vs: str, detail: str) -> None:
        """A listener waits for connection slots (at most once a minute per virtual server): log it."""
        self.logs.event("system", detail)

    def connect_failed(self, vs: str, member: MemberSpec, why: str, tls: bool) -> None:
        """Count a failed connect to ``member`` and log it (rate-limited, see the module docstring)."""
        now = time.time()
        key = (vs, member.ident)
        with self._lock:
            old = self._failures.get(member.ident, Failures())
            self._failures[member.ident] = Failures(old.count + 1, why, now)
            said = self._said.get(key)
            if said is not None and now - said.when < FAILURE_LOG_INTERVAL:
                said.unsaid += 1
                return
            unsaid = said.unsaid if said is not None else 0
            self._said[key] = _Said(now)
        what = "SSL connection" if tls else "connection"
        more = f"; {unsaid} more failure{'s' if unsaid != 1 else ''} not logged since the last line" if unsaid else ""
        self.logs.event("slb", f"VS {vs} failed to establish {what} with real server {member.real_server} "
                               f"({member.host}:{member.port or 'client port'}: {why}{more})", pri="alert")

    def vs_status(self, vs: str, up: bool, why: str) -> None:
        """A virtual server cannot be served (with why), or is served again: FortiADC's status line."""
        if up:
            self.logs.event("health", f"Virtual server {vs}, status is up", pri="alert")
        else:
            self.logs.event("health", f"Virtual server {vs}, status is down: {why}", pri="alert")

    # ------------------------------------------------------------------ snapshots (console thread)
    def vs_figures(self, name: str) -> Figures:
        """One virtual server's figures; bytes include what its open sessions have moved so far."""
        with self._lock:  # copy under the lock, add up outside it
            f = Figures(**vars(self._vs.get(name, _Figures())))
            live = [s for s in self._live.values() if s.vs == name]
        return replace(f, bytes_in=f.bytes_in + sum(s.bytes_in for s in live),
                       bytes_out=f.bytes_out + sum(s.bytes_out for s in live))

    def vs_names(self) -> list[str]:
        with self._lock:
            return sorted(self._vs)

    def member_figures(self, ident: str) -> Figures:
        """A member's requests and bytes (``current``/``total`` are left to the data plane's counters)."""
        with self._lock:
            f = Figures(**vars(self._members.get(ident, _Figures())))
            live = list(self._live.values())
        # an open session's bytes not yet charged to an exchange: a Layer-4 session's, a tunnel's
        live = [s for s in live if s.member is not None and s.member.ident == ident]
        return Figures(0, 0, f.requests, f.bytes_in + sum(s.bytes_in - s.counted_in for s in live),
                       f.bytes_out + sum(s.bytes_out - s.counted_out for s in live))

    def rule_hits(self, vs: str, rule: str) -> int:
        """Requests (L7) or sessions (L4) a content-routing rule of ``vs`` routed to a member."""
        with self._lock:
            return self._rules.get((vs, rule), 0)

    def health(self, ident: str) -> Health:
        with self._lock:
            return self._health.get(ident, Health())

    def failures(self, ident: str) -> Failures:
        with self._lock:
            return self._failures.get(ident, Failures())

    def sessions(self) -> list[SessionRow]:
        """The live session table, oldest first."""
        now = time.monotonic()
        with self._lock:
            live = list(self._live.values())
        rows = []
        for s in sorted(live, key=lambda x: x.id):
            left = s.idle_timeout - (now - s.last_activity) if s.idle_timeout > 0 else 0.0
            rows.append(SessionRow(s.id, s.vs, s.protocol, s.client, s.local, s.member_local, _member_addr(s),
                                   s.member.real_server if s.member is not None else "",
                                   s.bytes_in, s.bytes_out, max(0, math.ceil(left))))
        return rows


# ---------------------------------------------------------------------- traffic-log records
def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _trans(s: SessionInfo, member: MemberSpec | None = None) -> list[str]:
    """The member side of the record; ``none``/0 where the data plane did not say (FortiADC's blank value)."""
    src = s.member_local or ("none", 0)
    dst = _member_addr(s, member) or ("none", 0)
    return [f"trans_src={kv(src[0])}", f"trans_src_port={src[1]}", f"trans_dst={kv(dst[0])}", f"trans_dst_port={dst[1]}"]


def http_line(s: SessionInfo, r: ExchangeRecord, ibytes: int, obytes: int) -> str:
    """One ``slb_http`` record: FortiADC's field names, in its order (duration in milliseconds);
    ``ibytes``/``obytes`` are the exchange's bytes on the client connection (whole messages)."""
    member = r.member
    fields = [
        "type=traffic", "subtype=slb_http", "pri=information", "vd=root",
        f"duration={_ms(r.duration)}", f"ibytes={ibytes}", f"obytes={obytes}",
        "proto=6", f"service={s.protocol}",
        f"src={kv(r.client[0])}", f"src_port={r.client[1]}", f"dst={kv(s.local[0])}", f"dst_port={s.local[1]}",
        *_trans(s, member),
        f"policy={kv(r.vs)}", "action=none",
        f"http_method={kv(r.method)}", f"http_host={kv(r.host or 'none')}", f"http_url={kv(r.target)}",
        f"http_retcode={r.status}",
        f"real_server={kv(member.real_server if member is not None else 'none')}",
    ]
    if r.rule:
        fields.append(f"content_route={kv(r.rule)}")
    return " ".join(fields)


def tcp_line(s: SessionInfo, now: float) -> str:
    """One ``slb_layer4`` record for a TCP session, written when it closes."""
    fields = [
        "type=traffic", "subtype=slb_layer4", "pri=information", "vd=root",
        f"duration={_ms(now - s.started)}", f"ibytes={s.bytes_in}", f"obytes={s.bytes_out}",
        "proto=6", "service=tcp",
        f"src={kv(s.client[0])}", f"src_port={s.client[1]}", f"dst={kv(s.local[0])}", f"dst_port={s.local[1]}",
        *_trans(s),
        f"policy={kv(s.vs)}", "action=none",
        f"real_server={kv(s.member.real_server if s.member is not None else 'none')}",
    ]
    return " ".join(fields)
