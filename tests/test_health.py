"""Health checks: the counting machine (no I/O), the probes against real loopback servers, the monitor's
timers under trio's MockClock, and the whole thing end to end through the appliance (issue: health
checks — a dead member gets no new traffic within interval × retry + timeout, and comes back after
up-retry good checks plus recover)."""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trio
import trio.testing

from adc.appliance import Appliance
from adc.certs import generate_self_signed
from adc.dataplane import health
from adc.dataplane.health import (
    Change,
    CheckCounter,
    HealthMonitor,
    MemberHealth,
    ProbeResult,
    http_matches,
    run_check,
    target,
)
from adc.dataplane.lb import Counters
from adc.dataplane.spec import HealthCheckSpec, HealthSpec, MemberSpec

from .dataplane_helpers import (
    appliance,
    backends,
    echo,
    free_port,
    pool_script,
    run,
    vs_ip,
    vs_script,
)


def hc(type: str = "tcp", **kw: object) -> HealthCheckSpec:
    return HealthCheckSpec(name=kw.pop("name", f"hc-{type}"), type=type, **kw)  # type: ignore[arg-type]


def member(port: int = 80, health_spec: HealthSpec | None = None, recover: int = 0, host: str = "10.0.0.1") -> MemberSpec:
    return MemberSpec(key="1", real_server="rs", host=host, port=port, health=health_spec, recover=recover)


# ============================================================================== counting (sans-IO)

def test_check_goes_down_after_retry_failures_and_up_after_up_retry_successes() -> None:
    c = CheckCounter(retry=3, up_retry=2)
    assert c.up
    assert [c.record(False), c.record(False)] == [False, False] and c.up
    assert c.record(True) is False and c.up  # a good result resets the failure streak
    assert [c.record(False), c.record(False), c.record(False)] == [False, False, True] and not c.up
    assert c.record(True) is False and not c.up
    assert c.record(False) is False and not c.up  # a failure resets the success streak
    assert [c.record(True), c.record(True)] == [False, True] and c.up


def test_retry_one_flips_at_once() -> None:
    c = CheckCounter(retry=1, up_retry=1)
    assert c.record(False) and not c.up
    assert c.record(True) and c.up


def _two(relation: str, recover: float = 0) -> MemberHealth:
    spec = HealthSpec((hc("tcp", name="a", retry=1, up_retry=1), hc("http", name="b", retry=1, up_retry=1)), relation)
    return MemberHealth(spec, recover)


def test_and_relation_needs_every_check() -> None:
    m = _two("AND")
    assert m.serving
    assert m.observe(1, False, "b: http status 500 != 200", 0) == Change(False, "b: http status 500 != 200")
    assert m.observe(0, False, "a: refused", 1) is None  # already down
    assert m.observe(0, True, "a: ok", 2) is None  # b still down
    assert m.observe(1, True, "b: ok", 3) == Change(True, "b: ok")


def test_or_relation_needs_one_check() -> None:
    m = _two("OR")
    assert m.observe(0, False, "a: refused", 0) is None  # b still up
    assert m.serving
    assert m.observe(1, False, "b: timeout", 1) == Change(False, "b: timeout")
    assert m.observe(0, True, "a: ok", 2) == Change(True, "a: ok")


def test_recover_delays_the_return_and_a_failure_cancels_it() -> None:
    m = MemberHealth(HealthSpec((hc(retry=1, up_retry=1),)), recover=10)
    assert m.observe(0, False, "x", 0) == Change(False, "x")
    assert m.observe(0, True, "ok", 5) is None  # checks are up, the member waits
    assert not m.serving and m.recovering_until == 15
    assert m.tick(14.9) is None
    change = m.tick(15)
    assert change is not None and change.up and "recovered after 10s" in change.reason and m.serving
    # a failure during the wait cancels it; going down is never delayed
    assert m.observe(0, False, "x", 20) == Change(False, "x")
    assert m.observe(0, True, "ok", 21) is None
    assert m.observe(0, False, "x", 22) is None and m.recovering_until is None
    assert m.tick(40) is None and not m.serving


