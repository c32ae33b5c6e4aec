"""Connection limits (issue 15, point 3): a global limit and a descriptor reserve derived from the
descriptor limit, and a fair share per virtual server, so one flooded virtual server waits in its
listen backlog while the others, the health checks and the console keep working.

The rules are checked on ``budget`` and ``Admission`` directly; then a data plane with a small
injected limit is flooded in this process; then the real ``adc`` command runs in a child process
whose RLIMIT_NOFILE is lowered to 256 (this process's own limit is never lowered) and is flooded
with more connections than it has descriptors."""
from __future__ import annotations

import queue
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import h11
import psutil
import pytest
import trio
import trio.testing

from adc.dataplane.http_pool import IdlePool, UpstreamConnection
from adc.dataplane.limits import FD_HARD_LIMIT, RESERVE_BASE, Admission, budget
from adc.dataplane.observe import NullObserver
from adc.dataplane.runtime import Dataplane
from adc.dataplane.spec import DataplaneSpec, HealthCheckSpec, HealthSpec, MemberSpec, VirtualServerSpec

from .dataplane_helpers import Backend, connect, free_port, recv_until, vs_ip
from .http_servers import make_member, make_vs, running_dataplane

# ---- the rules ------------------------------------------------------------------------------------


def test_budget_is_derived_from_the_descriptor_limit_as_haproxy_derives_maxconn() -> None:
    b = budget(20000, listeners=2, checks=3)
    available = 20000 - RESERVE_BASE - 2 * 2 - 3
    assert b.idle == available // 10
    assert b.max_connections == (available - b.idle) // 2
    assert b.reserve == 20000 - 2 * b.max_connections
    small = budget(256, listeners=2, checks=1)
    assert (small.max_connections, small.idle) == (84, 18)
    assert budget(FD_HARD_LIMIT).idle == 4096  # the idle pool's share is capped
    assert budget(100, listeners=40).max_connections == 1  # never zero
    assert budget(20000, max_connections=20).max_connections == 20  # injected


def test_fair_shares_keep_the_others_guarantees() -> None:
    a = Admission()
    a.configure(30, ["A", "B", "C"])
    assert a.guarantee == 5  # 30 / (2 x 3)

    def fill(vs: str) -> int:
        n = 0
        while a.may_accept(vs):
            a.opened(vs)
            n += 1
        return n

    assert fill("A") == 20  # all but the others' unused guarantees
    assert fill("B") == 5 and fill("C") == 5  # theirs were kept
    assert not a.may_accept("A") and a.total == 30
    a.closed("B")  # under B's guarantee: the slot is B's again
    assert a.may_accept("B") and not a.may_accept("A") and not a.may_accept("C")
    a.opened("B")
    a.closed("A")  # above A's guarantee: a shared slot, first come
    assert a.may_accept("A") and a.may_accept("C")
    a.configure(30, ["A"])  # B and C are no longer served: A may take what is free
    assert a.guarantee == 15 and a.may_accept("A")
    alone = Admission()
    alone.configure(10, ["A"])
    for _ in range(10):  # one virtual server alone may use all of it
        assert alone.may_accept("A")
        alone.opened("A")
    assert not alone.may_accept("A")


async def test_the_idle_pool_keeps_no_more_than_its_share_of_the_budget() -> None:
    pool = IdlePool(max_total=2)
    parked = []
    for i in range(3):
        ours, _theirs = trio.testing.memory_stream_pair()
        parked.append(ours)
        await pool.put(UpstreamConnection(ours, h11.Connection(h11.CLIENT), make_member("m", 1), key=i % 2))
    assert pool.count() == 2 and pool.count(0) == 1
    with pytest.raises(trio.ClosedResourceError):  # the third was closed, not parked
        await parked[2].send_all(b"x")
    assert await pool.take(0) is not None and pool.count() == 1


async def test_a_waiting_listener_is_logged_at_most_once_per_interval(autojump_clock: trio.testing.MockClock) -> None:
    lines: list[tuple[float, str]] = []
    a = Admission(log_interval=60, on_wait=lambda vs, detail: lines.append((trio.current_time(), detail)))
    a.configure(2, ["A"])
    start = trio.current_time()
    for delay in (0, 30, 31):  # waits at 0 s, 30 s and 61 s: logged at 0 and 61
        await trio.sleep(delay)
        a.opened("A")
        a.opened("A")
        assert not a.may_accept("A")
        async with trio.open_nursery() as n:
            n.start_soon(a.wait, "A")
            await trio.testing.wait_all_tasks_blocked()
            a.closed("A")  # wakes the waiting listener
        a.closed("A")
    assert [round(t - start) for t, _ in lines] == [0, 61]
    assert lines[0][1].startswith("virtual server A: all virtual servers together reached the connection limit (2;")
    assert a.waits == {"A": 3}


# ---- a flood in this process, with an injected limit ----------------------------------------------


