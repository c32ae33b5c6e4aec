"""The data plane's view of a configuration: immutable specs compiled from the config tree.

``compile_spec`` is a pure function (tree in, spec out). The running data plane only ever sees
these frozen objects, so a connection that started under one commit keeps a consistent view of its
virtual server, profile and pool while later commits build new specs beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..config.tree import ConfigTree, Entry, TableData
from ..config.values import PortRanges, port_ranges
from ..config.view import View
from ..schema import SCHEMA, compat
from ..schema.model import Table
from ..schema.registry import Schema
from .content_routing import BadPattern, Condition, Rule, RuleList, compile_condition, l4_networks
from .rewriting import RewriteRule, compile_rewrite

HC, PROFILE, PERSISTENCE = "system.health-check", "load-balance.profile", "load-balance.persistence"
ROUTE, CPOOL = "load-balance.content-routing", "load-balance.connection-pool"
POOL, MEMBER, VS = "load-balance.pool", "load-balance.pool.pool_member", "load-balance.virtual-server"


def _default(dotted: str, name: str) -> str:
    """A spec field's default is the schema's (one fact): what a spec built by hand (tests) starts from."""
    return SCHEMA.find(dotted).default(name)


def _default_int(dotted: str, name: str) -> int:
    return int(_default(dotted, name))


def _default_on(dotted: str, name: str) -> bool:
    return _default(dotted, name) == "enable"


@dataclass(frozen=True)
class HealthCheckSpec:
    """One ``config system health-check`` entry, as the prober needs it (seconds for timers)."""

    name: str
    type: str  # tcp | http | https | tcp-echo | icmp | ...
    port: int = _default_int(HC, "port")  # 0 = the member's port
    dest_addr: str = _default(HC, "dest-addr")  # 0.0.0.0 = the member itself
    interval: int = _default_int(HC, "interval")
    timeout: int = _default_int(HC, "timeout")
    retry: int = _default_int(HC, "retry")  # consecutive failures before down
    up_retry: int = _default_int(HC, "up-retry")  # consecutive successes before up
    method_type: str = _default(HC, "method-type")
    send_string: str = _default(HC, "send-string")
    receive_string: str = _default(HC, "receive-string")
    status_code: int = _default_int(HC, "status-code")
    match_type: str = _default(HC, "match-type")
    hostname: str = _default(HC, "hostname")
    http_version: str = _default(HC, "http-version")


@dataclass(frozen=True)
class HealthSpec:
    """The checks that decide a member's health, and how they combine."""

    checks: tuple[HealthCheckSpec, ...]
    relation: str = _default(POOL, "health-check-relation")  # AND: every check must pass; OR: one is enough


@dataclass(frozen=True)
class MemberSpec:
    """One pool member, resolved through its real server."""

    key: str
    real_server: str
    host: str  # the real server's address
    port: int  # 0 = the port the client connected to
    weight: int = _default_int(MEMBER, "pool_member_weight")
    status: str = _default(MEMBER, "status")  # enable | disable | maintain (the stricter of member and real server)
    backup: bool = _default_on(MEMBER, "backup")
    connection_limit: int = _default_int(MEMBER, "connection-limit")  # 0 = no limit
    cookie: str = ""
    tls: "UpstreamTLS | None" = None  # per-member override (real-server-ssl-profile-inherit disable)
    health: HealthSpec | None = None  # the checks in force for this member (pool's or its own); None = none
    recover: int = _default_int(MEMBER, "recover")  # seconds a member that came back up waits before it takes traffic

    @property
    def ident(self) -> str:
        """Stable identity across commits, for counters and connection tracking."""
        return f"{self.real_server}@{self.host}:{self.port}"


@dataclass(frozen=True)
class UpstreamTLS:
    """``real-server-ssl-profile`` with ``ssl enable``: how to speak TLS to the members."""

    name: str
    versions: tuple[str, ...] = ("tlsv1.2",)
    ciphers: tuple[str, ...] = ()
    sni_forward: bool = False
    sni: str = ""  # a fixed SNI value, when the profile sets one
    verify: str = ""  # server-cert-verify object name; empty = do not verify


@dataclass(frozen=True)
class PoolSpec:
    name: str
    members: tuple[MemberSpec, ...]
    tls: UpstreamTLS | None = None
    health: HealthSpec | None = None  # the pool-level checks (members may override)


