"""Listeners follow the config, and the Layer-4 tunnel (issue: the data plane, points 1, 2 and 8)."""
from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from adc.certs import generate_self_signed

from .dataplane_helpers import (
    appliance, backends, connect, echo, free_port, pool_script, recv_all, recv_until, run, run_notice, try_run, vs_ip,
    vs_script,
)


def test_commit_binds_before_the_prompt_returns_and_members_are_reached() -> None:
    with backends(echo(b"A:"), echo(b"B:")) as (a, b), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port, b.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p"))
        greetings = []
        for _ in range(4):
            with connect(ip, port) as c:
                greetings.append(recv_until(c, b":"))
        assert greetings == [b"A:", b"B:", b"A:", b"B:"]  # round robin over member ports


def test_status_disable_delete_and_maintain() -> None:
    with backends(echo(b"hi")) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p"))
        live = connect(ip, port)
        assert recv_until(live, b"hi") == b"hi"
        run(s, "config load-balance virtual-server\nedit vs\nset status maintain\nend")
        with pytest.raises(ConnectionRefusedError):
            connect(ip, port)
        live.sendall(b"still here")  # the live connection goes on under maintain
        live.shutdown(socket.SHUT_WR)
        assert recv_all(live) == b"still here<eof seen>"
        live.close()
        run(s, "config load-balance virtual-server\nedit vs\nset status enable\nend")
        connect(ip, port).close()
        run(s, "config load-balance virtual-server\nedit vs\nset status disable\nend")
        with pytest.raises(ConnectionRefusedError):
            connect(ip, port)
        run(s, "config load-balance virtual-server\nedit vs\nset status enable\nend")
        connect(ip, port).close()
        run(s, "config load-balance virtual-server\ndelete vs\nend")
        with pytest.raises(ConnectionRefusedError):
            connect(ip, port)


def test_bind_failures_are_reported_and_the_appliance_goes_on() -> None:
    with backends(echo(b"hi")) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip = vs_ip()
        with socket.socket() as squatter:
            squatter.bind((ip, 0))
            squatter.listen()
            port = squatter.getsockname()[1]
            notice = run_notice(s, vs_script("busy", ip, port, "p"))
            assert (f"virtual server busy cannot be served on this host: cannot listen on {ip}:{port}: "
                    f"{ip}:{port} is in use by another program on this host (Address already in use)") in notice
        notice = run_notice(s, vs_script("elsewhere", "192.0.2.77", 8080, "p"))
        assert ("virtual server elsewhere cannot be served on this host: cannot listen on 192.0.2.77:8080: "
                "192.0.2.77 is not an address of this host") in notice
        assert "get" and "== [ busy ]" in s.execute("get load-balance virtual-server").output  # saved all the same
        ok_ip, ok_port = vs_ip(), free_port()
        run(s, vs_script("fine", ok_ip, ok_port, "p"))
        with connect(ok_ip, ok_port) as c:
            assert recv_until(c, b"hi") == b"hi"


def test_port_ranges_and_lists_all_listen() -> None:
    with backends(echo(b"r")) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [0]))  # member port 0: the port the client connected to
        ip = vs_ip()
        base = free_port(ip)
        a_port = a.port
        run(s, pool_script("p2", [a_port]))
        run(s, vs_script("multi", ip, f"{base}-{base + 2} {base + 5}", "p2"))
        for port in (base, base + 1, base + 2, base + 5):
            with connect(ip, port) as c:
                assert recv_until(c, b"r") == b"r"
        with pytest.raises(ConnectionRefusedError):
            connect(ip, base + 3)


def test_half_close_is_honoured_both_ways() -> None:
    def late_reply(conn: socket.socket) -> None:
        data = recv_all(conn)  # until the client's FIN
        conn.sendall(b"got " + str(len(data)).encode())
        conn.shutdown(socket.SHUT_WR)
        conn.close()

    with backends(late_reply) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p"))
        with connect(ip, port) as c:
            c.sendall(b"x" * 300_000)
            c.shutdown(socket.SHUT_WR)
            assert recv_all(c) == b"got 300000"


def test_idle_timeout_from_the_profile() -> None:
    with backends(echo()) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        run(s, "config load-balance profile\nedit short\nset type tcp\nset timeout_tcp_session 1\nend")
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p", profile="short"))
        with connect(ip, port, timeout=15) as c:
            c.sendall(b"ping")
            assert recv_until(c, b"ping") == b"ping"
            assert c.recv(100) == b""  # closed by the appliance after 1 s of silence


