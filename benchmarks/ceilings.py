"""CPU-only floors for the data plane, measured on the proxy's own CPU (no sockets, no trio).

``python -m benchmarks.ceilings h11 SECONDS`` prints how many full h11 proxy cycles one core does per
second: parse a wrk-like request, build and serialise the upstream request, parse an nginx-like
answer, build and serialise the downstream response, start the next cycle on both connections; the
work an h11-based L7 proxy cannot avoid per request, with nothing else (no I/O, no load balancing).

``python -m benchmarks.ceilings tls CERT KEY SECONDS`` prints the server side of a full TLS handshake
(``SSLObject.do_handshake`` over memory BIOs, TLS 1.3, the given RSA certificate), in microseconds:
the OpenSSL work a Python TLS server cannot avoid per new connection.
"""
from __future__ import annotations

import json
import ssl
import sys
import time

import h11

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.63.1:8080\r\n\r\n"
ANSWER = (b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 23:00:00 GMT\r\n"
          b"Content-Type: application/octet-stream\r\nContent-Length: 14\r\nConnection: keep-alive\r\n\r\n"
          b"Hello, world!\n")


def h11_cycles(seconds: float) -> float:
    downstream = h11.Connection(h11.SERVER)
    upstream = h11.Connection(h11.CLIENT)
    n = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while True:
        for _ in range(200):
            downstream.receive_data(REQUEST)
            req = downstream.next_event()
            downstream.next_event()  # EndOfMessage
            out = upstream.send(h11.Request(method=req.method, target=req.target, headers=req.headers))
            out += upstream.send(h11.EndOfMessage())
            upstream.receive_data(ANSWER)
            resp = upstream.next_event()
            body = upstream.next_event()
            eom = upstream.next_event()
            back = downstream.send(h11.Response(status_code=resp.status_code, headers=resp.headers, reason=resp.reason))
            back += downstream.send(body) + downstream.send(eom)
            upstream.next_event()  # PAUSED until the next cycle
            downstream.start_next_cycle()
            upstream.start_next_cycle()
        n += 200
        now = time.perf_counter()
        if now >= end:
            return n / (now - t0)


def tls_server_handshake_us(cert: str, key: str, seconds: float) -> float:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    spent, n = 0.0, 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
        c = client.wrap_bio(c_in, c_out)
        s = server.wrap_bio(s_in, s_out, server_side=True)
        c_done = s_done = False
        while not (c_done and s_done):
            if not c_done:
                try:
                    c.do_handshake()
                    c_done = True
                except ssl.SSLWantReadError:
                    pass
            s_in.write(c_out.read())
            if not s_done:
                t = time.perf_counter()
                try:
                    s.do_handshake()
                    s_done = True
                except ssl.SSLWantReadError:
                    pass
                spent += time.perf_counter() - t
            c_in.write(s_out.read())
        n += 1
    return spent / n * 1e6


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "h11":
        print(json.dumps({"h11_cycles_per_s": h11_cycles(float(a[1]))}))
    elif a[0] == "tls":
        print(json.dumps({"tls_server_handshake_us": tls_server_handshake_us(a[1], a[2], float(a[3]))}))
    else:
        raise SystemExit("usage: ceilings h11 SECONDS | ceilings tls CERT KEY SECONDS")