@dataclass(frozen=True)
class ProfileSpec:
    """The application profile fields the proxy acts on (seconds for every timeout)."""

    name: str
    type: str
    tcp_session_timeout: int = _default_int(PROFILE, "timeout_tcp_session")
    client_timeout: int = _default_int(PROFILE, "client-timeout")
    server_timeout: int = _default_int(PROFILE, "server-timeout")
    connect_timeout: int = _default_int(PROFILE, "connect-timeout")
    request_timeout: int = _default_int(PROFILE, "http-request-timeout")
    keepalive_timeout: int = _default_int(PROFILE, "http-keepalive-timeout")
    http_mode: str = _default(PROFILE, "http-mode")
    xff: bool = _default_on(PROFILE, "http-x-forwarded-for")
    xff_header: str = _default(PROFILE, "http-x-forwarded-for-header")
    max_headers: int = _default_int(PROFILE, "max-http-headers")
    bufsize: int = _default_int(PROFILE, "tune-bufsize")

    @property
    def is_http(self) -> bool:
        return self.type in ("http", "https")

    @property
    def xff_name(self) -> str:
        """The header to add: ``X-<http-x-forwarded-for-header>``, default ``X-Forwarded-For``."""
        return "X-" + self.xff_header if self.xff_header else "X-Forwarded-For"


@dataclass(frozen=True)
class CertSpec:
    name: str
    cert_path: Path
    key_path: Path


@dataclass(frozen=True)
class ClientTLSSpec:
    """``client-ssl-profile`` resolved down to certificate files: the default first, then by SNI."""

    name: str
    versions: tuple[str, ...]
    ciphers: tuple[str, ...]
    default: CertSpec
    others: tuple[CertSpec, ...] = ()


@dataclass(frozen=True)
class PersistenceSpec:
    name: str
    type: str
    timeout: int = _default_int(PERSISTENCE, "timeout")
    keyword: str = _default(PERSISTENCE, "keyword")
    ipv4_maskbits: int = _default_int(PERSISTENCE, "ipv4-maskbits")
    ipv6_maskbits: int = _default_int(PERSISTENCE, "ipv6-maskbits")
    cookie_domain: str = _default(PERSISTENCE, "cookie-domain")
    cookie_httponly: bool = _default_on(PERSISTENCE, "cookie-httponly")
    cookie_secure: bool = _default_on(PERSISTENCE, "cookie-secure")
    cookie_samesite: str = _default(PERSISTENCE, "cookie-samesite")
    cookie_custom_attr: str = ""  # the attribute text; empty when cookie-custom-attr is disable


@dataclass(frozen=True)
class ConnectionPoolSpec:
    """``config load-balance connection-pool`` (CLI744 p. 143-144): how idle member connections are kept.

    ``size``: idle connections kept per member (0 = no limit); ``age``: seconds a connection may live
    in all; ``reuse``: requests a connection may carry (0 = no limit); ``timeout``: seconds idle.
    """

    name: str
    size: int = _default_int(CPOOL, "size")
    age: int = _default_int(CPOOL, "age")
    reuse: int = _default_int(CPOOL, "reuse")
    timeout: int = _default_int(CPOOL, "timeout")


@dataclass(frozen=True)
class RouteSpec:
    """What a content-routing rule routes to: its pool, and the method, persistence and connection
    pool in force for it (its own, or the virtual server's when it inherits)."""

    name: str
    pool: PoolSpec
    method: str
    persistence: "PersistenceSpec | None" = None
    connection_pool: ConnectionPoolSpec | None = None


