"""Which profile types, LB methods and persistence types go together (reference §2.1, CLI744
"Application Profile Usage"), and the return codes FortiADC gives for specific missing fields.

Data only; ``adc.engine.validate`` applies it at commit and ``adc.dataplane.spec`` reads it too.
"""
from __future__ import annotations

L2, L4, L7 = "l2-load-balance", "l4-load-balance", "l7-load-balance"

# profile type -> VS types it may be used with
PROFILE_VS_TYPES: dict[str, tuple[str, ...]] = {
    "ftp": (L7, L4),
    "http": (L7, L2),
    "https": (L7, L2),
    "turbohttp": (L7,),
    "radius": (L7,),
    "rdp": (L7,),
    "sip": (L7,),
    "tcp": (L4, L2),
    "tcps": (L7, L2),
    "udp": (L4, L2),
    "ip": (L2,),
    "dns": (L7,),
    "smtp": (L7,),
    "rtmp": (L7,),
    "rtsp": (L7,),
    "iso8583": (L7,),
    "mysql": (L7,),
    "diameter": (L7,),
    "mssql": (L7,),
    "explicit_http": (L7,),
    "l7-tcp": (L7,),
    "l7-udp": (L7,),
}

RR, LC, FR, DL = "round-robin", "least-connection", "fastest-response", "dynamic-load"
URI, FURI, HOST, HD, DIP = "uri-hash", "full-uri-hash", "host-hash", "host-domain-hash", "dest-ip-hash"
_HTTP_L7 = (RR, LC, URI, FURI, HOST, HD, DL)

# (profile type, VS type) -> LB method types allowed; a missing VS type falls back to the "*" row
METHODS: dict[str, dict[str, tuple[str, ...]]] = {
    "ftp": {L7: (RR, LC), "*": (RR, LC, FR, DL)},
    "http": {L7: _HTTP_L7, "*": _HTTP_L7 + (DIP,)},
    "https": {L7: _HTTP_L7, "*": _HTTP_L7 + (DIP,)},
    "turbohttp": {"*": (RR, LC, FR)},
    "radius": {"*": (RR,)},
    "rdp": {"*": (RR, LC)},
    "sip": {"*": (RR, URI, FURI)},
    "tcp": {L4: (RR, LC, FR, DL), "*": (RR, LC, FR, DL, DIP)},
    "udp": {L4: (RR, LC, FR, DL), "*": (RR, LC, FR, DL, DIP)},
    "tcps": {L7: (RR, LC, DL), "*": (RR, LC, DL, DIP)},
    "ip": {"*": (RR, DL)},
    "dns": {"*": (RR, LC)},
    "smtp": {"*": (RR, LC)},
    "rtmp": {"*": (RR, LC)},
    "rtsp": {"*": (RR, LC)},
    "iso8583": {"*": (RR,)},
    "mysql": {"*": (RR, LC)},
    "diameter": {"*": (RR,)},
    "mssql": {"*": (LC,)},
    "explicit_http": {"*": (RR, LC)},
    "l7-tcp": {"*": (RR, LC)},
    "l7-udp": {"*": (RR, LC)},
}

SA, H, HP = "source-address", "consistent-hash-ip", "hash-source-address-port"
_COOKIES = (
    "hash-http-header",
    "hash-http-request",
    "hash-cookie",
    "persistent-cookie",
    "insert-cookie",
    "embedded-cookie",
    "rewrite-cookie",
    "passive-cookie",
)

# (profile type, VS type) -> persistence types allowed ("*" = any VS type)
PERSISTENCE: dict[str, dict[str, tuple[str, ...]]] = {
    "ftp": {L4: (SA, H, HP), "*": (SA, H)},
    "http": {"*": (SA, H, HP) + _COOKIES},
    "https": {"*": (SA, H, HP) + _COOKIES + ("ssl-session-id",)},
    "turbohttp": {"*": (SA,)},
    "radius": {"*": ("radius-attribute",)},
    "rdp": {"*": (SA, H, HP, "rdp-cookie")},
    "sip": {"*": (SA, H, HP, "sip-call-id")},
    "tcp": {"*": (SA, H, HP)},
    "udp": {"*": (SA, H, HP)},
    "tcps": {"*": (SA, H, HP, "ssl-session-id")},
    "ip": {"*": (SA, H, HP)},
    "dns": {"*": ()},
    "smtp": {"*": (SA, H)},
    "rtmp": {"*": (SA, H)},
    "rtsp": {"*": (SA, H)},
    "iso8583": {"*": ("iso8583-bitmap",)},
    "mysql": {"*": ()},
    "diameter": {"*": (SA, "diameter-session-id")},
    "mssql": {"*": ()},
    "explicit_http": {"*": ()},
    "l7-tcp": {"*": (SA, H)},
    "l7-udp": {"*": (SA, H)},
}

# profile types whose VS needs a client SSL profile (-4225); every other type refuses one (-4224)
NEEDS_CLIENT_SSL: tuple[str, ...] = ("https", "tcps")

# Return codes for a required field left empty, where FortiADC has a specific one (default -56).
REQUIRED_CODES: dict[tuple[str, str], int] = {
    ("load-balance.virtual-server", "load-balance-pool"): -1232,
    ("load-balance.pool.pool_member", "real-server"): -1225,
    ("load-balance.pool", "health-check-list"): -1554,
    ("load-balance.pool.pool_member", "health-check-list"): -1554,
}

# The order of SSL/TLS versions: an allowed set must be contiguous in it (-4222).
SSL_VERSIONS: tuple[str, ...] = ("sslv3", "tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3")


def address_attr(addr_type: str) -> str:
    """The attribute holding an address for an ``addr-type`` (``ip6`` for ipv6, else ``ip``): virtual
    servers read their own, pools read their real servers' by the pool's."""
    return "ip6" if addr_type == "ipv6" else "ip"


def allowed(table: dict[str, dict[str, tuple[str, ...]]], profile_type: str, vs_type: str) -> tuple[str, ...] | None:
    """The allowed set for this profile and VS type, or None when the profile type is unknown here."""
    row = table.get(profile_type)
    if row is None:
        return None
    return row.get(vs_type, row.get("*", ()))
