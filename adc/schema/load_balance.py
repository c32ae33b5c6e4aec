"""The ``config load-balance ...`` tables (reference §2.1-§2.10).

Attributes are listed in the order ``get`` prints them; defaults are the strings ``get`` prints.
Type-specific attributes carry a ``when`` on the entry's ``type`` (or, for the virtual server's
client SSL profile, on the referenced profile's type).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from .model import ENABLE_DISABLE, Attr, Table, opts
from .system import ADDR_TYPE, SSL_VERSIONS

L2, L4, L7 = "l2-load-balance", "l4-load-balance", "l7-load-balance"
STATUS = opts(
    ("enable", "enable"),
    ("disable", "disable"),
    ("maintain", "maintain: no new sessions, existing sessions continue"),
)


def _ed(name: str, help: str, default: str = "disable", **kw: object) -> Attr:
    """An enable/disable switch."""
    return Attr(name, "option", help, default=default, options=ENABLE_DISABLE, **kw)  # type: ignore[arg-type]


def _when(attrs: tuple[Attr, ...], cond: Mapping[str, tuple[str, ...]]) -> tuple[Attr, ...]:
    """The same attributes, each also conditioned on ``cond`` (merged with its own condition)."""
    return tuple(replace(a, when={**cond, **a.when}) for a in attrs)


# -------------------------------------------------------------------------------------- ciphers
CLIENT_CIPHERS = (
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-CAMELLIA256-SHA384",
    "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-ECDSA-CAMELLIA128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-DES-CBC3-SHA", "ECDHE-ECDSA-RC4-SHA",
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-CAMELLIA256-SHA384", "ECDHE-RSA-AES256-SHA",
    "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES256-SHA256", "DHE-RSA-CAMELLIA256-SHA256", "DHE-RSA-AES256-SHA",
    "DHE-RSA-CAMELLIA256-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-CAMELLIA128-SHA256", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES128-SHA256",
    "DHE-RSA-CAMELLIA128-SHA256", "DHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA",
    "ECDHE-RSA-RC4-SHA", "RC4-SHA", "RC4-MD5", "EDH-RSA-DES-CBC3-SHA", "DES-CBC3-SHA", "eNULL",
)
RS_CIPHERS = CLIENT_CIPHERS + ("EDH-RSA-DES-CBC-SHA", "DES-CBC-SHA")
CLIENT_CIPHER_OPTS = opts(*CLIENT_CIPHERS)
RS_CIPHER_OPTS = opts(*RS_CIPHERS)
# Default client-side list: every cipher but the RC4, 3DES and NULL ones [assumption].
CLIENT_CIPHERS_DEFAULT = " ".join(
    c for c in CLIENT_CIPHERS if "RC4" not in c and "DES-CBC3" not in c and c != "eNULL"
)
# Default server-side list, as the CLI744 ``get`` of a fresh real-server SSL profile prints it.
RS_CIPHERS_DEFAULT = (
    "DHE-RSA-AES256-GCM-SHA384 DHE-RSA-AES256-SHA256 DHE-RSA-AES256-SHA AES256-GCM-SHA384 AES256-SHA256 "
    "AES256-SHA DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES128-SHA256 DHE-RSA-AES128-SHA AES128-GCM-SHA256 "
    "AES128-SHA256 AES128-SHA RC4-SHA RC4-MD5 EDH-RSA-DES-CBC3-SHA DES-CBC3-SHA EDH-RSA-DES-CBC-SHA DES-CBC-SHA"
)
ECDSA_CIPHERS = " ".join(c for c in CLIENT_CIPHERS if c.startswith("ECDHE-ECDSA") and "RC4" not in c)
SUPPORTED_GROUPS = opts(
    "secp256r1", "secp384r1", "secp521r1", "x25519", "x448",
    "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
)
SUPPORTED_GROUPS_DEFAULT = " ".join(o.name for o in SUPPORTED_GROUPS)

# ---------------------------------------------------------------------------------- real server
REAL_SERVER = Table(
    name="real-server",
    path=("load-balance", "real-server"),
    help="real server",
    key_help="real server name",
    node_id=1690,
    items=(
        Attr("server-type", "option", "real server type", default="static",
             options=opts(("static", "static real server"), ("dynamic_manual", "SDN connector, manual"))),
        Attr("status", "option", "real server status", default="enable", options=STATUS),
        Attr("type", "option", "address type", default="ip",
             options=opts(("ip", "ip address"), ("fqdn", "fully qualified domain name"),
                          ("fqdn_populate_more", "FQDN, one real server per resolved address")),
             when={"server-type": ("static",)}),
        Attr("ip", "ipv4", "ip address", default="0.0.0.0", when={"type": ("ip",)}),
        Attr("ip6", "ipv6", "ipv6 address", default="::", when={"type": ("ip",)}),
        Attr("fqdn", "string", "fully qualified domain name", maxlen=255, required=True,
             when={"type": ("fqdn", "fqdn_populate_more")}),
        Attr("sdn-connector", "ref", "SDN connector", ref="system.sdn-connector",
             when={"server-type": ("dynamic_manual",)}),
        Attr("instance", "string", "instance", when={"server-type": ("dynamic_manual",)}),
    ),
)

# ---------------------------------------------------------------------------- client SSL profile
_FP = {"forward-proxy": ("enable",)}
CLIENT_SSL_PROFILE = Table(
    name="client-ssl-profile",
    path=("load-balance", "client-ssl-profile"),
    help="client SSL profile",
    key_help="client SSL profile name",
    node_id=4310,
    items=(
        Attr("client-certificate-verify", "ref", "client certificate verify",
             ref="system.certificate.certificate_verify"),
        Attr("client-certificate-verify-option", "option", "client certificate verify option", default="required",
             options=opts(("required", "client certificate is required"), ("optional", "client certificate is optional"))),
        _ed("client-sni-required", "client SNI required"),
        _ed("forward-proxy", "SSL forward proxy"),
        Attr("local-certificate-group", "ref", "local certificate group", default="LOCAL_CERT_GROUP",
             ref="system.certificate.local_cert_group"),
        Attr("ssl-allowed-versions", "option", "allowed SSL versions", default="tlsv1.1 tlsv1.2",
             options=SSL_VERSIONS, multi=True),
        _ed("ssl-customize-ciphers-flag", "customize SSL ciphers"),
        Attr("ssl-ciphers", "option", "SSL ciphers", default=CLIENT_CIPHERS_DEFAULT, options=CLIENT_CIPHER_OPTS,
             multi=True, when={"ssl-customize-ciphers-flag": ("disable",)}),
        Attr("ssl-customized-ciphers", "string", "customized SSL ciphers, colon separated", maxlen=1023,
             when={"ssl-customize-ciphers-flag": ("enable",)}),
        _ed("forward-client-certificate", "forward client certificate"),
        Attr("forward-client-certificate-header", "string", "header of the forwarded client certificate",
             default="X-Client-Cert", when={"forward-client-certificate": ("enable",)}),
        Attr("forward-proxy-certificate-caching", "ref", "forward proxy certificate caching",
             ref="load-balance.certificate-caching", when=_FP),
        Attr("forward-proxy-local-signing-CA", "string", "forward proxy local signing CA", when=_FP),
        Attr("forward-proxy-intermediate-ca-group", "ref", "forward proxy intermediate CA group",
             ref="system.certificate.intermediate_ca_group", when=_FP),
        _ed("forward-proxy-resign-cert-by-sni", "forward proxy resigns the certificate by SNI", default="enable",
            when=_FP),
        _ed("backend-ssl-sni-forward", "forward SNI to the backend", when=_FP),
        _ed("backend-ssl-customize-ciphers-flag", "customize backend SSL ciphers", when=_FP),
        Attr("backend-ssl-customized-ciphers", "string", "customized backend SSL ciphers", maxlen=1023,
             when={**_FP, "backend-ssl-customize-ciphers-flag": ("enable",)}),
        Attr("backend-allow-ssl-versions", "option", "backend allowed SSL versions", default="tlsv1.1 tlsv1.2",
             options=SSL_VERSIONS, multi=True, when=_FP),
        _ed("backend-ssl-OCSP-stapling-support", "backend OCSP stapling support"),
        _ed("reject-ocsp-stapling-with-missing-nextupdate", "reject OCSP stapling with missing nextUpdate"),
        _ed("reject-revoked-unknown-ocsp-stapling", "reject revoked or unknown OCSP stapling", default="enable"),
        Attr("ocsp-stapling-skew-time", "integer", "OCSP stapling skew time in seconds", default="0",
             range=(0, 86400)),
        _ed("ssl-auto-chain-flag", "SSL auto chain", default="enable"),
        _ed("ssl-session-cache-flag", "SSL session cache", default="enable"),
        _ed("use-tls-tickets", "TLS session tickets", default="enable"),
        _ed("renegotiation", "SSL renegotiation"),
        Attr("ssl-renegotiate-period", "integer", "renegotiation period in seconds, 0 = off", default="0",
             range=(0, 2147483647), when={"renegotiation": ("enable",)}),
        Attr("ssl-renegotiate-size", "integer", "renegotiation size in MB, 0 = off", default="0",
             range=(0, 2147483647), when={"renegotiation": ("enable",)}),
        Attr("ssl-secure-renegotiation", "option", "secure renegotiation", default="require",
             options=opts(("request", "request"), ("require", "require"), ("require-strict", "require strict")),
             when={"renegotiation": ("enable",)}),
        _ed("rfc7919-comply", "RFC 7919 compliance"),
        Attr("supported-groups", "option", "supported groups", default=SUPPORTED_GROUPS_DEFAULT,
             options=SUPPORTED_GROUPS, multi=True, when={"rfc7919-comply": ("enable",)}),
        _ed("ssl-dynamic-record-sizing", "SSL dynamic record sizing"),
        Attr("ssl-dh-param-size", "option", "Diffie-Hellman parameter size", default="1024bit",
             options=opts(("1024bit", "1024 bits"), ("2048bit", "2048 bits"), ("4096bit", "4096 bits")),
             when={"rfc7919-comply": ("disable",)}),
    ),
)

# ----------------------------------------------------------------------- real-server SSL profile
_SSL = {"ssl": ("enable",)}
REAL_SERVER_SSL_PROFILE = Table(
    name="real-server-ssl-profile",
    path=("load-balance", "real-server-ssl-profile"),
    help="real server SSL profile",
    key_help="real server SSL profile name",
    node_id=3862,  # CLI744 p. 227 transcript
    items=(
        _ed("ssl", "SSL to the real servers"),
        Attr("local-cert", "ref", "local certificate", ref="system.certificate.local", when=_SSL),
        Attr("server-cert-verify", "ref", "server certificate verify", ref="system.certificate.certificate_verify",
             when=_SSL),
        _ed("ssl-sni-forward", "forward the client SNI", when=_SSL),
        Attr("sni", "string", "fixed SNI value", maxlen=255, when={**_SSL, "ssl-sni-forward": ("disable",)}),
        _ed("ssl-session-reuse", "SSL session reuse", when=_SSL),
        Attr("ssl-session-reuse-limit", "integer", "SSL session reuse limit, 0 = off", default="0",
             range=(0, 1048576), when={**_SSL, "ssl-session-reuse": ("enable",)}),
        _ed("ssl-tls-ticket-reuse", "TLS ticket reuse", when=_SSL),
        _ed("ssl-customize-ciphers-flag", "customize SSL ciphers", when=_SSL),
        Attr("ssl-ciphers", "option", "SSL ciphers", default=RS_CIPHERS_DEFAULT, options=RS_CIPHER_OPTS, multi=True,
             when={**_SSL, "ssl-customize-ciphers-flag": ("disable",)}),
        Attr("ssl-customized-ciphers", "string", "customized SSL ciphers, colon separated", maxlen=1023,
             when={**_SSL, "ssl-customize-ciphers-flag": ("enable",)}),
        Attr("allow-ssl-versions", "option", "allowed SSL versions", default="sslv3 tlsv1.0 tlsv1.1 tlsv1.2",
             options=SSL_VERSIONS, multi=True, when=_SSL),
        _ed("server-OCSP-stapling-support", "server OCSP stapling support", when=_SSL),
        _ed("renegotiation", "SSL renegotiation", default="enable", when=_SSL),
        Attr("renegotiation-deny-action", "option", "action when renegotiation is denied", default="ignore",
             options=opts(("ignore", "ignore"), ("terminate", "terminate")),
             when={**_SSL, "renegotiation": ("disable",)}),
        Attr("secure-renegotiation", "option", "secure renegotiation", default="require",
             options=opts(("request", "request"), ("require", "require"), ("require-strict", "require strict")),
             when={**_SSL, "renegotiation": ("enable",)}),
        _ed("rfc7919-comply", "RFC 7919 compliance", when=_SSL),
        Attr("supported-groups", "option", "supported groups", default=SUPPORTED_GROUPS_DEFAULT,
             options=SUPPORTED_GROUPS, multi=True, when={**_SSL, "rfc7919-comply": ("enable",)}),
    ),
)

# ------------------------------------------------------------------------------ application profile
PROFILE_TYPES = opts(
    ("diameter", "DIAMETER"),
    ("dns", "DNS"),
    ("explicit_http", "explicit HTTP proxy"),
    ("ftp", "FTP"),
    ("http", "HTTP"),
    ("turbohttp", "turbo HTTP"),
    ("https", "HTTPS"),
    ("ip", "IP"),
    ("iso8583", "ISO8583"),
    ("l7-tcp", "layer 7 TCP"),
    ("l7-udp", "layer 7 UDP"),
    ("mssql", "MSSQL"),
    ("mysql", "MySQL"),
    ("radius", "RADIUS"),
    ("rdp", "RDP"),
    ("rtmp", "RTMP"),
    ("rtsp", "RTSP"),
    ("sip", "SIP"),
    ("smtp", "SMTP"),
    ("tcp", "TCP"),
    ("tcps", "TCPS"),
    ("udp", "UDP"),
)


def _types(*types: str) -> dict[str, tuple[str, ...]]:
    return {"type": types}


def _geo() -> tuple[Attr, ...]:
    return (
        _ed("ip-reputation", "IP reputation"),
        Attr("geoip-list", "ref", "geography IP block list", ref="load-balance.geoip-list"),
        Attr("allowlist", "ref", "allow list", ref="load-balance.allowlist"),
    )


def _tcp_timeouts() -> tuple[Attr, ...]:
    return (
        Attr("timeout_tcp_session", "integer", "TCP session timeout in seconds", default="100", range=(1, 86400)),
        Attr("timeout_tcp_session_after_FIN", "integer", "TCP session timeout after FIN in seconds", default="100",
             range=(1, 86400)),
    )


def _proxy_timeouts() -> tuple[Attr, ...]:
    return (
        Attr("client-timeout", "integer", "client side timeout in seconds", default="50", range=(1, 3600)),
        Attr("server-timeout", "integer", "server side timeout in seconds", default="50", range=(1, 3600)),
        Attr("connect-timeout", "integer", "connect timeout in seconds", default="5", range=(1, 3600)),
        Attr("queue-timeout", "integer", "queue timeout in seconds", default="5", range=(1, 3600)),
    )


def _client_address() -> Attr:
    return _ed("client-address", "use the client address as source address")


def _http_attrs() -> tuple[Attr, ...]:
    """The HTTP/HTTPS/explicit HTTP fields, in the order of CLI744's ``get`` of LB_PROF_HTTPS."""
    return (
        Attr("tune-bufsize", "integer", "buffer size in bytes", default="8030", range=(128, 2147483647)),
        Attr("tune-maxrewrite", "integer", "reserved rewrite space in bytes", default="1024", range=(0, 2147483647)),
        *_proxy_timeouts(),
        Attr("http-request-timeout", "integer", "HTTP request timeout in seconds", default="50", range=(1, 3600)),
        Attr("http-keepalive-timeout", "integer", "HTTP keep-alive timeout in seconds", default="50",
             range=(1, 3600)),
        _ed("buffer-pool", "buffer pool", default="enable"),
        _client_address(),
        _ed("http-x-forwarded-for", "insert X-Forwarded-For header"),
        Attr("http-x-forwarded-for-header", "string", "X-Forwarded-For header name without X-",
             when={"http-x-forwarded-for": ("enable",)}),
        Attr("http-mode", "option", "HTTP connection mode", default="KeepAlive",
             options=opts(("KeepAlive", "keep alive on both sides"), ("OnceOnly", "once only"),
                          ("ServerClose", "close the server connection after each response"))),
        Attr("compression", "ref", "compression", ref="load-balance.compression"),
        Attr("decompression", "string", "decompression"),
        Attr("caching", "ref", "caching", ref="load-balance.caching"),
        *_geo(),
        Attr("geoip-redirect", "string", "geography IP redirect URL", default="http://", maxlen=255),
        Attr("http-send-timeout", "integer", "HTTP send timeout in seconds, 0 = off", default="0", range=(0, 3600)),
        Attr("max-http-headers", "integer", "maximum number of HTTP headers", default="100", range=(10, 10000)),
        Attr("http2-profile", "ref", "HTTP/2 profile", ref="load-balance.http2-profile"),
        Attr("http3-profile", "ref", "HTTP/3 profile", ref="load-balance.http3-profile", when=_types("https")),
        _ed("response-half-closed-request", "respond to half closed requests"),
    )