def test_seeded_counters_carry_over() -> None:
    check = hc(retry=1)
    old = MemberHealth(HealthSpec((check,)))
    old.observe(0, False, "x", 0)
    new = MemberHealth(HealthSpec((check, hc("http"))), seed={check: old.checks[0]})
    assert not new.serving and new.checks[1].up


def test_target_resolution() -> None:
    assert target(hc(), "10.0.0.1", 8080) == ("10.0.0.1", 8080)  # port 0, dest-addr 0.0.0.0: the member
    assert target(hc(port=81, dest_addr="10.9.9.9"), "10.0.0.1", 8080) == ("10.9.9.9", 81)
    assert target(hc("https"), "10.0.0.1", 0) == ("10.0.0.1", 443)  # member port 0: the type's port
    assert target(hc("tcp"), "10.0.0.1", 0) == ("10.0.0.1", 0)  # nothing to probe: the probe fails


@pytest.mark.parametrize("match_type, receive, status, text, ok", [
    ("match_status", "", 200, b"", True),
    ("match_status", "alive", 200, b"dead", True),  # the string is ignored
    ("match_status", "", 500, b"", False),
    ("match_string", "alive", 500, b"I am alive", True),  # the status is ignored
    ("match_string", "alive", 200, b"dead", False),
    ("match_string", "", 200, b"", True),  # no string: the status decides (LB_HLTHCK_HTTP expects 200)
    ("match_string", "", 503, b"", False),
    ("match_all", "alive", 200, b"alive", True),
    ("match_all", "alive", 500, b"alive", False),
    ("match_all", "alive", 200, b"dead", False),
    ("match_all", "", 200, b"", True),
])
def test_http_match_types(match_type: str, receive: str, status: int, text: bytes, ok: bool) -> None:
    check = hc("http", match_type=match_type, receive_string=receive, status_code=200)
    assert (http_matches(check, status, text) == "") is ok


def test_status_code_zero_accepts_any_status() -> None:
    assert http_matches(hc("http", match_type="match_status", status_code=0), 503, b"") == ""


# ============================================================================== probes on loopback

