"""Health checks: a sans-IO counting machine, trio probes, and the monitor that ties them to pool members.

Three layers, so each can be tested on its own:

1. **Counting** (``CheckCounter``, ``MemberHealth``): pure objects fed with probe results and clock
   values; no I/O, no clock reads. FortiADC semantics:

   - A member **starts UP** (a freshly configured pool serves at once, as with the checks off; the first
     probe runs immediately, so a dead member is caught after ``retry`` probes, the first at once).
   - One check goes DOWN after ``retry`` consecutive failures and back UP after ``up-retry``
     consecutive successes; a result that agrees with the current state resets the streak.
   - A member's checks combine with ``health-check-relation``: AND = every check up, OR = one is enough.
   - A member that comes back UP waits ``recover`` seconds (the pool member's ``recover``) before it
     takes new traffic again; a failure during that wait cancels it. Going down is never delayed.
   - A member with no checks (``health`` None: ``health-check-ctrl disable``) is always up.

2. **Probes** (``probe``, ``run_check``): one attempt of one check against one address, under the
   check's ``timeout``. See ``probe`` for what each type does and what "matches" means for HTTP.

3. **HealthMonitor**: one prober per distinct (member ident, HealthSpec); one trio task per check,
   probing every ``interval`` seconds (measured start to start); state changes go to
   ``Counters.set_health`` (the pickers skip unhealthy members) and to ``on_change``. A probe that
   could not run because the appliance was out of descriptors or memory (``ProbeResult.local``) is
   not counted either way (logged once a minute): a client flood must not mark members down. The
   data plane keeps descriptors in reserve for the probes (``limits``): ``probe_count``.

Timing (the product issue's bound): probes start every ``interval`` s, so a member that dies is
marked down at most ``interval * retry + timeout`` seconds later (plus scheduling slack), and one that
comes back is up after at most ``interval * up_retry`` (+ probe time) + ``recover`` seconds.
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import secrets
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import h11
import trio

from ..netprobe import echo_request
from .lb import Counters
from .spec import HealthCheckSpec, HealthSpec, MemberSpec

__all__ = [
    "Change",
    "CheckCounter",
    "HealthMonitor",
    "MemberHealth",
    "Probe",
    "ProbeResult",
    "http_matches",
    "probe",
    "run_check",
    "target",
    "verify",
]

log = logging.getLogger("adc.health")

#: Ports used when both the check's ``port`` and the member's port are 0 (member port 0 means "the
#: port the client connected to", which a prober cannot know).
DEFAULT_PORTS = {"http": 80, "https": 443, "tcp-echo": 7, "tcpssl": 443}
#: How much of an HTTP response body is searched for ``receive-string``.
MAX_BODY = 1 << 20
#: Errors that are the appliance's, not the member's: a probe failing with one is not counted.
LOCAL_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: Seconds between two log lines about probes that could not run (per check and member).
LOCAL_FAILURE_LOG_INTERVAL = 60.0
#: Types probed natively; every other type falls back to a TCP connect (docs/fidelity.md).
NATIVE_TYPES = ("tcp", "tcphalf", "http", "https", "tcp-echo", "tcpssl", "icmp")


# =========================================================================================== counting

@dataclass(frozen=True)
class ProbeResult:
    """One probe's verdict and a short reason ("http status 500 != 200", "connect refused").

    ``local``: the appliance itself could not probe (out of descriptors or memory: EMFILE, ENFILE,
    ENOBUFS, ENOMEM); that says nothing about the member, so the monitor does not count it.
    """

    ok: bool
    reason: str
    local: bool = False


@dataclass(frozen=True)
class Change:
    """A change of whether a member takes new traffic, and why."""

    up: bool
    reason: str


@dataclass
class CheckCounter:
    """The up/down state of one check on one member, counted FortiADC's way (``retry``/``up-retry``)."""

    retry: int = 3
    up_retry: int = 1
    up: bool = True
    streak: int = 0  # consecutive results that disagree with ``up``

    def record(self, ok: bool) -> bool:
        """Count one result; True when the state flipped."""
        if ok == self.up:
            self.streak = 0
            return False
        self.streak += 1
        if self.streak >= max(1, self.up_retry if ok else self.retry):
            self.up = ok
            self.streak = 0
            return True
        return False