_HEADER_TYPES_INSERT = opts(
    ("append-always", "append always"),
    ("append-if-not-exist", "append if not exist"),
    ("insert-always", "insert always"),
    ("insert-if-not-exist", "insert if not exist"),
)
_HEADER_TYPES_ERASE = opts(("all", "erase all matching headers"), ("first", "erase the first matching header"))
_HEADER_TABLE_TYPES = ("http", "https", "explicit_http", "sip")


def _header_table(name: str, help: str, node_id: int, insert: bool) -> Table:
    return Table(
        name=name,
        path=("load-balance", "profile", name),
        help=help,
        key="integer",
        key_help="header No.",
        node_id=node_id,
        when=_types(*_HEADER_TABLE_TYPES),
        items=(
            Attr("type", "option", "insert type" if insert else "erase type",
                 default="insert-always" if insert else "all",
                 options=_HEADER_TYPES_INSERT if insert else _HEADER_TYPES_ERASE),
            Attr("string", "string", "header" if insert else "header name", maxlen=255),
        ),
    )


HEADER_TABLES = (
    _header_table("client-request-header-erase", "erase header from client request", 4553, False),
    _header_table("client-request-header-insert", "insert header into client request", 4554, True),
    _header_table("client-response-header-erase", "erase header from client response", 4555, False),
    _header_table("client-response-header-insert", "insert header into client response", 4556, True),
    _header_table("server-request-header-erase", "erase header from server request", 4557, False),
    _header_table("server-request-header-insert", "insert header into server request", 4558, True),
    _header_table("server-response-header-erase", "erase header from server response", 4559, False),
    _header_table("server-response-header-insert", "insert header into server response", 4560, True),
)