class Web:
    """A threaded HTTP server on loopback: answers every request with ``status`` and ``body`` (then
    closes), and records (method, path, version, Host) of each request."""

    def __init__(self, status: int = 200, body: bytes = b"", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.status, self.body = status, body
        self.status_for: dict[str, int] = {}  # per-path status overrides
        self.requests: list[tuple[str, str, str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                outer.requests.append((self.command, self.path, self.request_version, self.headers.get("Host")))
                self.send_response(outer.status_for.get(self.path, outer.status))
                self.send_header("Content-Length", str(len(outer.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(outer.body)
                self.close_connection = True

            do_GET = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web() -> Iterator[Callable[..., Web]]:
    started: list[Web] = []

    def make(*args: object, **kw: object) -> Web:
        w = Web(*args, **kw)  # type: ignore[arg-type]
        started.append(w)
        return w

    yield make
    for w in started:
        w.close()


async def check(spec: HealthCheckSpec, port: int, host: str = "127.0.0.1") -> ProbeResult:
    h, p = target(spec, host, port)
    return await run_check(spec, h, p)


async def test_tcp_probe_up_and_down(web: Callable[..., Web]) -> None:
    w = web()
    assert (await check(hc("tcp", timeout=2), w.port)).ok
    down = await check(hc("tcp", timeout=2), free_port())
    assert not down.ok and "refused" in down.reason.lower()


async def test_unknown_types_fall_back_to_tcp_connect(web: Callable[..., Web]) -> None:
    w = web()
    assert (await check(hc("mysql", timeout=2), w.port)).ok
    assert not (await check(hc("dns", timeout=2), free_port())).ok


async def test_http_status_code_head_by_default(web: Callable[..., Web]) -> None:
    good, bad = web(200), web(500)
    spec = hc("http", timeout=2, send_string="/healthz", hostname="app.example")
    assert (await check(spec, good.port)).ok
    result = await check(spec, bad.port)
    assert not result.ok and result.reason == "http status 500 != 200"
    assert good.requests == [("HEAD", "/healthz", "HTTP/1.1", "app.example")]


async def test_http_get_receive_string_and_version(web: Callable[..., Web]) -> None:
    w = web(200, b"<html>status: alive</html>")
    base = hc("http", timeout=2, method_type="http_get", http_version="http_1.0")
    assert (await check(replace(base, receive_string="alive"), w.port)).ok
    missing = await check(replace(base, receive_string="ready"), w.port)
    assert not missing.ok and "'ready' not found" in missing.reason
    assert w.requests[0] == ("GET", "/", "HTTP/1.0", f"127.0.0.1:{w.port}")
    w.status = 503  # match_all needs both; match_string ignores the status
    assert (await check(replace(base, receive_string="alive"), w.port)).ok
    assert not (await check(replace(base, receive_string="alive", match_type="match_all"), w.port)).ok


async def test_http_timeout_on_a_silent_server() -> None:
    with socket.socket() as silent:  # accepts (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = trio.current_time()
        result = await check(hc("http", timeout=1), silent.getsockname()[1])
        assert not result.ok and result.reason == "timeout after 1s"
        assert trio.current_time() - started < 3


async def test_https_with_self_signed_certificate(web: Callable[..., Web], tmp_path: Path) -> None:
    cert, key = generate_self_signed("hc", "RSA", 2048, "backend.test")
    (tmp_path / "b.crt").write_bytes(cert)
    (tmp_path / "b.key").write_bytes(key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "b.crt", tmp_path / "b.key")
    w = web(200, b"secure ok", tls=ctx)
    assert (await check(hc("https", timeout=3, method_type="http_get", receive_string="secure"), w.port)).ok
    assert (await check(hc("tcpssl", timeout=3), w.port)).ok
    plain = web(200)  # an HTTPS check against plain HTTP fails in the handshake
    assert not (await check(hc("https", timeout=3), plain.port)).ok


async def test_tcp_echo() -> None:
    def not_echo(conn: socket.socket) -> None:
        conn.recv(100)
        conn.sendall(b"something else entirely!!!")

    with backends(echo(), not_echo) as (good, bad):
        assert (await check(hc("tcp-echo", timeout=2), good.port)).ok
        result = await check(hc("tcp-echo", timeout=2), bad.port)
        assert not result.ok and result.reason == "echo mismatch"
    assert not (await check(hc("tcp-echo", timeout=2), free_port())).ok


def _can_ping() -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP).close()
            return True
        except OSError:
            pass
    return False


@pytest.mark.skipif(not _can_ping(), reason="no ICMP socket for this user")
async def test_icmp_echo_for_real() -> None:
    result = await check(hc("icmp", timeout=2), 0)
    assert result == ProbeResult(True, "icmp echo reply")


async def test_icmp_falls_back_to_tcp_connect(web: Callable[..., Web], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "_icmp_socket", lambda family: None)
    w = web()
    up = await check(hc("icmp", timeout=2), w.port)
    assert up.ok and up.reason.startswith("tcp connect")
    assert not (await check(hc("icmp", timeout=2), free_port())).ok


# ============================================================================== monitor timers (MockClock)

class World:
    """A fake network for the monitor: which (host, port) answer, and how a dead one fails."""

    def __init__(self) -> None:
        self.dead: set[tuple[str, int]] = set()
        self.calls = 0
        self.hang = True  # dead members hang until the check's timeout (the worst case)

    async def probe(self, check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
        self.calls += 1
        await trio.sleep(0.01)
        if (host, port) not in self.dead:
            return ProbeResult(True, "ok")
        if self.hang:
            await trio.sleep_forever()
        return ProbeResult(False, "refused")


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[float, str, bool, str]] = []

    def __call__(self, m: MemberSpec, up: bool, reason: str) -> None:
        self.events.append((trio.current_time(), m.ident, up, reason))


async def until(cond: Callable[[], bool], limit: float = 1000) -> float:
    """Virtual time at which ``cond`` became true (polled every 10 ms of MockClock time)."""
    deadline = trio.current_time() + limit
    while not cond():
        assert trio.current_time() < deadline, "condition never became true"
        await trio.sleep(0.01)
    return trio.current_time()


INTERVAL, TIMEOUT, RETRY, UP_RETRY = 5, 3, 3, 2


def _monitor(world: World) -> tuple[HealthMonitor, Counters, Recorder]:
    counters, rec = Counters(), Recorder()
    return HealthMonitor(counters, rec, probe=world.probe), counters, rec


async def test_down_within_interval_times_retry_plus_timeout(autojump_clock: trio.testing.MockClock) -> None:
    world = World()
    mon, counters, rec = _monitor(world)
    spec = HealthSpec((hc(interval=INTERVAL, timeout=TIMEOUT, retry=RETRY, up_retry=UP_RETRY),))
    m = member(80, spec)
    mon.update([m])  # before run(): queued
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mon.run)
        await trio.sleep(10.02)  # probes start at 0, 5, 10: die just after one started (worst case)
        assert counters.healthy(m.ident) and rec.events == []
        died = trio.current_time()
        world.dead.add(("10.0.0.1", 80))
        down_at = await until(lambda: not counters.healthy(m.ident))
        assert down_at - died <= INTERVAL * RETRY + TIMEOUT + 0.1
        assert down_at - died >= INTERVAL * (RETRY - 1) + TIMEOUT - 0.1  # not a probe too early
        assert rec.events[-1][1:] == (m.ident, False, "hc-tcp: timeout after 3s")

        revived = trio.current_time()
        world.dead.clear()
        up_at = await until(lambda: counters.healthy(m.ident))
        assert up_at - revived <= INTERVAL * UP_RETRY + 0.1
        assert up_at - revived >= INTERVAL * (UP_RETRY - 1)
        assert rec.events[-1][1:3] == (m.ident, True)
        nursery.cancel_scope.cancel()


async def test_recover_seconds_before_traffic_returns(autojump_clock: trio.testing.MockClock) -> None:
    world = World()
    world.hang = False
    mon, counters, rec = _monitor(world)
    m = member(80, HealthSpec((hc(interval=INTERVAL, timeout=TIMEOUT, retry=1, up_retry=UP_RETRY),)), recover=30)
    world.dead.add(("10.0.0.1", 80))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mon.run)
        mon.update([m])
        await until(lambda: not counters.healthy(m.ident))
        revived = trio.current_time()
        world.dead.clear()
        checks_up = revived + INTERVAL * UP_RETRY  # the latest the checks can pass
        await trio.sleep(INTERVAL * (UP_RETRY - 1) + 30 - 0.5)
        assert not counters.healthy(m.ident)  # checks up, still recovering
        up_at = await until(lambda: counters.healthy(m.ident))
        assert up_at <= checks_up + 30 + 0.1
        assert up_at >= revived + INTERVAL * (UP_RETRY - 1) + 30
        assert rec.events[-1][2] is True and "recovered after 30s" in rec.events[-1][3]
        nursery.cancel_scope.cancel()


async def test_update_keeps_state_and_stops_gone_pairs(autojump_clock: trio.testing.MockClock) -> None:
    world = World()
    world.hang = False
    mon, counters, rec = _monitor(world)
    check_spec = hc(interval=INTERVAL, timeout=TIMEOUT, retry=1)
    m = member(80, HealthSpec((check_spec,)))
    world.dead.add(("10.0.0.1", 80))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mon.run)
        mon.update([m])
        await until(lambda: not counters.healthy(m.ident))
        # an equal spec from a later commit: same prober, state kept, no extra probes
        calls = world.calls
        mon.update([replace(m, health=HealthSpec((replace(check_spec),)))])
        await trio.sleep(INTERVAL * 2)  # probes at 5 and 10
        assert world.calls - calls == 2 and not counters.healthy(m.ident)
        # another check added (AND): a new prober; the unchanged check's counter carries over, so the
        # member stays down instead of starting UP again
        n_events = len(rec.events)
        changed = replace(m, health=HealthSpec((check_spec, hc("http", interval=INTERVAL, timeout=TIMEOUT)), "AND"))
        mon.update([changed])
        await trio.sleep(0.5)
        assert not counters.healthy(m.ident) and len(rec.events) == n_events
        # health-check-ctrl disable: always up, and the observer hears why
        mon.update([replace(m, health=None)])
        assert counters.healthy(m.ident)
        assert rec.events[n_events:] == [(trio.current_time(), m.ident, True, "health check removed")]
        calls = world.calls
        await trio.sleep(INTERVAL * 3)
        assert world.calls == calls  # probers stopped
        nursery.cancel_scope.cancel()


async def test_removed_member_forgets_its_state(autojump_clock: trio.testing.MockClock) -> None:
    world = World()
    world.hang = False
    mon, counters, rec = _monitor(world)
    m = member(80, HealthSpec((hc(interval=INTERVAL, timeout=TIMEOUT, retry=1),)))
    world.dead.add(("10.0.0.1", 80))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mon.run)
        mon.update([m])
        await until(lambda: not counters.healthy(m.ident))
        events = len(rec.events)
        mon.update([])
        assert counters.healthy(m.ident) and len(rec.events) == events  # gone: no "up" event
        nursery.cancel_scope.cancel()


async def test_same_member_in_two_pools_is_down_while_any_check_says_so(autojump_clock: trio.testing.MockClock) -> None:
    world = World()
    world.hang = False

    async def probe(check: HealthCheckSpec, host: str, port: int) -> ProbeResult:
        return ProbeResult(check.type != "http", check.type)

    counters, rec = Counters(), Recorder()
    mon = HealthMonitor(counters, rec, probe=probe)
    a = member(80, HealthSpec((hc("tcp", retry=1),)))
    b = member(80, HealthSpec((hc("http", retry=1),)))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mon.run)
        mon.update([a, b])
        await until(lambda: not counters.healthy(a.ident))
        mon.update([a])
        assert counters.healthy(a.ident)
        nursery.cancel_scope.cancel()