@dataclass(frozen=True)
class VirtualServerSpec:
    name: str
    status: str  # enable | disable | maintain
    type: str  # l4-load-balance | l7-load-balance | l2-load-balance
    ip: str
    ports: PortRanges  # inclusive ranges
    profile: ProfileSpec
    method: str  # the method's type: round-robin, least-connection, ...
    pool: PoolSpec
    persistence: PersistenceSpec | None = None
    client_tls: ClientTLSSpec | None = None
    connection_limit: int = _default_int(VS, "connection-limit")
    error_msg: str = _default(VS, "error-msg")
    traffic_log: bool = _default_on(VS, "traffic-log")
    max_persistence_entries: int = _default_int(VS, "max-persistence-entries")
    routes: "RuleList[RouteSpec] | None" = None  # content-routing enable: the content-routing-list
    connection_pool: ConnectionPoolSpec | None = None
    http2https_ports: PortRanges = ()  # http2https enable on an HTTPS virtual server: redirecting ports
    error_page: str = ""  # the error-page object's name
    error_page_html: str = ""  # its page (``error-pages/<name>.html`` of the data directory), read at commit
    rewrites: tuple[RewriteRule, ...] = ()  # content-rewriting enable: the content-rewriting-list

    @property
    def pools(self) -> tuple[PoolSpec, ...]:
        """Every pool this virtual server sends traffic to: its own, or its content-routing rules'."""
        if self.routes is None:
            return (self.pool,)
        seen: dict[str, PoolSpec] = {}
        for rule in self.routes.rules:
            seen.setdefault(rule.target.pool.name, rule.target.pool)
        return tuple(seen.values())

    @property
    def redirect_addresses(self) -> tuple[tuple[str, int], ...]:
        """The (ip, port) pairs answered with a redirect to HTTPS (``http2https-port``)."""
        return tuple((self.ip, p) for lo, hi in self.http2https_ports for p in range(lo, hi + 1))

    @property
    def addresses(self) -> tuple[tuple[str, int], ...]:
        """Every (ip, port) this virtual server listens on."""
        return tuple((self.ip, p) for lo, hi in self.ports for p in range(lo, hi + 1))

    @property
    def mode(self) -> str:
        """How connections are handled: ``tcp`` (tunnel bytes) or ``http`` (HTTP/HTTPS proxy)."""
        if self.type == "l7-load-balance" and self.profile.is_http:
            return "http"
        return "tcp"


@dataclass(frozen=True)
class DataplaneSpec:
    generation: int
    virtual_servers: Mapping[str, VirtualServerSpec] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)  # VS name -> why it is not served


class _Reader:
    """Values read through the schema, recording every entry looked up (a spec's dependencies).

    Where an attribute is not in force for an entry, or is in force but empty, a reader gets the
    schema's default of that name (a TCP profile's connect-timeout is 5 as an HTTP one's): no default
    is written here.
    """

    def __init__(self, tree: ConfigTree, schema: Schema) -> None:
        self.tree = tree
        self.schema = schema
        self.view = View(schema, self._lookup)
        self.touched: set[tuple[tuple[str, ...], str]] = set()  # every (path, key) read: the dependencies

    def _lookup(self, dotted: str, key: str) -> Entry | None:
        t = self.schema.by_dotted.get(dotted)
        if t is None:
            return None
        self.touched.add((t.path, key))
        node = self.tree.nodes.get(t.path)
        return node.get(key) if isinstance(node, TableData) else None

    def table(self, dotted: str) -> Table:
        return self.schema.find(dotted)

    def entry(self, dotted: str, key: str) -> Entry | None:
        return self._lookup(dotted, key) if key else None

    def s(self, table: Table, entry: Entry, name: str) -> str:
        return self.view.text(table, entry, name) or table.default(name)

    def i(self, table: Table, entry: Entry, name: str) -> int:
        v = self.s(table, entry, name)
        return int(v) if v.isdigit() else 0

    def on(self, table: Table, entry: Entry, name: str) -> bool:
        return self.s(table, entry, name) == "enable"

    def t(self, table: Table, entry: Entry, name: str) -> tuple[str, ...]:
        return self.view.words(table, entry, name)


def _upstream_tls(r: _Reader, name: str) -> UpstreamTLS | None:
    if not name or name == "NONE":
        return None
    t = r.table("load-balance.real-server-ssl-profile")
    e = r.entry(t.dotted, name)
    if e is None or not r.on(t, e, "ssl"):
        return None
    if r.on(t, e, "ssl-customize-ciphers-flag"):
        ciphers = r.t(t, e, "ssl-customized-ciphers")
    elif "ssl-ciphers" in e.values:
        ciphers = r.t(t, e, "ssl-ciphers")
    else:
        # The factory list predates ECDHE: a modern member would refuse every suite in it, so an
        # unchanged list means the local OpenSSL's defaults (docs/fidelity.md).
        ciphers = ()
    return UpstreamTLS(
        name=name,
        versions=r.t(t, e, "allow-ssl-versions"),
        ciphers=ciphers,
        sni_forward=r.on(t, e, "ssl-sni-forward"),
        sni=r.s(t, e, "sni"),
        verify=r.s(t, e, "server-cert-verify"),
    )


