"""The SSH console with real clients: OpenSSH's ssh, paramiko, netmiko."""
from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Iterator

import paramiko
import pytest

from adc.config.secrets import verify_password
from adc.engine.lexer import MAX_LINE

from .ssh_helpers import (Box, boxes, client, line_shell, listen_on, openssh, read_to_close, read_until)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Box]:
    yield from boxes(tmp_path / "d")


def prompt_of(box: Box) -> str:
    return box.local.prompt


# ------------------------------------------------------------------------------------------ where it listens
def test_listens_where_the_config_says_and_rebinds_at_commit(box: Box) -> None:
    assert box.ssh.bound == [(box.ip, box.port)]  # port1's factory 192.168.1.99 is not on this host
    from .dataplane_helpers import free_port

    new_port = free_port(box.ip)
    out = box.run("config system global", f"set port-ssh {new_port}", "end")
    assert "SSH cannot listen on 192.168.1.99" in out  # reported at the commit; the appliance goes on
    assert box.ssh.bound == [(box.ip, new_port)]
    with pytest.raises(OSError):
        socket.create_connection((box.ip, box.port), timeout=2).close()
    box.port = new_port
    c = client(box)
    _, out_, _ = c.exec_command("get system global")
    assert f"port-ssh            : {new_port}" in out_.read().decode()
    c.close()
    box.run("config system interface", "edit port2", "set allowaccess ping", "next", "end")
    assert box.ssh.bound == []


def test_host_key_is_made_once_and_kept(tmp_path: Path) -> None:
    d = tmp_path / "d"
    keys = []
    for _ in range(2):
        for b in boxes(d):
            c = client(b)
            transport = c.get_transport()
            assert transport is not None
            keys.append(transport.get_remote_server_key().get_base64())
            c.close()
    assert keys[0] == keys[1]
    assert ((d / "ssh_host_ed25519_key").stat().st_mode & 0o777) == 0o600


# ------------------------------------------------------------------------------------------ OpenSSH
def test_openssh_runs_a_command_and_a_terminal_session(box: Box, tmp_path: Path) -> None:
    done = openssh(box, tmp_path, "get system status")
    assert done.returncode == 0, done.stderr
    assert b"Version:            FortiADC-VM v7.4.4" in done.stdout
    # a terminal session (xterm): the full console, ending at exit
    done = openssh(box, tmp_path, opts=("-tt",),
                   stdin=b"config system global\rset hostname VIA-SSH\rend\rexit\r")
    assert done.returncode == 0, done.stderr
    assert b"Welcome!" in done.stdout and b"VIA-SSH #" in done.stdout
    assert "hostname            : VIA-SSH" in box.run("get system global")
    bad = openssh(box, tmp_path, "get system status", password="wrong")
    assert bad.returncode != 0 and b"Version" not in bad.stdout


# ------------------------------------------------------------------------------------------ login
def test_factory_admin_with_empty_password_and_logins_in_the_event_log(box: Box) -> None:
    c = client(box)
    chan = line_shell(c)
    got = read_until(chan, "FortiADC-VM # ")
    assert got.startswith("Welcome!")
    chan.send(b"get system info admin status\n")
    listing = read_until(chan, "FortiADC-VM # ")
    me = c.get_transport().sock.getsockname()[0]  # type: ignore[union-attr]
    assert f"ssh({me})" in listing and "admin" in listing
    chan.send(b"exit\n")
    read_to_close(chan)
    c.close()
    for _ in range(100):
        if "logout from ssh" in box.events():
            break
        time.sleep(0.05)
    events = box.events()
    assert "User admin login successfully from ssh" in events
    assert "User admin logout from ssh" in events
    assert "ssh(" not in box.run("get system info admin status")


def test_passwords_are_hashed_and_checked(box: Box) -> None:
    box.run("config system admin", "edit ops", "set password s3cret", "next", "end")
    shown = box.run("show system admin")
    assert "s3cret" not in shown and "set password ENC SH2" in shown
    assert "password            : *" in box.run("get system admin ops")
    stored = box.app.store.tree.table(("system", "admin")).get("ops")
    assert stored is not None and verify_password(str(stored.values["password"]), "s3cret")
    c = client(box, "ops", "s3cret")
    _, out, _ = c.exec_command("get system global")
    assert "hostname" in out.read().decode()
    c.close()
    with pytest.raises(paramiko.AuthenticationException):
        client(box, "ops", "S3cret")
    with pytest.raises(paramiko.AuthenticationException):
        client(box, "nobody", "")


