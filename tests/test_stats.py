"""Live statistics, the session table and its filter, traffic-log records, and the status commands,
first with synthetic observer calls, then end to end through a serving appliance."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from adc.appliance import Appliance
from adc.dataplane.http_proxy import ExchangeRecord
from adc.dataplane.observe import SessionInfo
from adc.dataplane.spec import MemberSpec
from adc.dataplane.stats import Stats
from adc.engine.status_verbs import (
    SESSION_HEADER,
    SessionFilter,
    format_session,
    parse_filter,
    session_lines,
)

from .dataplane_helpers import (
    appliance,
    backends,
    echo,
    free_port,
    pool_script,
    recv_until,
    run,
    try_run,
    vs_ip,
    vs_script,
)
from .test_dataplane_l7 import get, http_backends


class RecordingLogs:
    def __init__(self) -> None:
        self.traffic_lines: list[str] = []
        self.events: list[tuple[str, str]] = []
        self.priorities: list[str] = []

    def traffic(self, line: str) -> None:
        self.traffic_lines.append(line)

    def event(self, category: str, text: str, pri: str = "information") -> None:
        self.events.append((category, text))
        self.priorities.append(pri)


def member(n: int, port: int = 9000) -> MemberSpec:
    return MemberSpec(key=str(n), real_server=f"rs{n}", host=f"10.0.0.{n}", port=port)


LOGGED: set[str] = set()  # the virtual servers of the current test with traffic-log enable


def session(vs: str = "vs1", protocol: str = "http", client: tuple[str, int] = ("192.0.2.7", 40001)) -> SessionInfo:
    return SessionInfo(vs, protocol, client, ("10.1.1.1", 80), idle_timeout=50.0, traffic_log=vs in LOGGED)


def record(s: SessionInfo, m: MemberSpec | None, req: int = 10, resp: int = 20, status: int = 200) -> ExchangeRecord:
    return ExchangeRecord(vs=s.vs, client=s.client, member=m, method="GET", target="/a/b?c=1", host="app.test",
                          status=status, request_bytes=req, response_bytes=resp, started=time.time(), duration=0.0125)


def make_stats(**traffic_log: bool) -> tuple[Stats, RecordingLogs]:
    LOGGED.clear()
    LOGGED.update(name for name, on in traffic_log.items() if on)
    logs = RecordingLogs()
    return Stats(logs), logs  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- Stats, synthetic
def test_counts_are_exact_per_vs_and_member() -> None:
    stats, logs = make_stats(vs1=True, vs2=False)
    a, b = member(1), member(2)
    n = 25
    for i in range(n):
        s = session(client=("192.0.2.7", 40000 + i))
        stats.session_opened(s)
        s.bytes_in, s.bytes_out = 30, 100  # the client connection's bytes when the exchange ends
        stats.exchange_done(s, record(s, a if i % 2 == 0 else b, req=3, resp=10))
        s.bytes_in, s.bytes_out = 50, 150  # and when it closes: the rest is the VS's alone
        stats.session_closed(s)
    other = session("vs2")
    stats.session_opened(other)
    stats.exchange_done(other, record(other, a))
    f = stats.vs_figures("vs1")
    assert (f.current, f.total, f.requests, f.bytes_in, f.bytes_out) == (0, n, n, 50 * n, 150 * n)
    assert stats.member_figures(a.ident).requests == 13 + 1 and stats.member_figures(b.ident).requests == 12
    # members count the same bytes as the VS: the exchange's share of the client connection
    assert stats.member_figures(b.ident).bytes_in == 30 * 12 and stats.member_figures(b.ident).bytes_out == 100 * 12
    g = stats.vs_figures("vs2")
    assert (g.current, g.total, g.requests) == (1, 1, 1)
    assert len(logs.traffic_lines) == n  # vs2 has traffic-log disabled
    stats.session_closed(other)
    stats.session_closed(other)  # a second close changes nothing
    assert stats.vs_figures("vs2").current == 0


def test_open_sessions_bytes_count_live_and_tcp_bytes_go_to_the_member() -> None:
    stats, logs = make_stats(l4=True)
    m = member(3)
    s = session("l4", "tcp")
    stats.session_opened(s)
    s.member = m
    stats.session_member(s, m)
    s.bytes_in, s.bytes_out = 1000, 2000
    assert stats.vs_figures("l4").bytes_in == 1000  # still open: counted live
    assert stats.member_figures(m.ident).bytes_out == 2000
    stats.session_closed(s)
    assert stats.vs_figures("l4").bytes_in == 1000 and stats.member_figures(m.ident).bytes_out == 2000
    assert stats.sessions() == []
    (line,) = logs.traffic_lines
    assert line.startswith("type=traffic subtype=slb_layer4 pri=information vd=root duration=")
    assert "ibytes=1000 obytes=2000 proto=6 service=tcp src=192.0.2.7 src_port=40001 dst=10.1.1.1 dst_port=80" in line
    assert "trans_dst=10.0.0.3 trans_dst_port=9000 policy=l4 action=none real_server=rs3" in line


def test_http_traffic_line_fields() -> None:
    stats, logs = make_stats(web=True)
    s = session("web")
    s.member_local = ("10.0.0.254", 51000)
    stats.session_opened(s)
    s.bytes_in, s.bytes_out = 7, 42  # the whole request and answer, as the client connection carried them
    stats.exchange_done(s, record(s, member(1), req=0, resp=9, status=404))
    (line,) = logs.traffic_lines
    assert line == ("type=traffic subtype=slb_http pri=information vd=root duration=12 ibytes=7 obytes=42 proto=6 "
                    "service=http src=192.0.2.7 src_port=40001 dst=10.1.1.1 dst_port=80 trans_src=10.0.0.254 "
                    "trans_src_port=51000 trans_dst=10.0.0.1 trans_dst_port=9000 policy=web action=none "
                    "http_method=GET http_host=app.test http_url=/a/b?c=1 http_retcode=404 real_server=rs1")


def test_traffic_log_flag_from_session_info_wins() -> None:
    stats, logs = make_stats(web=False)
    s = session("web")
    s.traffic_log = True  # type: ignore[attr-defined]  # what the runtime sets when it knows the spec
    stats.session_opened(s)
    stats.exchange_done(s, record(s, member(1)))
    assert len(logs.traffic_lines) == 1


def test_without_a_data_plane_nothing_is_logged() -> None:
    logs = RecordingLogs()
    stats = Stats(logs)  # type: ignore[arg-type]
    s = session()
    stats.session_opened(s)
    stats.exchange_done(s, record(s, member(1)))
    assert logs.traffic_lines == [] and stats.vs_figures("vs1").requests == 1


def test_health_changes_are_recorded_and_go_to_the_event_log() -> None:
    stats, logs = make_stats()
    m = member(4)
    assert stats.health(m.ident).up and stats.health(m.ident).when == 0.0
    stats.health_changed(m, False, "connect refused")
    h = stats.health(m.ident)
    assert not h.up and h.reason == "connect refused" and h.when > 0
    assert logs.events == [("health", "real server rs4 (10.0.0.4:9000) health check: down (connect refused)")]


# ---------------------------------------------------------------------------------------------- session list, filter
def test_session_list_format_and_expire() -> None:
    stats, _ = make_stats()
    s = session("vs1", "tcp", ("192.0.2.9", 5555))
    stats.session_opened(s)
    s.member, s.member_local = member(2, port=0), ("10.0.0.254", 60000)
    s.bytes_in, s.bytes_out = 12, 34
    s.last_activity = time.monotonic() - 10.5
    bare = session("vs2", "http", ("198.51.100.1", 1234))
    stats.session_opened(bare)
    lines = session_lines(stats.sessions(), SessionFilter())
    assert lines[0] == SESSION_HEADER == ("client-ip/port virtual-server-ip/port local-ip/port real-server-ip/port protocol "
                                          "service state in-bytes out-bytes expire virtual-server-name real-server-name")
    head, rest = lines[1].rsplit(" ", 3)[0], lines[1].split()[9:]
    assert head == "192.0.2.9/5555 10.1.1.1/80 10.0.0.254/60000 10.0.0.2/80 tcp tcp established 12 34"
    assert rest[1:] == ["vs1", "rs2"] and int(rest[0]) in (39, 40)  # 50 s idle timeout, 10.5 s idle: seconds left, rounded up
    assert lines[2] == "198.51.100.1/1234 10.1.1.1/80 - - tcp http established 0 0 50 vs2 -"
    assert format_session(stats.sessions()[1]) == lines[2]


def test_session_filter_options() -> None:
    stats, _ = make_stats()
    for vs, ip in (("a", "192.0.2.1"), ("b", "192.0.2.2"), ("c", "192.0.2.3")):
        stats.session_opened(session(vs, "tcp", (ip, 1000)))

    def names(flt: SessionFilter) -> list[str]:
        return [line.split()[-2] for line in session_lines(stats.sessions(), flt)[1:]]

    assert names(SessionFilter()) == ["a", "b", "c"]
    assert names(parse_filter(SessionFilter(), ["vs-name", "a", "c"])) == ["a", "c"]
    assert names(parse_filter(SessionFilter(), ["client-ip", "192.0.2.2"])) == ["b"]
    assert names(parse_filter(SessionFilter(), ["source-ip", "192.0.2.2", "192.0.2.3"])) == ["b", "c"]
    both = parse_filter(parse_filter(SessionFilter(), ["vs-name", "a", "b"]), ["source-ip", "192.0.2.2"])
    assert names(both) == ["b"]  # filters add up
    assert names(parse_filter(SessionFilter(), ["dest-port", "81", "90"])) == []
    assert names(parse_filter(SessionFilter(), ["protocol", "udp"])) == []
    assert both.show()[0] == "filter=[flag:1001 type:0 protocol:0 service:0"
    assert both.show()[1] == "source ip range: 192.0.2.2 - 192.0.2.2 port range: 0 - 0"
    assert both.show()[-2:] == ["virtual server: a b", "real server:]"]


def test_filter_commands_in_a_console_session() -> None:
    app = Appliance(None)  # not serving: no stats, the commands still answer
    s = app.session()
    assert run(s, "diagnose server-load-balance session list") == SESSION_HEADER + "\n"
    assert run(s, "diagnose server-load-balance session filter 'vs-name vs1 vs2'") == ""
    assert "virtual server: vs1 vs2" in run(s, "diagnose server-load-balance session filter show")
    assert "virtual server:\n" in run(s, "diag server-load-balance session filter ''\ndiag server-load-balance session filter show")
    _, err = try_run(s, "diagnose server-load-balance session filter 'source-ip not-an-ip'")
    assert err.startswith("Usage: diagnose server-load-balance session filter")
    assert run(s, "get load-balance virtual-server-status") == "The data plane is not running: no live status.\n"
    assert run(s, "execute log display traffic") == "The data plane is not running: no live status.\n"
    assert run(s, "diagnose server-load-balance slb_load") == "vdom name is root\n"


# ---------------------------------------------------------------------------------------------- end to end

def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition the data plane makes true from its own thread, within a bound."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def block(text: str, key: str) -> dict[str, str]:
    """The ``label: value`` rows of one ``== [ key ]`` block of a status view."""
    out: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("== ["):
            inside = line == f"== [ {key} ]"
            continue
        if inside:
            label, _, value = line.partition(":")
            out[label.strip()] = value.strip()
    return out


def test_http_requests_are_counted_and_logged_end_to_end() -> None:
    n = 9
    with http_backends("A", "B") as (a, b), appliance() as app:
        s = app.session()
        run(s, pool_script("web", [a.port, b.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("web", ip, port, "web", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                         extra="set traffic-log enable"))
        for i in range(n):
            assert get(ip, port, f"/r{i}")["path"] == f"/r{i}"
        wait_for(lambda: app.stats.vs_figures("web").requests == n and app.stats.vs_figures("web").current == 0)

        vs = block(run(s, "get load-balance virtual-server-status"), "web")
        assert vs["requests"] == str(n) and vs["total-connections"] == str(n) and vs["current-connections"] == "0"
        assert vs["traffic-log"] == "enable" and vs["availability"] == "available" and vs["address"] == ip
        assert int(vs["bytes-in"]) > 0 and int(vs["bytes-out"]) > 0
        members = run(s, "get load-balance real-server-status")
        m1, m2 = block(members, "web 1"), block(members, "web 2")
        assert (m1["requests"], m2["requests"]) == (str((n + 1) // 2), str(n // 2))
        assert m1["state"] == "enable" and m1["health"] == "up" and m1["address"] == f"127.0.0.1:{a.port}"
        assert int(m1["total-connections"]) >= 1 and m1["current-connections"] == "0"

        assert app.logs.flush(5)
        lines = [line for line in app.logs.tail("traffic", 1000) if "subtype=slb_http" in line and "policy=web " in line]
        assert len(lines) == n
        assert all(f"dst={ip} dst_port={port}" in line and "http_retcode=200" in line for line in lines)
        assert [line.split("http_url=")[1].split()[0] for line in lines] == [f"/r{i}" for i in range(n)]
        shown = run(s, f"execute log display traffic {n}").splitlines()
        assert shown == lines
        assert "traffic.log" in run(s, "execute log list-type tlog")
        assert "subtype=config" in run(s, "execute log display event 100")  # commits are logged by the appliance


def test_an_open_tcp_session_is_listed_filtered_and_gone_after_close() -> None:
    with backends(echo()) as (back,), appliance() as app:
        s = app.session()
        run(s, pool_script("tcp", [back.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("l4", ip, port, "tcp", extra="set traffic-log enable"))
        conn = socket.create_connection((ip, port), timeout=10)
        try:
            conn.sendall(b"hello")
            assert recv_until(conn, b"hello") == b"hello"
            me = conn.getsockname()
            # the runtime counts a send once it completes: the echo can arrive before the count does
            wait_for(lambda: [(r.bytes_in, r.bytes_out) for r in app.stats.sessions()] == [(5, 5)])
            listed = run(s, "diagnose server-load-balance session list").splitlines()
            assert listed[0] == SESSION_HEADER
            (line,) = [x for x in listed[1:] if x.startswith(f"{me[0]}/{me[1]} ")]
            cols = line.split()
            assert cols[1] == f"{ip}/{port}" and cols[3] == f"127.0.0.1/{back.port}"
            assert cols[2].startswith("127.0.0.1/") and cols[4:7] == ["tcp", "tcp", "established"]
            assert cols[7:9] == ["5", "5"] and cols[-2:] == ["l4", "rs-127.0.0.1"]
            assert 0 < int(cols[9]) <= 100  # LB_PROF_TCP: 100 s idle timeout

            run(s, "diagnose server-load-balance session filter 'vs-name other'")
            assert run(s, "diagnose server-load-balance session list").splitlines() == [SESSION_HEADER]
            run(s, "diagnose server-load-balance session filter clear")
            run(s, f"diagnose server-load-balance session filter 'client-ip {me[0]}'")
            run(s, f"diagnose server-load-balance session filter 'source-port {me[1]}'")
            assert run(s, "diagnose server-load-balance session list").splitlines()[1:] == [line]
            vs = block(run(s, "get load-balance virtual-server-status"), "l4")
            assert vs["current-connections"] == "1" and vs["bytes-in"] == "5"
        finally:
            conn.close()
        wait_for(lambda: app.stats.vs_figures("l4").current == 0)
        assert run(s, "diagnose server-load-balance session list").splitlines() == [SESSION_HEADER]
        assert app.logs.flush(5)
        (logged,) = [x for x in app.logs.tail("traffic", 100) if "subtype=slb_layer4" in x]
        assert f"src={me[0]} src_port={me[1]} dst={ip} dst_port={port}" in logged
        assert "ibytes=5 obytes=15" in logged  # "hello" echoed, then "<eof seen>"


@pytest.mark.parametrize("words", ["execute log display", "execute log display audit", "execute log display traffic 0"])
def test_log_display_usage(words: str) -> None:
    with appliance() as app:
        _, err = try_run(app.session(), words)
        assert err.startswith("Usage: execute log display {traffic|event} [<lines>]")
