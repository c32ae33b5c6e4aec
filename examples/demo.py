#!/usr/bin/env python3
"""The one-minute demo (``make demo``): two backends, adc configured with ``examples/demo.cli``, its console.

Starts backends A and B (``examples/backends.py``) on 127.0.0.1:18081 and :18082, applies
``examples/demo.cli`` to the data directory (``.demo`` by default; applying it again is harmless), prints
what to try from a second terminal, then runs the adc console on that directory in the foreground.
When the console ends (``exit`` or Ctrl+D) the backends stop too. Standard library only.

    python3 examples/demo.py [--data-dir DIR] [--adc PATH] [--ip IP] [--port-base N]

``--ip`` and ``--port-base`` move the whole demo (127.0.0.1 and 18080, 18081, 18082, 18443 become IP and
N, N+1, N+2, N+3), for a system where those ports are taken.
"""
from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import backends  # noqa: E402  (examples/backends.py, beside this file)

PORTS = {"http": 18080, "a": 18081, "b": 18082, "https": 18443}


def demo_script(ip: str, ports: dict[str, int]) -> str:
    """``demo.cli`` for this address and these ports."""
    text = (HERE / "demo.cli").read_text()
    for key, default in PORTS.items():
        text = text.replace(str(default), f"@{key}@")
    for key, port in ports.items():
        text = text.replace(f"@{key}@", str(port))
    return text.replace("127.0.0.1", ip)


def taken(ip: str, ports: dict[str, int]) -> list[int]:
    """The ports another program already listens on."""
    busy = []
    for port in ports.values():
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no obstacle
            try:
                s.bind((ip, port))
            except OSError:
                busy.append(port)
    return busy


def find_adc(given: str | None) -> str:
    if given:
        return given
    for candidate in (HERE.parent / ".venv" / "bin" / "adc", Path(sys.executable).parent / "adc"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("adc")
    if found is None:
        raise SystemExit("demo: adc is not installed: run `make setup` first (it installs .venv/bin/adc)")
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=str(HERE.parent / ".demo"))
    parser.add_argument("--adc", help="the adc command (default: .venv/bin/adc)")
    parser.add_argument("--ip", default="127.0.0.1")
    parser.add_argument("--port-base", type=int, default=None)
    args = parser.parse_args(argv)
    ip = args.ip
    base = args.port_base
    ports = dict(PORTS) if base is None else {"http": base, "a": base + 1, "b": base + 2, "https": base + 3}
    busy = taken(ip, ports)
    if busy:
        print(f"demo: port {', '.join(map(str, busy))} on {ip} is in use by another program; "
              f"try `python3 examples/demo.py --port-base 28080`", file=sys.stderr)
        return 1
    adc = find_adc(args.adc)
    data = Path(args.data_dir)
    servers = [backends.start(f"{ip}:{ports['a']}=A", quiet=True), backends.start(f"{ip}:{ports['b']}=B", quiet=True)]
    try:
        configured = subprocess.run([adc, "--no-serve", "--data-dir", str(data)], input=demo_script(ip, ports).encode(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if configured.returncode != 0:
            sys.stderr.write(configured.stderr.decode(errors="replace"))
            print("demo: examples/demo.cli did not apply cleanly (see above)", file=sys.stderr)
            return 1
        cert = data / "certs" / "Factory.crt"
        host = "localhost" if ip == "127.0.0.1" else ip
        resolve = "" if ip == "127.0.0.1" else f" --resolve localhost:{ports['https']}:{ip}"
        print(f"""adc demo: backends A and B on {ip}:{ports['a']} and {ip}:{ports['b']}; from a second terminal try
  curl http://{ip}:{ports['http']}/                     # round robin: A, then B, then A...
  curl --cacert {cert}{resolve} https://localhost:{ports['https']}/
  python3 examples/ws_client.py ws://{ip}:{ports['http']}/chat hello
  python3 examples/ws_client.py --cafile {cert} wss://{host}:{ports['https']}/chat hello
logs: {data / 'log' / 'traffic.log'} and {data / 'log' / 'event.log'} (or `execute log display traffic 20` here)
Type `exit` or Ctrl+D to stop the demo.""", flush=True)
        return subprocess.run([adc, "--data-dir", str(data)]).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        for s in servers:
            s.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
