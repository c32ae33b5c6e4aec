"""The lab's backends: small servers on loopback, each answering with its own name.

One server speaks HTTP/1.1 (every method and path: ``200`` or the backend's ``status``, body ``<name>\\n``, header
``X-Backend: <name>``) and WebSocket (after the Upgrade, each text message comes back as
``<name> <message>``); with ``tls`` it speaks both over TLS with a self-signed certificate. An L4
virtual server carries the same bytes, so one kind of server serves every lab. Threads, not trio:
the backends run beside the appliance in the console's or the checker's process and need nothing
from the data plane.
"""
from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import struct
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable

from .model import Backend, LabError

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_FRAME = 1 << 16  # the longest WebSocket message a backend echoes
_tls_lock = threading.Lock()
_tls_context: ssl.SSLContext | None = None


def _server_context() -> ssl.SSLContext:
    """One self-signed certificate per process for every TLS backend (made on first need)."""
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            from ..certs import generate_self_signed

            cert, key = generate_self_signed("lab-backend", "ECDSA", "prime256v1", "lab-backend")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            with tempfile.TemporaryDirectory(prefix="adc-lab-") as tmp:
                (Path(tmp) / "c.pem").write_bytes(cert)
                (Path(tmp) / "k.pem").write_bytes(key)
                ctx.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
            _tls_context = ctx
        return _tls_context


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One WebSocket frame: (opcode, unmasked payload). Raises ``ConnectionError`` on a short read."""
    head = _read(sock, 2)
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    masked = head[1] & 0x80
    if length == 126:
        length = struct.unpack("!H", _read(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _read(sock, 8))[0]
    if length > MAX_FRAME:
        raise ConnectionError("frame too long")
    mask = _read(sock, 4) if masked else b""
    data = _read(sock, length)
    if mask:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return opcode, data


def write_frame(sock: socket.socket, opcode: int, data: bytes, mask: bool) -> None:
    head = bytes([0x80 | opcode])
    n = len(data)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if mask:
        key = b"\x11\x22\x33\x44"
        data = key + bytes(b ^ key[i % 4] for i, b in enumerate(data))
    sock.sendall(head + data)


def _read(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        got = sock.recv(n - len(out))
        if not got:
            raise ConnectionError("closed")
        out += got
    return out


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _NameServer

    def log_message(self, format: str, *args: object) -> None:  # quiet: the trainee's console is on this terminal
        pass

    def _answer(self, body: bool = True) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        if self.headers.get("Upgrade", "").lower() == "websocket" and self.command == "GET":
            self._websocket()
            return
        text = (self.server.name + "\n").encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.send_header("X-Backend", self.server.name)
        self.end_headers()
        if body:
            self.wfile.write(text)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _websocket(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(key))
        self.send_header("X-Backend", self.server.name)
        self.end_headers()
        self.wfile.flush()
        sock = self.connection
        try:
            while True:
                opcode, data = read_frame(sock)
                if opcode == 0x8:  # close: answer it and stop
                    write_frame(sock, 0x8, data[:2], mask=False)
                    break
                if opcode == 0x9:
                    write_frame(sock, 0xA, data, mask=False)
                elif opcode in (0x1, 0x2):
                    write_frame(sock, opcode, self.server.name.encode() + b" " + data, mask=False)
        except (OSError, ConnectionError):
            pass
        self.close_connection = True


class _NameServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, backend: Backend) -> None:
        self.name = backend.name
        self.status = backend.status
        self.tls = _server_context() if backend.tls else None
        super().__init__((backend.address, backend.port), _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        conn.settimeout(30)
        if self.tls is not None:  # the handshake happens in the handler's thread, at its first read
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that went away is not worth a traceback on the trainee's screen


class Backends:
    """The running backends of one lab; ``close`` stops them all."""

    def __init__(self, backends: Iterable[Backend]) -> None:
        self.servers: list[_NameServer] = []
        self.threads: list[threading.Thread] = []
        try:
            for b in backends:
                try:
                    server = _NameServer(b)
                except OSError as exc:
                    raise LabError(f"backend {b.name} cannot listen on {b.address}:{b.port}: "
                                   f"{exc.strerror or exc}") from None
                self.servers.append(server)
                t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                     name=f"lab-backend-{b.name}", daemon=True)
                t.start()
                self.threads.append(t)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()
        for t in self.threads:
            t.join(5)
        self.servers, self.threads = [], []

    def __enter__(self) -> Backends:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