_PROFILE_BLOCKS: tuple[tuple[tuple[str, ...], tuple[Attr, ...]], ...] = (
    (("tcp",), (
        *_tcp_timeouts(),
        _ed("timeout_send_rst", "send RST on session timeout"),
        _ed("client-ip-tcp-option", "insert the client ip as a TCP option"),
        Attr("client-ip-tcp-option-number", "integer", "TCP option number", default="28", range=(2, 255),
             when={"client-ip-tcp-option": ("enable",)}),
        *_geo(),
    )),
    (("udp",), (
        Attr("timeout_udp_session", "integer", "UDP session timeout in seconds", default="100", range=(1, 86400)),
        _ed("stateless", "stateless UDP"),
        *_geo(),
    )),
    (("ip",), (
        Attr("timeout-ip-session", "integer", "IP session timeout in seconds", default="100", range=(1, 86400)),
        *_geo(),
    )),
    (("http", "https", "explicit_http"), _http_attrs()),
    (("turbohttp",), (*_tcp_timeouts(), *_geo())),
    (("ftp",), (
        *_tcp_timeouts(),
        Attr("security-mode", "option", "FTP security mode", default="none",
             options=opts(("none", "none"), ("explicit", "explicit FTPS"), ("implicit", "implicit FTPS"))),
        _client_address(),
        *_geo(),
    )),
    (("tcps", "rdp"), (*_proxy_timeouts(), _client_address(), *_geo())),
    (("radius",), (
        Attr("timeout-radius-session", "integer", "RADIUS session timeout in seconds", default="300",
             range=(1, 3600)),
        _ed("dynamic-auth", "dynamic authorization"),
        Attr("dynamic-auth-port", "integer", "dynamic authorization port", default="3799", range=(1, 65535),
             when={"dynamic-auth": ("enable",)}),
        _client_address(),
    )),
    (("sip",), (
        Attr("max-size", "integer", "maximum SIP message size", default="65535", range=(1, 65535)),
        Attr("server-keepalive-timeout", "integer", "server keep-alive timeout in seconds", default="30",
             range=(5, 300)),
        _ed("server-keepalive", "server keep-alive", default="enable"),
        _ed("client-keepalive", "client keep-alive"),
        Attr("client-protocol", "option", "client side protocol", default="udp",
             options=opts(("tcp", "TCP"), ("udp", "UDP"))),
        Attr("server-protocol", "option", "server side protocol, empty = same as client",
             options=opts(("tcp", "TCP"), ("udp", "UDP"))),
        _ed("sip-insert-client-ip", "insert the client ip"),
        Attr("failed-client", "option", "action when the client side fails", default="drop",
             options=opts(("drop", "drop"), ("send", "send a reply"))),
        Attr("failed-client-str", "string", "reply sent when the client side fails", maxlen=255,
             when={"failed-client": ("send",)}),
        Attr("failed-server", "option", "action when the server side fails", default="drop",
             options=opts(("drop", "drop"), ("send", "send a reply"))),
        Attr("failed-server-str", "string", "reply sent when the server side fails", maxlen=255,
             when={"failed-server": ("send",)}),
    )),
    (("dns",), (
        Attr("malform-query-action", "option", "action on malformed queries", default="drop",
             options=opts(("drop", "drop"), ("forward", "forward"))),
        _ed("redirect-to-tcp-port", "redirect to the TCP port"),
        _ed("caching", "DNS caching", default="enable"),
        Attr("max-query-length", "integer", "maximum query length", default="512", range=(256, 4096)),
        Attr("max-cache-age", "integer", "maximum cache age in seconds", default="3600", range=(0, 65535),
             when={"caching": ("enable",)}),
        Attr("max-cache-entry-size", "integer", "maximum cache entry size in bytes", default="512",
             range=(256, 4096), when={"caching": ("enable",)}),
        Attr("max-cache-size", "integer", "maximum cache size in MB", default="10", range=(1, 100),
             when={"caching": ("enable",)}),
        Attr("cache-response-type", "option", "cached response type", default="all-records",
             options=opts(("all-records", "all records"), ("round-robin", "round robin")),
             when={"caching": ("enable",)}),
    )),
    (("smtp",), (
        Attr("starttls-active-mode", "option", "STARTTLS mode", default="require",
             options=opts(("allow", "allow"), ("require", "require"), ("none", "none"))),
        Attr("disable-command", "option", "forbidden commands", default="expn turn vrfy",
             options=opts(("expn", "EXPN"), ("turn", "TURN"), ("vrfy", "VRFY")), multi=True),
        _ed("disable-command-status", "forbidden commands status", default="enable"),
        Attr("domain-name", "string", "domain name", default="default.com", maxlen=255),
        _client_address(),
        *_geo(),
    )),
    (("rtsp",), (
        Attr("max-header-size", "integer", "maximum header size", default="4096", range=(2048, 65536)),
        _client_address(),
    )),
    (("rtmp",), (_client_address(),)),
    (("l7-tcp",), (
        Attr("timeout_tcp_session", "integer", "TCP session timeout in seconds", default="100", range=(1, 86400)),
    )),
    (("l7-udp",), (
        Attr("timeout_udp_session", "integer", "UDP session timeout in seconds", default="100", range=(1, 86400)),
    )),
    (("mysql",), (
        Attr("mysql-mode", "option", "MySQL mode", default="single-primary",
             options=opts(("single-primary", "single primary"), ("sharding", "sharding"))),
    )),
    (("mssql",), (
        Attr("client-timeout", "integer", "client side timeout in seconds", default="50", range=(1, 3600)),
        Attr("server-age", "integer", "server connection age in seconds", default="600", range=(1, 86400)),
        Attr("server-max-size", "integer", "maximum server connections", default="10000", range=(1, 1048576)),
    )),
    (("diameter",), (
        Attr("origin-host", "string", "origin host", maxlen=255),
        Attr("origin-realm", "string", "origin realm", maxlen=255),
        Attr("vendor-id", "integer", "vendor id", default="0", range=(0, 4294967295)),
        Attr("product-name", "string", "product name", maxlen=255),
        Attr("idle-timeout", "integer", "idle timeout in seconds", default="300", range=(1, 86400)),
        _ed("server-close-propagation", "propagate server close"),
    )),
    (("iso8583",), (
        Attr("msg-encode-type", "option", "message encoding", default="ascii",
             options=opts(("ascii", "ASCII"), ("binary", "binary"))),
        Attr("length-indicator-type", "option", "length indicator type", default="binary",
             options=opts(("ascii", "ASCII"), ("binary", "binary"))),
        Attr("length-indicator-shift", "integer", "length indicator shift", default="0", range=(0, 255)),
        Attr("length-indicator-size", "integer", "length indicator size", default="2", range=(1, 8)),
        Attr("opt-header-length", "integer", "optional header length", default="2", range=(0, 255)),
    )),
)

