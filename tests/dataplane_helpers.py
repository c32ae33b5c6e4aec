"""Shared pieces for data-plane tests: real backend servers on loopback and config snippets.

Backends are plain threaded socket servers bound to port 0 (the kernel picks the port); virtual
servers listen on their own 127.x.y.z address so tests never collide on a port.
"""
from __future__ import annotations

import itertools
import os
import socket
import socketserver
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from adc.appliance import Appliance
from adc.engine.session import Session

_next_ip = itertools.count(10)
# Two test runs on one machine keep apart by giving each its own block: ADC_TEST_NET=150 uses 127.0.150.x up.
_NET = int(os.environ.get("ADC_TEST_NET", "100"))


def vs_ip() -> str:
    """A loopback address no other test in this process uses."""
    n = next(_next_ip)
    return f"127.0.{n // 250 + _NET}.{n % 250 + 1}"


def free_port(ip: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class Backend:
    """A threaded TCP server; ``handler(conn)`` serves one connection. Records the bytes it received."""

    def __init__(self, handler: Callable[[socket.socket], None], ip: str = "127.0.0.1") -> None:
        self.handler = handler
        self.received: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        outer = self

        class _H(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with outer._lock:
                    outer.connections += 1
                try:
                    outer.handler(self.request)
                except OSError:
                    pass

        self.server = socketserver.ThreadingTCPServer((ip, 0), _H, bind_and_activate=False)
        self.server.allow_reuse_address = True
        self.server.daemon_threads = True
        self.server.server_bind()
        self.server.server_activate()
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def echo(prefix: bytes = b"") -> Callable[[socket.socket], None]:
    """Echo everything back (with a prefix once), then, at the client's EOF, say goodbye and close."""

    def handle(conn: socket.socket) -> None:
        if prefix:
            conn.sendall(prefix)
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
        conn.sendall(b"<eof seen>")
        conn.close()

    return handle


@contextmanager
def backends(*handlers: Callable[[socket.socket], None]) -> Iterator[list[Backend]]:
    started = [Backend(h) for h in handlers]
    try:
        yield started
    finally:
        for b in started:
            b.close()


@contextmanager
def appliance() -> Iterator[Appliance]:
    app = Appliance(None, serve=True)
    try:
        yield app
    finally:
        app.close()


def run(s: Session, script: str) -> str:
    """Run lines; fail on any error. Returns the output."""
    out = []
    for line in script.strip().splitlines():
        r = s.execute(line.strip())
        assert not r.failed, (line, r.error)
        out.append(r.output)
    return "".join(out)


def run_notice(s: Session, script: str) -> str:
    """Run lines that must all succeed; returns the notices they printed (what this host cannot do)."""
    notices = []
    for line in script.strip().splitlines():
        r = s.execute(line.strip())
        assert not r.failed, (line, r.error)
        notices.append(r.notice)
    return "".join(notices)


def try_run(s: Session, script: str) -> tuple[str, str]:
    out, err = [], []
    for line in script.strip().splitlines():
        r = s.execute(line.strip())
        out.append(r.output)
        err.append(r.error)
    return "".join(out), "".join(err)


def pool_script(name: str, ports: list[int], ip: str = "127.0.0.1", extra: str = "", member_extra: dict[int, str] | None = None) -> str:
    rs = f"rs-{ip}"
    lines = ["config load-balance real-server", f'edit "{rs}"', f"set ip {ip}", "end",
             "config load-balance pool", f'edit "{name}"', extra, "config pool_member"]
    for i, port in enumerate(ports, start=1):
        lines += [f"edit {i}", f'set real-server "{rs}"', f"set pool_member_service_port {port}"]
        if member_extra and i in member_extra:
            lines += member_extra[i].splitlines()
        lines.append("next")
    lines += ["end", "end"]
    return "\n".join(l for l in lines if l)


def vs_script(name: str, ip: str, port: int | str, pool: str, profile: str = "LB_PROF_TCP",
              vs_type: str = "l4-load-balance", method: str = "LB_METHOD_ROUND_ROBIN", extra: str = "") -> str:
    return "\n".join(l for l in [
        "config load-balance virtual-server", f'edit "{name}"', f"set type {vs_type}", f"set ip {ip}",
        f"set port {port}", f"set load-balance-profile {profile}", f"set load-balance-method {method}",
        f'set load-balance-pool "{pool}"', extra, "end"] if l)


def connect(ip: str, port: int, timeout: float = 10) -> socket.socket:
    return socket.create_connection((ip, port), timeout=timeout)


def recv_until(conn: socket.socket, marker: bytes, limit: int = 1 << 24) -> bytes:
    """Read until ``marker`` is in the data or the peer closes (bounded by ``limit`` bytes)."""
    data = b""
    while marker not in data and len(data) < limit:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def recv_all(conn: socket.socket, limit: int = 1 << 26) -> bytes:
    data = b""
    while len(data) < limit:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data