class MemberHealth:
    """One member's checks combined (AND/OR) plus the ``recover`` wait: whether it takes traffic.

    ``serving`` is what the data plane acts on. ``observe`` and ``tick`` return a ``Change`` only when
    ``serving`` changes; ``recovering_until`` is the clock value at which ``tick`` will bring the
    member back (None when no wait is under way).
    """

    def __init__(self, health: HealthSpec, recover: float = 0.0,
                 seed: Mapping[HealthCheckSpec, CheckCounter] | None = None) -> None:
        self.health = health
        self.recover = recover
        self.checks = [CheckCounter(c.retry, c.up_retry) for c in health.checks]
        if seed:
            for counter, check in zip(self.checks, health.checks):
                old = seed.get(check)
                if old is not None:
                    counter.up, counter.streak = old.up, old.streak
        self.serving = self.combined()
        self.recovering_until: float | None = None
        self._last_up_reason = ""

    def combined(self) -> bool:
        """The checks' verdict without the recover wait."""
        states = [c.up for c in self.checks]
        if not states:
            return True
        return any(states) if self.health.relation.upper() == "OR" else all(states)

    def observe(self, index: int, ok: bool, reason: str, now: float) -> Change | None:
        before = self.combined()
        flipped = self.checks[index].record(ok)
        after = self.combined()
        if not flipped or before == after:
            return None
        if not after:
            self.recovering_until = None
            if self.serving:
                self.serving = False
                return Change(False, reason)
            return None
        if self.recover > 0:
            self.recovering_until = now + self.recover
            self._last_up_reason = reason
            return None
        self.serving = True
        return Change(True, reason)

    def tick(self, now: float) -> Change | None:
        """Finish a ``recover`` wait that is due."""
        if self.recovering_until is None or now < self.recovering_until or not self.combined():
            return None
        self.recovering_until = None
        self.serving = True
        return Change(True, f"{self._last_up_reason}; recovered after {self.recover:g}s")


# =========================================================================================== probes

Probe = Callable[[HealthCheckSpec, str, int], Awaitable[ProbeResult]]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def target(check: HealthCheckSpec, host: str, port: int) -> tuple[str, int]:
    """Where a check probes a member: ``dest-addr`` 0.0.0.0 (or ::) = the member's address, ``port`` 0
    = the member's port (and when that is 0 too, the type's well-known port, else 0 = "no port")."""
    addr = host if check.dest_addr in ("", "0.0.0.0", "::") else check.dest_addr
    return addr, check.port or port or DEFAULT_PORTS.get(check.type, 0)


def _error(err: BaseException) -> str:
    """A short reason; trio's "all attempts to connect failed" is unwrapped to the first real cause."""
    cause = err.__cause__
    if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
        return _error(cause.exceptions[0])
    if isinstance(cause, OSError) and not getattr(err, "strerror", None):
        return _error(cause)
    if isinstance(err, OSError):
        return err.strerror or str(err) or type(err).__name__
    return str(err) or type(err).__name__


def _is_local(err: BaseException) -> bool:
    """Whether ``err`` (or what it wraps: trio's "all attempts to connect failed") is the appliance
    running out of descriptors or memory."""
    for _ in range(8):
        if isinstance(err, OSError) and err.errno in LOCAL_ERRNOS:
            return True
        cause = err.__cause__ or err.__context__
        if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
            cause = cause.exceptions[0]
        if cause is None:
            return False
        err = cause
    return False


async def _connect(host: str, port: int) -> trio.SocketStream:
    if port <= 0:
        raise OSError(0, f"no port to probe on {host}")
    return await trio.open_tcp_stream(host, port)


def _host_header(check: HealthCheckSpec, host: str, port: int, scheme_port: int) -> str:
    if check.hostname:
        return check.hostname
    name = f"[{host}]" if ":" in host else host
    return name if port == scheme_port else f"{name}:{port}"