# ============================================================================== end to end

def _get(ip: str, port: int) -> str | None:
    """The backend that answered, or None when the request failed."""
    try:
        conn = http.client.HTTPConnection(ip, port, timeout=3)
        conn.request("GET", "/")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None
    return json.loads(body)["server"] if resp.status == 200 else None


def _all_from(ip: str, port: int, name: str, n: int = 6) -> bool:
    return all(_get(ip, port) == name for _ in range(n))


E2E_INTERVAL, E2E_TIMEOUT, E2E_RETRY, E2E_UP_RETRY = 2, 1, 1, 1
SLACK = 2.0


def _within(bound: float, cond: Callable[[], bool], what: str) -> float:
    """Poll ``cond`` (short sleeps) until it holds; fail after ``bound`` seconds. Returns the time taken."""
    started = time.monotonic()
    while not cond():
        assert time.monotonic() - started < bound, what
        time.sleep(0.1)
    return time.monotonic() - started


def test_dead_member_gets_no_traffic_and_returns() -> None:
    a = Web(200, json.dumps({"server": "A"}).encode())
    b = Web(200, json.dumps({"server": "B"}).encode())
    b_port = b.port
    down_bound = E2E_INTERVAL * E2E_RETRY + E2E_TIMEOUT + SLACK
    up_bound = E2E_INTERVAL * E2E_UP_RETRY + E2E_TIMEOUT + SLACK
    try:
        with appliance() as app:
            s = app.session()
            run(s, f"""
config system health-check
edit hc-web
set type http
set interval {E2E_INTERVAL}
set timeout {E2E_TIMEOUT}
set retry {E2E_RETRY}
set up-retry {E2E_UP_RETRY}
set send-string /health
set match-type match_status
next
end""")
            run(s, pool_script("web", [a.port, b.port], extra="set health-check-ctrl enable\nset health-check-list hc-web"))
            ip, port = vs_ip(), free_port()
            run(s, vs_script("web", ip, port, "web", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
            assert dataplane_counters(app).healthy(f"rs-127.0.0.1@127.0.0.1:{b_port}")
            assert {_get(ip, port) for _ in range(4)} == {"A", "B"}
            assert ("HEAD", "/health", "HTTP/1.1", f"127.0.0.1:{b_port}") in b.requests

            # B fails its health check but still answers traffic: only the check keeps it out
            b.status_for["/health"] = 500
            _within(down_bound, lambda: _all_from(ip, port, "A"), "member B still picked after the bound")
            assert _all_from(ip, port, "A", 10)
            b.status_for.clear()
            _within(up_bound, lambda: "B" in {_get(ip, port) for _ in range(2)}, "member B did not come back")

            # B stops (its listening socket closes), then starts again on the same port
            b.close()
            ident = f"rs-127.0.0.1@127.0.0.1:{b_port}"
            _within(down_bound, lambda: not dataplane_counters(app).healthy(ident), "member B not marked down")
            assert _all_from(ip, port, "A", 10)
            b = Web(200, json.dumps({"server": "B"}).encode(), port=b_port)
            _within(up_bound, lambda: "B" in {_get(ip, port) for _ in range(2)}, "member B did not come back")
            assert dataplane_counters(app).healthy(ident)
    finally:
        a.close()
        b.close()


def dataplane_counters(app: Appliance) -> Counters:
    plane = app.dataplane
    assert plane is not None
    return plane.counters


def test_health_check_verify_through_a_session() -> None:
    live = Web(200)
    dead = free_port()
    try:
        with appliance() as app:
            s = app.session()
            run(s, "config system health-check\nedit hc-tcp\nset type tcp\nset timeout 1\nset interval 2\nnext\nend")

            def verify(line: str) -> str:
                r = s.execute(line)
                assert not r.failed, r.error
                return r.output

            assert verify(f"execute health-check-verify hc-tcp 127.0.0.1 {live.port}") == "recv hc state is UP\n"
            assert verify(f"execute health-check-verify hc-tcp 127.0.0.1 {dead}") == "recv hc state is DOWN\n"
            assert verify(f"execute health-check-verify LB_HLTHCK_HTTP 127.0.0.1 {live.port}") == "recv hc state is UP\n"
            assert verify(f"execute health-check-verify health-check hc-tcp dest-address 127.0.0.1 port {live.port}"
                          ) == "recv hc state is UP\n"
            assert verify(f"exec health-check-verify health hc-tcp dest 127.0.0.1 port {dead} count 2 interval 1 timeout 1"
                          ) == "recv hc state is DOWN\n" * 2

            r = s.execute("execute health-check-verify no-such-check 127.0.0.1 80")
            assert r.failed and r.error.endswith("Command fail. Return code is -13\n")
            for bad in ("execute health-check-verify hc-tcp", "execute health-check-verify hc-tcp not-an-ip",
                        "execute health-check-verify hc-tcp 127.0.0.1 70000",
                        "execute health-check-verify health-check hc-tcp count 2 port 80",
                        "execute health-check-verify health-check hc-tcp dest-address 127.0.0.1 count 0"):
                r = s.execute(bad)
                assert r.failed and "Return code is -61" in r.error, bad
    finally:
        live.close()