PROFILE = Table(
    name="profile",
    path=("load-balance", "profile"),
    help="application profile",
    key_help="application profile name",
    node_id=1643,
    items=(
        Attr("type", "option", "profile type", options=PROFILE_TYPES, required=True),
        *(a for types, attrs in _PROFILE_BLOCKS for a in _when(attrs, _types(*types))),
        *HEADER_TABLES,
    ),
)

# ------------------------------------------------------------------------------------------ method
METHOD = Table(
    name="method",
    path=("load-balance", "method"),
    help="load balance method",
    key_help="method name",
    node_id=1670,
    items=(
        Attr("type", "option", "method type", required=True, options=opts(
            ("round-robin", "round robin"),
            ("least-connection", "least connection"),
            ("fastest-response", "fastest response"),
            ("uri-hash", "URI hash"),
            ("full-uri-hash", "full URI hash"),
            ("host-hash", "host hash"),
            ("host-domain-hash", "host domain hash"),
            ("dest-ip-hash", "destination ip hash"),
            ("dynamic-load", "dynamic load"),
        )),
    ),
)

# ------------------------------------------------------------------------------------- persistence
_COOKIE_KEYWORD = ("hash-http-header", "hash-http-request", "hash-cookie", "persistent-cookie", "insert-cookie",
                   "rewrite-cookie", "embedded-cookie")
