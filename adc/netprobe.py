"""Real network probes for ``execute ping/ping6``, ``traceroute`` and ``nslookup``: blocking, stdlib only.

ICMP needs a socket the host grants: first an unprivileged ICMP datagram socket (Linux with
``net.ipv4.ping_group_range`` covering the user's group, macOS always), else a raw socket (root, or
``CAP_NET_RAW``). Neither: ``IcmpUnavailable`` says so in one line; nothing is faked. The caller (the
appliance) turns the results into FortiADC's output; nothing here prints.
"""
from __future__ import annotations

import errno
import os
import secrets
import select
import socket
import struct
import sys
import time
from dataclasses import dataclass

ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
TIME_EXCEEDED = {4: 11, 6: 3}
UNREACHABLE = {4: 3, 6: 1}
TOS = {"default": 0, "lowcost": 0x02, "reliability": 0x04, "throughput": 0x08, "lowdelay": 0x10}


class IcmpUnavailable(OSError):
    """Neither an ICMP datagram socket nor a raw socket may be opened here."""


class ResolveError(OSError):
    """The host name does not resolve (to an address of the family asked for)."""


@dataclass(frozen=True)
class Echo:
    seq: int
    size: int  # ICMP bytes received (header + data), as ping prints them
    ttl: int  # -1 when the host does not tell
    ms: float
    valid: bool = True  # the data came back as sent


@dataclass
class IcmpSocket:
    sock: socket.socket
    family: int  # 4 or 6
    raw: bool

    def close(self) -> None:
        self.sock.close()


def new_ident() -> int:
    """The identifier of one probe run: a raw socket sees every echo reply of the host, so replies to
    other runs (other consoles, other programs) are told apart by it (a datagram socket gets its own)."""
    return secrets.randbelow(0xFFFF) + 1


def resolve(host: str, version: int) -> str:
    """The first address of ``host`` for IPv4 (4) or IPv6 (6)."""
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    try:
        infos = socket.getaddrinfo(host, None, family, socket.SOCK_RAW)
    except (socket.gaierror, UnicodeError) as err:
        raise ResolveError(errno.EINVAL, f"unknown host {host}: {getattr(err, 'strerror', None) or err}") from None
    if not infos:
        raise ResolveError(errno.EINVAL, f"unknown host {host}")
    return str(infos[0][4][0])