def test_client_tls_passes_through_untouched(tmp_path: Path) -> None:
    cert_pem, key_pem = generate_self_signed("backend", "RSA", 2048, "backend.test")
    (tmp_path / "c.pem").write_bytes(cert_pem)
    (tmp_path / "k.pem").write_bytes(key_pem)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")

    def tls_echo(conn: socket.socket) -> None:
        with server_ctx.wrap_socket(conn, server_side=True) as t:
            t.sendall(b"tls:" + t.recv(100))

    with backends(tls_echo) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p"))
        client_ctx = ssl.create_default_context(cafile=str(tmp_path / "c.pem"))
        with connect(ip, port) as raw, client_ctx.wrap_socket(raw, server_hostname="backend.test") as t:
            t.sendall(b"hello")
            assert t.recv(100) == b"tls:hello"
            # the certificate the client saw is the backend's own
            assert t.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(cert_pem.decode())


def test_unchanged_listener_keeps_its_socket_and_live_connections_keep_their_pool() -> None:
    with backends(echo(b"A:"), echo(b"B:")) as (a, b), appliance() as app:
        s = app.session()
        run(s, pool_script("pa", [a.port]))
        run(s, pool_script("pb", [b.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "pa"))
        before = app.dataplane.bindings[(ip, port)].listener
        live = connect(ip, port)
        assert recv_until(live, b":") == b"A:"
        run(s, "config load-balance virtual-server\nedit vs\nset load-balance-pool pb\nend")
        assert app.dataplane.bindings[(ip, port)].listener is before
        with connect(ip, port) as c:
            assert recv_until(c, b":") == b"B:"  # new connections: the new pool
        live.sendall(b"old")
        live.shutdown(socket.SHUT_WR)
        assert recv_all(live) == b"old<eof seen>"  # the live one: still on A
        live.close()


def test_headless_appliance_from_a_pipe(tmp_path: Path) -> None:
    """``(cat config; sleep) | adc`` serves from the first commit until the input ends."""
    with backends(echo(b"pipe:")) as (a,):
        ip, port = vs_ip(), free_port()
        adc = Path(sys.executable).with_name("adc")
        proc = subprocess.Popen([str(adc), "--data-dir", str(tmp_path / "d")], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin and proc.stdout
        config = pool_script("p", [a.port]) + "\n" + vs_script("vs", ip, port, "p") + "\nshow load-balance virtual-server\n"
        proc.stdin.write(config.encode())
        proc.stdin.flush()
        seen = b""
        for _ in range(100):
            line = proc.stdout.readline()
            seen += line
            if line == b"end\n" or not line:
                break
        assert seen.endswith(b"end\n"), seen
        with connect(ip, port) as c:
            assert recv_until(c, b":") == b"pipe:"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
        with pytest.raises(ConnectionRefusedError):
            connect(ip, port)


def test_a_bad_client_does_not_hurt_the_listener() -> None:
    with backends(echo(b"ok")) as (a,), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p"))
        for _ in range(20):  # clients that reset at once
            c = connect(ip, port)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            c.close()
        with connect(ip, port) as c:
            assert recv_until(c, b"ok") == b"ok"


def test_connection_limits_per_virtual_server_and_per_member() -> None:
    with backends(echo(b"A:"), echo(b"B:")) as (a, b), appliance() as app:
        s = app.session()
        run(s, pool_script("p", [a.port, b.port], member_extra={1: "set connection-limit 1", 2: "set connection-limit 1"}))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("vs", ip, port, "p"))
        first, second = connect(ip, port), connect(ip, port)
        assert {recv_until(first, b":"), recv_until(second, b":")} == {b"A:", b"B:"}
        with connect(ip, port) as third:  # both members are at their limit: nothing to connect to
            assert recv_all(third) == b""
        first.close()
        second.close()
        run(s, "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nset connection-limit 0\nnext\nedit 2\nset connection-limit 0\nend\nend")
        run(s, "config load-balance virtual-server\nedit vs\nset connection-limit 2\nend")
        held = [connect(ip, port) for _ in range(2)]
        for c in held:
            assert recv_until(c, b":") in (b"A:", b"B:")
        with connect(ip, port) as over:  # the VS limit: closed at once
            assert recv_all(over) == b""
        for c in held:
            c.close()
