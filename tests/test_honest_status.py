"""An honest status: a virtual server that cannot be served here says so (the commit is taken, the
console, the status and the event log say why); failed connects to members are counted, shown and
logged; WebSocket sessions show their member and real bytes; VS and member bytes count the same thing.
Real sockets, real clients."""
from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect as ws_connect

from adc.appliance import Appliance
from adc.dataplane.runtime import listen_problem
from adc.engine.status_verbs import SessionFilter, session_lines

from .dataplane_helpers import appliance, backends, echo, free_port, pool_script, run, run_notice, vs_ip, vs_script
from .test_dataplane_l7 import http_backends, ws_backend
from .test_stats import block, wait_for


def events(app: Appliance) -> list[str]:
    assert app.logs.flush(5)
    return app.logs.tail("event", 1000)


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released: connects are refused)."""
    return free_port("127.0.0.1")


# ------------------------------------------------------------------------------ a VS that cannot be served here
def test_a_vs_whose_address_is_not_here_is_committed_and_says_why_everywhere() -> None:
    with backends(echo()) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        notice = run_notice(s, vs_script("away", "192.0.2.77", 8080, "p"))  # a documentation address: never local
        assert notice == ("virtual server away cannot be served on this host: cannot listen on 192.0.2.77:8080: "
                          "192.0.2.77 is not an address of this host\n")
        assert 'edit "away"' in run(s, "show load-balance virtual-server")  # committed all the same
        vs = block(run(s, "get load-balance virtual-server-status"), "away")
        assert vs["status"] == "enable" and vs["availability"] == "unavailable"
        assert vs["reason"] == "cannot listen on 192.0.2.77:8080: 192.0.2.77 is not an address of this host"
        down = [e for e in events(app) if "Virtual server away" in e]
        assert len(down) == 1 and "type=event subtype=health pri=alert vd=root" in down[0]
        assert 'msg="Virtual server away, status is down: cannot listen on 192.0.2.77:8080: 192.0.2.77 is not' in down[0]

        # an address of this host: served, available, and the event log says it is up again
        ip, port = vs_ip(), free_port()
        assert run_notice(s, f"config load-balance virtual-server\nedit away\nset ip {ip}\nset port {port}\nend") == ""
        vs = block(run(s, "get load-balance virtual-server-status"), "away")
        assert vs["availability"] == "available" and "reason" not in vs
        with socket.create_connection((ip, port), timeout=10) as c:
            c.sendall(b"x")
            assert c.recv(10) == b"x"
        assert [e for e in events(app) if "Virtual server away" in e][-1].endswith('msg="Virtual server away, status is up"')


def test_a_port_in_use_is_unavailable_until_it_is_free() -> None:
    with backends(echo()) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip = vs_ip()
        squatter = socket.socket()
        squatter.bind((ip, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        notice = run_notice(s, vs_script("busy", ip, port, "p"))
        assert f"{ip}:{port} is in use by another program on this host" in notice
        assert block(run(s, "get load-balance virtual-server-status"), "busy")["availability"] == "unavailable"
        squatter.close()
        # the next commit tries again (FortiADC reconfigures on every commit)
        run(s, "config load-balance virtual-server\nedit busy\nset traffic-log enable\nend")
        assert block(run(s, "get load-balance virtual-server-status"), "busy")["availability"] == "available"


def test_the_installed_adc_takes_a_line_a_real_box_takes(tmp_path: Path) -> None:
    """A script whose virtual server is on another host's address runs with exit 0; the notice is on stderr."""
    with backends(echo()) as (a,):
        script = pool_script("p", [a.port]) + "\n" + vs_script("remote", "198.51.100.9", 443, "p") + "\n"
        done = subprocess.run([str(Path(sys.executable).parent / "adc"), "--data-dir", str(tmp_path / "box")],
                              input=script.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().splitlines() == [
        "virtual server remote cannot be served on this host: cannot listen on 198.51.100.9:443: "
        "198.51.100.9 is not an address of this host"]
    assert "Virtual server remote, status is down" in (tmp_path / "box" / "log" / "event.log").read_text()


# ------------------------------------------------------------------------------ failed connects to members
def test_failed_connects_are_counted_per_member_shown_and_logged() -> None:
    with http_backends("A") as (good,), appliance() as app:
        s = app.session()
        dead = dead_port()
        run(s, pool_script("web", [good.port, dead]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("web", ip, port, "web", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        n = 6
        for i in range(n):  # a request that meets the dead member is tried again on the good one
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                                  f"http://{ip}:{port}/{i}"], capture_output=True, timeout=30).stdout
            assert out == b"200"
        # an exchange is charged when it ends, which may be just after curl has its answer
        wait_for(lambda: block(run(s, "get load-balance real-server-status"), "web 1")["requests"] == str(n))
        members = run(s, "get load-balance real-server-status")
        bad, ok = block(members, "web 2"), block(members, "web 1")
        assert 1 <= int(bad["connect-failures"]) <= n and bad["last-failure"].startswith("Connection refused (")
        assert bad["health"] == "up"  # no health check on this pool: failed connects are counted, not a verdict
        assert ok["connect-failures"] == "0" and ok["last-failure"] == "none" and ok["requests"] == str(n)
        # a pool of the dead member alone: every request is one failed connect and a 503
        run(s, pool_script("dead", [dead]))
        ip2, port2 = vs_ip(), free_port()
        run(s, vs_script("dead", ip2, port2, "dead", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        before = int(bad["connect-failures"])
        for i in range(3):
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                                  f"http://{ip2}:{port2}/{i}"], capture_output=True, timeout=30).stdout
            assert out == b"503"
        assert block(run(s, "get load-balance real-server-status"), "dead 1")["connect-failures"] == str(before + 3)
        logged = [e for e in events(app) if "failed to establish" in e]
        # the first failure per VS and member at once; the next ones within 10 s are counted, not logged one by one
        assert len(logged) == 2 and "type=event subtype=slb pri=alert vd=root" in logged[0]
        assert "VS dead failed to establish connection" in logged[1]
        assert (f'msg="VS web failed to establish connection with real server rs-127.0.0.1 '
                f'(127.0.0.1:{dead}: Connection refused)"') in logged[0]


def test_a_failed_tls_handshake_with_a_member_is_an_ssl_failure() -> None:
    with http_backends("PLAIN") as (plain,), appliance() as app:
        s = app.session()
        run(s, "config load-balance real-server-ssl-profile\nedit rsssl\nset ssl enable\nend")
        run(s, pool_script("tls", [plain.port], extra="set real-server-ssl-profile rsssl"))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("tls", ip, port, "tls", profile="LB_PROF_HTTP", vs_type="l7-load-balance"))
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                              f"http://{ip}:{port}/"], capture_output=True, timeout=30).stdout
        assert out == b"503"
        member = block(run(s, "get load-balance real-server-status"), "tls 1")
        assert member["connect-failures"] == "1" and member["last-failure"].startswith("TLS handshake failed")
        (line,) = [e for e in events(app) if "failed to establish" in e]
        assert "VS tls failed to establish SSL connection with real server rs-127.0.0.1" in line