def test_three_failures_disconnect_and_lock_the_address_for_a_minute(box: Box) -> None:
    for _ in range(2):
        with pytest.raises(paramiko.AuthenticationException):
            client(box, "admin", "wrong")
    with pytest.raises((paramiko.AuthenticationException, paramiko.SSHException, EOFError)):
        client(box, "admin", "wrong")
    with pytest.raises((paramiko.AuthenticationException, paramiko.SSHException, EOFError)):
        client(box, "admin", "")  # the right password, from a locked address
    box.clock[0] += 61
    client(box, "admin", "").close()
    for _ in range(100):
        if "blocked ip" in box.events():
            break
        time.sleep(0.05)
    events = box.events()
    assert "User admin login failed from ssh" in events
    assert "User admin from ssh has been tried more than 3 times." in events
    assert "User admin login failed from blocked ip 127.0.0.1" in events


def test_trusted_hosts_limit_where_an_admin_logs_in_from(box: Box) -> None:
    box.run("config system admin", "edit far", "set password pw", "set trusted-hosts 10.0.0.0/8", "next",
            "edit near", "set password pw", "set trusted-hosts 127.0.0.0/8", "next", "end")
    with pytest.raises(paramiko.AuthenticationException):
        client(box, "far", "pw")
    client(box, "near", "pw").close()


def test_read_only_profile_gets_dollar_and_changes_nothing(box: Box) -> None:
    box.run("config system accprofile", "edit viewer", "set system read", "set load-balance read", "next", "end",
            "config system admin", "edit audit", "set password pw", "set access-profile viewer", "next", "end")
    c = client(box, "audit", "pw")
    chan = line_shell(c)
    read_until(chan, "FortiADC-VM $ ")
    chan.send(b"config system global\nset hostname NOPE\nend\nget system global\n")
    got = read_until(chan, "hostname            : FortiADC-VM")
    assert "FortiADC-VM (global) $ " in got and "Command fail. Return code is -37" in got
    assert "hostname            : FortiADC-VM" in box.run("get system global")
    chan.send(b"execute factoryreset\ny\n")
    assert "-37" in read_until(chan, "-37")
    c.close()


def test_none_areas_are_refused_and_read_areas_open_to_look(box: Box) -> None:
    box.run("config load-balance real-server", "edit rs1", "set ip 10.0.0.1", "next", "end",
            "config system accprofile", "edit lbread", "set load-balance read", "next", "end",
            "config system admin", "edit looker", "set password pw", "set access-profile lbread", "next", "end")
    c = client(box, "looker", "pw")
    chan = line_shell(c)
    read_until(chan, "FortiADC-VM $ ")
    chan.send(b"get router static\nshow system global\nconfig load-balance real-server\nedit rs1\nget\n")
    got = read_until(chan, "10.0.0.1")
    assert got.count("Command fail. Return code is -37") == 2  # system and router are none
    assert "FortiADC-VM (rs1) $ " in got and "10.0.0.1" in got  # read: edit an existing entry to look
    chan.send(b"set ip 10.0.0.2\nend\nshow full-configuration\nexit\n")
    got = read_to_close(chan)
    assert "Command fail. Return code is -37" in got and "config load-balance real-server" in got
    assert "config system" not in got and "config router" not in got
    assert "10.0.0.1" in box.run("show load-balance real-server rs1")
    c.close()


def test_idle_session_is_logged_out(tmp_path: Path) -> None:
    for b in boxes(tmp_path / "d", idle_scale=0.5):  # a minute of admin-idle-timeout lasts 0.5 s here
        b.run("config system global", "set admin-idle-timeout 2", "end")
        c = client(b)
        chan = line_shell(c)
        start = time.monotonic()
        read_until(chan, "# ")
        read_to_close(chan, timeout=10)
        assert 0.9 < time.monotonic() - start < 8
        assert chan.closed or chan.exit_status_ready()
        c.close()
        for _ in range(100):
            if "time out from ssh" in b.events():
                break
            time.sleep(0.05)
        assert "User admin time out from ssh" in b.events()


# ------------------------------------------------------------------------------------------ modes
def test_exec_command_prints_and_closes(box: Box) -> None:
    c = client(box)
    _, out, _ = c.exec_command("get system console")
    assert out.read().decode() == "output              : more\r\n"
    assert out.channel.recv_exit_status() == 0
    _, out, _ = c.exec_command("get nosuch")
    assert "Command fail" in out.read().decode() and out.channel.recv_exit_status() == 1
    c.close()


@pytest.mark.parametrize("term", [None, "dumb", "vt100"])
def test_line_mode_is_plain_text(box: Box, term: str | None) -> None:
    c = client(box)
    chan = line_shell(c, term)
    read_until(chan, "FortiADC-VM # ")
    chan.send(b"config system global\nget\nend\n")
    got = read_until(chan, "FortiADC-VM # ")
    assert "\x1b" not in got
    assert got.startswith("config system global\r\nFortiADC-VM (global) # get\r\n")  # echoed, then the reply
    assert got.endswith("\r\nFortiADC-VM # ")  # the prompt at the end, nothing after it
    if term == "vt100":  # a person typing at a vt100: keys echoed, ? answered at once
        chan.send(b"get system con")
        assert read_until(chan, "get system con") == "get system con"
        chan.send(b"?")
        got = read_until(chan, "FortiADC-VM # get system con")
        assert "console" in got and "\x1b" not in got
        chan.send(b"sole\r")
        assert "output              : more" in read_until(chan, "FortiADC-VM # ")
    chan.send(b"exit\n")
    read_to_close(chan)
    c.close()


