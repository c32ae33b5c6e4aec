"""WebSocket echo for the data-plane benchmark: a backend server and a ping-pong load client.

Both speak real RFC 6455 on the wire (HTTP/1.1 Upgrade handshake, ``101 Switching Protocols``,
``Sec-WebSocket-Accept``, framed messages) but are kept minimal, so that the proxy in the middle, not
this Python code, is what runs out of CPU first:

* ``server HOST PORT``: one epoll loop; answers the Upgrade, then echoes every data frame back
  (unmasked, as a server must), answers ping with pong and close with close.
* ``client HOST PORT CONNS WARMUP SECONDS [PAYLOAD]``: opens CONNS WebSocket connections (through
  the proxy under test or directly), then every connection plays ping-pong: it sends one masked
  binary message of PAYLOAD bytes, waits for its echo, sends the next. Prints one JSON line:
  ``{"messages_per_s": ..., "messages": ..., "seconds": ...}`` counted over SECONDS after a WARMUP.

A "message" is one echo round trip: a client->server message and the server's reply. The client
masks with a zero key (valid framing: the key is on the wire; the payload stays readable), which
spares it the XOR work; the server unmasks whatever key it gets.
"""
from __future__ import annotations

import base64
import hashlib
import json
import select
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B65"
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="


def _accept_value(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def _unmask(payload: bytes, key: bytes) -> bytes:
    if key == b"\0\0\0\0" or not payload:
        return payload
    n = len(payload)
    mask = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big")


def _header(opcode: int, length: int, mask: bool) -> bytes:
    b0 = 0x80 | opcode
    m = 0x80 if mask else 0
    if length < 126:
        return bytes((b0, m | length))
    if length < 65536:
        return bytes((b0, m | 126)) + struct.pack("!H", length)
    return bytes((b0, m | 127)) + struct.pack("!Q", length)


class _Conn:
    __slots__ = ("sock", "buf", "upgraded")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.upgraded = False


def _frames(conn: _Conn) -> tuple[list[bytes], bool]:
    """Echo replies for the complete frames in ``conn.buf``; True when the peer asked to close."""
    out: list[bytes] = []
    buf = conn.buf
    pos = 0
    closing = False
    while len(buf) - pos >= 2:
        b0, b1 = buf[pos], buf[pos + 1]
        length = b1 & 0x7F
        hdr = 2
        if length == 126:
            if len(buf) - pos < 4:
                break
            length = struct.unpack_from("!H", buf, pos + 2)[0]
            hdr = 4
        elif length == 127:
            if len(buf) - pos < 10:
                break
            length = struct.unpack_from("!Q", buf, pos + 2)[0]
            hdr = 10
        key = b""
        if b1 & 0x80:
            key = buf[pos + hdr:pos + hdr + 4]
            hdr += 4
        if len(buf) - pos < hdr + length:
            break
        payload = buf[pos + hdr:pos + hdr + length]
        if key:
            payload = _unmask(payload, key)
        pos += hdr + length
        opcode = b0 & 0x0F
        if opcode == 0x8:
            out.append(_header(0x8, len(payload), False) + payload)
            closing = True
            break
        if opcode == 0x9:
            out.append(_header(0xA, len(payload), False) + payload)
        elif opcode in (0x0, 0x1, 0x2):
            out.append(bytes((b0, length)) + payload if length < 126 else _header(opcode, length, False) + payload)
    conn.buf = buf[pos:]
    return out, closing


def serve(host: str, port: int) -> None:
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(4096)
    lsock.setblocking(False)
    ep = select.epoll()
    ep.register(lsock.fileno(), select.EPOLLIN)
    conns: dict[int, _Conn] = {}
    print("ready", flush=True)

    def drop(fd: int) -> None:
        c = conns.pop(fd, None)
        if c is not None:
            ep.unregister(fd)
            c.sock.close()

    while True:
        for fd, _ in ep.poll():
            if fd == lsock.fileno():
                while True:
                    try:
                        s, _ = lsock.accept()
                    except BlockingIOError:
                        break
                    s.setblocking(True)  # replies are small; a ready socket never blocks on recv
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    conns[s.fileno()] = _Conn(s)
                    ep.register(s.fileno(), select.EPOLLIN)
                continue
            c = conns.get(fd)
            if c is None:
                continue
            try:
                data = c.sock.recv(262144)
            except OSError:
                drop(fd)
                continue
            if not data:
                drop(fd)
                continue
            c.buf += data
            try:
                if not c.upgraded:
                    end = c.buf.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    head, c.buf = c.buf[:end], c.buf[end + 4:]
                    key = b""
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"sec-websocket-key":
                            key = value.strip()
                    c.sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + _accept_value(key) + b"\r\n\r\n")
                    c.upgraded = True
                out, closing = _frames(c)
                if out:
                    c.sock.sendall(out[0] if len(out) == 1 else b"".join(out))
                if closing:
                    drop(fd)
            except OSError:
                drop(fd)


def handshake(sock: socket.socket, host: str) -> bytes:
    sock.sendall(b"GET /ws HTTP/1.1\r\nHost: " + host.encode() + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: " + KEY + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the WebSocket handshake")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101") or _accept_value(KEY) not in head:
        raise ConnectionError(f"no WebSocket upgrade: {head[:200]!r}")
    return rest


def client(host: str, port: int, conns: int, warmup: float, seconds: float, payload: int = 32) -> dict:
    frame = _header(0x2, payload, True) + b"\0\0\0\0" + b"x" * payload
    echo_len = len(_header(0x2, payload, False)) + payload
    socks: dict[int, socket.socket] = {}
    got: dict[int, int] = {}
    ep = select.epoll()
    for _ in range(conns):
        s = socket.create_connection((host, port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rest = handshake(s, host)
        s.settimeout(None)
        socks[s.fileno()] = s
        got[s.fileno()] = len(rest)
        ep.register(s.fileno(), select.EPOLLIN)
    for s in socks.values():
        s.send(frame)
    t0 = time.perf_counter()
    t_measure = t0 + warmup
    t_end = t_measure + seconds
    count = 0
    measuring = False
    now = t0
    while now < t_end:
        for fd, _ in ep.poll(0.2):
            s = socks[fd]
            data = s.recv(65536)
            if not data:
                raise ConnectionError("the proxy closed a WebSocket connection")
            n = got[fd] + len(data)
            while n >= echo_len:
                n -= echo_len
                count += 1
                s.send(frame)
            got[fd] = n
        now = time.perf_counter()
        if not measuring and now >= t_measure:
            measuring, count, t_measure = True, 0, now
    elapsed = now - t_measure
    for s in socks.values():
        try:
            s.sendall(_header(0x8, 2, True) + b"\0\0\0\0" + struct.pack("!H", 1000))
        except OSError:
            pass
        s.close()
    return {"messages_per_s": count / elapsed, "messages": count, "seconds": elapsed}


def main(argv: list[str]) -> None:
    if argv[0] == "server":
        serve(argv[1], int(argv[2]))
    elif argv[0] == "client":
        host, port, conns, warmup, seconds = argv[1], int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5])
        payload = int(argv[6]) if len(argv) > 6 else 32
        print(json.dumps(client(host, port, conns, warmup, seconds, payload)), flush=True)
    else:
        raise SystemExit("usage: ws_echo server HOST PORT | client HOST PORT CONNS WARMUP SECONDS [PAYLOAD]")


if __name__ == "__main__":
    main(sys.argv[1:])