def test_a_layer4_session_to_a_dead_member_is_counted() -> None:
    with appliance() as app:
        s = app.session()
        dead = dead_port()
        run(s, pool_script("l4", [dead]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("l4", ip, port, "l4"))
        with socket.create_connection((ip, port), timeout=10) as c:
            assert c.recv(10) == b""  # no member: the client is closed
        wait_for(lambda: app.stats.failures(f"rs-127.0.0.1@127.0.0.1:{dead}").count == 1)
        vs = block(run(s, "get load-balance virtual-server-status"), "l4")
        assert vs["availability"] == "available"  # no health check: the member is in service, its connects fail


# ------------------------------------------------------------------------------ WebSocket: member and bytes
def test_a_websocket_session_shows_its_member_and_real_bytes() -> None:
    with ws_backend("W") as wport, appliance() as app:
        s = app.session()
        run(s, pool_script("ws", [wport]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("ws", ip, port, "ws", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                         extra="set traffic-log enable"))
        ident = f"rs-127.0.0.1@127.0.0.1:{wport}"
        payload = os.urandom(100_000)  # incompressible: the frames carry at least this many bytes
        with ws_connect(f"ws://{ip}:{port}/chat", max_size=None) as ws:
            ws.send(payload)
            assert ws.recv(timeout=10) == payload
            # while the tunnel is open: the session list names the member, and the member's bytes move
            wait_for(lambda: app.stats.member_figures(ident).bytes_in > 100_000)
            wait_for(lambda: app.stats.member_figures(ident).bytes_out > 100_000)  # counted once written
            (row,) = [r for r in app.stats.sessions() if r.vs == "ws"]
            assert row.member_name == "rs-127.0.0.1" and row.member_addr == ("127.0.0.1", wport)
            (line,) = session_lines(app.stats.sessions(), SessionFilter())[1:]
            assert line.endswith(" ws rs-127.0.0.1")
            assert int(block(run(s, "get load-balance real-server-status"), "ws 1")["bytes-out"]) > 100_000
        wait_for(lambda: app.stats.vs_figures("ws").current == 0)
        vs, member = app.stats.vs_figures("ws"), app.stats.member_figures(ident)
        assert vs.bytes_in > 100_000 and vs.bytes_out > 100_000
        # the same thing counted: one exchange, served by the one member
        assert (member.bytes_in, member.bytes_out) == (vs.bytes_in, vs.bytes_out)
        (logged,) = [e for e in app.logs.tail("traffic", 100) if "policy=ws " in e] if app.logs.flush(5) else [""]
        assert f"ibytes={vs.bytes_in} obytes={vs.bytes_out}" in logged and "http_retcode=101" in logged
        assert "real_server=rs-127.0.0.1" in logged


def test_http_bytes_are_whole_messages_and_members_add_up_to_the_vs() -> None:
    with http_backends("A", "B") as (a, b), appliance() as app:
        s = app.session()
        run(s, pool_script("web", [a.port, b.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("web", ip, port, "web", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                         extra="set traffic-log enable"))
        request = f"GET /one HTTP/1.1\r\nHost: {ip}:{port}\r\nConnection: close\r\n\r\n".encode()
        with socket.create_connection((ip, port), timeout=10) as c:
            c.sendall(request)
            answer = b""
            while chunk := c.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        for i in range(3):
            subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://{ip}:{port}/{i}"], timeout=30, check=True)
        wait_for(lambda: app.stats.vs_figures("web").current == 0 and app.stats.vs_figures("web").requests == 4)
        vs = app.stats.vs_figures("web")
        ma = app.stats.member_figures(f"rs-127.0.0.1@127.0.0.1:{a.port}")
        mb = app.stats.member_figures(f"rs-127.0.0.1@127.0.0.1:{b.port}")
        assert ma.bytes_in + mb.bytes_in == vs.bytes_in and ma.bytes_out + mb.bytes_out == vs.bytes_out
        assert app.logs.flush(5)
        first = [e for e in app.logs.tail("traffic", 100) if "http_url=/one " in e][0]
        # the traffic log counts the whole request and answer, as FortiADC's does (ibytes=78 for a GET)
        assert f"ibytes={len(request)} obytes={len(answer)} " in first


# ------------------------------------------------------------------------------ portability
def test_commits_are_journaled_where_the_system_has_no_fdatasync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no os.fdatasync: the journal falls back to os.fsync instead of failing the commit."""
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.delattr(os, "fdatasync", raising=False)
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    app = Appliance(tmp_path / "box")
    try:
        s = app.session()
        run(s, "config load-balance real-server\nedit rs1\nset ip 10.0.0.1\nend")
        assert synced
    finally:
        app.close()
    again = Appliance(tmp_path / "box")  # and the journal is read back
    try:
        assert 'edit "rs1"' in "\n".join(again.session().show_all())
    finally:
        again.close()


@pytest.mark.parametrize("code, port, says", [
    (errno.EADDRNOTAVAIL, 80, "10.1.1.1 is not an address of this host"),
    (errno.EADDRINUSE, 8080, "10.1.1.1:8080 is in use by another program on this host (Address already in use)"),
    (errno.EACCES, 80, "port 80 is below 1024 and needs administrator rights on this host (Permission denied)"),
    (errno.EACCES, 8080, "this host does not allow listening on 10.1.1.1:8080 (Permission denied)"),
])
def test_why_a_listener_cannot_bind_in_the_operators_terms(code: int, port: int, says: str) -> None:
    """The reasons a non-root user on a laptop meets (the suite runs as root, so EACCES is made here)."""
    assert listen_problem(("10.1.1.1", port), OSError(code, os.strerror(code))) == says


def test_the_console_prints_the_notice_after_the_commit_and_goes_on() -> None:
    """Typed at the console: the line's notice follows the commit, and the prompt comes back at the top."""
    import io

    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from cli.console import Console

    class Screen(io.StringIO):
        encoding = "utf-8"

    with backends(echo()) as (a,), appliance() as app:
        screen = Screen()
        output = Vt100_Output(screen, lambda: Size(rows=40, columns=200))
        keys = "\r".join(pool_script("p", [a.port]).splitlines() + vs_script("far", "203.0.113.5", 80, "p").splitlines()) + "\r"
        with create_pipe_input() as inp:
            inp.send_text(keys)
            inp.close()
            Console(app.session(), inp, output).run()
        text = screen.getvalue().replace("\r", "")
        notice = ("virtual server far cannot be served on this host: cannot listen on 203.0.113.5:80: "
                  "203.0.113.5 is not an address of this host\n")
        assert notice in text and "Command fail" not in text
        assert text.index(notice) > text.index("set load-balance-pool")  # after the line that committed


def test_the_descriptor_limit_is_raised_as_far_as_macos_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS reports an unlimited hard limit but refuses a soft limit above OPEN_MAX (10240): the appliance
    takes 10240, not the default 256 (here the system calls are stood in for, as on a Mac)."""
    from adc.dataplane import limits

    state = {"soft": 256}

    def setrlimit(which: int, pair: tuple[int, int]) -> None:
        if pair[0] > 10240:
            raise ValueError("current limit exceeds maximum limit")
        state["soft"] = pair[0]

    monkeypatch.setattr(limits.resource, "getrlimit", lambda which: (state["soft"], limits.resource.RLIM_INFINITY))
    monkeypatch.setattr(limits.resource, "setrlimit", setrlimit)
    assert limits.descriptor_limit() == (256, 10240)
    state["soft"] = 20000  # already above a fallback: never lowered
    assert limits.descriptor_limit() == (20000, 20000)