def open_icmp(version: int) -> IcmpSocket:
    """An ICMP socket: datagram when the kernel allows it, else raw; ``IcmpUnavailable`` otherwise."""
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    proto = socket.IPPROTO_ICMP if version == 4 else socket.IPPROTO_ICMPV6
    try:
        return IcmpSocket(socket.socket(family, socket.SOCK_DGRAM, proto), version, False)
    except OSError:
        pass
    try:
        return IcmpSocket(socket.socket(family, socket.SOCK_RAW, proto), version, True)
    except OSError:
        hint = ("allow the ICMP datagram socket (sysctl net.ipv4.ping_group_range) or run as root"
                if version == 4 or os.name == "posix" else "run as administrator")
        raise IcmpUnavailable(errno.EPERM, f"this host grants no ICMP socket to adc: {hint}") from None


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def payload(size: int, pattern: bytes) -> bytes:
    """``size`` data bytes: the pattern repeated, else 0x00, 0x01, ... as ping fills them."""
    if pattern:
        return (pattern * (size // len(pattern) + 1))[:size]
    return bytes(i & 0xFF for i in range(size))


def echo_request(version: int, ident: int, seq: int, data: bytes) -> bytes:
    """An ICMP (``version`` 4) or ICMPv6 (6) echo request carrying ``data``: ping's and the icmp health check's."""
    header = struct.pack("!BBHHH", ECHO_REQUEST[version], 0, 0, ident, seq)
    if version == 6:
        return header + data  # the kernel fills in the ICMPv6 checksum (it covers a pseudo-header)
    return struct.pack("!BBHHH", ECHO_REQUEST[4], 0, _checksum(header + data), ident, seq) + data


def configure(s: IcmpSocket, ttl: int, tos: int, df: bool, source: str) -> None:
    sock = s.sock
    if s.family == 4:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        if tos:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
        if df and hasattr(socket, "IP_MTU_DISCOVER"):
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MTU_DISCOVER, 2)  # IP_PMTUDISC_DO
        if not s.raw and hasattr(socket, "IP_RECVTTL"):
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTTL, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
        if tos and hasattr(socket, "IPV6_TCLASS"):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
        if hasattr(socket, "IPV6_RECVHOPLIMIT"):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    if source and source != "auto":
        sock.bind((source, 0))


def _ttl_from(cmsgs: list[tuple[int, int, bytes]]) -> int:
    """The TTL (hop limit) a datagram socket reports beside the message; -1 when it does not."""
    for level, kind, data in cmsgs:
        if (level, kind) in ((socket.IPPROTO_IP, getattr(socket, "IP_TTL", -1)),
                             (socket.IPPROTO_IPV6, getattr(socket, "IPV6_HOPLIMIT", -1))):
            return data[0] if len(data) == 1 else int.from_bytes(data[:4], sys.byteorder)
    return -1


@dataclass(frozen=True)
class Received:
    kind: str  # "reply", "exceeded", "unreachable"
    peer: str
    seq: int
    size: int
    ttl: int
    data: bytes


def _parse(s: IcmpSocket, raw: bytes, peer: str, ttl: int, ident: int) -> Received | None:
    """One ICMP message read from the socket, if it answers this probe (ident); else None."""
    if s.family == 4 and raw and raw[0] >> 4 == 4 and len(raw) >= 20:  # raw sockets (and macOS) give the IP header
        hl = (raw[0] & 0x0F) * 4
        ttl = raw[8]
        raw = raw[hl:]
    if len(raw) < 8:
        return None
    kind, _, _, rid, seq = struct.unpack("!BBHHH", raw[:8])
    if kind == ECHO_REPLY[s.family]:
        if s.raw and rid != ident:
            return None
        return Received("reply", peer, seq, len(raw), ttl, raw[8:])
    if kind in (TIME_EXCEEDED[s.family], UNREACHABLE[s.family]):
        inner = raw[8:]
        if s.family == 4 and len(inner) >= 20:
            inner = inner[(inner[0] & 0x0F) * 4:]
        elif s.family == 6:
            inner = inner[40:]
        if len(inner) < 8:
            return None
        _, _, _, rid, seq = struct.unpack("!BBHHH", inner[:8])
        if s.raw and rid != ident:
            return None
        return Received("exceeded" if kind == TIME_EXCEEDED[s.family] else "unreachable", peer, seq, len(raw), ttl, b"")
    return None


def exchange(s: IcmpSocket, address: str, ident: int, seq: int, data: bytes, timeout: float) -> tuple[Received, float] | None:
    """Send one echo request and wait up to ``timeout`` seconds for what answers it."""
    sent = time.monotonic()
    s.sock.sendto(echo_request(s.family, ident, seq, data), (address, 0))
    deadline = sent + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([s.sock], [], [], left)
        if not ready:
            return None
        try:
            raw, anc, _, peer = s.sock.recvmsg(65535, 256)
        except OSError:
            continue  # an ICMP error queued on a datagram socket: treated as no answer
        got = _parse(s, raw, str(peer[0]), _ttl_from(anc), ident)
        if got is not None and got.seq == seq:
            return got, (time.monotonic() - sent) * 1000


def reverse(address: str) -> str:
    """The name of an address (``execute nslookup name <ip>``)."""
    try:
        return socket.gethostbyaddr(address)[0]
    except (OSError, UnicodeError):
        raise ResolveError(errno.EINVAL, f"** server can't find {address}: NXDOMAIN") from None


def addresses(name: str) -> list[str]:
    """Every address of a name, IPv4 first (``execute nslookup name <fqdn>``)."""
    try:
        infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ResolveError(errno.EINVAL, f"** server can't find {name}: NXDOMAIN") from None
    seen = dict.fromkeys(str(i[4][0]) for i in sorted(infos, key=lambda i: i[0] != socket.AF_INET))
    return list(seen)