def http_member(probes: list[int]) -> Callable[[socket.socket], None]:
    """Answers every request on a connection with 200; a connection that sends nothing is a health
    probe and is counted in ``probes``."""

    def handle(conn: socket.socket) -> None:
        served = 0
        while True:
            head = recv_until(conn, b"\r\n\r\n")
            if not head:
                break
            served += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        if not served:
            probes.append(1)

    return handle


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait (bounded) for something another thread or process does."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def get(ip: str, port: int) -> bytes:
    with connect(ip, port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        return recv_until(c, b"ok")


class Recorder(NullObserver):
    def __init__(self) -> None:
        self.waiting: list[tuple[str, str]] = []
        self.health: list[tuple[str, bool]] = []
        self.first_wait = threading.Event()

    def connections_waiting(self, vs: str, detail: str) -> None:
        self.waiting.append((vs, detail))
        self.first_wait.set()

    def health_changed(self, member: MemberSpec, up: bool, reason: str) -> None:
        self.health.append((member.ident, up))


def served_vs(name: str, member: MemberSpec) -> VirtualServerSpec:
    ip, port = vs_ip(), free_port()
    return replace(make_vs([member]), name=name, ip=ip, ports=((port, port),))


def test_a_flooded_virtual_server_waits_in_its_backlog_while_the_others_serve() -> None:
    probes: list[int] = []
    member = Backend(http_member(probes))
    check = HealthCheckSpec("hc", "tcp", interval=1, timeout=1, retry=1, up_retry=1)
    m = replace(make_member("m", member.port), health=HealthSpec((check,)))
    flooded, other = served_vs("A", m), served_vs("B", m)
    rec = Recorder()
    flood: list[socket.socket] = []
    try:
        with running_dataplane(observer=rec, max_connections=20, limit_log_interval=3600) as plane:
            assert plane.apply(DataplaneSpec(1, {"A": flooded, "B": other})) == []
            assert plane.admission.guarantee == 5  # 20 / (2 x 2): A may hold 20 - 5
            for _ in range(40):  # idle connections: the kernel completes them all
                flood.append(connect(flooded.ip, flooded.ports[0][0]))
            assert rec.first_wait.wait(10)
            assert plane.call(_live, plane, "A") == 15  # the rest are in A's backlog
            assert rec.waiting == [("A", rec.waiting[0][1])] and "A reached its share" in rec.waiting[0][1]
            flood.pop(0).close()  # the first one was accepted first: A takes one more from its backlog, waits again
            wait_for(lambda: plane.admission.waits["A"] >= 2)
            assert plane.call(_live, plane, "A") == 15

            for _ in range(3):  # B serves, while A waits
                assert get(other.ip, other.ports[0][0]).endswith(b"ok")
            held = [connect(other.ip, other.ports[0][0]) for _ in range(5)]  # B's guarantee, all at once
            for c in held:
                c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            assert all(recv_until(c, b"ok").endswith(b"ok") for c in held)
            for c in held:
                c.close()

            seen = len(probes)  # health checks keep probing, and find the member up
            wait_for(lambda: len(probes) >= seen + 3)
            assert plane.health.state(m.ident) and rec.health == []

            for c in flood:  # every waiting connection is served once earlier ones close
                c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            answers = [recv_until(c, b"ok") for c in flood]
            assert all(a.startswith(b"HTTP/1.1 200") for a in answers), [a[:20] for a in answers if not a.startswith(b"HTTP/1.1 200")]
            # A waited several times and it was said once (B, at its guarantee while all 20 were taken, once too)
            assert [vs for vs, _ in rec.waiting] in (["A"], ["A", "B"])
    finally:
        for c in flood:
            c.close()
        member.close()


async def _live(plane: Dataplane, vs: str) -> int:
    return plane.admission.live.get(vs, 0)


# ---- the real appliance with 256 descriptors -------------------------------------------------------

CHILD = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({n}, {n})); "
         "from cli.main import main; sys.exit(main(sys.argv[1:]))")


