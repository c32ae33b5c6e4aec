#!/usr/bin/env python3
"""Small web servers to put behind adc (Python standard library only).

    python3 examples/backends.py                      # A on 127.0.0.1:18081, B on 127.0.0.1:18082
    python3 examples/backends.py 127.0.0.1:9001=web1 127.0.0.1:9002=web2

Each server answers every GET with one line naming itself (``backend A: GET /path``), HEAD with
200 (what health checks send), and turns a WebSocket upgrade into an echo: every text message comes
back as ``A: <message>``, so you can see which backend a WebSocket landed on. Ctrl+C stops them.
"""
from __future__ import annotations

import base64
import hashlib
import http.server
import socket
import socketserver
import struct
import sys
import threading

DEFAULT = ("127.0.0.1:18081=A", "127.0.0.1:18082=B")
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One WebSocket frame from a client: (opcode, unmasked payload). Fragments are read as frames."""
    head = recv_exact(sock, 2)
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", recv_exact(sock, 8))[0]
    mask = recv_exact(sock, 4) if head[1] & 0x80 else b"\0\0\0\0"
    payload = bytearray(recv_exact(sock, length))
    for i in range(length):
        payload[i] ^= mask[i % 4]
    return opcode, bytes(payload)


def frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked frame (servers do not mask)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    name = "?"
    quiet = False  # no request log (the demo's console shares the terminal)

    def do_HEAD(self) -> None:
        self._reply(f"backend {self.name}: GET {self.path}\n".encode(), head=True)

    def do_GET(self) -> None:
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self._websocket()
            return
        self._reply(f"backend {self.name}: GET {self.path}\n".encode())

    def _reply(self, body: bytes, head: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _websocket(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        sock = self.connection
        try:
            while True:
                opcode, payload = read_frame(sock)
                if opcode == 0x8:  # close: answer it and stop
                    sock.sendall(frame(0x8, payload[:2]))
                    break
                if opcode == 0x9:  # ping
                    sock.sendall(frame(0xA, payload))
                elif opcode in (0x1, 0x2):
                    reply = f"{self.name}: ".encode() + payload if opcode == 0x1 else payload
                    sock.sendall(frame(opcode, reply))
        except (ConnectionError, OSError):
            pass
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            sys.stderr.write(f"backend {self.name}: {format % args}\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(spec: str, quiet: bool = False) -> Server:
    """Start one backend from ``ip:port=name``; returns the running server."""
    where, _, name = spec.partition("=")
    ip, _, port = where.rpartition(":")
    handler = type(f"Handler_{name}", (Handler,), {"name": name or where, "quiet": quiet})
    server = Server((ip.strip("[]"), int(port)), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str]) -> int:
    specs = argv or list(DEFAULT)
    try:
        servers = [start(s) for s in specs]
    except OSError as err:
        print(f"backends: cannot listen: {err.strerror or err} (is another program on that port?)", file=sys.stderr)
        return 1
    for s, spec in zip(servers, specs):
        host, port = s.server_address[:2]
        print(f"backend {spec.partition('=')[2] or spec} listening on {host}:{port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    for s in servers:
        s.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
