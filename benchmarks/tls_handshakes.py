"""New TLS handshakes per second: a load client that never resumes a TLS session.

``python -m benchmarks.tls_handshakes HOST PORT CONNS WARMUP SECONDS`` keeps CONNS connections in
flight; each one is a new TCP connection, a full TLS handshake (no session ticket or session id is
ever offered, so the server signs with its key every time: RSA-2048 with the Factory certificate),
one ``GET / HTTP/1.1`` with ``Connection: close``, the whole answer read up to the server's close,
then the next connection. Prints one JSON line: ``{"handshakes_per_s": ..., "errors": ...}``.

wrk is not used here on purpose: it keeps the TLS session of a closed connection and resumes it on
the next one (HAProxy reports 100 % session reuse under ``wrk -H "Connection: close"``), which
measures TLS 1.3 resumption rather than new handshakes.
"""
from __future__ import annotations

import json
import select
import socket
import ssl
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"


def run(host: str, port: int, conns: int, warmup: float, seconds: float) -> dict:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # as wrk does: the client's cost stays low
    ctx.options |= ssl.OP_NO_TICKET
    ctx.set_alpn_protocols(["http/1.1"])
    ep = select.epoll()
    live: dict[int, list] = {}  # fd -> [ssl socket, phase (0 handshake, 1 reading), answer bytes]
    done = errors = 0

    def start() -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        o = ctx.wrap_socket(s, do_handshake_on_connect=False, server_hostname="localhost")
        live[o.fileno()] = [o, 0, b""]
        ep.register(o.fileno(), select.EPOLLOUT | select.EPOLLIN)

    def finish(fd: int, ok: bool) -> None:
        nonlocal done, errors
        o = live.pop(fd)[0]
        ep.unregister(fd)
        o.close()
        if ok:
            done += 1
        else:
            errors += 1
        start()

    for _ in range(conns):
        start()
    t0 = time.perf_counter()
    t_measure, measuring = t0 + warmup, False
    t_end = t_measure + seconds
    now = t0
    while now < t_end:
        for fd, _ in ep.poll(0.2):
            st = live.get(fd)
            if st is None:
                continue
            o = st[0]
            try:
                if st[1] == 0:
                    o.do_handshake()
                    o.sendall(REQUEST)
                    st[1] = 1
                    ep.modify(fd, select.EPOLLIN)
                while True:
                    data = o.recv(65536)
                    if not data:
                        finish(fd, st[2].startswith(b"HTTP/1.1 200"))
                        break
                    st[2] += data
            except ssl.SSLWantReadError:
                ep.modify(fd, select.EPOLLIN)
            except ssl.SSLWantWriteError:
                ep.modify(fd, select.EPOLLOUT)
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                finish(fd, st[2].startswith(b"HTTP/1.1 200"))
            except OSError:
                finish(fd, False)
        now = time.perf_counter()
        if not measuring and now >= t_measure:
            measuring, done, errors, t_measure = True, 0, 0, now
    elapsed = now - t_measure
    for st in live.values():
        st[0].close()
    return {"handshakes_per_s": done / elapsed, "handshakes": done, "errors": errors, "seconds": elapsed}


if __name__ == "__main__":
    a = sys.argv[1:]
    print(json.dumps(run(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]))), flush=True)