_SET_COOKIE = ("persistent-cookie", "insert-cookie")
_TIMEOUT = ("source-address", "persistent-cookie", "insert-cookie", "ssl-session-id", "sip-call-id",
            "passive-cookie", "radius-attribute", "diameter-session-id", "iso8583-bitmap")

_RADIUS_ATTRIBUTE = Table(
    name="radius-attribute",
    path=("load-balance", "persistence", "radius-attribute"),
    help="RADIUS attribute",
    key="integer",
    key_help="RADIUS attribute No.",
    node_id=1685,
    when=_types("radius-attribute"),
    items=(
        Attr("type", "option", "RADIUS attribute type", default="1-user-name", options=opts(
            ("1-user-name", "User-Name"),
            ("4-nas-ip-address", "NAS-IP-Address"),
            ("5-nas-port", "NAS-Port"),
            ("6-service-type", "Service-Type"),
            ("8-framed-ip-address", "Framed-IP-Address"),
            ("30-called-station-id", "Called-Station-Id"),
            ("31-calling-station-id", "Calling-Station-Id"),
            ("32-nas-identifier", "NAS-Identifier"),
        )),
    ),
)

PERSISTENCE = Table(
    name="persistence",
    path=("load-balance", "persistence"),
    help="persistence",
    key_help="persistence name",
    node_id=1680,
    items=(
        Attr("type", "option", "persistence type", required=True, options=opts(
            ("source-address", "source address"),
            ("consistent-hash-ip", "source address hash"),
            ("hash-source-address-port", "source address and port hash"),
            ("hash-http-header", "HTTP header hash"),
            ("hash-http-request", "HTTP request hash"),
            ("hash-cookie", "cookie hash"),
            ("persistent-cookie", "persistent cookie"),
            ("insert-cookie", "insert cookie"),
            ("rewrite-cookie", "rewrite cookie"),
            ("embedded-cookie", "embedded cookie"),
            ("radius-attribute", "RADIUS attribute"),
            ("ssl-session-id", "SSL session id"),
            ("sip-call-id", "SIP call id"),
            ("rdp-cookie", "RDP cookie"),
            ("passive-cookie", "passive cookie"),
            ("iso8583-bitmap", "ISO8583 bitmap"),
            ("diameter-session-id", "DIAMETER session id"),
        )),
        Attr("sess-keyword", "option", "session cookie name", default="auto", when=_types("passive-cookie"),
             options=opts(("auto", "auto"), ("PHPSESSID", "PHPSESSID"), ("JSESSIONID", "JSESSIONID"),
                          ("CFID+CFTOKEN", "CFID+CFTOKEN"), ("ASP.NET_SessionId", "ASP.NET_SessionId"),
                          ("custom", "custom"))),
        Attr("keyword", "string", "keyword", when=_types(*_COOKIE_KEYWORD)),
        Attr("keyword", "string", "custom session cookie name",
             when={"type": ("passive-cookie",), "sess-keyword": ("custom",)}),
        Attr("timeout", "integer", "timeout in seconds", default="300", range=(1, 86400), when=_types(*_TIMEOUT)),
        Attr("iso8583-bitmap-relation", "option", "relation among the bitmap types", default="OR",
             options=opts(("AND", "AND"), ("OR", "OR")), when=_types("iso8583-bitmap")),  # p. 184
        Attr("keyvalue-relation", "option", "relation among the key values", default="AND",
             options=opts(("AND", "AND"), ("OR", "OR")),
             when={"type": ("iso8583-bitmap",), "iso8583-bitmap-relation": ("OR",)}),
        Attr("ipv4-maskbits", "integer", "IPv4 mask bits", default="32", range=(1, 32),
             when=_types("source-address")),
        Attr("ipv6-maskbits", "integer", "IPv6 mask bits", default="128", range=(1, 128),
             when=_types("source-address")),
        _ed("match-across-servers", "match across servers", when=_types("source-address", "radius-attribute")),
        _ed("persistent-ippool", "persistent source ip pool", when=_types("source-address")),
        Attr("cookie-domain", "string", "cookie domain", maxlen=255, when=_types(*_SET_COOKIE)),
        _ed("cookie-httponly", "cookie HttpOnly attribute", when=_types(*_SET_COOKIE)),
        _ed("cookie-secure", "cookie Secure attribute", when=_types(*_SET_COOKIE)),
        Attr("cookie-samesite", "option", "cookie SameSite attribute", default="nothing", when=_types(*_SET_COOKIE),
             options=opts(("nothing", "no SameSite attribute"), ("none", "None"), ("lax", "Lax"),
                          ("strict", "Strict"))),
        _ed("cookie-custom-attr", "custom cookie attribute", when=_types(*_SET_COOKIE)),
        Attr("cookie-custom-attr-value", "string", "custom cookie attribute value", maxlen=255,
             when={"type": _SET_COOKIE, "cookie-custom-attr": ("enable",)}),
        Attr("radius-attribute-relation", "option", "RADIUS attribute relationship", default="AND",
             options=opts(("AND", "all attributes"), ("OR", "any attribute")), when=_types("radius-attribute")),
        _ed("override-connection-limit", "override connection limit", when=_types("radius-attribute")),
        _RADIUS_ATTRIBUTE,
    ),
)