def test_terminal_mode_pages_by_the_console_setting(box: Box) -> None:
    c = client(box)
    chan = c.invoke_shell(term="xterm", width=80, height=10)  # the prompt is drawn: its space is a cursor move
    read_until(chan, "FortiADC-VM #")
    chan.send(b"get system global\r")
    assert "--More--" in read_until(chan, "--More--")
    chan.send(b"q")
    read_until(chan, "FortiADC-VM #")
    box.run("config system console", "set output standard", "end")
    chan.send(b"get system global\r")
    got = read_until(chan, "threat-analytics")
    assert "--More--" not in got and "threat-analytics" in got
    chan.send(b"\x03")  # Ctrl+C at the top prompt: this session ends, nobody else's
    read_to_close(chan)
    assert chan.closed or chan.exit_status_ready()
    assert "hostname" in box.run("get system global")
    c.close()


# ------------------------------------------------------------------------------------------ several at once
def test_sessions_share_the_store_and_see_each_other(box: Box) -> None:
    a, b = client(box), client(box)
    ca, cb = line_shell(a), line_shell(b)
    read_until(ca, "# "), read_until(cb, "# ")
    ca.send(b"config system global\nset hostname SHARED\nend\n")
    assert "SHARED # " in read_until(ca, "SHARED # ")
    cb.send(b"get system info admin status\n")
    got = read_until(cb, "SHARED # ")  # the other session's prompt follows the commit at once
    assert got.count("ssh(127.0.0.1)") == 2
    # two sessions edit the same entry: each its own working copy, the last to commit wins
    ca.send(b"config system admin\nedit admin\nset trusted-hosts 10.0.0.0/8\n")
    cb.send(b"config system admin\nedit admin\nset trusted-hosts 127.0.0.0/8\n")
    read_until(ca, "(admin) # "), read_until(cb, "(admin) # ")
    ca.send(b"end\n")
    read_until(ca, "SHARED # ")
    cb.send(b"end\n")
    read_until(cb, "SHARED # ")
    assert "trusted-hosts       : 127.0.0.0/8" in box.run("get system admin admin")
    a.close(), b.close()


# ------------------------------------------------------------------------------------------ netmiko
def test_netmiko_fortinet_driver(box: Box) -> None:
    from netmiko import ConnectHandler

    conn = ConnectHandler(device_type="fortinet", host=box.ip, port=box.port, username="admin", password="",
                          timeout=20, conn_timeout=10)
    try:
        assert conn.find_prompt() == "FortiADC-VM #"
        assert "Version:            FortiADC-VM v7.4.4" in conn.send_command("get system status")
        assert "set port-ssh" in conn.send_command("show system global")
        conn.send_config_set(["config system global", "set hostname NETMIKO", "end"])
        assert "hostname            : NETMIKO" in box.run("get system global")
        assert conn.send_command("get system global | grep hostname", expect_string=r"#").strip().startswith(
            "hostname            : NETMIKO")
    finally:
        conn.disconnect()
    # the driver set output standard for its session and put it back to more when it left
    assert "output              : more" in box.run("get system console")


# ------------------------------------------------------------------------------------------ abuse
def test_client_that_never_logs_in_is_dropped(tmp_path: Path) -> None:
    for b in boxes(tmp_path / "d", login_timeout=1.0):
        with socket.create_connection((b.ip, b.port), timeout=10) as s:
            start = time.monotonic()
            s.settimeout(10)
            while s.recv(4096):
                pass
            assert time.monotonic() - start < 8


def test_long_line_and_garbage_get_the_consoles_errors(box: Box) -> None:
    c = client(box)
    chan = line_shell(c)
    read_until(chan, "FortiADC-VM # ")
    chan.sendall(b"x" * 1_000_000 + b"\n")
    got = read_until(chan, "FortiADC-VM # ", timeout=30)
    local = box.local.execute("x" * 1_000_000)
    assert local.error.strip().splitlines()[-1] in got
    garbage = bytes(b for b in range(256) if b not in b"\x03\x04\r\n\x7f\x08") + b"\xff\xfe"
    chan.sendall(garbage + b"\n")
    got = read_until(chan, "FortiADC-VM # ")
    local = box.local.execute(garbage.decode("utf-8", "replace"))
    assert local.failed and local.error in got.replace("\r\n", "\n")
    chan.send(b"get system console\n")
    assert "output" in read_until(chan, "FortiADC-VM # ")
    assert len("x" * 1_000_000) > MAX_LINE
    c.close()