def _health_check(r: _Reader, name: str) -> HealthCheckSpec | None:
    t = r.table(HC)
    e = r.entry(t.dotted, name)
    if e is None:
        return None
    return HealthCheckSpec(
        name=name,
        type=r.s(t, e, "type"),
        port=r.i(t, e, "port"),
        dest_addr=r.s(t, e, "dest-addr"),
        interval=r.i(t, e, "interval"),
        timeout=r.i(t, e, "timeout"),
        retry=r.i(t, e, "retry"),
        up_retry=r.i(t, e, "up-retry"),
        method_type=r.s(t, e, "method-type"),
        send_string=r.s(t, e, "send-string"),
        receive_string=r.s(t, e, "receive-string"),
        status_code=r.i(t, e, "status-code"),
        match_type=r.s(t, e, "match-type"),
        hostname=r.s(t, e, "hostname"),
        http_version=r.s(t, e, "http-version"),
    )


def health_check_spec(tree: ConfigTree, schema: Schema, name: str) -> HealthCheckSpec | None:
    """One health check read the way the data plane reads it (for ``execute health-check-verify``)."""
    return _health_check(_Reader(tree, schema), name)


def _health(r: _Reader, t: Table, e: Entry) -> HealthSpec | None:
    """``health-check-ctrl``/``-list``/``-relation`` of a pool or a member; None when checks are off."""
    if not r.on(t, e, "health-check-ctrl"):
        return None
    checks = tuple(c for c in (_health_check(r, n) for n in r.t(t, e, "health-check-list")) if c is not None)
    return HealthSpec(checks, r.s(t, e, "health-check-relation")) if checks else None


def _pool(r: _Reader, name: str) -> PoolSpec | None:
    t = r.table(POOL)
    e = r.entry(t.dotted, name)
    if e is None:
        return None
    mt = r.table(MEMBER)
    rst = r.table("load-balance.real-server")
    members = []
    pool_health = _health(r, t, e)
    address = compat.address_attr(r.s(t, e, "addr-type"))
    for m in e.children.get("pool_member", TableData()):
        rs_name = r.s(mt, m, "real-server")
        rs = r.entry(rst.dotted, rs_name)
        if rs is None or m.key is None:
            continue
        statuses = (r.s(mt, m, "status"), r.s(rst, rs, "status"))
        status = "disable" if "disable" in statuses else "maintain" if "maintain" in statuses else "enable"
        tls = None
        if r.s(mt, m, "real-server-ssl-profile-inherit") == "disable":
            tls = _upstream_tls(r, r.s(mt, m, "real-server-ssl-profile"))
        members.append(
            MemberSpec(
                key=m.key,
                real_server=rs_name,
                host=r.s(rst, rs, address),
                port=r.i(mt, m, "pool_member_service_port"),
                weight=r.i(mt, m, "pool_member_weight"),
                status=status,
                backup=r.on(mt, m, "backup"),
                connection_limit=r.i(mt, m, "connection-limit"),
                cookie=r.s(mt, m, "pool_member_cookie") or rs_name,
                tls=tls,
                health=pool_health if r.s(mt, m, "health-check-inherit") != "disable" else _health(r, mt, m),
                recover=r.i(mt, m, "recover"),
            )
        )
    return PoolSpec(name, tuple(members), _upstream_tls(r, r.s(t, e, "real-server-ssl-profile")), pool_health)


def _profile(r: _Reader, name: str) -> ProfileSpec | None:
    t = r.table(PROFILE)
    e = r.entry(t.dotted, name)
    if e is None:
        return None
    return ProfileSpec(
        name=name,
        type=r.s(t, e, "type"),
        tcp_session_timeout=r.i(t, e, "timeout_tcp_session"),
        client_timeout=r.i(t, e, "client-timeout"),
        server_timeout=r.i(t, e, "server-timeout"),
        connect_timeout=r.i(t, e, "connect-timeout"),
        request_timeout=r.i(t, e, "http-request-timeout"),
        keepalive_timeout=r.i(t, e, "http-keepalive-timeout"),
        http_mode=r.s(t, e, "http-mode"),
        xff=r.on(t, e, "http-x-forwarded-for"),
        xff_header=r.s(t, e, "http-x-forwarded-for-header"),
        max_headers=r.i(t, e, "max-http-headers"),
        bufsize=r.i(t, e, "tune-bufsize"),
    )