# ------------------------------------------------------------------------------------------ ippool
_NODE_MEMBER = Table(
    name="node-member",
    path=("load-balance", "ippool", "node-member"),
    help="HA node member",
    key_help="node member name",
    node_id=1716,
    items=(
        Attr("ha-node", "integer", "HA node id", default="0", range=(0, 7)),
        Attr("interface", "ref", "interface", ref="system.interface"),
        Attr("addr-type", "option", "address type", default="ipv4", options=ADDR_TYPE),
        Attr("ip-min", "ipv4", "first ip address", default="0.0.0.0", when={"addr-type": ("ipv4",)}),
        Attr("ip-max", "ipv4", "last ip address", default="0.0.0.0", when={"addr-type": ("ipv4",)}),
        Attr("ip-min", "ipv6", "first ipv6 address", default="::", when={"addr-type": ("ipv6",)}),
        Attr("ip-max", "ipv6", "last ipv6 address", default="::", when={"addr-type": ("ipv6",)}),
    ),
)

IPPOOL = Table(
    name="ippool",
    path=("load-balance", "ippool"),
    help="source ip pool",
    key_help="ip pool name",
    node_id=1715,
    items=(
        Attr("interface", "ref", "interface", ref="system.interface"),
        Attr("addr-type", "option", "address type", default="ipv4", options=ADDR_TYPE),
        Attr("ip-min", "ipv4", "first ip address", default="0.0.0.0", when={"addr-type": ("ipv4",)}),
        Attr("ip-max", "ipv4", "last ip address", default="0.0.0.0", when={"addr-type": ("ipv4",)}),
        Attr("ip-min", "ipv6", "first ipv6 address", default="::", when={"addr-type": ("ipv6",)}),
        Attr("ip-max", "ipv6", "last ipv6 address", default="::", when={"addr-type": ("ipv6",)}),
        _NODE_MEMBER,
    ),
)

# -------------------------------------------------------------------------------------------- pool
_HC_RELATION = opts(("AND", "all health checks must pass"), ("OR", "any health check may pass"))


def _rs_ssl_ref(when: Mapping[str, tuple[str, ...]] | None = None, always_show: bool = False) -> Attr:
    """A real-server SSL profile reference; ``NONE`` (plain TCP to the servers) is the default."""
    return Attr("real-server-ssl-profile", "ref", "real server SSL profile", default="NONE",
                ref="load-balance.real-server-ssl-profile", ref_extra=("NONE",), when=when or {},
                always_show=always_show)


POOL_MEMBER = Table(
    name="pool_member",
    path=("load-balance", "pool", "pool_member"),
    help="pool member",
    key="integer",
    key_help="pool member No.",
    node_id=1710,
    items=(
        _ed("health-check-inherit", "inherit the pool's health check", default="enable"),
        _ed("health-check-ctrl", "health check control", when={"health-check-inherit": ("disable",)}),
        Attr("health-check-list", "ref", "health check list", ref="system.health-check", multi=True, required=True,
             when={"health-check-inherit": ("disable",), "health-check-ctrl": ("enable",)}),
        Attr("health-check-relation", "option", "health check relationship", default="AND", options=_HC_RELATION,
             when={"health-check-inherit": ("disable",), "health-check-ctrl": ("enable",)}),
        Attr("status", "option", "pool member status", default="enable", options=STATUS),
        _ed("ssl", "SSL"),
        _ed("real-server-ssl-profile-inherit", "inherit the pool's real server SSL profile", default="enable"),
        _rs_ssl_ref(when={"real-server-ssl-profile-inherit": ("disable",)}),
        _ed("backup", "backup server"),
        Attr("pool_member_service_port", "integer", "service port, 0 = client's destination port", default="80",
             range=(0, 65535)),
        Attr("pool_member_weight", "integer", "weight", default="1", range=(1, 256)),
        Attr("connection-limit", "integer", "connection limit, 0 = off", default="0", range=(0, 1048576)),
        Attr("recover", "integer", "recover time in seconds, 0 = off", default="0", range=(0, 86400)),
        Attr("warm-up", "integer", "warm up time in seconds, 0 = off", default="0", range=(0, 86400)),
        Attr("warm-rate", "integer", "warm up rate in connections per second", default="100", range=(1, 86400)),
        Attr("connection-rate-limit", "integer", "connection rate limit, 0 = off", default="0", range=(0, 86400)),
        Attr("pool_member_cookie", "string", "cookie value, empty = real server name"),
        Attr("real-server", "ref", "real server", ref="load-balance.real-server", required=True),
        Attr("pool_member_server_name", "string", "server name in logs"),
        _ed("mysql-read-only", "MySQL read only"),
        Attr("mysql-group-id", "integer", "MySQL group id", default="0", range=(0, 255)),
        Attr("proxy-protocol", "option", "PROXY protocol header", default="none",
             options=opts(("none", "none"), ("v1", "PROXY protocol v1"), ("v2", "PROXY protocol v2"))),
        _ed("mssql-read-only", "MSSQL read only"),
        _ed("modify-host", "modify the Host header"),
        Attr("host", "string", "new Host header", maxlen=255, when={"modify-host": ("enable",)}),
    ),
)