class Child:
    """``adc`` in a child process reading commands from a pipe; ``ask`` runs a command and returns its
    output up to a line containing ``until``."""

    def __init__(self, data_dir: Path, nofile: int | None = None) -> None:
        cmd = [sys.executable, "-c", CHILD.format(n=nofile)] if nofile else [sys.executable, "-m", "cli"]
        self.proc = subprocess.Popen(cmd + ["--data-dir", str(data_dir)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.data_dir = data_dir
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def ask(self, commands: str, until: str, timeout: float = 60) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(commands.strip() + "\n")
        self.proc.stdin.flush()
        out = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {until!r} from adc; it printed {''.join(out)!r}") from None
            out.append(line)
            if until in line:
                return "".join(out)

    def log(self, name: str) -> str:
        path = self.data_dir / name
        return path.read_text() if path.exists() else ""

    def close(self) -> str:
        """End the child (its input ends) and return what it wrote on stderr."""
        assert self.proc.stdin is not None and self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.reader.join(timeout=10)
        self.proc.stdout.close()
        errors = self.proc.stderr.read()
        self.proc.stderr.close()
        return errors


def config(member_port: int, a: tuple[str, int], b: tuple[str, int]) -> str:
    return f"""
config system health-check
edit hc
set type tcp
set interval 2
set timeout 1
set retry 2
next
end
config load-balance real-server
edit rs
set ip 127.0.0.1
end
config load-balance pool
edit p
set health-check-ctrl enable
set health-check-list hc
config pool_member
edit 1
set real-server rs
set pool_member_service_port {member_port}
next
end
end
config load-balance profile
edit patient
set type http
set http-request-timeout 300
end
config load-balance virtual-server
edit vA
set type l7-load-balance
set ip {a[0]}
set port {a[1]}
set load-balance-profile patient
set load-balance-pool p
next
edit vB
set type l7-load-balance
set ip {b[0]}
set port {b[1]}
set load-balance-profile patient
set load-balance-pool p
end
execute health-check-verify hc 127.0.0.1 {member_port}
"""


def test_an_appliance_with_256_descriptors_flooded_with_400_connections(tmp_path: Path) -> None:
    """The issue: 20,000 idle connections to one virtual server exhausted the descriptors, the other
    virtual servers timed out, health checks failed with EMFILE and marked every member down, and
    adc.log took hundreds of "Too many open files" lines a minute."""
    probes: list[int] = []
    member = Backend(http_member(probes))
    a, b = (vs_ip(), free_port()), (vs_ip(), free_port())
    child = Child(tmp_path / "box", nofile=256)
    flood: list[socket.socket] = []
    try:
        assert "recv hc state is UP" in child.ask(config(member.port, a, b), until="recv hc state is")
        expected = budget(256, listeners=2, checks=1)
        lines = re.findall(r"descriptor limit 256: at most (\d+) client connections", child.log("adc.log"))
        assert lines and int(lines[-1]) == expected.max_connections  # computed from the limit
        share = expected.max_connections - expected.max_connections // 4  # all but vB's guarantee

        for _ in range(400):  # more than the child has descriptors
            flood.append(connect(*a))
        wait_for(lambda: "virtual server vA reached its share" in child.log("log/event.log"))
        event = [l for l in child.log("log/event.log").splitlines() if "reached its share" in l]
        assert len(event) == 1 and f"({share} open;" in event[0], event

        assert get(*b).endswith(b"ok")  # the other virtual server serves
        seen = len(probes)
        wait_for(lambda: len(probes) >= seen + 3)  # health checks go on...
        assert "recv hc state is UP" in child.ask(f"execute health-check-verify hc 127.0.0.1 {member.port}",
                                                  until="recv hc state is")  # ...and so does the console
        assert "health check: down" not in child.log("log/event.log")

        for c in flood:  # the waiting connections were not reset: each is served in turn
            c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        answers = [recv_until(c, b"ok") for c in flood]
        assert sum(x.startswith(b"HTTP/1.1 200") for x in answers) == 400
        assert get(*b).endswith(b"ok")
        assert "Too many open files" not in child.log("adc.log")
    finally:
        for c in flood:
            c.close()
        errors = child.close()
        member.close()
    assert "Traceback" not in errors, errors


# ---- memory after a peak ----------------------------------------------------------------------------


def test_rss_comes_back_down_after_a_peak_of_connections(tmp_path: Path) -> None:
    """The issue: RSS after 20,000 connections never came back down. 5,000 connections to a real
    appliance (300 of them carry a request), all closed: within 30 s the child gives back more than a
    third of what the peak took. Measured here: 45 to 60 % back (about 10 KB per connection at the
    peak); without the collection and malloc_trim after the peak, 20 to 40 % back. What stays is
    Python's small-object arenas kept by a few live objects each."""
    probes: list[int] = []
    member = Backend(http_member(probes))
    a, b = (vs_ip(), free_port()), (vs_ip(), free_port())
    child = Child(tmp_path / "box")
    try:
        child.ask(config(member.port, a, b), until="recv hc state is")
        proc = psutil.Process(child.proc.pid)
        base = proc.memory_info().rss
        conns = [connect(*a) for _ in range(5000)]
        for c in conns[:300]:  # one at a time: the test's threaded member takes no bursts
            c.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            assert recv_until(c, b"ok").endswith(b"ok")
        wait_for(lambda: proc.num_fds() > 5000)  # all accepted
        peak = proc.memory_info().rss
        for c in conns:
            c.close()
        seen: list[int] = []

        def rss() -> int:
            seen.append(proc.memory_info().rss)
            return seen[-1]

        try:
            wait_for(lambda: rss() - base < 0.65 * (peak - base), timeout=30)
        finally:
            print(f"\nRSS base {base / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB, then", [round(x / 1e6) for x in seen[::50]] + [round(seen[-1] / 1e6)])
    finally:
        errors = child.close()
        member.close()
    assert "Traceback" not in errors, errors
