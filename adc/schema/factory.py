"""The objects a factory-fresh appliance holds (reference §2.16).

Each entry lists only the values that differ from the attribute defaults. Order within a table is
the order ``get <table>`` lists them. Reserved entries are predefined: their ``type`` and nested
members are fixed (a commit changing them is refused, -41), ``show`` prints them only where they
differ, ``show full-configuration`` in full; the interfaces are ordinary config that cannot be deleted (-67).
"""
from __future__ import annotations

from .load_balance import ECDSA_CIPHERS
from .registry import FactoryEntry

_PROFILE = ("load-balance", "profile")
_METHOD = ("load-balance", "method")
_PERSIS = ("load-balance", "persistence")
_HC = ("system", "health-check")
_CSSL = ("load-balance", "client-ssl-profile")
_RSSSL = ("load-balance", "real-server-ssl-profile")
_IFACE = ("system", "interface")


def _e(path: tuple[str, ...], key: str, **values: str | tuple[str, ...]) -> FactoryEntry:
    """A reserved entry whose attribute names are plain identifiers (``type``, ``port``)."""
    return FactoryEntry(path, key, dict(values))


def _v(path: tuple[str, ...], key: str, values: dict[str, str | tuple[str, ...]]) -> FactoryEntry:
    return FactoryEntry(path, key, values)


_HTTP2 = {"http2-profile": "LB_HTTP2_PROFILE_DEFAULT", "tune-bufsize": "17418", "max-http-headers": "200"}

PROFILES = (
    _v(_PROFILE, "LB_PROF_TCP", {"type": "tcp"}),
    _v(_PROFILE, "LB_PROF_UDP", {"type": "udp"}),
    _v(_PROFILE, "LB_PROF_HTTP", {"type": "http"}),
    _v(_PROFILE, "LB_PROF_TURBOHTTP", {"type": "turbohttp"}),
    _v(_PROFILE, "LB_PROF_FTP", {"type": "ftp"}),
    _v(_PROFILE, "LB_PROF_RADIUS", {"type": "radius"}),
    _v(_PROFILE, "LB_PROF_SIP", {"type": "sip"}),
    _v(_PROFILE, "LB_PROF_TCPS", {"type": "tcps"}),
    _v(_PROFILE, "LB_PROF_HTTPS", {"type": "https"}),
    _v(_PROFILE, "LB_PROF_HTTP2_H2C", {"type": "http", **_HTTP2}),
    _v(_PROFILE, "LB_PROF_HTTP2_H2", {"type": "https", **_HTTP2}),
    _v(_PROFILE, "LB_PROF_SMTP", {"type": "smtp"}),
    _v(_PROFILE, "LB_PROF_RTSP", {"type": "rtsp"}),
    _v(_PROFILE, "LB_PROF_RTMP", {"type": "rtmp"}),
    _v(_PROFILE, "LB_PROF_DIAMETER", {"type": "diameter"}),
    _v(_PROFILE, "LB_PROF_IP", {"type": "ip"}),
    _v(_PROFILE, "LB_PROF_RDP", {"type": "rdp"}),
    _v(_PROFILE, "LB_PROF_HTTP_SERVERCLOSE", {"type": "http", "http-mode": "ServerClose"}),
    _v(_PROFILE, "LB_PROF_HTTPS_SERVERCLOSE", {"type": "https", "http-mode": "ServerClose"}),
    _v(_PROFILE, "LB_PROF_DNS", {"type": "dns"}),
    _v(_PROFILE, "LB_PROF_L7_TCP", {"type": "l7-tcp"}),
    _v(_PROFILE, "LB_PROF_HTTP3", {"type": "https", "http3-profile": "LB_HTTP3_PROFILE_DEFAULT",
                                   "tune-bufsize": "32768", "max-http-headers": "200"}),
    _v(_PROFILE, "LB_PROF_ISO8583", {"type": "iso8583"}),
    _v(_PROFILE, "LB_PROF_EXPLICIT_HTTP", {"type": "explicit_http", "connect-timeout": "50",
                                           "queue-timeout": "50"}),
)

CLIENT_SSL_PROFILES = (
    _v(_CSSL, "LB_CLIENT_SSL_PROF_DEFAULT",
       {"ssl-allowed-versions": ("sslv3", "tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3")}),
    _v(_CSSL, "LB_CLIENT_SSL_PROF_FORWARD_PROXY", {
        "forward-proxy": "enable",
        "forward-proxy-certificate-caching": "LB_CERT_RAM_CACHING_DEFAULT",
        "forward-proxy-local-signing-CA": "SSLPROXY_LOCAL_CA",
    }),
    _v(_CSSL, "LB_CLIENT_SSL_PROF_HTTP2", {"ssl-allowed-versions": ("tlsv1.2", "tlsv1.3")}),
)

