"""Sans-IO rules for one HTTP/1.x message crossing the L7 proxy.

Everything here is a pure function over bytes or header lists, tested without sockets:

* ``inspect_request_head`` looks at the raw bytes of a request head *before* h11 parses it, because
  h11 is lenient in ways a proxy must not be: it unfolds obsolete line folding, merges duplicate
  equal ``Content-Length`` headers and lets ``Transfer-Encoding`` silently win over
  ``Content-Length``. A proxy that re-frames such a request is the classic smuggling gadget, so the
  ADC refuses them with 400 and never forwards a byte.
* ``check_smuggling`` is the framing rule on (name, value) pairs; ``inspect_request_head`` uses it.
* ``request_headers_upstream`` / ``response_headers_downstream`` rewrite headers hop by hop
  (``Connection`` and what it names, ``Keep-Alive``, ``Proxy-Connection``), keep a WebSocket
  handshake intact, and add ``X-Forwarded-For`` (``add_xff``).
* ``error_response`` builds the complete bytes of the ADC's own answers (400, 431, 502, 503, 504...).

Header lists are ``list[tuple[bytes, bytes]]`` with the names in their original case (h11's
``Headers.raw_items()``); comparisons are case-insensitive.
"""
from __future__ import annotations

import re
from http import HTTPStatus
from typing import Iterable, Sequence

import h11

__all__ = [
    "HeaderList",
    "Rejected",
    "add_xff",
    "check_smuggling",
    "error_response",
    "has_request_body",
    "host_without_port",
    "inspect_request_head",
    "is_websocket_upgrade",
    "keepalive_hint",
    "request_headers_upstream",
    "response_headers_downstream",
    "split_target",
]

HeaderList = list[tuple[bytes, bytes]]

# RFC 9110 token: the only characters a header name may contain
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# the blank line that ends a head, exactly as h11's receive buffer finds it
_HEAD_END = re.compile(rb"\n\r?\n")
_DIGITS = re.compile(rb"[0-9]+\Z")

# hop-by-hop headers a proxy consumes itself; never forwarded (except on a WebSocket handshake)
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"upgrade"})
_HOP_BY_HOP_RESPONSE = frozenset({b"connection", b"keep-alive", b"proxy-connection"})
# never removed because ``Connection`` names them: dropping framing or Host is a smuggling trick
_PROTECTED = frozenset({b"content-length", b"transfer-encoding", b"host"})