POOL = Table(
    name="pool",
    path=("load-balance", "pool"),
    help="real server pool",
    key_help="pool name",
    node_id=1705,
    items=(
        Attr("addr-type", "option", "address type", default="ipv4", options=ADDR_TYPE),
        _ed("health-check-ctrl", "health check control"),
        Attr("health-check-list", "ref", "health check list", ref="system.health-check", multi=True, required=True,
             when={"health-check-ctrl": ("enable",)}),
        Attr("health-check-relation", "option", "health check relationship", default="AND", options=_HC_RELATION,
             when={"health-check-ctrl": ("enable",)}),
        Attr("type", "option", "pool type", default="static",
             options=opts(("static", "static members"), ("dynamic", "members from an SDN connector"))),
        Attr("sdn-connector", "ref", "SDN connector", ref="system.sdn-connector", when={"type": ("dynamic",)}),
        Attr("service", "string", "service", when={"type": ("dynamic",)}),
        _ed("use-private-addr", "use private address", when={"type": ("dynamic",)}),
        _rs_ssl_ref(always_show=True),
        POOL_MEMBER,
    ),
)

# -------------------------------------------------------------------------------- content routing
_L4CR = {"type": ("l4-content-routing",)}
# "The type option is not available if object is ip-source-address" (and ignore-case), CLI744 p. 151
_NOT_IP = {"object": ("http-host-header", "http-referer-header", "http-request-url", "sni")}
MATCH_CONDITION = Table(
    name="match-condition",
    path=("load-balance", "content-routing", "match-condition"),
    help="match condition",
    key="integer",
    key_help="match condition No.",
    node_id=1768,
    when={"type": ("l7-content-routing",)},
    items=(
        Attr("object", "option", "object to match", default="http-host-header", options=opts(
            ("http-host-header", "HTTP Host header"),
            ("http-referer-header", "HTTP Referer header"),
            ("http-request-url", "HTTP request URL"),
            ("ip-source-address", "source ip address"),
            ("sni", "TLS server name indication"),
        )),
        Attr("type", "option", "match type", default="regular-expression",
             options=opts(("string", "string"), ("regular-expression", "regular expression")), when=_NOT_IP),
        Attr("content", "pattern", "content to match (string or regular expression)", default="match", maxlen=255),
        _ed("reverse", "reverse the match"),
        Attr("ignore-case", "option", "ignore case", default="disable", options=ENABLE_DISABLE, when=_NOT_IP),
    ),
)

CONTENT_ROUTING = Table(
    name="content-routing",
    path=("load-balance", "content-routing"),
    help="content routing",
    key_help="content routing name",
    node_id=1756,
    items=(
        Attr("type", "option", "content routing type", default="l7-content-routing",
             options=opts(("l4-content-routing", "layer 4 content routing"),
                          ("l7-content-routing", "layer 7 content routing"))),
        Attr("ip", "ipv4mask", "source ip and netmask", default="0.0.0.0/0", when=_L4CR),
        Attr("ip6", "ipv6mask", "source ipv6 and prefix", default="::/0", when=_L4CR),
        _ed("persistence-inherit", "inherit the virtual server's persistence", default="enable", always_show=True),
        Attr("load-balance-persistence", "ref", "persistence", ref="load-balance.persistence",
             when={"persistence-inherit": ("disable",)}),
        _ed("method-inherit", "inherit the virtual server's method", default="enable", always_show=True),
        Attr("load-balance-method", "ref", "method", ref="load-balance.method",
             when={"method-inherit": ("disable",)}),
        Attr("connection-pool", "ref", "connection pool", ref="load-balance.connection-pool"),
        _ed("connection-pool-inherit", "inherit the virtual server's connection pool"),
        Attr("load-balance-pool", "ref", "real server pool", ref="load-balance.pool", required=True),
        Attr("packet-forwarding-method", "option", "packet forwarding method", default="inherit", when=_L4CR,
             options=opts(("inherit", "inherit from the virtual server"), ("FullNAT", "full NAT"))),
        Attr("ippool-list", "ref", "source ip pool list", ref="load-balance.ippool", multi=True,
             when={"type": ("l4-content-routing",), "packet-forwarding-method": ("FullNAT",)}),
        MATCH_CONDITION,
        Attr("comments", "string", "comments", default="comments", maxlen=255),
        _ed("schedule-list", "schedule pool list"),
        Attr("schedule-pool-list", "ref", "schedule pool list", ref="load-balance.schedule-pool",
             when={"schedule-list": ("enable",)}),
    ),
)

# ------------------------------------------------------------------------------------ virtual server
VS_TYPES = opts(
    (L2, "layer 2 load balance"),
    (L4, "layer 4 load balance"),
    (L7, "layer 7 load balance"),
)
_PROFILE_TYPE_NAMES = tuple(o.name for o in PROFILE_TYPES)
_NOT_L2 = {"type": (L4, L7)}
_ONLY_L7 = {"type": (L7,)}
_ADDR = {"use-azure-lb-backend-ip": ("disable",)}

