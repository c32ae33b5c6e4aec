#!/usr/bin/env python3
"""A minimal WebSocket client (Python standard library only): connect, send messages, print the answers.

    python3 examples/ws_client.py ws://127.0.0.1:18080/chat hello again
    python3 examples/ws_client.py --cafile ~/.local/share/adc/certs/Factory.crt wss://localhost:18443/chat hi

Each argument after the URL is sent as one text message and its answer printed (with
``examples/backends.py`` behind adc: ``A: hello``, from the backend the connection landed on).
"""
from __future__ import annotations

import argparse
import base64
import os
import socket
import ssl
import struct
import sys
from urllib.parse import urlsplit


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def send_text(sock: socket.socket, text: str) -> None:
    """One masked text frame (clients always mask, RFC 6455 section 5.3)."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def recv_text(sock: socket.socket) -> str:
    head = recv_exact(sock, 2)
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", recv_exact(sock, 8))[0]
    return recv_exact(sock, length).decode(errors="replace")


def connect(url: str, cafile: str | None, timeout: float = 10.0) -> socket.socket:
    """Open the connection and do the opening handshake; raises ConnectionError if it is refused."""
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if secure else 80)
    sock: socket.socket = socket.create_connection((host, port), timeout=timeout)
    if secure:
        ctx = ssl.create_default_context(cafile=cafile)
        sock = ctx.wrap_socket(sock, server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(sock, 1)
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 101 " not in status + " ":
        raise ConnectionError(f"no WebSocket: the server answered {status!r}")
    return sock


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Send text messages over a WebSocket and print the answers.")
    parser.add_argument("--cafile", help="a certificate to trust for wss:// (adc's Factory.crt)")
    parser.add_argument("url")
    parser.add_argument("messages", nargs="*", default=["hello"])
    args = parser.parse_args(argv)
    try:
        sock = connect(args.url, args.cafile)
        with sock:
            for message in args.messages:
                send_text(sock, message)
                print(recv_text(sock), flush=True)
    except (OSError, ConnectionError) as err:
        print(f"ws_client: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
