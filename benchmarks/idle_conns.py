"""Holds many idle TCP connections open for the memory-per-connection measurement.

Runs as its own process (``python -m benchmarks.idle_conns``) so that the proxy under test and the
client ends of its connections never share one descriptor table (the hard limit here is 20,000).
Commands on stdin, one per line, each answered on stdout:

* ``open HOST PORT N``: connect N times (blocking connects, so the listener's backlog paces us) and
  send nothing; answers ``opened N`` (or ``error ...``).
* ``close``: closes them all; answers ``closed``.
"""
from __future__ import annotations

import resource
import socket
import sys


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held: list[socket.socket] = []
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "open":
            host, port, n = words[1], int(words[2]), int(words[3])
            try:
                for _ in range(n):
                    s = socket.create_connection((host, port), timeout=30)
                    held.append(s)
                print(f"opened {len(held)}", flush=True)
            except OSError as exc:
                print(f"error after {len(held)}: {exc}", flush=True)
        elif words[0] == "close":
            for s in held:
                s.close()
            held.clear()
            print("closed", flush=True)


if __name__ == "__main__":
    main()