VIRTUAL_SERVER = Table(
    name="virtual-server",
    path=("load-balance", "virtual-server"),
    help="virtual server",
    key_help="virtual server name",
    node_id=1775,
    items=(
        Attr("status", "option", "virtual server status", default="enable", options=STATUS),
        Attr("type", "option", "virtual server type", default=L4, options=VS_TYPES),
        Attr("multi-process", "integer", "number of processes", default="1", range=(1, 15)),
        Attr("packet-forwarding-method", "option", "packet forwarding method", default="NAT", when={"type": (L4,)},
             options=opts(("direct_routing", "direct routing"), ("NAT", "NAT"), ("FullNAT", "full NAT"),
                          ("NAT46", "NAT IPv4 to IPv6"), ("NAT64", "NAT IPv6 to IPv4"), ("tunneling", "tunneling"))),
        _ed("use-azure-lb-backend-ip", "use the azure load balancer backend ip", when=_NOT_L2),
        Attr("azure-lb-backend", "ref", "azure load balancer backend", ref="system.azure-lb-backend-ip",
             required=True, when={**_NOT_L2, "use-azure-lb-backend-ip": ("enable",)}),
        Attr("interface", "ref", "interface", ref="system.interface"),
        Attr("addr-type", "option", "address type", default="ipv4", options=ADDR_TYPE),
        Attr("ip", "ipv4", "ip address", default="0.0.0.0", when={**_NOT_L2, **_ADDR, "addr-type": ("ipv4",)}),
        Attr("ip6", "ipv6", "ipv6 address", default="::", when={**_NOT_L2, **_ADDR, "addr-type": ("ipv6",)}),
        Attr("port", "portlist", "port", default="80"),
        Attr("protocol-numbers", "integer", "ip protocol numbers", default="0", range=(0, 255), multi=True,
             when={"type": (L2,)}),
        Attr("connection-limit", "integer", "connection limit, 0 = off", default="0", range=(0, 1048576)),
        Attr("load-balance-profile", "ref", "application profile", ref="load-balance.profile", required=True),
        Attr("dos-profile", "ref", "DoS profile", ref="security.dos.dos-protection-profile", when=_ONLY_L7),
        Attr("client-ssl-profile", "ref", "client SSL profile", ref="load-balance.client-ssl-profile",
             when={"load-balance-profile.type": ("https", "tcps")}),
        _ed("content-rewriting", "content rewriting", when=_ONLY_L7),
        Attr("content-rewriting-list", "ref", "content rewriting list", ref="load-balance.content-rewriting", multi=True,
             when={**_ONLY_L7, "content-rewriting": ("enable",)}),
        _ed("schedule-list", "schedule pool list", when=_ONLY_L7),
        Attr("schedule-pool-list", "ref", "schedule pool list", ref="load-balance.schedule-pool", multi=True,
             when={**_ONLY_L7, "schedule-list": ("enable",)}),
        _ed("content-routing", "content routing"),
        Attr("content-routing-list", "ref", "content routing list", ref="load-balance.content-routing", multi=True,
             when={"content-routing": ("enable",)}),
        Attr("load-balance-persistence", "ref", "persistence", ref="load-balance.persistence"),
        Attr("load-balance-method", "ref", "method", ref="load-balance.method"),
        Attr("connection-pool", "ref", "connection pool", ref="load-balance.connection-pool", when=_ONLY_L7),
        Attr("load-balance-pool", "ref", "real server pool", ref="load-balance.pool", required=True,
             when={"content-routing": ("disable",),
                   "load-balance-profile.type": ("",) + tuple(t for t in _PROFILE_TYPE_NAMES if t != "explicit_http")}),
        Attr("ippool-list", "ref", "source ip pool list", ref="load-balance.ippool", multi=True,
             when={"type": (L4,), "packet-forwarding-method": ("FullNAT", "NAT46", "NAT64")}),
        # A layer 7 virtual server's source pools (printed by a real 7.4 box's backup, issue 9).
        Attr("ippool-list", "ref", "source ip pool list", ref="load-balance.ippool", multi=True,
             when={"type": ("l7-load-balance",)}),
        _ed("traffic-log", "traffic log"),
        _ed("event-log", "event log"),
        _ed("alone", "run in a separate process", default="enable", when=_ONLY_L7),
        Attr("warm-up", "integer", "warm up time in seconds, 0 = off", default="0", range=(0, 86400)),
        Attr("warm-rate", "integer", "warm up rate in connections per second", default="100", range=(1, 86400)),
        Attr("connection-rate-limit", "integer", "connection rate limit, 0 = off", default="0", range=(0, 86400)),
        Attr("error-page", "ref", "error page", ref="load-balance.error-page", when=_ONLY_L7),
        Attr("error-msg", "string", "error message", default="Server-unavailable!", maxlen=1023, when=_ONLY_L7),
        Attr("trans-rate-limit", "integer", "transaction rate limit, 0 = off", default="0", range=(0, 1048567),
             when=_ONLY_L7),
        Attr("waf-profile", "ref", "WAF profile", ref="security.waf.profile", when=_ONLY_L7),
        Attr("auth-policy", "ref", "authentication policy", ref="load-balance.auth-policy", when=_ONLY_L7),
        _ed("scripting-flag", "scripting", when=_ONLY_L7),
        Attr("scripting-list", "ref", "scripting list", ref="system.scripting", multi=True, max_items=256,
             when={**_ONLY_L7, "scripting-flag": ("enable",)}),
        Attr("pagespeed", "ref", "pagespeed", ref="load-balance.pagespeed", when=_ONLY_L7),
        Attr("geoip-block-list", "ref", "geography IP block list", ref="load-balance.geoip-list"),
        Attr("allowlist", "ref", "allow list", ref="load-balance.allowlist"),
        Attr("l2-exception-list", "ref", "layer 2 exception list", ref="load-balance.l2-exception-list",
             when={"type": (L2,)}),
        Attr("comments", "string", "comments", maxlen=255),
        _ed("ssl-mirror", "SSL mirror", when={"load-balance-profile.type": ("https", "tcps")}),
        Attr("ssl-mirror-intf", "ref", "SSL mirror interfaces", ref="system.interface", multi=True, max_items=4,
             when={"load-balance-profile.type": ("https", "tcps"), "ssl-mirror": ("enable",)}),
        Attr("traffic-group", "ref", "traffic group", default="default", ref="system.traffic-group",
             always_show=True),
        _ed("fortiview", "FortiView"),
        _ed("http2https", "redirect HTTP to HTTPS", when=_ONLY_L7),
        Attr("http2https-port", "portlist", "HTTP ports to redirect", default="80",
             when={**_ONLY_L7, "http2https": ("enable",)}),
        Attr("max-persistence-entries", "integer", "maximum persistence entries", default="262144",
             range=(1, 2147483647),
             when={"load-balance-persistence.type": ("source-address", "ssl-session-id", "passive-cookie")}),
        Attr("av-profile", "ref", "antivirus profile", ref="security.antivirus.profile", when=_ONLY_L7),
        Attr("ztna-profile", "ref", "ZTNA profile", ref="security.ztna-profile", when=_ONLY_L7),
        Attr("clone-pool", "ref", "clone pool", ref="load-balance.clone-pool"),
        Attr("clone-traffic-type", "option", "clone traffic type", default="both-sides",
             options=opts(("both-sides", "both sides"), ("client-side", "client side"), ("server-side", "server side"))),
        _ed("wccp", "WCCP"),
        _ed("one-click-gslb-server-option", "one click GSLB server"),
        _ed("stream-scripting-flag", "stream scripting", when=_NOT_L2),
        Attr("stream-scripting-list", "string", "stream scripting list", multi=True,
             when={**_NOT_L2, "stream-scripting-flag": ("enable",)}),
        Attr("ips-profile", "ref", "IPS profile", ref="security.ips.profile", when=_ONLY_L7),
    ),
)

__all__ = [
    "REAL_SERVER",
    "CLIENT_SSL_PROFILE",
    "REAL_SERVER_SSL_PROFILE",
    "PROFILE",
    "METHOD",
    "PERSISTENCE",
    "IPPOOL",
    "POOL",
    "CONTENT_ROUTING",
    "VIRTUAL_SERVER",
    "RS_CIPHERS_DEFAULT",
    "ECDSA_CIPHERS",
]