_ECDSA = tuple(ECDSA_CIPHERS.split())
RS_SSL_PROFILES = (
    _v(_RSSSL, "LB_RS_SSL_PROF_NONE", {}),
    _v(_RSSSL, "LB_RS_SSL_PROF_LOW_SSLV3", {"ssl": "enable", "allow-ssl-versions": ("sslv3",)}),
    _v(_RSSSL, "LB_RS_SSL_PROF_MEDIUM", {"ssl": "enable", "allow-ssl-versions": ("tlsv1.0", "tlsv1.1", "tlsv1.2")}),
    _v(_RSSSL, "LB_RS_SSL_PROF_HIGH", {"ssl": "enable", "allow-ssl-versions": ("tlsv1.2",)}),
    _v(_RSSSL, "LB_RS_SSL_PROF_ECDSA", {"ssl": "enable", "ssl-ciphers": _ECDSA,
                                        "allow-ssl-versions": ("tlsv1.0", "tlsv1.1", "tlsv1.2")}),
    _v(_RSSSL, "LB_RS_SSL_PROF_ECDSA_SSLV3", {"ssl": "enable", "ssl-ciphers": _ECDSA,
                                              "allow-ssl-versions": ("sslv3",)}),
    _v(_RSSSL, "LB_RS_SSL_PROF_ECDSA_TLS12", {"ssl": "enable", "ssl-ciphers": _ECDSA,
                                              "allow-ssl-versions": ("tlsv1.2",)}),
    _v(_RSSSL, "LB_RS_SSL_PROF_ENULL", {"ssl": "enable", "ssl-ciphers": ("eNULL",)}),
    _v(_RSSSL, "LB_RS_SSL_PROF_DEFAULT", {"ssl": "enable"}),
)

METHODS = (
    _e(_METHOD, "LB_METHOD_ROUND_ROBIN", type="round-robin"),
    _e(_METHOD, "LB_METHOD_LEAST_CONNECTION", type="least-connection"),
    _e(_METHOD, "LB_METHOD_FASTEST_RESPONSE", type="fastest-response"),
    _e(_METHOD, "LB_METHOD_URI", type="uri-hash"),
    _e(_METHOD, "LB_METHOD_FULL_URI", type="full-uri-hash"),
    _e(_METHOD, "LB_METHOD_HOST", type="host-hash"),
    _e(_METHOD, "LB_METHOD_HOST_DOMAIN", type="host-domain-hash"),
    _e(_METHOD, "LB_METHOD_DEST_IP_HASH", type="dest-ip-hash"),
    _e(_METHOD, "LB_METHOD_DYNAMIC_LOAD", type="dynamic-load"),
)

PERSISTENCES = (
    _e(_PERSIS, "LB_PERSIS_SRC_ADDR", type="source-address"),
    _e(_PERSIS, "LB_PERSIS_HASH_SRC_ADDR", type="consistent-hash-ip"),
    _e(_PERSIS, "LB_PERSIS_HASH_SRC_ADDR_PORT", type="hash-source-address-port"),
    _e(_PERSIS, "LB_PERSIS_HASH_COOKIE", type="hash-cookie"),
    _e(_PERSIS, "LB_PERSIS_RDP_COOKIE", type="rdp-cookie"),
    _e(_PERSIS, "LB_PERSIS_SSL_SESS_ID", type="ssl-session-id"),
    _e(_PERSIS, "LB_PERSIS_SIP_CALL_ID", type="sip-call-id"),
    _e(_PERSIS, "LB_PERSIS_PASSIVE_COOKIE", type="passive-cookie"),
)

HEALTH_CHECKS = (
    _e(_HC, "LB_HLTHCK_HTTP", type="http", port="80"),
    _e(_HC, "LB_HLTHCK_HTTPS", type="https", port="443"),
    _e(_HC, "LB_HLTHCK_ICMP", type="icmp"),
    _e(_HC, "LB_HLTHCK_TCP_ECHO", type="tcp-echo", port="7"),
)

SYSTEM = (
    FactoryEntry(("system", "traffic-group"), "default"),
    # The built-in admin can be edited (its password, trusted hosts) but never deleted (reference §1.1).
    FactoryEntry(("system", "admin"), "admin", {"is-system-admin": "yes"}, reserved=False, delete_code=-42),
    FactoryEntry(("system", "certificate", "local"), "Factory"),
    FactoryEntry(
        ("system", "certificate", "local_cert_group"),
        "LOCAL_CERT_GROUP",
        children={
            "group_member": (
                FactoryEntry(("system", "certificate", "local_cert_group", "group_member"), "1",
                             {"local-cert": "Factory", "default": "enable"}),
            ),
        },
    ),
)

PORT1_ALLOWACCESS = ("https", "ping", "ssh", "http", "telnet")
INTERFACES = tuple(
    FactoryEntry(
        _IFACE,
        f"port{n}",
        {"ip": "192.168.1.99/24", "allowaccess": PORT1_ALLOWACCESS} if n == 1 else {},
        reserved=False,
        delete_code=-67,
    )
    for n in range(1, 11)
)

