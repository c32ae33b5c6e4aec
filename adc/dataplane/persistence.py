"""Session persistence (``config load-balance persistence``) as a sans-IO table in front of the picker.

FortiADC evaluates persistence before the load-balancing method: a request that matches a persistence
entry goes to the member that entry names; everything else is load balanced and, for stateful types,
remembered. This module does that without I/O or a clock: the caller passes ``now`` (seconds, any
monotonic origin), so timeouts and eviction are driven step by step in tests.

One ``PersistenceTable`` serves one virtual server and survives commits while the virtual server's
persistence spec is unchanged; it stores member *idents* and resolves them through the picker of the
moment (``Picker.find``), so a rebuilt pool keeps its sessions.

Types:

* ``source-address`` and ``ssl-session-id``: a stateful table, key -> member ident, each entry living
  ``timeout`` seconds after its last use (use refreshes it), at most ``max_entries`` entries (the least
  recently used goes first: FortiADC's ``max-persistence-entries``). The source address is masked with
  ``ipv4-maskbits``/``ipv6-maskbits`` (read from the spec when it has them, else 32/128); an
  IPv4-mapped IPv6 peer counts as IPv4. An empty TLS session id (no id yet) is a plain pick.
* ``consistent-hash-ip``, ``hash-source-address-port``, ``hash-cookie``, ``hash-http-request``,
  ``hash-http-header``: stateless weighted rendezvous hashing of the key over the *available* members,
  so a member leaving or coming back moves only its own keys. ``hash-cookie`` hashes the value of
  cookie ``keyword``; ``hash-http-request`` the value of URL query parameter ``keyword``;
  ``hash-http-header`` can only see ``Host`` and ``Cookie`` (the pick context carries no other header)
  and is a plain pick for any other header. A missing key is a plain pick.
* ``insert-cookie``: a request whose cookie ``keyword`` (``FADCSERVERID`` when no keyword is set)
  names a usable member goes there; otherwise the request is load balanced and the response gets
  ``Set-Cookie: <keyword>=<member cookie>; Path=/`` (plus the spec's domain/HttpOnly/Secure/SameSite/
  custom attribute when the spec carries them). The cookie is not sent again while the client already
  presents the right value (HAProxy's ``insert indirect``).
* ``persistent-cookie``: the same, with ``Max-Age=<timeout>``, sent on every response so it slides.
* ``rewrite-cookie`` and ``embedded-cookie`` (which edit a cookie the *server* sets) are served as
  ``insert-cookie``: the client ends up pinned the same way, only the cookie's shape differs.
* ``passive-cookie``, ``rdp-cookie``, ``sip-call-id``, ``radius-attribute``, ``iso8583-bitmap``,
  ``diameter-session-id``: their keys are not visible to this data plane; plain pick.

The member cookie value is the pool member's ``pool_member_cookie`` (default: the real server name).
Several members of one real server would share it, so a value used by more than one member of the pool
gets ``-<member id>`` appended; values are percent-encoded outside RFC 6265 cookie-octets.

A persisted member that can no longer take traffic (disabled, in maintenance, down, at its connection
limit, or gone from the pool) is replaced at once: the request is load balanced and persisted anew
(cookie types set a fresh cookie). A pinned backup member stays pinned while it is usable. ``exclude``
lets a caller that failed to connect to a member ask again without being sent back to it.
"""
from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from .lb import MemberLoad, PickContext, Picker, _score
from .spec import MemberSpec, PersistenceSpec, PoolSpec, VirtualServerSpec

__all__ = ["DEFAULT_COOKIE", "PersistenceEntry", "PersistenceTable", "parse_cookies", "source_key"]

DEFAULT_COOKIE = "FADCSERVERID"
STATEFUL = ("source-address", "ssl-session-id")
HASHED = ("consistent-hash-ip", "hash-source-address-port", "hash-cookie", "hash-http-request", "hash-http-header")
COOKIE_SETTING = ("insert-cookie", "persistent-cookie", "rewrite-cookie", "embedded-cookie")
# cookie-octet (RFC 6265 §4.1.1) minus '%', which starts an escape
_COOKIE_SAFE = "!#$&'()*+-./:<=>?@[]^_`{|}~"