def _certificate(r: _Reader, name: str, cert_dir: Path) -> CertSpec | None:
    t = r.table("system.certificate.local")
    if r.entry(t.dotted, name) is None:
        return None
    return CertSpec(name, cert_dir / f"{name}.crt", cert_dir / f"{name}.key")


def _client_tls(r: _Reader, name: str, cert_dir: Path) -> ClientTLSSpec | None:
    t = r.table("load-balance.client-ssl-profile")
    e = r.entry(t.dotted, name)
    if e is None:
        return None
    gt = r.table("system.certificate.local_cert_group")
    group = r.entry(gt.dotted, r.s(t, e, "local-certificate-group"))
    if group is None:
        return None
    mt = r.table("system.certificate.local_cert_group.group_member")
    certs: list[tuple[bool, CertSpec]] = []
    for m in group.children.get("group_member", TableData()):
        cert = _certificate(r, r.s(mt, m, "local-cert"), cert_dir)
        if cert is not None:
            certs.append((r.on(mt, m, "default"), cert))
    if not certs:
        return None
    default = next((c for d, c in certs if d), certs[0][1])
    ciphers = r.t(t, e, "ssl-customized-ciphers") if r.on(t, e, "ssl-customize-ciphers-flag") else r.t(t, e, "ssl-ciphers")
    return ClientTLSSpec(
        name=name,
        versions=r.t(t, e, "ssl-allowed-versions"),
        ciphers=ciphers,
        default=default,
        others=tuple(c for _, c in certs if c is not default),
    )


def _persistence(r: _Reader, name: str) -> PersistenceSpec | None:
    t = r.table(PERSISTENCE)
    p = r.entry(t.dotted, name)
    if p is None or p.key is None:
        return None
    return PersistenceSpec(
        p.key,
        r.s(t, p, "type"),
        r.i(t, p, "timeout"),
        r.s(t, p, "keyword"),
        ipv4_maskbits=r.i(t, p, "ipv4-maskbits"),
        ipv6_maskbits=r.i(t, p, "ipv6-maskbits"),
        cookie_domain=r.s(t, p, "cookie-domain"),
        cookie_httponly=r.on(t, p, "cookie-httponly"),
        cookie_secure=r.on(t, p, "cookie-secure"),
        cookie_samesite=r.s(t, p, "cookie-samesite"),
        cookie_custom_attr=r.s(t, p, "cookie-custom-attr-value") if r.on(t, p, "cookie-custom-attr") else "",
    )


def _method(r: _Reader, name: str) -> str:
    """A method object's type (round-robin when none is named or it does not exist)."""
    method_t = r.table("load-balance.method")
    method_e = r.entry(method_t.dotted, name)
    return r.s(method_t, method_e, "type") if method_e is not None else compat.RR


def _connection_pool(r: _Reader, name: str) -> ConnectionPoolSpec | None:
    t = r.table(CPOOL)
    e = r.entry(t.dotted, name)
    if e is None:
        return None
    return ConnectionPoolSpec(name, r.i(t, e, "size"), r.i(t, e, "age"), r.i(t, e, "reuse"), r.i(t, e, "timeout"))


def _conditions(r: _Reader, t: Table, e: Entry) -> "tuple[Condition, ...]":
    """A rule's ``match-condition`` entries, compiled (raises ``BadPattern``)."""
    ct = r.table(t.dotted + ".match-condition")
    out = []
    for c in e.children.get("match-condition", TableData()):
        out.append(compile_condition(r.s(ct, c, "object"), r.s(ct, c, "type"), r.s(ct, c, "content"),
                                     r.on(ct, c, "reverse"), r.on(ct, c, "ignore-case")))
    return tuple(out)