_TLS: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    """Health checks do not verify the member's certificate (FortiADC does not either)."""
    global _TLS
    if _TLS is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        _TLS = ctx
    return _TLS


async def _tls(stream: trio.SocketStream, check: HealthCheckSpec) -> trio.SSLStream[trio.SocketStream]:
    # SNI: the check's hostname (the Host header) when it is a name; IPs are never sent as SNI.
    sni = check.hostname if check.hostname and not _is_ip(check.hostname) else None
    tls = trio.SSLStream(stream, _tls_context(), server_hostname=sni, https_compatible=True)
    await tls.do_handshake()
    return tls


def http_matches(check: HealthCheckSpec, status: int, text: bytes) -> str:
    """Whether an HTTP answer passes; "" when it does, else the reason.

    - ``match_status``: the status equals ``status-code`` (``receive-string`` is ignored).
    - ``match_string``: ``receive-string`` occurs (case-sensitive, as bytes) in ``text``; with an empty
      ``receive-string`` the status must equal ``status-code`` instead, so the factory LB_HLTHCK_HTTP
      (match_string, no string) "expects 200" as documented.
    - ``match_all``: the status equals ``status-code`` and the string (if any) occurs.

    ``status-code`` 0 accepts any status. ``text`` is the body for GET and the response head (status
    line and headers) for HEAD, which has no body.
    """
    want = check.receive_string.encode()
    status_ok = check.status_code == 0 or status == check.status_code
    status_reason = "" if status_ok else f"http status {status} != {check.status_code}"
    string_reason = "" if not want or want in text else f"receive-string {check.receive_string!r} not found"
    if check.match_type == "match_status":
        return status_reason
    if check.match_type == "match_all":
        return status_reason or string_reason
    return string_reason if want else status_reason


async def _http(check: HealthCheckSpec, host: str, port: int, tls: bool) -> ProbeResult:
    method = "GET" if check.method_type == "http_get" else "HEAD"
    path = check.send_string or "/"
    if not path.startswith("/") and not path.startswith("http"):
        path = "/" + path
    version = "1.0" if check.http_version == "http_1.0" else "1.1"
    host_header = _host_header(check, host, port, 443 if tls else 80)
    request = (f"{method} {path} HTTP/{version}\r\nHost: {host_header}\r\nUser-Agent: FortiADC-health-check\r\n"
               "Accept: */*\r\nConnection: close\r\n\r\n").encode("utf-8", "replace")
    # h11 parses the answer; it is told about an equivalent 1.1 request (it writes only 1.1) so that it
    # knows a HEAD answer has no body. The bytes on the wire are ours.
    parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=64 * 1024)
    try:
        parser.send(h11.Request(method=method, target=path.encode("utf-8", "replace"),
                                headers=[(b"Host", host_header.encode("utf-8", "replace")), (b"Connection", b"close")]))
        parser.send(h11.EndOfMessage())
    except h11.LocalProtocolError as err:
        return ProbeResult(False, f"bad request settings: {err}")
    raw = await _connect(host, port)
    stream: trio.abc.Stream = raw
    try:
        if tls:
            stream = await _tls(raw, check)
        await stream.send_all(request)
        status, head, body = 0, b"", bytearray()
        want = check.receive_string.encode()
        while True:
            event = parser.next_event()
            if event is h11.NEED_DATA:
                parser.receive_data(bytes(await stream.receive_some(65536)))
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                head = b"HTTP/%s %d %s\r\n" % (event.http_version, status, event.reason) + b"".join(
                    b"%s: %s\r\n" % (k, v) for k, v in event.headers)
                if method == "HEAD" or not want or check.match_type == "match_status":
                    break  # the body cannot change the verdict
                continue
            if isinstance(event, h11.Data):
                body += event.data
                if want in body or len(body) >= MAX_BODY:
                    break
                continue
            break  # EndOfMessage, ConnectionClosed, PAUSED
    except h11.RemoteProtocolError as err:
        return ProbeResult(False, f"bad http response: {err}")
    finally:
        await trio.aclose_forcefully(stream)
    if not status:
        return ProbeResult(False, "no http response")
    why = http_matches(check, status, head if method == "HEAD" else bytes(body))
    return ProbeResult(not why, why or f"http status {status}")