# Predefined objects of the generated tables (reserved, listed by ``get``): the ones
# the reference names, so that references to them (and the defaults that name them) resolve. Their
# values are the tables' defaults except where the reference says otherwise.
_LEVELS = ("High-Level-Security", "Medium-Level-Security", "Alert-Only")
_SERVICES = ("HTTP", "HTTPS", "ICMP", "TELNET", "SSH", "FTP", "SMTP", "SMTPS", "IMAP", "IMAPS", "POP3", "POP3S", "DHCP",
             "DNS", "NTP", "SNMP", "SNMP_TRAP", "SYSLOG", "LDAP", "LDAPS", "RADIUS", "RADIUS_OLD", "KERBEROS", "SMB",
             "SAMBA", "MYSQL", "GRE", "ALL")
_DLP_DICTIONARIES = (
    "can-natl_id-pk", "can-natl_id-sin-dict", "glb-pass-pk", "can-pass-dict", "usa-pass-dict", "uk-pass-dict",
    "aus-pass-dict", "fra-pass-dict", "jpn-pass-dict", "can-health_service-pk", "can-phin-pk", "can-phin-dict",
    "can-health_service-dict", "glb-cc-pk", "glb-cc-dict", "usa-natl_id-pk", "glb-dl-pk", "can-dl-dict",
    "can-bank_account-pk", "can-bank_account-dict", "usa-natl_id-ssn-dict", "glb-swift-pk", "source_code-python",
    "source_code-c", "source_code-java")
PREDEFINED = (
    FactoryEntry(("system", "accprofile"), "super_admin_prof"),  # the admin's default access profile (p. 410)
    # p. 144 prints its values: size 10000, age 86400, reuse 10000, timeout 50, the table's defaults
    FactoryEntry(("load-balance", "connection-pool"), "LB_CONNECTION_POOL_DEFAULT"),
    FactoryEntry(("load-balance", "certificate-caching"), "LB_CERT_RAM_CACHING_DEFAULT"),  # client SSL profile
    FactoryEntry(("load-balance", "http2-profile"), "LB_HTTP2_PROFILE_DEFAULT"),  # LB_PROF_HTTP2_* (p. 160)
    FactoryEntry(("load-balance", "http3-profile"), "LB_HTTP3_PROFILE_DEFAULT"),  # LB_PROF_HTTP3 (p. 161)
    # WAF actions (p. 351)
    FactoryEntry(("security", "waf", "action"), "alert", {"type": "pass"}),
    FactoryEntry(("security", "waf", "action"), "block", {"type": "period-block"}),
    FactoryEntry(("security", "waf", "action"), "captcha", {"type": "captcha"}),
    FactoryEntry(("security", "waf", "action"), "deny", {"type": "deny"}),
    FactoryEntry(("security", "waf", "action"), "silent-deny", {"type": "deny", "log": "disable"}),
    # WAF policies and profiles (pp. 339, 342, 354, 360)
    *(FactoryEntry(("security", "waf", t), n) for t in ("heuristic-sql-xss-injection-detection",
                                                        "http-protocol-constraint", "web-attack-signature")
      for n in _LEVELS),
    *(FactoryEntry(("security", "waf", "profile"), n) for n in _LEVELS),
    # health check scripts (p. 451) and the scripts a virtual server's example names (p. 230)
    *(FactoryEntry(("system", "health-check-script"), n) for n in ("CURL_HTTP_CODE", "ICMP", "PORT_STATUS")),
    *(FactoryEntry(("system", "scripting"), n)
      for n in ("HTTP_2_HTTPS_REDIRECTION", "REWRITE_HOST_n_PATH", "REDIRECTION_by_STATUS_CODE")),
    # WAF threshold based detection policies (p. 318), sensitive data types (p. 383), DLP dictionaries
    # (p. 387) and sensors (p. 389): the ones the reference names with a one-word name
    *(FactoryEntry(("security", "waf", "threshold-based-detection"), n)
      for n in ("Bot_Detect", "Content_Scraping_Detect", "Crawler_Detect", "High-Level-Security",
                "Illegal_User_Detect", "Vulnerability_Scan")),
    *(FactoryEntry(("security", "waf", "sensitive-data-type"), n)
      for n in ("Credit_Card_Number", "US_Social_Security_Number", "Email", "URL", "Numbers", "Strings", "IP", "GUID")),
    *(FactoryEntry(("security", "waf", "dlp-dictionary"), n) for n in _DLP_DICTIONARIES),
    *(FactoryEntry(("security", "waf", "dlp-sensors"), n) for n in ("can-hia", "can-pii", "source_code")),
    # the services a service group lists (p. 477); their protocols and ports are not stated
    *(FactoryEntry(("system", "service"), n) for n in _SERVICES),
    # global DNS address groups (p. 74)
    FactoryEntry(("global-dns-server", "address-group"), "any"),
    FactoryEntry(("global-dns-server", "address-group"), "none"),
)

FACTORY: tuple[FactoryEntry, ...] = (
    *SYSTEM[:1],
    *INTERFACES,
    *SYSTEM[1:],
    *HEALTH_CHECKS,
    *CLIENT_SSL_PROFILES,
    *RS_SSL_PROFILES,
    *PROFILES,
    *METHODS,
    *PERSISTENCES,
    *PREDEFINED,
)

__all__ = ["FACTORY"]
