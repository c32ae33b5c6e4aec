"""A first quarter hour that works: the shipped scripts replay, the quick start and ``make demo`` serve
round robin, HTTPS with the Factory certificate and a WebSocket, with the examples' own backends and
client (real processes, curl, a real WebSocket client)."""
from __future__ import annotations

import random
import re
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest
from websockets.sync.client import connect as ws_connect

from .dataplane_helpers import vs_ip

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted((ROOT / "fixtures" / "examples").glob("*.cli")) + sorted(EXAMPLES.glob("*.cli"))
ADC = str(Path(sys.executable).parent / "adc")
README = (ROOT / "README.md").read_text()


def free_base(ip: str, count: int = 4) -> int:
    """A port such that it and the next ``count - 1`` are free on ``ip`` (bounded tries)."""
    for _ in range(200):
        base = random.randrange(20000, 60000)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind((ip, p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError("no free port range")


def read_until(stream: IO[bytes], marker: bytes, timeout: float = 30.0) -> bytes:
    """Lines from a child's stdout until one holds ``marker`` (bounded by the child's own timeout)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, seen
        line = stream.readline()
        assert line, seen  # the child ended before saying it
        seen += line
    return seen


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_shipped_script_replays_without_a_failing_line(script: Path, tmp_path: Path) -> None:
    """Through the installed adc, on a fresh data directory, as the README says to replay them."""
    done = subprocess.run([ADC, "--no-serve", "--data-dir", str(tmp_path / "box")], input=script.read_bytes(),
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and b"Command fail" not in done.stderr, done.stderr.decode()[-2000:]


def test_the_mysql_example_has_its_icmp_check_and_the_websocket_one_needs_no_file() -> None:
    mysql = (ROOT / "fixtures/examples/fortinet-cli-reference-7.4.4_mysql-l7-vs.cli").read_text()
    assert mysql.index('edit "icmp"') < mysql.index("set health-check-list icmp")  # made before it is used
    ws = (ROOT / "fixtures/examples/fortiadc-handbook-websocket_wss-l7-https.cli").read_text()
    assert not [line for line in ws.splitlines() if line.startswith("execute certificate local import")]


def test_the_demo_serves_round_robin_https_with_the_factory_certificate_and_websocket(tmp_path: Path) -> None:
    ip = vs_ip()
    base = free_base(ip)
    data = tmp_path / "demo"
    with subprocess.Popen([sys.executable, str(EXAMPLES / "demo.py"), "--data-dir", str(data), "--adc", ADC,
                           "--ip", ip, "--port-base", str(base)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as demo:
        try:
            _drive_the_demo(demo, ip, base, data)
        finally:
            if demo.poll() is None:
                demo.kill()


def _drive_the_demo(demo: subprocess.Popen[bytes], ip: str, base: int, data: Path) -> None:
    assert demo.stdin is not None and demo.stdout is not None
    said = read_until(demo.stdout, b"to stop the demo").decode()
    cert = data / "certs" / "Factory.crt"
    assert f"curl http://{ip}:{base}/" in said and str(cert) in said and "traffic.log" in said
    # the console starts serving a moment after it printed that: wait until the listener answers
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection((ip, base), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    bodies = [subprocess.run(["curl", "-s", "--max-time", "10", f"http://{ip}:{base}/r{i}"], capture_output=True,
                             timeout=30, check=True).stdout.decode() for i in range(4)]
    names = [b.split(":")[0] for b in bodies]
    assert names in (["backend A", "backend B"] * 2, ["backend B", "backend A"] * 2), bodies
    # HTTPS with the Factory certificate trusted as the README says (its names: localhost, 127.0.0.1)
    https = subprocess.run(["curl", "-s", "--max-time", "10", "--cacert", str(cert),
                            "--resolve", f"localhost:{base + 3}:{ip}", f"https://localhost:{base + 3}/secure"],
                           capture_output=True, timeout=30)
    assert https.returncode == 0 and https.stdout.decode().endswith(": GET /secure\n"), https
    # WebSocket with the example client, and wss with the Factory certificate
    ws = subprocess.run([sys.executable, str(EXAMPLES / "ws_client.py"), f"ws://{ip}:{base}/chat", "hello", "again"],
                        capture_output=True, timeout=30)
    assert ws.returncode == 0 and re.fullmatch(r"([AB]): hello\n\1: again\n", ws.stdout.decode()), ws
    tls = ssl.create_default_context(cafile=str(cert))
    with ws_connect(f"wss://{ip}:{base + 3}/chat", ssl=tls, server_hostname="localhost") as secure:
        secure.send("over tls")
        assert secure.recv(timeout=10) in ("A: over tls", "B: over tls")
    demo.stdin.write(b"get load-balance virtual-server-status\n")
    demo.stdin.close()
    out = demo.stdout.read().decode()
    assert demo.wait(timeout=60) == 0
    assert "== [ web ]" in out and "== [ web-https ]" in out and "availability        : available" in out
    assert "slb_http" in (data / "log" / "traffic.log").read_text()  # where the README says the logs are


def test_the_demo_says_which_port_is_taken() -> None:
    ip = vs_ip()
    base = free_base(ip)
    with socket.socket() as squatter:
        squatter.bind((ip, base + 1))
        squatter.listen()
        done = subprocess.run([sys.executable, str(EXAMPLES / "demo.py"), "--adc", ADC, "--ip", ip,
                               "--port-base", str(base)], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert f"port {base + 1} on {ip} is in use by another program" in done.stderr.decode()


def test_the_quick_start_script_with_the_example_backends(tmp_path: Path) -> None:
    """examples/quickstart.cli as the README's by-hand steps run it (moved to a free address and ports)."""
    ip = vs_ip()
    base = free_base(ip)
    script = (EXAMPLES / "quickstart.cli").read_text().replace("127.0.0.1", ip)
    for old, new in (("18080", base), ("18081", base + 1), ("18082", base + 2)):
        script = script.replace(old, str(new))
    with subprocess.Popen([sys.executable, str(EXAMPLES / "backends.py"), f"{ip}:{base + 1}=A",
                           f"{ip}:{base + 2}=B"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as backends:
        try:
            _serve_the_quick_start(backends, ip, base, script, tmp_path)
        finally:
            backends.terminate()


def _serve_the_quick_start(backends: subprocess.Popen[bytes], ip: str, base: int, script: str, tmp_path: Path) -> None:
    assert backends.stdout is not None
    read_until(backends.stdout, b"backend B listening")
    box = str(tmp_path / "box")
    configured = subprocess.run([ADC, "--data-dir", box], input=script.encode(), capture_output=True, timeout=60)
    assert configured.returncode == 0 and not configured.stderr, configured.stderr
    with subprocess.Popen([ADC, "--data-dir", box], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL) as serving:
        deadline = time.monotonic() + 30
        while True:
            got = subprocess.run(["curl", "-s", "--max-time", "5", f"http://{ip}:{base}/"], capture_output=True,
                                 timeout=30).stdout.decode()
            if got.startswith("backend "):
                break
            assert time.monotonic() < deadline, got
            time.sleep(0.05)
        seen = {subprocess.run(["curl", "-s", f"http://{ip}:{base}/"], capture_output=True, timeout=30,
                               check=True).stdout.decode().split(":")[0] for _ in range(4)}
        assert seen == {"backend A", "backend B"}  # the health check probes each member's own port
        assert serving.stdin is not None
        serving.stdin.close()
        assert serving.wait(timeout=30) == 0


def test_the_readme_quick_start_names_what_ships_and_what_to_type() -> None:
    for path in set(re.findall(r"\b(examples/[\w./-]+\.(?:cli|py))", README)):
        assert (ROOT / path).exists(), path
    assert ".venv/bin/adc" in README and "make demo" in README
    assert "Factory.crt" in README and "--cacert" in README and "`<data dir>/log/`: `traffic.log`" in README
    assert "pool_member_service_port" in README and "LB_HLTHCK_HTTP" in README
    assert "macOS" in README and "127.0.0.1" in README
    quick = (EXAMPLES / "quickstart.cli").read_text()
    assert "set ip 127.0.0.1" in quick and "set port 18080" in quick and "curl http://127.0.0.1:18080/" in README
