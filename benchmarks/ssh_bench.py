"""SSH console speed (`make bench`): login to the first prompt, and a 1,000-line paste.

paramiko logs in as automation does (password, a shell without a terminal: line mode) to an appliance
whose SSH console listens on loopback; the paste is the console benchmark's 1,000-line script sent in
one write, timed until the prompt after its last line.
"""
from __future__ import annotations

import socket
import statistics
import tempfile
import time
from pathlib import Path

import paramiko

from adc.appliance import Appliance
from cli.ssh_server import SshService

from .cli_bench import make_script

IP = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((IP, 0))
        return int(s.getsockname()[1])


def _read_until(chan: paramiko.Channel, marker: bytes, timeout: float = 60.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    chan.settimeout(timeout)
    while marker not in got and time.monotonic() < deadline:
        data = chan.recv(1 << 20)
        if not data:
            break
        got += data
    return got


def _login(port: int, term: str | None) -> tuple[float, paramiko.SSHClient, paramiko.Channel]:
    t0 = time.perf_counter()
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect(IP, port, username="admin", password="", look_for_keys=False, allow_agent=False)
    transport = c.get_transport()
    assert transport is not None
    chan = transport.open_session()
    if term is not None:
        chan.get_pty(term=term, width=200, height=50)
    chan.invoke_shell()
    _read_until(chan, b"FortiADC-VM # " if term is None else b"FortiADC-VM #")
    return time.perf_counter() - t0, c, chan


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        app = Appliance(None)
        ssh = SshService(app, Path(d))
        ssh.start()
        port = _free_port()
        s = app.session()
        for line in ("config system interface", "edit port2", f"set ip {IP}/8", "set allowaccess ssh", "next",
                     "end", "config system global", f"set port-ssh {port}", "end"):
            s.execute(line)
        try:
            for term, label in ((None, "line mode"), ("xterm", "terminal")):
                times = []
                for _ in range(5):
                    took, c, _chan = _login(port, term)
                    times.append(took)
                    c.close()
                print(f"SSH login to first prompt ({label}): median {statistics.median(times) * 1000:.0f} ms")
            script = make_script(1000)
            _took, c, chan = _login(port, None)
            t0 = time.perf_counter()
            chan.sendall(("\n".join(script) + "\nget system console\n").encode())
            got = _read_until(chan, b"output              : more\r\nFortiADC-VM # ", timeout=120)
            took = time.perf_counter() - t0
            failed = got.count(b"Command fail")
            print(f"SSH paste of {len(script)} lines (line mode): {took * 1000:.0f} ms, {failed} failed lines")
            c.close()
            s.execute("execute factoryreset")
            s.execute("y")
            for line in ("config system interface", "edit port2", f"set ip {IP}/8", "set allowaccess ssh", "next",
                         "end", "config system global", f"set port-ssh {port}", "end"):
                s.execute(line)
            _took, c, chan = _login(port, "xterm")
            t0 = time.perf_counter()
            chan.sendall(("\x1b[200~" + "\n".join(script) + "\n\x1b[201~").encode())
            got = _read_until(chan, b" failed", timeout=120)  # the summary, "loaded N lines: N ok, 0 failed"
            took = time.perf_counter() - t0
            summary = got[got.rfind(b"loaded"):].decode(errors="replace").strip()
            print(f"SSH paste of {len(script)} lines (terminal, bracketed paste): {took * 1000:.0f} ms ({summary})")
            c.close()
        finally:
            ssh.close()
            app.close()


if __name__ == "__main__":
    main()