def _routes(r: _Reader, t: Table, e: Entry, method: str, persistence: "PersistenceSpec | None",
            cpool: ConnectionPoolSpec | None) -> "RuleList[RouteSpec] | str":
    """The virtual server's ``content-routing-list`` compiled in order (CLI744 p. 149-152), or why not."""
    rt = r.table(ROUTE)
    rules: list[Rule[RouteSpec]] = []
    for name in r.t(t, e, "content-routing-list"):
        re_ = r.entry(rt.dotted, name)
        if re_ is None:
            continue
        pool = _pool(r, r.s(rt, re_, "load-balance-pool"))
        if pool is None:
            return f"content-routing {name} has no pool"
        own_method = method if r.on(rt, re_, "method-inherit") else _method(r, r.s(rt, re_, "load-balance-method"))
        own_persistence = (persistence if r.on(rt, re_, "persistence-inherit")
                           else _persistence(r, r.s(rt, re_, "load-balance-persistence")))
        own_cpool = cpool if r.on(rt, re_, "connection-pool-inherit") else _connection_pool(
            r, r.s(rt, re_, "connection-pool"))
        kind = r.s(rt, re_, "type")
        try:
            conditions = _conditions(r, rt, re_) if kind == "l7-content-routing" else ()
        except BadPattern as exc:
            return f"content-routing {name}: {exc}"
        target = RouteSpec(name, pool, own_method, own_persistence, own_cpool)
        rules.append(Rule(name, kind, target, conditions, l4_networks(r.s(rt, re_, "ip"), r.s(rt, re_, "ip6"))))
    if not rules:
        return "content routing is enabled with no content-routing rule"
    return RuleList(tuple(rules))


def _rewrites(r: _Reader, names: tuple[str, ...]) -> "tuple[RewriteRule, ...] | str":
    """The ``content-rewriting-list`` compiled in order (CLI744 p. 145-149), or why not."""
    t = r.table("load-balance.content-rewriting")
    out = []
    for name in names:
        e = r.entry(t.dotted, name)
        if e is None:
            continue
        try:
            conditions = _conditions(r, t, e)
            out.append(compile_rewrite(name, {a: r.s(t, e, a) for a in (
                "action-type", "action", "header-name", "header-value", "redirect", "host-status", "host",
                "referer-status", "referer", "url-status", "url", "location")}, conditions))
        except (BadPattern, ValueError) as exc:
            return f"content-rewriting {name}: {exc}"
    return tuple(out)


ERROR_PAGE_DIR = "error-pages"
MAX_ERROR_PAGE = 1 << 20


def _error_page(r: _Reader, name: str, cert_dir: Path) -> str:
    """The page of an ``error-page`` object: ``error-pages/<name>.html`` beside the certificate folder in the
    data directory (where the box keeps the files uploaded in its web UI, CLI744 p. 153); empty when the
    object or its file does not exist (the error message is answered then)."""
    if not name or r.entry("load-balance.error-page", name) is None:
        return ""
    path = cert_dir.parent / ERROR_PAGE_DIR / f"{name}.html"
    try:
        with open(path, "rb") as f:
            return f.read(MAX_ERROR_PAGE).decode("utf-8", "replace")
    except OSError:
        return ""


def _http2https(r: _Reader, t: Table, e: Entry, profile: ProfileSpec) -> PortRanges:
    """``http2https-port`` when ``http2https`` is enabled on an HTTPS virtual server (else none)."""
    if profile.type != "https" or r.s(t, e, "type") != "l7-load-balance" or not r.on(t, e, "http2https"):
        return ()
    return tuple((lo, hi) for lo, hi in port_ranges(r.s(t, e, "http2https-port")) if lo > 0)