def test_many_connections_do_not_stall_other_consoles(box: Box) -> None:
    import asyncio
    import threading

    import asyncssh

    ready = threading.Event()
    release = threading.Event()
    opened: list[int] = []

    async def crowd() -> None:
        async def one() -> object:
            return await asyncssh.connect(box.ip, box.port, username="admin", password="", known_hosts=None)

        conns = await asyncio.gather(*(one() for _ in range(200)), return_exceptions=True)
        opened.append(sum(1 for x in conns if not isinstance(x, BaseException)))
        ready.set()
        while not release.is_set():
            await asyncio.sleep(0.05)
        for x in conns:
            if not isinstance(x, BaseException):
                x.close()  # type: ignore[attr-defined]

    worker = threading.Thread(target=asyncio.run, args=(crowd(),), daemon=True)
    worker.start()
    try:
        assert ready.wait(120)
        assert opened == [200]
        start = time.monotonic()
        c = client(box)
        _, out, _ = c.exec_command("get system console")
        assert "output" in out.read().decode()
        c.close()
        assert time.monotonic() - start < 5
        assert "hostname" in box.run("get system global")
        # and the data plane serves
        from .dataplane_helpers import backends, connect, echo, free_port, pool_script, recv_until, vs_ip, vs_script

        with backends(echo(b"hi ")) as (backend,):
            ip = vs_ip()
            port = free_port(ip)
            script = pool_script("p1", [backend.port]) + "\n" + vs_script("vs1", ip, port, "p1")
            assert "Command fail" not in box.run(*script.splitlines())
            start = time.monotonic()
            with connect(ip, port) as s:
                s.sendall(b"ping")
                assert recv_until(s, b"ping") == b"hi ping"
            assert time.monotonic() - start < 5
    finally:
        release.set()
        worker.join(30)


def test_data_plane_follows_a_commit_made_over_ssh(box: Box) -> None:
    from .dataplane_helpers import backends, connect, echo, free_port, pool_script, recv_until, vs_ip, vs_script

    with backends(echo(b"hi ")) as (backend,):
        ip = vs_ip()
        port = free_port(ip)
        script = pool_script("p1", [backend.port]) + "\n" + vs_script("vs1", ip, port, "p1") + "\n"
        c = client(box)
        chan = line_shell(c)
        read_until(chan, "FortiADC-VM # ")
        chan.sendall(script.encode())
        got = read_until(chan, "set load-balance-pool \"p1\"\r\nFortiADC-VM (vs1) # end\r\nFortiADC-VM # ")
        assert "Command fail" not in got, got
        with connect(ip, port) as s:
            s.sendall(b"ping")
            assert recv_until(s, b"ping") == b"hi ping"
        c.close()


def test_terminal_mode_has_help_tab_and_history(box: Box) -> None:
    box.run("config system console", "set output standard", "end")
    c = client(box)
    chan = c.invoke_shell(term="xterm-256color", width=120, height=40)
    read_until(chan, "FortiADC-VM #")
    chan.send(b"config system ?")
    assert "console" in read_until(chan, "console")  # the ? listing, at once, without Enter
    chan.send(b"\x15")  # Ctrl+U: drop the line
    chan.send(b"get system cons\t")
    # the echoed line shows the word Tab completed (the engine would also take the prefix on Enter)
    assert "get system console" in read_until(chan, "get system console")
    chan.send(b"\r")
    assert "output              : standard" in read_until(chan, "standard")
    chan.send(b"\x1b[A\r")  # Up: the same command again, from the history
    assert "output              : standard" in read_until(chan, "standard")
    chan.send(b"exit\r")
    read_to_close(chan)
    c.close()


def test_terminal_mode_long_paste_shows_progress_and_failures(box: Box) -> None:
    lines = ["config load-balance real-server"]
    for i in range(60):
        lines += [f"edit rs{i}", f"set ip 10.0.{i}.1", "next"]
    lines[91] = "set ip 999.1.1.1"  # one bad line among 182
    lines.append("end")
    c = client(box)
    chan = c.invoke_shell(term="xterm", width=120, height=40)
    read_until(chan, "FortiADC-VM #")
    chan.sendall(("\x1b[200~" + "\n".join(lines) + "\n\x1b[201~").encode())
    got = read_until(chan, " failed  ")
    assert "line 92: set ip 999.1.1.1" in got
    from adc.appliance import Appliance

    fresh = Appliance().session()
    failed = sum(fresh.execute(line).failed for line in lines)  # what the local console makes of them
    assert failed >= 1 and f"loaded {len(lines)} lines: {len(lines) - failed} ok, {failed} failed" in got
    assert "rs59" in box.run("show load-balance real-server")
    c.close()