@dataclass(frozen=True)
class PersistenceEntry:
    """One live entry, for status output: key, member ident and seconds until it expires."""

    key: str
    ident: str
    expires_in: float


def parse_cookies(header: str) -> dict[str, str]:
    """``name=value`` pairs of a Cookie header (several headers joined with ``;``), first one wins.

    Surrounding double quotes are removed from a value; pairs without ``=`` are skipped.
    """
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, eq, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name:
            continue
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out.setdefault(name, value)
    return out


def source_key(ip: str, v4_bits: int = 32, v6_bits: int = 128) -> str:
    """The client's network under the mask bits, as text; an unparsable address is kept as is."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    bits = v4_bits if addr.version == 4 else v6_bits
    return str(ipaddress.ip_network(f"{addr}/{max(0, min(bits, addr.max_prefixlen))}", strict=False))


class PersistenceTable:
    """The persistence state of one virtual server (see the module docstring for each type)."""

    def __init__(self, spec: PersistenceSpec | None, max_entries: int = VirtualServerSpec.max_persistence_entries) -> None:
        self.spec = spec
        self.max_entries = max(1, max_entries)
        self.type = spec.type if spec is not None else ""
        self.timeout = float(spec.timeout) if spec is not None and spec.timeout > 0 else 300.0
        self.keyword = spec.keyword if spec is not None else ""
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()  # key -> (ident, last use); LRU first
        self._pool: PoolSpec | None = None
        self._values: dict[str, str] = {}  # member ident -> cookie value, for self._pool

    # ------------------------------------------------------------------------------ public API
    def pick(self, ctx: PickContext, picker: Picker, load: MemberLoad, now: float,
             exclude: Collection[str] = ()) -> MemberSpec | None:
        """The member for this connection or request, or None when no member can take it."""
        if self.type in STATEFUL:
            return self._pick_stateful(ctx, picker, load, now, exclude)
        if self.type in HASHED:
            key = self._hash_key(ctx)
            if key:
                candidates = [m for m in picker.available(load) if m.ident not in exclude]
                if candidates:
                    return max(candidates, key=lambda m: _score(key, m))
                return None
        elif self.type in COOKIE_SETTING:
            self._learn(picker.pool)  # response_headers needs this pool's cookie values
            value = parse_cookies(ctx.cookie).get(self.cookie_name) if ctx.cookie else None
            if value:
                member = self._member_by_cookie(picker, value)
                if member is not None and member.ident not in exclude and picker.usable(member, load):
                    return member
        return self._plain(ctx, picker, load, exclude)

    def response_headers(self, member: MemberSpec, ctx: PickContext,
                         headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """The response headers with the persistence cookie added when the client needs it."""
        if self.type not in COOKIE_SETTING:
            return headers
        value = self.cookie_value(member)
        if self.type != "persistent-cookie" and parse_cookies(ctx.cookie).get(self.cookie_name) == value:
            return headers
        return headers + [(b"set-cookie", self.set_cookie(value).encode("latin-1"))]

    @property
    def cookie_name(self) -> str:
        return self.keyword or DEFAULT_COOKIE

    def cookie_value(self, member: MemberSpec) -> str:
        """What the persistence cookie says for this member (unique within the last pool seen)."""
        value = self._values.get(member.ident)
        return value if value is not None else _encode(member.cookie or member.real_server)

    def set_cookie(self, value: str) -> str:
        """The ``Set-Cookie`` value for a member's cookie value, with the spec's attributes."""
        spec = self.spec
        parts = [f"{self.cookie_name}={value}", "Path=/"]
        if self.type == "persistent-cookie":
            parts.append(f"Max-Age={int(self.timeout)}")
        domain = str(getattr(spec, "cookie_domain", "") or "")
        if domain:
            parts.append(f"Domain={domain}")
        if getattr(spec, "cookie_httponly", False):
            parts.append("HttpOnly")
        if getattr(spec, "cookie_secure", False):
            parts.append("Secure")
        samesite = str(getattr(spec, "cookie_samesite", "") or "")
        if samesite and samesite != "nothing":
            parts.append("SameSite=" + samesite.capitalize())
        custom = str(getattr(spec, "cookie_custom_attr", "") or "")  # the value, when the option is enabled
        if custom:
            parts.append(custom)
        return "; ".join(parts)

    def entries(self, now: float) -> Iterator[PersistenceEntry]:
        """The live entries, least recently used first (expired ones are skipped, not removed)."""
        for key, (ident, used) in self._entries.items():
            left = used + self.timeout - now
            if left > 0:
                yield PersistenceEntry(key, ident, left)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    # ------------------------------------------------------------------------------ internals
    def _plain(self, ctx: PickContext, picker: Picker, load: MemberLoad, exclude: Collection[str]) -> MemberSpec | None:
        """The method's own pick, skipping excluded members (bounded: one round of the pool)."""
        for _ in range(max(1, len(picker.pool.members))):
            member = picker.pick(ctx, load)
            if member is None or member.ident not in exclude:
                return member
        return None

    def _state_key(self, ctx: PickContext) -> str:
        if self.type == "ssl-session-id":
            return ctx.tls_session.hex()
        spec = self.spec if self.spec is not None else PersistenceSpec("", self.type)
        return source_key(ctx.client_ip, spec.ipv4_maskbits, spec.ipv6_maskbits)

    def _pick_stateful(self, ctx: PickContext, picker: Picker, load: MemberLoad, now: float,
                       exclude: Collection[str]) -> MemberSpec | None:
        key = self._state_key(ctx)
        if not key:
            return self._plain(ctx, picker, load, exclude)
        found = self._entries.get(key)
        if found is not None:
            ident, used = found
            if now - used >= self.timeout:
                del self._entries[key]
            else:
                member = picker.find(ident)
                if member is not None and member.ident not in exclude and picker.usable(member, load):
                    self._entries[key] = (ident, now)
                    self._entries.move_to_end(key)
                    return member
        member = self._plain(ctx, picker, load, exclude)
        if member is not None:
            self._store(key, member.ident, now)
        return member

    def _store(self, key: str, ident: str, now: float) -> None:
        self._entries[key] = (ident, now)
        self._entries.move_to_end(key)
        # the front is the least recently used: drop what expired there, then what is over the limit
        while self._entries:
            first_key, (_, used) = next(iter(self._entries.items()))
            if now - used < self.timeout and len(self._entries) <= self.max_entries:
                break
            del self._entries[first_key]

    def _hash_key(self, ctx: PickContext) -> str:
        t = self.type
        if t == "consistent-hash-ip":
            return source_key(ctx.client_ip)
        if t == "hash-source-address-port":
            return f"{source_key(ctx.client_ip)}:{ctx.client_port}"
        if t == "hash-cookie":
            return parse_cookies(ctx.cookie).get(self.keyword, "") if self.keyword and ctx.cookie else ""
        if t == "hash-http-request":
            if not self.keyword or "?" not in ctx.full_uri:
                return ""
            params = parse_qsl(urlsplit(ctx.full_uri).query, keep_blank_values=False)
            return next((v for n, v in params if n == self.keyword), "")
        # hash-http-header: only the headers the pick context carries
        name = self.keyword.strip().lower()
        return ctx.host if name == "host" else ctx.cookie if name == "cookie" else ""

    def _member_by_cookie(self, picker: Picker, value: str) -> MemberSpec | None:
        return next((m for m in picker.pool.members if self._values.get(m.ident) == value), None)

    def _learn(self, pool: PoolSpec) -> None:
        """Cookie values for this pool: the member cookie, disambiguated when members share it."""
        if pool is self._pool:
            return
        base = {m.ident: _encode(m.cookie or m.real_server) for m in pool.members}
        counts: dict[str, int] = {}
        for v in base.values():
            counts[v] = counts.get(v, 0) + 1
        self._values = {m.ident: base[m.ident] if counts[base[m.ident]] == 1 else f"{base[m.ident]}-{_encode(m.key)}"
                        for m in pool.members}
        self._pool = pool


def _encode(value: str) -> str:
    return quote(value, safe=_COOKIE_SAFE)