def compile_vs(r: _Reader, t: Table, e: Entry, cert_dir: Path) -> VirtualServerSpec | str:
    """One virtual server's spec, or the reason it is not served."""
    name = e.key or ""
    vs_type = r.s(t, e, "type")
    if vs_type == compat.L2:
        return "layer 2 virtual servers are not served by this emulator"
    profile = _profile(r, r.s(t, e, "load-balance-profile"))
    if profile is None:
        return "no profile or pool"
    method = _method(r, r.s(t, e, "load-balance-method"))
    persistence = _persistence(r, r.s(t, e, "load-balance-persistence"))
    cpool = _connection_pool(r, r.s(t, e, "connection-pool")) if vs_type == "l7-load-balance" else None
    routes: RuleList[RouteSpec] | None = None
    if r.on(t, e, "content-routing"):
        compiled_routes = _routes(r, t, e, method, persistence, cpool)
        if isinstance(compiled_routes, str):
            return compiled_routes
        routes = compiled_routes
        pool: PoolSpec | None = PoolSpec("", ())
    else:
        pool = _pool(r, r.s(t, e, "load-balance-pool"))
    if pool is None:
        return "no profile or pool"
    client_tls = None
    if profile.type in compat.NEEDS_CLIENT_SSL:
        client_tls = _client_tls(r, r.s(t, e, "client-ssl-profile"), cert_dir)
        if client_tls is None:
            return "no usable client SSL profile"
    ports = port_ranges(r.s(t, e, "port"))
    if any(lo == 0 for lo, _ in ports):
        return "port 0 (any port) is not served by this emulator"
    rewrites: tuple[RewriteRule, ...] = ()
    if vs_type == "l7-load-balance" and r.on(t, e, "content-rewriting"):
        compiled = _rewrites(r, r.t(t, e, "content-rewriting-list"))
        if isinstance(compiled, str):
            return compiled
        rewrites = compiled
    return VirtualServerSpec(
        name=name,
        status=r.s(t, e, "status"),
        type=vs_type,
        ip=r.s(t, e, compat.address_attr(r.s(t, e, "addr-type"))),
        ports=ports,
        profile=profile,
        method=method,
        pool=pool,
        persistence=persistence,
        client_tls=client_tls,
        connection_limit=r.i(t, e, "connection-limit"),
        error_msg=r.s(t, e, "error-msg"),
        traffic_log=r.on(t, e, "traffic-log"),
        max_persistence_entries=r.i(t, e, "max-persistence-entries"),
        routes=routes,
        connection_pool=cpool,
        http2https_ports=_http2https(r, t, e, profile),
        error_page=r.s(t, e, "error-page") if vs_type == "l7-load-balance" else "",
        error_page_html=_error_page(r, r.s(t, e, "error-page"), cert_dir) if vs_type == "l7-load-balance" else "",
        rewrites=rewrites,
    )


def compile_spec(tree: ConfigTree, schema: Schema, generation: int, cert_dir: Path) -> DataplaneSpec:
    """Every virtual server the data plane should serve, fully resolved; the rest with a reason."""
    return SpecCompiler(schema, cert_dir).compile(tree, generation)


class SpecCompiler:
    """Compiles specs incrementally: a commit recompiles only the virtual servers that read the changed
    entry (each compiled spec remembers every entry it looked at), so applying a long script stays
    linear and unchanged virtual servers keep the very same spec object (the runtime compares by
    identity to leave their listeners alone).
    """

    VS_PATH = tuple(VS.split("."))

    def __init__(self, schema: Schema, cert_dir: Path) -> None:
        self.schema = schema
        self.cert_dir = cert_dir
        self._cache: dict[str, tuple[VirtualServerSpec | str, frozenset[tuple[tuple[str, ...], str]]]] = {}
        self._dirty: set[str] | None = None  # None = everything

    def invalidate(self, path: tuple[str, ...] | None = None, key: str | None = None) -> None:
        """Forget what depends on (path, key); with no argument, forget everything."""
        if path is None or self._dirty is None:
            self._dirty = None
            return
        if path == self.VS_PATH and key is not None:
            self._dirty.add(key)
        for name, (_, deps) in self._cache.items():
            if (path, key) in deps or (key is None and any(p == path for p, _ in deps)):
                self._dirty.add(name)

    def compile(self, tree: ConfigTree, generation: int) -> DataplaneSpec:
        t = self.schema.find(VS)
        names = [e.key or "" for e in tree.table(t.path)]
        dirty = self._dirty
        for gone in set(self._cache) - set(names):
            del self._cache[gone]
        for e in tree.table(t.path):
            name = e.key or ""
            if dirty is not None and name in self._cache and name not in dirty:
                continue
            r = _Reader(tree, self.schema)
            result = compile_vs(r, t, e, self.cert_dir)
            self._cache[name] = (result, frozenset(r.touched))
        self._dirty = set()
        served = {n: v for n, (v, _) in self._cache.items() if isinstance(v, VirtualServerSpec)}
        skipped = {n: v for n, (v, _) in self._cache.items() if isinstance(v, str)}
        return DataplaneSpec(generation, served, skipped)