class Rejected(Exception):
    """A request the proxy answers itself, with ``status``, and then closes."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_smuggling(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """Why these request headers make the body's framing ambiguous, or ``None`` when they do not.

    Refused: an invalid header name; more than one ``Content-Length`` (even with equal values) or a
    non-numeric one; more than one ``Transfer-Encoding``, or one that is not exactly ``chunked``;
    ``Content-Length`` together with ``Transfer-Encoding``.
    """
    content_lengths = 0
    transfer_encodings = 0
    for name, value in headers:
        if not _TOKEN.match(name):
            return f"invalid header name {name!r}"
        lname = name.lower()
        if lname == b"content-length":
            content_lengths += 1
            if not _DIGITS.match(value.strip(b" \t")):
                return "invalid Content-Length"
        elif lname == b"transfer-encoding":
            transfer_encodings += 1
            if value.strip(b" \t").lower() != b"chunked":
                return "unsupported Transfer-Encoding"
    if content_lengths > 1:
        return "duplicate Content-Length"
    if transfer_encodings > 1:
        return "duplicate Transfer-Encoding"
    if content_lengths and transfer_encodings:
        return "both Content-Length and Transfer-Encoding"
    return None


def inspect_request_head(buf: bytes, max_headers: int, max_head: int) -> bool:
    """Check the request head at the start of ``buf`` (the bytes h11 has not parsed yet).

    Returns False when the head is not complete yet (nothing to say), True when it is complete and
    acceptable. Raises ``Rejected``: 400 for smuggling material, 431 for more than ``max_headers``
    header lines or a head (request line + headers) longer than ``max_head`` bytes. A buffer
    starting with an empty line is left to h11, which refuses it.
    """
    if buf[:1] == b"\n" or buf[:2] == b"\r\n":
        return True
    end = _HEAD_END.search(buf)
    if end is None:
        if len(buf) > max_head:
            raise Rejected(431, "request head too large")
        return False
    if end.end() > max_head:
        raise Rejected(431, "request head too large")
    lines = buf[: end.start()].split(b"\n")[1:]  # drop the request line
    if len(lines) > max_headers:
        raise Rejected(431, f"more than {max_headers} header lines")
    pairs: HeaderList = []
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        if line[:1] in (b" ", b"\t"):
            raise Rejected(400, "obsolete line folding")
        name, colon, value = line.partition(b":")
        if not colon:
            raise Rejected(400, "header line without a colon")
        pairs.append((name, value))
    problem = check_smuggling(pairs)
    if problem is not None:
        raise Rejected(400, problem)
    return True


def _connection_tokens(headers: Sequence[tuple[bytes, bytes]]) -> set[bytes]:
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    tokens.discard(b"")
    return tokens


def is_websocket_upgrade(request: h11.Request) -> bool:
    """An HTTP/1.1 GET asking ``Upgrade: websocket`` with ``Connection: upgrade`` (RFC 6455 §4.1)."""
    if request.method != b"GET" or request.http_version != b"1.1":
        return False
    upgrade = connection = False
    for name, value in request.headers:  # h11 lower-cases the names
        if name == b"upgrade":
            upgrade = upgrade or any(t.strip().lower() == b"websocket" for t in value.split(b","))
        elif name == b"connection":
            connection = connection or any(t.strip().lower() == b"upgrade" for t in value.split(b","))
    return upgrade and connection


def has_request_body(request: h11.Request) -> bool:
    """Whether a body follows the head (chunked, or a non-zero Content-Length)."""
    for name, value in request.headers:
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return value.strip() != b"0"
    return False


def add_xff(headers: HeaderList, ip: str, name: str = "X-Forwarded-For") -> HeaderList:
    """``headers`` with the client ``ip`` appended to the forwarded-for header ``name``.

    Existing values (possibly several header lines) are joined with ``, `` into the first line's
    position, then the ip is appended; without one, the header is added at the end.
    """
    bname = name.encode("latin-1")
    lname = bname.lower()
    values = [v.strip() for n, v in headers if n.lower() == lname]
    if not values:
        return [*headers, (bname, ip.encode("latin-1"))]
    joined = b", ".join([v for v in values if v] + [ip.encode("latin-1")])
    out: HeaderList = []
    placed = False
    for n, v in headers:
        if n.lower() == lname:
            if not placed:
                out.append((n, joined))
                placed = True
        else:
            out.append((n, v))
    return out


def request_headers_upstream(
    headers: HeaderList,
    *,
    websocket: bool,
    server_close: bool,
    default_host: str,
    xff: tuple[str, str] | None,
) -> HeaderList:
    """The client's request headers as the proxy sends them to the member.

    Hop-by-hop headers go, except on a WebSocket handshake where ``Upgrade`` and ``Connection``
    stay exactly as the client sent them. ``server_close`` (http-mode ServerClose) asks the member to
    close with ``Connection: close``. A missing Host (HTTP/1.0 client) becomes ``default_host``.
    ``xff`` is (header name, client ip) when the profile enables X-Forwarded-For.
    """
    if websocket:
        out = list(headers)
    else:
        named = _connection_tokens(headers) - _PROTECTED
        out = [(n, v) for n, v in headers if (ln := n.lower()) not in _HOP_BY_HOP and ln not in named]
        if server_close:
            out.append((b"Connection", b"close"))
    if not any(n.lower() == b"host" for n, _ in out):
        out.insert(0, (b"Host", default_host.encode("latin-1")))
    if xff is not None:
        out = add_xff(out, xff[1], xff[0])
    return out


def response_headers_downstream(headers: HeaderList, *, switching: bool = False) -> HeaderList:
    """The member's response headers as the proxy sends them to the client.

    A ``101 Switching Protocols`` keeps everything; otherwise hop-by-hop headers go and h11 decides
    the client connection's own ``Connection`` header.
    """
    if switching:
        return list(headers)
    named = _connection_tokens(headers) - _PROTECTED
    return [(n, v) for n, v in headers if (ln := n.lower()) not in _HOP_BY_HOP_RESPONSE and ln not in named]


def keepalive_hint(headers: Iterable[tuple[bytes, bytes]]) -> float | None:
    """The ``timeout=N`` of a ``Keep-Alive`` response header (seconds), or None."""
    for name, value in headers:
        if name.lower() == b"keep-alive":
            for param in value.split(b","):
                key, _, num = param.strip().partition(b"=")
                if key.strip().lower() == b"timeout" and num.strip().isdigit():
                    return float(num.strip())
    return None


def host_without_port(host: str) -> str:
    """The Host header's host part, lower-cased: ``Example.com:8080`` -> ``example.com``, ``[::1]:80`` -> ``::1``."""
    host = host.strip()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end].lower() if end > 0 else host.lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def split_target(target: bytes) -> tuple[str, str]:
    """(path, path + query) of a request target, for the URI-hash methods.

    Absolute-form targets (``http://host/p?q``) give their path part; ``*`` stays ``*``.
    """
    text = target.decode("latin-1")
    if "://" in text:
        rest = text.split("://", 1)[1]
        slash = rest.find("/")
        query = rest.find("?")
        if slash < 0 or (0 <= query < slash):
            text = "/" + rest[query:] if query >= 0 else "/"
        else:
            text = rest[slash:]
    path = text.split("?", 1)[0]
    return path, text


def error_response(status: int, body: str = "", *, head_only: bool = False, extra: HeaderList | None = None) -> bytes:
    """The complete bytes of an answer the ADC sends itself, always with ``Connection: close``."""
    payload = body.encode("utf-8")
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    lines = [
        f"HTTP/1.1 {status} {phrase}".encode("ascii"),
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Length: " + str(len(payload)).encode("ascii"),
        b"Connection: close",
    ]
    lines.extend(n + b": " + v for n, v in (extra or []))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else payload)
