"""Sans-IO rules for one HTTP/1.x message crossing the L7 proxy.

Everything here is a pure function over bytes or header lists, tested without sockets:

* ``request_head_end`` (and its yes/no form ``inspect_request_head``) looks at the raw bytes of a
  request head *before* h11 parses it, because h11 is lenient in ways a proxy must not be: it
  unfolds obsolete line folding, merges duplicate equal ``Content-Length`` headers, lets
  ``Transfer-Encoding`` silently win over ``Content-Length``, and takes any ``HTTP/d.d`` version
  (an ``HTTP/2.0`` request line would reach the member as HTTP/1.1). A proxy that re-frames such a
  request is the classic smuggling gadget, so the ADC refuses them (400; 505 for a version other
  than HTTP/1.0 and HTTP/1.1; 400 for the HTTP/2 connection preface) and never forwards a byte.
* ``ChunkedBody`` decodes a chunked request body incrementally, much cheaper per chunk than h11
  (the proxy forwards what one read held as one chunk, so a body sent as a million 1-byte chunks
  reaches the member in a few large ones), and bounds the chunk-size lines and the trailer section.
* ``filter_trailers`` drops trailer fields that may not be trailers (framing, routing,
  authentication, controls, hop-by-hop: RFC 9110 §6.5.1) from what is forwarded.
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
    "ChunkedBody",
    "FORBIDDEN_TRAILERS",
    "Rejected",
    "add_xff",
    "check_smuggling",
    "error_response",
    "filter_trailers",
    "has_request_body",
    "host_without_port",
    "inspect_request_head",
    "is_websocket_upgrade",
    "keepalive_hint",
    "request_body_framing",
    "RequestScan",
    "scan_request",
    "request_head_end",
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
# the version at the end of a request line; h11 itself only checks the HTTP/d.d syntax
_VERSION = re.compile(rb" HTTP/[0-9]+\.[0-9]+\Z")
HTTP2_PREFACE_LINE = b"PRI * HTTP/2.0"

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


def request_head_end(buf: bytes, max_headers: int, max_head: int, search_from: int = 0) -> int:
    """Check the request head at the start of ``buf`` (bytes nobody has parsed yet).

    Returns -1 when the head is not complete yet (nothing to say), else the offset just past the
    blank line that ends it (what h11 must be given, no more). Raises ``Rejected``: 505 for a request
    line whose version is not HTTP/1.0 or HTTP/1.1, 400 for the HTTP/2 connection preface
    (``PRI * HTTP/2.0``) and for smuggling material, 431 for more than ``max_headers`` header lines or
    a head (request line + headers) longer than ``max_head`` bytes. A buffer starting with an empty
    line is given to h11 whole (``len(buf)``), which refuses it. ``search_from``: where the blank line
    may start at the earliest (the caller has looked at the bytes before it already).
    """
    if buf[:1] == b"\n" or buf[:2] == b"\r\n":
        return len(buf)
    end = _HEAD_END.search(buf, max(0, search_from - 3))
    if end is None:
        if len(buf) > max_head:
            raise Rejected(431, "request head too large")
        return -1
    if end.end() > max_head:
        raise Rejected(431, "request head too large")
    lines = buf[: end.start()].split(b"\n")
    request_line = lines[0][:-1] if lines[0].endswith(b"\r") else lines[0]
    if not (request_line.endswith(b" HTTP/1.1") or request_line.endswith(b" HTTP/1.0")):
        if request_line == HTTP2_PREFACE_LINE:
            raise Rejected(400, "HTTP/2 connection preface: this virtual server speaks HTTP/1.1")
        if _VERSION.search(request_line):
            raise Rejected(505, "HTTP version not supported")
        # anything else is not a request line at all: h11 refuses it
    del lines[0]
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
    return end.end()


def inspect_request_head(buf: bytes, max_headers: int, max_head: int) -> bool:
    """``request_head_end`` as a yes/no: True when the head at the start of ``buf`` is complete and
    acceptable, False when it is not complete yet; raises ``Rejected`` as it does."""
    return request_head_end(buf, max_headers, max_head) >= 0


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


class RequestScan:
    """What the proxy reads from a request head, found in one pass over its fields."""

    __slots__ = ("host", "cookie", "referer", "chunked", "length", "websocket", "keep_alive", "upgrade")

    def __init__(self) -> None:
        self.host = ""  # the first Host field
        self.cookie = ""  # every Cookie field, joined with "; "
        self.referer = ""  # the first Referer field
        self.chunked = False  # framing as ``request_body_framing`` says
        self.length = 0
        self.websocket = False  # as ``is_websocket_upgrade`` says
        self.keep_alive = True  # HTTP/1.1 without a ``close`` Connection option (h11's rule)
        self.upgrade = False  # an Upgrade field is present (h11 then expects a possible 101)


def scan_request(request: h11.Request) -> RequestScan:
    """``request_host``, the cookies, the Referer, ``request_body_framing``, ``is_websocket_upgrade``
    and keep-alive, in one pass over the fields (each of those alone walks all of them)."""
    scan = RequestScan()
    cookies: list[bytes] = []
    framed = referer = upgrade = connection_upgrade = False
    for raw, value in request.headers.raw_items():
        name = raw.lower()
        if name == b"host":
            if not scan.host:
                scan.host = value.decode("latin-1")
        elif name == b"cookie":
            cookies.append(value)
        elif name == b"referer":
            if not referer:
                scan.referer, referer = value.decode("latin-1"), True
        elif name == b"content-length":
            if not framed:
                scan.length, framed = int(value), True
        elif name == b"transfer-encoding":
            if not framed:
                scan.chunked, framed = True, True
        elif name == b"upgrade":
            scan.upgrade = True
            upgrade = upgrade or any(t.strip().lower() == b"websocket" for t in value.split(b","))
        elif name == b"connection":
            tokens = [t.strip().lower() for t in value.split(b",")]
            connection_upgrade = connection_upgrade or b"upgrade" in tokens
            if b"close" in tokens:
                scan.keep_alive = False
    if cookies:
        scan.cookie = b"; ".join(cookies).decode("latin-1")
    http11 = request.http_version == b"1.1"
    scan.websocket = upgrade and connection_upgrade and http11 and request.method == b"GET"
    scan.keep_alive = scan.keep_alive and http11
    return scan


def has_request_body(request: h11.Request) -> bool:
    """Whether a body follows the head (chunked, or a non-zero Content-Length)."""
    for name, value in request.headers:
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return value.strip() != b"0"
    return False


def request_body_framing(request: h11.Request) -> tuple[bool, int]:
    """(chunked, Content-Length) of a request whose head passed ``request_head_end`` (so at most one
    of them is present, and a Content-Length is digits); (False, 0) means no body."""
    for name, value in request.headers:
        if name == b"transfer-encoding":
            return True, 0
        if name == b"content-length":
            return False, int(value)
    return False, 0


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


# Trailer fields that may not be trailers (RFC 9110 §6.5.1: framing, routing, authentication, request
# modifiers and controls, response control data, how to process the content) and hop-by-hop fields:
# dropped from forwarded trailers, whichever way they go. Go's net/http keeps a similar list.
FORBIDDEN_TRAILERS = frozenset({
    b"age", b"authorization", b"cache-control", b"connection", b"content-encoding", b"content-length",
    b"content-range", b"content-type", b"cookie", b"date", b"expect", b"expires", b"host",
    b"if-match", b"if-modified-since", b"if-none-match", b"if-range", b"if-unmodified-since",
    b"keep-alive", b"last-modified", b"location", b"max-forwards", b"pragma", b"proxy-authenticate",
    b"proxy-authorization", b"proxy-connection", b"range", b"retry-after", b"set-cookie", b"te",
    b"trailer", b"transfer-encoding", b"upgrade", b"vary", b"warning", b"www-authenticate",
})


def filter_trailers(headers: Iterable[tuple[bytes, bytes]]) -> HeaderList:
    """The trailer fields that may be forwarded (``FORBIDDEN_TRAILERS`` dropped), in their order."""
    return [(n, v) for n, v in headers if n.lower() not in FORBIDDEN_TRAILERS]


# chunk-size [ chunk-ext ] OWS, as h11 reads it (its size allows 20 digits; 16 are plenty)
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?[ \t]*\Z")
# the common chunk-size lines, looked up instead of matched: this is the per-chunk hot path
_CHUNK_SIZES = {form % n: n for n in range(4096) for form in (b"%x", b"%X")}
_FIELD_VALUE = re.compile(rb"[^\x00-\x08\x0a-\x1f\x7f]*\Z")
MAX_CHUNK_LINE = 4096  # a chunk-size line, extensions included

_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


def _chunk_size(buf: bytes, pos: int, eol: int) -> int:
    match = _CHUNK_LINE.match(buf, pos, eol)
    if match is None:
        raise Rejected(400, "invalid chunk-size line")
    return int(match.group(1), 16)


class ChunkedBody:
    """Incremental decoder of a chunked request body (RFC 9112 §7.1), sans IO.

    ``feed(data)`` returns the payload bytes ``data`` completed (joined: what one read held leaves as
    one piece), keeping a partial chunk-size line or CRLF for the next call. When the last chunk and
    the trailer section have been read, ``done`` is True, ``trailers`` holds the trailer fields (not
    yet filtered) and ``rest`` the bytes that followed the body (a pipelined request). Chunk
    extensions are dropped. Raises ``Rejected(400)`` for a malformed size line or chunk end, a
    chunk-size line over ``MAX_CHUNK_LINE`` bytes, an invalid trailer line, more than
    ``max_trailers`` trailer lines or a trailer section over ``max_trailer_bytes``.

    The cost is one dictionary lookup, two slices and a comparison per chunk (h11 spends about ten
    times that), so how a body is chunked changes its cost much less than it did.
    """

    __slots__ = ("done", "trailers", "rest", "_state", "_left", "_pending", "_trailer_bytes",
                 "_max_trailers", "_max_trailer_bytes")

    def __init__(self, max_trailers: int = 100, max_trailer_bytes: int = 8192) -> None:
        self.done = False
        self.trailers: HeaderList = []
        self.rest = b""
        self._state = _SIZE
        self._left = 0
        self._pending = b""
        self._trailer_bytes = 0
        self._max_trailers = max_trailers
        self._max_trailer_bytes = max_trailer_bytes

    def feed(self, data: bytes) -> bytes:
        if self._state == _DONE:
            self.rest += data
            return b""
        buf = self._pending + data if self._pending else data
        if type(buf) is not bytes:  # a bytearray (memory streams): sizes are looked up by value
            buf = bytes(buf)
        self._pending = b""
        out: list[bytes] = []
        append = out.append
        find = buf.find
        startswith = buf.startswith
        size_of = _CHUNK_SIZES.get
        crlf, line_max = b"\r\n", MAX_CHUNK_LINE + 2
        pos, end = 0, len(buf)
        state, left = self._state, self._left
        while pos < end:
            if state == _SIZE:
                while True:  # whole chunks, one after the other: the hot path, kept tight
                    eol = find(crlf, pos, pos + line_max)
                    if eol < 0:
                        if end - pos > MAX_CHUNK_LINE:
                            raise Rejected(400, "chunk-size line too long")
                        break
                    size = size_of(buf[pos:eol])
                    if size is None:
                        size = _chunk_size(buf, pos, eol)
                    pos = eol + 2
                    if not size:
                        state = _TRAILER
                        break
                    stop = pos + size
                    if stop + 2 > end:
                        state, left = _DATA, size
                        break
                    if not startswith(crlf, stop):
                        raise Rejected(400, "chunk data not followed by CRLF")
                    append(buf[pos:stop])
                    pos = stop + 2
                if state == _SIZE:
                    break  # a partial chunk-size line: kept for the next call
            elif state == _DATA:
                take = min(left, end - pos)
                append(buf[pos:pos + take])
                pos += take
                left -= take
                if not left:
                    state = _DATA_END
            elif state == _DATA_END:
                if end - pos < 2:
                    if buf[pos:pos + 1] != b"\r":
                        raise Rejected(400, "chunk data not followed by CRLF")
                    break
                if not startswith(b"\r\n", pos):
                    raise Rejected(400, "chunk data not followed by CRLF")
                pos += 2
                state = _SIZE
            else:  # _TRAILER
                eol = find(b"\r\n", pos)
                if eol < 0:
                    if self._trailer_bytes + end - pos > self._max_trailer_bytes:
                        raise Rejected(400, "trailer section too large")
                    break
                if eol == pos:
                    state = _DONE
                    self.done = True
                    self.rest = buf[pos + 2:]
                    pos = end
                    break
                self._trailer(buf[pos:eol])
                pos = eol + 2
        self._state, self._left = state, left
        if pos < end:
            self._pending = buf[pos:]
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)

    def _trailer(self, line: bytes) -> None:
        self._trailer_bytes += len(line) + 2
        if self._trailer_bytes > self._max_trailer_bytes:
            raise Rejected(400, "trailer section too large")
        if len(self.trailers) >= self._max_trailers:
            raise Rejected(400, "too many trailer fields")
        if line[:1] in (b" ", b"\t"):
            raise Rejected(400, "obsolete line folding in the trailers")
        name, colon, value = line.partition(b":")
        value = value.strip(b" \t")
        if not colon or not _TOKEN.match(name) or not _FIELD_VALUE.match(value):
            raise Rejected(400, "invalid trailer field")
        self.trailers.append((name, value))


def error_response(status: int, body: str = "", *, head_only: bool = False, extra: HeaderList | None = None,
                   content_type: bytes = b"text/plain; charset=utf-8") -> bytes:
    """The complete bytes of an answer the ADC sends itself, always with ``Connection: close``."""
    payload = body.encode("utf-8")
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    lines = [
        f"HTTP/1.1 {status} {phrase}".encode("ascii"),
        b"Content-Type: " + content_type,
        b"Content-Length: " + str(len(payload)).encode("ascii"),
        b"Connection: close",
    ]
    lines.extend(n + b": " + v for n, v in (extra or []))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else payload)
