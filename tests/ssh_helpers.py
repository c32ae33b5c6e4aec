"""An appliance with its SSH console listening on a test loopback address, and client helpers."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import paramiko

from adc.appliance import Appliance
from adc.engine.session import Session
from cli.ssh_auth import LoginPolicy
from cli.ssh_server import SshService

from .dataplane_helpers import free_port, vs_ip


@dataclass
class Box:
    app: Appliance
    ssh: SshService
    ip: str
    port: int
    local: Session
    clock: list[float]

    def run(self, *lines: str) -> str:
        """Lines at the local console; their output and errors."""
        out = []
        for line in lines:
            with self.app.lock:
                reply = self.local.execute(line)
            out.append(reply.output + reply.error + reply.notice)
        return "".join(out)

    def events(self) -> str:
        return "\n".join(self.app.log_tail("event", 200) or [])


def listen_on(box_run: Callable[..., str], ip: str, port: int) -> str:
    return box_run("config system interface", "edit port2", f"set ip {ip}/8", "set allowaccess ssh ping",
                   "next", "end", "config system global", f"set port-ssh {port}", "end")


def make_box(tmp: Path, serve: bool = True, login_timeout: float = 5.0, idle_scale: float = 60.0) -> Box:
    app = Appliance(tmp, sync=False, serve=serve)
    clock = [1000.0]
    ssh = SshService(app, tmp, login_timeout=login_timeout, idle_scale=idle_scale,
                     policy=LoginPolicy(app, clock=lambda: clock[0]))
    ssh.start()
    ip = vs_ip()
    port = free_port(ip)
    box = Box(app, ssh, ip, port, app.session(), clock)
    listen_on(box.run, ip, port)
    assert (ip, port) in ssh.bound
    return box


def close_box(box: Box) -> None:
    box.ssh.close()
    box.app.close()


def client(box: Box, user: str = "admin", password: str = "") -> paramiko.SSHClient:
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect(box.ip, box.port, username=user, password=password, look_for_keys=False, allow_agent=False,
              timeout=10, banner_timeout=10, auth_timeout=10)
    return c


def read_until(chan: paramiko.Channel, marker: str, timeout: float = 10.0) -> str:
    """What the channel sends until ``marker`` appears (or the channel closes, or the time is up)."""
    chan.settimeout(0.2)
    got = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in got and time.monotonic() < deadline:
        try:
            data = chan.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        got += data
    return got.decode("utf-8", "replace")


def read_to_close(chan: paramiko.Channel, timeout: float = 10.0) -> str:
    chan.settimeout(0.2)
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = chan.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        got += data
    return got.decode("utf-8", "replace")


def line_shell(c: paramiko.SSHClient, term: str | None = None) -> paramiko.Channel:
    """A shell channel without a pty (``term`` None) or with a pty of type ``term``."""
    transport = c.get_transport()
    assert transport is not None
    chan = transport.open_session()
    if term is not None:
        chan.get_pty(term=term, width=200, height=50)
    chan.invoke_shell()
    return chan


def openssh(box: Box, tmp: Path, command: str | None = None, opts: tuple[str, ...] = (), password: str = "",
            user: str = "admin", stdin: bytes = b"", timeout: float = 20.0) -> subprocess.CompletedProcess[bytes]:
    """OpenSSH's ``ssh`` with the password given through SSH_ASKPASS (no terminal needed)."""
    askpass = tmp / "askpass.sh"
    askpass.write_text(f"#!/bin/sh\nprintf '%s\\n' '{password}'\n")
    askpass.chmod(0o700)
    env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0",
               TERM="xterm")
    cmd = ["ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
           "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-p", str(box.port), *opts,
           f"{user}@{box.ip}"] + ([command] if command is not None else [])
    return subprocess.run(cmd, input=stdin, capture_output=True, env=env, timeout=timeout, start_new_session=True)


def boxes(tmp: Path, **kw: object) -> Iterator[Box]:
    box = make_box(tmp, **kw)  # type: ignore[arg-type]
    try:
        yield box
    finally:
        close_box(box)