async def _tcp_echo(check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
    token = secrets.token_hex(12).encode() + b"\r\n"
    stream = await _connect(host, port)
    try:
        await stream.send_all(token)
        got = b""
        while len(got) < len(token):
            chunk = await stream.receive_some(len(token) - len(got))
            if not chunk:
                return ProbeResult(False, "echo: connection closed")
            got += chunk
    finally:
        await trio.aclose_forcefully(stream)
    return ProbeResult(got == token, "echo ok" if got == token else "echo mismatch")


_icmp_fallback_logged = False


def _icmp_socket(family: int) -> tuple[trio.socket.SocketType, bool] | None:
    """An unprivileged ping socket (``net.ipv4.ping_group_range``), else a raw one (root), else None."""
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            return trio.socket.socket(family, kind, proto), kind == socket.SOCK_RAW
        except OSError:
            continue
    return None


async def _icmp(check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
    global _icmp_fallback_logged
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    opened = _icmp_socket(family)
    if opened is None:
        if not _icmp_fallback_logged:
            _icmp_fallback_logged = True
            log.warning("cannot open an ICMP socket (not root, ping_group_range closed): "
                        "icmp health checks fall back to a TCP connect to the member's port")
        if port <= 0:
            return ProbeResult(True, "icmp unavailable, member has no port: not checked")
        return await _tcp(check, host, port)
    sock, raw = opened
    v6 = family == socket.AF_INET6
    reply_type = 129 if v6 else 0
    ident, seq = secrets.randbits(16), secrets.randbits(16)
    payload = b"adc-hc" + secrets.token_bytes(10)
    packet = echo_request(6 if v6 else 4, ident, seq, payload)
    with sock:
        await sock.sendto(packet, (host, 0))
        while True:
            data, _ = await sock.recvfrom(65536)
            if raw and not v6 and data:
                data = data[(data[0] & 0x0F) * 4:]  # raw IPv4 sockets hand over the IP header
            if len(data) < 8:
                continue
            kind, _code, _sum, rid, rseq = struct.unpack("!BBHHH", data[:8])
            # ping sockets rewrite the identifier: the sequence and the random payload identify ours
            if kind == reply_type and rseq == seq and data[8:] == payload and (rid == ident or not raw):
                return ProbeResult(True, "icmp echo reply")


async def _tcp(check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
    stream = await _connect(host, port)
    await trio.aclose_forcefully(stream)
    return ProbeResult(True, f"tcp connect to {host}:{port}")


async def _tcpssl(check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
    raw = await _connect(host, port)
    stream: trio.abc.Stream = raw
    try:
        stream = await _tls(raw, check)
    finally:
        await trio.aclose_forcefully(stream)
    return ProbeResult(True, "tls handshake ok")


_fallback_logged: set[str] = set()


async def probe(check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
    """One attempt of ``check`` against ``host:port`` (already resolved by ``target``), no timeout.

    - ``tcp``/``tcphalf``: a TCP connect (then close).
    - ``http``/``https``: ``method-type`` (HEAD default, GET) of ``send-string`` with ``Host`` =
      ``hostname`` (else the address, with the port when not the scheme's), HTTP/1.0 or 1.1 as
      ``http-version``, ``Connection: close``; judged by ``http_matches``. HTTPS does not verify the
      certificate and sends ``hostname`` as SNI when it is a name.
    - ``tcp-echo``: sends a random token and expects it back byte for byte.
    - ``tcpssl``: a TLS handshake.
    - ``icmp``: a real echo request/reply (ping socket, else raw socket); without either, a TCP connect
      to the port (logged once).
    - any other type (dns, mysql, radius, ...): a TCP connect to the port (logged once per type).
    Failures come back as a result (never raised) with a short reason; ``local`` when the appliance
    was out of descriptors or memory (not the member's fault).
    """
    kind = check.type
    try:
        if kind in ("http", "https"):
            return await _http(check, host, port, kind == "https")
        if kind == "tcp-echo":
            return await _tcp_echo(check, host, port)
        if kind == "tcpssl":
            return await _tcpssl(check, host, port)
        if kind == "icmp":
            return await _icmp(check, host, port)
        if kind not in NATIVE_TYPES and kind not in _fallback_logged:
            _fallback_logged.add(kind)
            log.info("%s health checks are probed with a TCP connect", kind)
        return await _tcp(check, host, port)
    except (OSError, trio.BrokenResourceError, trio.ClosedResourceError, ssl.SSLError) as err:
        what = "tls" if isinstance(err, ssl.SSLError) else f"{kind} {host}:{port}"
        return ProbeResult(False, f"{what}: {_error(err)}", local=_is_local(err))


async def run_check(check: HealthCheckSpec, host: str, port: int, probe_fn: Probe = probe) -> ProbeResult:
    """One probe under the check's ``timeout``; never raises for the member's faults."""
    timeout = max(float(check.timeout), 0.001)
    try:
        with trio.move_on_after(timeout):
            return await probe_fn(check, host, port)
    except Exception as err:  # a bug in a probe must not stop the monitor
        log.exception("health check %s on %s:%s failed", check.name, host, port)
        return ProbeResult(False, f"probe error: {_error(err)}")
    return ProbeResult(False, f"timeout after {check.timeout}s")


async def verify_probes(check: HealthCheckSpec, host: str, port: int = 0, timeout: int | None = None,
                        count: int = 1, interval: int | None = None) -> list[bool]:
    """Run ``check`` ``count`` times against ``host`` (exactly that address: the operator typed it, so
    the check's ``dest-addr`` does not apply), ``interval`` seconds apart from start to start (None =
    the check's own), for ``execute health-check-verify``.

    ``port`` 0 = the check's port, else the type's default; ``timeout`` None = the check's own.
    """
    if timeout is not None:
        check = replace(check, timeout=max(1, int(timeout)))
    addr, resolved = host, port or check.port or DEFAULT_PORTS.get(check.type, 0)
    every = check.interval if interval is None else interval
    results: list[bool] = []
    for i in range(count):
        started = trio.current_time()
        results.append((await run_check(check, addr, resolved)).ok)
        if i + 1 < count:
            await trio.sleep_until(started + every)
    return results


# =========================================================================================== monitor

Key = tuple[str, HealthSpec]


@dataclass(eq=False)
class _Prober:
    key: Key
    member: MemberSpec  # the latest spec seen for this pair (address, recover)
    state: MemberHealth
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    nursery: trio.Nursery | None = None
    recover_at: float | None = None  # the recover wait a task is already sleeping for


class HealthMonitor:
    """Probes every member in service and keeps ``Counters`` health in step.

    ``update`` (synchronous, in the data plane's trio thread) starts a prober per new (ident, health)
    pair and stops those whose pair is gone; a pair that stays keeps its counters, so a commit that does
    not touch a member's checks does not reset it. When a member's checks change, counters of checks
    that stay identical carry over. Probers live in ``run``'s nursery; work queued by ``update`` before
    ``run`` starts is picked up when it does.

    One ident may be probed by several pairs (the same real server and port in two pools with
    different checks); ``Counters`` has one health per ident, so it is down while any pair says down.
    """

    def __init__(self, counters: Counters, on_change: Callable[[MemberSpec, bool, str], None],
                 probe: Probe = probe) -> None:
        self.counters = counters
        self.on_change = on_change
        self.probe = probe
        self._probers: dict[Key, _Prober] = {}
        self._pending: list[_Prober] = []
        self._nursery: trio.Nursery | None = None
        self._down: dict[str, set[Key]] = {}  # ident -> the pairs that hold it down

    # ----------------------------------------------------------------- public
    def update(self, members: Iterable[MemberSpec]) -> None:
        """Called in the data plane's thread after every reconcile with every member in service."""
        wanted: dict[Key, MemberSpec] = {}
        in_service: dict[str, MemberSpec] = {}
        for m in members:
            in_service.setdefault(m.ident, m)
            if m.health is not None:
                wanted.setdefault((m.ident, m.health), m)
        gone = [p for key, p in self._probers.items() if key not in wanted]
        for key, m in wanted.items():
            p = self._probers.get(key)
            if p is not None:
                p.member = m
                p.state.recover = float(m.recover)
                continue
            seed = {c: counter for old in gone if old.key[0] == m.ident
                    for c, counter in zip(old.key[1].checks, old.state.checks)}
            p = _Prober(key, m, MemberHealth(m.health or HealthSpec(()), float(m.recover), seed))
            self._probers[key] = p
            if not p.state.serving:
                self._hold(p, False, "")
            self._spawn(p)
        for p in gone:
            del self._probers[p.key]
            p.scope.cancel()
            self._hold(p, True, "health check removed", in_service.get(p.key[0]))

    def state(self, ident: str) -> bool:
        """Whether the member takes traffic as far as health is concerned."""
        return not self._down.get(ident)

    def probe_count(self) -> int:
        """How many probes may run at once (one per check per prober): the descriptors they may hold."""
        return sum(len(p.key[1].checks) for p in self._probers.values())

    async def run(self) -> None:
        """Runs for the data plane's lifetime in its nursery."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                pending, self._pending = self._pending, []
                for p in pending:
                    nursery.start_soon(self._run_prober, p)
                await trio.sleep_forever()
        finally:
            self._nursery = None

    # ----------------------------------------------------------------- probers
    def _spawn(self, p: _Prober) -> None:
        if self._nursery is None:
            self._pending.append(p)
        else:
            self._nursery.start_soon(self._run_prober, p)

    async def _run_prober(self, p: _Prober) -> None:
        with p.scope:
            async with trio.open_nursery() as nursery:
                p.nursery = nursery
                for i, check in enumerate(p.key[1].checks):
                    nursery.start_soon(self._check_loop, p, i, check)

    async def _check_loop(self, p: _Prober, index: int, check: HealthCheckSpec) -> None:
        interval = max(float(check.interval), 0.1)
        logged = -float("inf")
        while True:
            start = trio.current_time()
            host, port = target(check, p.member.host, p.member.port)
            result = await run_check(check, host, port, self.probe)
            if result.local:  # the appliance could not probe: not the member's fault, not counted
                if start - logged >= LOCAL_FAILURE_LOG_INTERVAL:
                    logged = start
                    log.warning("health check %s on %s:%s could not run: %s (not counted)",
                                check.name, host, port, result.reason)
            else:
                change = p.state.observe(index, result.ok, f"{check.name}: {result.reason}", trio.current_time())
                self._settle(p, change)
            await trio.sleep_until(start + interval)

    async def _recover_after(self, p: _Prober, deadline: float) -> None:
        await trio.sleep_until(deadline)
        if p.recover_at == deadline:
            p.recover_at = None
        self._settle(p, p.state.tick(trio.current_time()))

    def _settle(self, p: _Prober, change: Change | None) -> None:
        if change is not None:
            self._hold(p, change.up, change.reason, p.member)
        due = p.state.recovering_until
        if due is not None and due != p.recover_at and p.nursery is not None:
            p.recover_at = due
            p.nursery.start_soon(self._recover_after, p, due)

    def _hold(self, p: _Prober, up: bool, reason: str, notify: MemberSpec | None = None) -> None:
        """Record one pair's verdict; tell ``Counters`` and ``on_change`` when the ident's health flips."""
        ident = p.key[0]
        holders = self._down.setdefault(ident, set())
        before = not holders
        if up:
            holders.discard(p.key)
        else:
            holders.add(p.key)
        after = not holders
        if not holders:
            del self._down[ident]
        if before == after:
            return
        self.counters.set_health(ident, after)
        log.info("member %s is %s: %s", ident, "up" if after else "down", reason)
        if notify is not None:
            try:
                self.on_change(notify, after, reason)
            except Exception:
                log.exception("health change callback failed")
