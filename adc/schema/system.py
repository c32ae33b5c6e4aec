"""The ``config system ...`` and ``config router ...`` tables (reference §2.11-§2.15).

Attributes are listed in the order ``get`` prints them; defaults are the strings ``get`` prints.
"""
from __future__ import annotations

from .model import ENABLE_DISABLE, Attr, Table, opts

STATUS_UP_DOWN = opts(("up", "interface is up"), ("down", "interface is down"))
ADDR_TYPE = opts(("ipv4", "IPv4 address"), ("ipv6", "IPv6 address"))
ALLOWACCESS = opts(
    ("http", "HTTP access"),
    ("https", "HTTPS access"),
    ("ping", "PING access"),
    ("snmp", "SNMP access"),
    ("ssh", "SSH access"),
    ("telnet", "TELNET access"),
)
SSL_VERSIONS = opts(
    ("sslv3", "SSL 3.0"),
    ("tlsv1.0", "TLS 1.0"),
    ("tlsv1.1", "TLS 1.1"),
    ("tlsv1.2", "TLS 1.2"),
    ("tlsv1.3", "TLS 1.3"),
)


def _ed(name: str, help: str, default: str = "disable", **kw: object) -> Attr:
    """An enable/disable switch."""
    return Attr(name, "option", help, default=default, options=ENABLE_DISABLE, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ global
GLOBAL = Table(
    name="global",
    path=("system", "global"),
    help="global system settings",
    kind="single",
    node_id=101,
    items=(
        # a plain string: system global is printed before the certificates it would reference
        Attr("default-certificate", "string", "default certificate for the web UI", default="Factory"),
        Attr("hostname", "string", "host name", default="FortiADC-VM", maxlen=35),
        _ed("vdom-admin", "virtual domain administration"),
        Attr("vdom-mode", "option", "virtual domain mode", default="independent-network",
             options=opts(("independent-network", "independent network"), ("share-network", "share network")),
             when={"vdom-admin": ("enable",)}),
        Attr("admin-idle-timeout", "integer", "idle timeout in minutes", default="30", range=(1, 480)),
        Attr("port-http", "integer", "HTTP port for administration", default="80", range=(1, 65535)),
        Attr("port-https", "integer", "HTTPS port for administration", default="443", range=(1, 65535)),
        Attr("port-ssh", "integer", "SSH port for administration", default="22", range=(1, 65535)),
        Attr("port-telnet", "integer", "TELNET port for administration", default="23", range=(1, 65535)),
        _ed("share-ip-address", "share ip address between virtual servers", default="enable"),
        _ed("snat-match-local-traffics", "source NAT also matches locally generated traffic"),
        Attr("ipvs-fullnat-min-port", "integer", "minimum port of layer 4 full NAT", default="5000",
             range=(1024, 65535)),
        Attr("ipvs-fullnat-max-port", "integer", "maximum port of layer 4 full NAT", default="21846",
             range=(1024, 65535)),
        Attr("snat-min-port", "integer", "minimum port of source NAT", default="21847", range=(1024, 65535)),
        Attr("snat-max-port", "integer", "maximum port of source NAT", default="43690", range=(1024, 65535)),
        Attr("socket-min-port", "integer", "minimum port of local sockets", default="43691", range=(1024, 65535)),
        Attr("socket-max-port", "integer", "maximum port of local sockets", default="65535", range=(1024, 65535)),
        Attr("language", "option", "web UI language", default="english",
             options=opts(("english", "english"), ("chinese-simplified", "simplified chinese"))),
        _ed("hardware-ssl", "hardware SSL acceleration", default="enable"),
        _ed("gui-system", "show the system menu in the web UI", default="enable"),
        _ed("gui-router", "show the router menu in the web UI", default="enable"),
        _ed("gui-log", "show the log menu in the web UI", default="enable"),
        _ed("ssh-cbc-cipher", "allow CBC ciphers for SSH"),
        _ed("ssh-hmac-md5", "allow HMAC-MD5 for SSH"),
        _ed("config-sync-enable", "configuration synchronization"),
        _ed("pre-login-banner", "pre-login banner"),
        _ed("sync-slb-statistics", "synchronize load balance statistics", default="enable"),
        _ed("advanced-bot-status", "advanced bot detection"),
        _ed("cloud-autoscale", "cloud auto scale"),
        _ed("shell-access", "shell access", default="enable"),
        Attr("shell-username", "string", "shell user name", default="user", maxlen=35,
             when={"shell-access": ("enable",)}),
        Attr("shell-password", "password", "shell password", when={"shell-access": ("enable",)}),
        Attr("shell-timeout", "integer", "shell idle timeout in minutes", default="10", range=(1, 480),
             when={"shell-access": ("enable",)}),
        _ed("threat-analytics", "threat analytics", default="enable"),
    ),
)

# ------------------------------------------------------------------------------------ traffic group
TRAFFIC_GROUP = Table(
    name="traffic-group",
    path=("system", "traffic-group"),
    help="traffic group",
    key_help="traffic group name",
    node_id=2301,
    items=(
        Attr("failover-order", "string", "HA node IDs in failover order", maxlen=63),
        _ed("preempt", "preempt"),
        Attr("network", "integer", "network id", default="0", range=(0, 255)),
    ),
)

# ---------------------------------------------------------------------------------------- interface
_HA_NODE_IP_LIST = Table(
    name="ha-node-ip-list",
    path=("system", "interface", "ha-node-ip-list"),
    help="HA node ip list",
    key="integer",
    key_help="ha node ip list No.",
    node_id=1204,
    items=(
        Attr("node", "integer", "HA node id", default="0", range=(0, 7)),
        Attr("ip", "ipv4mask", "ip address and netmask", default="0.0.0.0/0"),
        Attr("allowaccess", "option", "allow management access", options=ALLOWACCESS, multi=True),
    ),
)

_SECONDARY_IP_LIST = Table(
    name="secondary-ip-list",
    path=("system", "interface", "secondary-ip-list"),
    help="secondary ip list",
    key="integer",
    key_help="secondary ip No.",
    node_id=1203,
    when={"secondary-ip": ("enable",)},
    items=(
        Attr("ip", "ipv4mask", "ip address and netmask", default="0.0.0.0/0"),
        Attr("allowaccess", "option", "allow management access", options=ALLOWACCESS, multi=True),
    ),
)

_TRUST_IP_LIST = Table(
    name="trust-ip-list",
    path=("system", "interface", "trust-ip-list"),
    help="trusted ip list",
    key="integer",
    key_help="trusted ip No.",
    node_id=1205,
    when={"trust-ip": ("enable",)},
    items=(
        Attr("type", "option", "trusted address type", default="ip-netmask",
             options=opts(("ip-netmask", "ip and netmask"), ("ip-range", "ip range"))),
        Attr("ip-netmask", "ipv4mask", "trusted ip and netmask", default="0.0.0.0/0",
             when={"type": ("ip-netmask",)}),
        Attr("ip-min", "ipv4", "first trusted ip", default="0.0.0.0", when={"type": ("ip-range",)}),
        Attr("ip-max", "ipv4", "last trusted ip", default="0.0.0.0", when={"type": ("ip-range",)}),
    ),
)

INTERFACE_TYPES = opts(
    ("physical", "physical interface"),
    ("vlan", "VLAN interface"),
    ("aggregate", "aggregate interface"),
    ("loopback", "loopback interface"),
    ("softswitch", "software switch"),
    ("vdom-link", "VDOM link"),
    ("vxlan", "VXLAN interface"),
    ("nvgre", "NVGRE interface"),
)

INTERFACE = Table(
    name="interface",
    path=("system", "interface"),
    help="interface configuration",
    key_help="interface name",
    node_id=1,
    items=(
        Attr("status", "option", "interface status", default="up", options=STATUS_UP_DOWN),
        Attr("type", "option", "interface type", default="physical", options=INTERFACE_TYPES),
        Attr("vdom", "string", "virtual domain", default="root", always_show=True),
        Attr("mode", "option", "addressing mode", default="static",
             options=opts(("static", "static address"), ("pppoe", "PPPoE"), ("DHCP", "DHCP"))),
        Attr("ip", "ipv4mask", "ip address and netmask", default="0.0.0.0/0", when={"mode": ("static",)}),
        Attr("ip6", "ipv6mask", "ipv6 address and prefix", default="::/0", when={"mode": ("static",)}),
        _ed("dns-server-override", "use the DNS servers learned by DHCP", default="enable",
            when={"mode": ("DHCP",)}),
        Attr("username", "string", "PPPoE user name", when={"mode": ("pppoe",)}),
        Attr("password", "password", "PPPoE password", when={"mode": ("pppoe",)}),
        Attr("allowaccess", "option", "allow management access", options=ALLOWACCESS, multi=True),
        Attr("mtu", "integer", "maximum transmission unit", default="1500", range=(68, 9000)),
        Attr("speed", "option", "interface speed and duplex", default="auto",
             options=opts(
                 ("10full", "10M full duplex"), ("10half", "10M half duplex"),
                 ("100full", "100M full duplex"), ("100half", "100M half duplex"),
                 ("1000full", "1000M full duplex"), ("1000half", "1000M half duplex"),
                 ("auto", "auto negotiation"),
             ),
             when={"type": ("physical",)}),
        Attr("vlanid", "integer", "VLAN id", range=(1, 4094), required=True, when={"type": ("vlan",)}),
        Attr("interface", "ref", "physical interface of the VLAN", ref="system.interface",
             when={"type": ("vlan",)}),
        Attr("aggregate-algorithm", "option", "aggregate hash algorithm", default="layer2",
             options=opts(("layer2", "layer 2"), ("layer2-3", "layer 2 and 3"), ("layer3-4", "layer 3 and 4")),
             when={"type": ("aggregate",)}),
        Attr("aggregate-mode", "option", "aggregate mode", default="802.3ad",
             options=opts(
                 ("802.3ad", "IEEE 802.3ad dynamic link aggregation"),
                 ("balance-alb", "adaptive load balancing"),
                 ("balance-rr", "round robin"),
                 ("balance-tlb", "adaptive transmit load balancing"),
                 ("balance-xor", "XOR policy"),
                 ("broadcast", "broadcast"),
                 ("active-backup", "active backup"),
             ),
             when={"type": ("aggregate",)}),
        Attr("member", "ref", "member interfaces", ref="system.interface", multi=True,
             when={"type": ("aggregate", "softswitch")}),
        _ed("floating", "floating ip"),
        Attr("floating-ip", "ipv4", "floating ip address", default="0.0.0.0", when={"floating": ("enable",)}),
        Attr("traffic-group", "ref", "traffic group", default="default", ref="system.traffic-group",
             when={"floating": ("enable",)}),
        _ed("secondary-ip", "secondary ip"),
        _SECONDARY_IP_LIST,
        _HA_NODE_IP_LIST,
        # CLI744 p. 457 (added with the schema tree; its nested list is generated)
        _ed("ha-node-secondary-ip", "HA node secondary ip"),
        _ed("trust-ip", "trusted ip"),
        # In a real 7.4 box's backup (issue 9), not in the reference's syntax block.
        _ed("dedicate-to-mgmt", "dedicate the interface to management traffic"),
        _ed("wccp", "WCCP"),
        _TRUST_IP_LIST,
        Attr("mac-addr", "string", "MAC address", maxlen=17),
    ),
)

# --------------------------------------------------------------------------------------------- dns
DNS = Table(
    name="dns",
    path=("system", "dns"),
    help="DNS configuration",
    kind="single",
    node_id=1401,
    items=(
        Attr("primary", "ipv4", "primary DNS server", default="8.8.8.8"),
        Attr("secondary", "ipv4", "secondary DNS server", default="0.0.0.0"),
    ),
)

# ------------------------------------------------------------------------------------------- admin
ADMIN = Table(
    name="admin",
    path=("system", "admin"),
    help="administrator user",
    key_help="administrator name",
    node_id=78,  # CLI744 p. 412 transcript
    items=(
        Attr("is-system-admin", "option", "system administrator", default="no",
             options=opts(("no", "not a system administrator"), ("yes", "system administrator"))),
        Attr("password", "passhash", "administrator password"),
        Attr("trusted-hosts", "ipv4mask", "trusted host IPv4 address and netmask", default="0.0.0.0/0"),
        Attr("trusted-hosts6", "ipv6mask", "trusted host IPv6 address and prefix", default="::/0"),
        Attr("access-profile", "ref", "access profile", default="super_admin_prof", ref="system.accprofile"),
        Attr("auth-strategy", "option", "authentication strategy", default="local",
             options=opts(("local", "local"), ("ldap", "LDAP server"), ("radius", "RADIUS server"),
                          ("tacacs_plus", "TACACS+ server"))),
        Attr("vdom", "string", "virtual domain", default="root", when={"is-system-admin": ("no",)}),
        Attr("theme", "string", "web UI theme", default=""),
    ),
)

# ------------------------------------------------------------------------------------ certificates
CERT_LOCAL = Table(
    name="local",
    path=("system", "certificate", "local"),
    help="local certificate",
    key_help="local certificate name",
    node_id=2401,
    items=(
        Attr("password", "password", "private key password"),
        Attr("comments", "string", "comments", maxlen=255),
        Attr("private-key-file", "string", "private key file", maxlen=255),
        Attr("certificate-file", "string", "certificate file", maxlen=255),
        Attr("csr-file", "string", "certificate signing request file", maxlen=255),
    ),
)

_GROUP_MEMBER = Table(
    name="group_member",
    path=("system", "certificate", "local_cert_group", "group_member"),
    help="group member",
    key="integer",
    key_help="group member No.",
    node_id=2411,
    items=(
        Attr("local-cert", "ref", "local certificate", ref="system.certificate.local", required=True),
        Attr("intermediate-ca-group", "ref", "intermediate CA group", ref="system.certificate.intermediate_ca_group"),
        _ed("default", "default certificate of the group"),
    ),
)

CERT_LOCAL_GROUP = Table(
    name="local_cert_group",
    path=("system", "certificate", "local_cert_group"),
    help="local certificate group",
    key_help="local certificate group name",
    node_id=2410,
    items=(_GROUP_MEMBER,),
)

# ------------------------------------------------------------------------------------ health check
HC_TYPES = opts(
    ("diameter", "DIAMETER"),
    ("dns", "DNS"),
    ("ftp", "FTP"),
    ("http", "HTTP"),
    ("https", "HTTPS"),
    ("icmp", "ICMP"),
    ("imap4", "IMAP4"),
    ("l2-detection", "layer 2 detection"),
    ("ldap", "LDAP"),
    ("ldaps", "LDAPS"),
    ("mssql", "MSSQL"),
    ("mysql", "MySQL"),
    ("oracle", "Oracle"),
    ("pop3", "POP3"),
    ("radacct", "RADIUS accounting"),
    ("radius", "RADIUS"),
    ("rtsp", "RTSP"),
    ("script", "script"),
    ("sip", "SIP over UDP"),
    ("sip-tcp", "SIP over TCP"),
    ("smtp", "SMTP"),
    ("snmp", "SNMP"),
    ("snmp-custom", "SNMP custom"),
    ("ssh", "SSH"),
    ("tcp", "TCP"),
    ("tcp-echo", "TCP echo"),
    ("tcphalf", "TCP half open"),
    ("tcpssl", "TCP SSL"),
    ("udp", "UDP"),
)
_ALL_HC = tuple(o.name for o in HC_TYPES)
_HC_WITH_PORT = tuple(t for t in _ALL_HC if t not in ("icmp", "l2-detection", "script"))
_HC_HTTP = ("http", "https")
_HC_USER = ("mysql", "mssql", "oracle")
_HC_USERNAME = ("ftp", "imap4", "pop3", "radius", "radacct", "ldap", "ldaps", "ssh")
_HC_PASSWORD = _HC_USER + _HC_USERNAME


def _t(*types: str) -> dict[str, tuple[str, ...]]:
    return {"type": types}


HEALTH_CHECK = Table(
    name="health-check",
    path=("system", "health-check"),
    help="health check",
    key_help="health check name",
    node_id=2763,
    items=(
        Attr("type", "option", "health check type", options=HC_TYPES, required=True),
        Attr("interval", "integer", "interval in seconds", default="5", range=(1, 3600)),
        Attr("timeout", "integer", "timeout in seconds", default="3", range=(1, 3600)),
        Attr("retry", "integer", "down retry", default="3", range=(1, 10)),
        Attr("up-retry", "integer", "up retry", default="1", range=(1, 10)),
        Attr("port", "integer", "destination port, 0 = pool member port", default="0", range=(0, 65535),
             when=_t(*_HC_WITH_PORT)),
        Attr("dest-addr-type", "option", "destination address type", default="ipv4",
             options=opts(("ipv4", "IPv4 address"), ("ipv6", "IPv6 address"), ("fqdn", "FQDN (ldap/ldaps)"))),
        Attr("dest-addr", "ipv4", "destination address, 0.0.0.0 = pool member", default="0.0.0.0",
             when={"dest-addr-type": ("ipv4",)}),
        Attr("dest-addr", "ipv6", "destination address, :: = pool member", default="::",
             when={"dest-addr-type": ("ipv6",)}),
        Attr("fqdn", "string", "destination FQDN", maxlen=255, when={"dest-addr-type": ("fqdn",)}),
        # http / https
        Attr("hostname", "string", "HTTP host header", maxlen=255, when=_t(*_HC_HTTP)),
        Attr("http-version", "option", "HTTP version", default="http_1.1",
             options=opts(("http_1.0", "HTTP 1.0"), ("http_1.1", "HTTP 1.1")), when=_t(*_HC_HTTP)),
        Attr("method-type", "option", "HTTP method", default="http_head",
             options=opts(("http_get", "HTTP GET"), ("http_head", "HTTP HEAD")), when=_t(*_HC_HTTP)),
        Attr("send-string", "string", "request URL", default="/", maxlen=255, when=_t(*_HC_HTTP)),
        Attr("receive-string", "string", "expected response string", maxlen=255, when=_t(*_HC_HTTP)),
        Attr("status-code", "integer", "expected HTTP status code", default="200", range=(0, 999),
             when=_t(*_HC_HTTP)),
        # a SIP check expects a status code too (its get on p. 453: status-code 200, sip-request-type register)
        Attr("status-code", "integer", "expected SIP status code", default="200", range=(0, 999),
             when=_t("sip", "sip-tcp")),
        Attr("match-type", "option", "response match type", default="match_string",
             options=opts(("match_all", "match string and status code"), ("match_status", "match status code"),
                          ("match_string", "match string")),
             when=_t(*_HC_HTTP)),
        Attr("http-connect", "option", "HTTP CONNECT tunnel", default="no_connect",
             options=opts(("local_connect", "local connect"), ("no_connect", "no connect"),
                          ("remote_connect", "remote connect")),
             when=_t(*_HC_HTTP)),
        Attr("remote-host", "string", "remote host", maxlen=255,
             when={"type": _HC_HTTP, "http-connect": ("remote_connect",)}),
        Attr("remote-port", "integer", "remote port", default="0", range=(0, 65535),
             when={"type": _HC_HTTP, "http-connect": ("remote_connect",)}),
        Attr("additional-string", "string", "additional request string", maxlen=255, when=_t(*_HC_HTTP)),
        Attr("allow-ssl-versions", "option", "allowed SSL versions", default="sslv3 tlsv1.0 tlsv1.1 tlsv1.2",
             options=SSL_VERSIONS, multi=True, when=_t("https", "tcpssl")),
        Attr("local-cert", "ref", "client certificate", default="Factory", ref="system.certificate.local",
             when=_t("https", "tcpssl")),
        # tcp-echo / udp payloads
        Attr("send-string", "string", "string to send", maxlen=255, when=_t("tcp-echo", "udp")),
        Attr("receive-string", "string", "expected response string", maxlen=255,
             when=_t("tcp-echo", "udp")),
        # dns
        Attr("addr-type", "option", "address type of the answer", default="ipv4", options=ADDR_TYPE,
             when=_t("dns")),
        Attr("domain-name", "string", "domain name to resolve", maxlen=255, when=_t("dns", "smtp")),
        Attr("host-addr", "ipv4", "expected ip address", default="0.0.0.0",
             when={"type": ("dns",), "addr-type": ("ipv4",)}),
        Attr("host-addr6", "ipv6", "expected ipv6 address", default="::",
             when={"type": ("dns",), "addr-type": ("ipv6",)}),
        # databases, radius, mail, ftp, ldap, ssh
        Attr("user", "string", "user name", when=_t(*_HC_USER)),
        Attr("username", "string", "user name", when=_t(*_HC_USERNAME)),
        Attr("password", "password", "password", when=_t(*_HC_PASSWORD)),
        Attr("database", "string", "database name", when=_t(*_HC_USER)),
        Attr("nas-ip", "ipv4", "NAS ip address", default="0.0.0.0", when=_t("radius", "radacct")),
        Attr("password-type", "option", "RADIUS password type", default="user-password",
             options=opts(("user-password", "user password"), ("chap-password", "CHAP password")),
             when=_t("radius")),
        Attr("secret-key", "password", "RADIUS secret key", when=_t("radius", "radacct")),
        _ed("radius-reject-enable", "treat Access-Reject as up", when=_t("radius")),
        Attr("sip-request-type", "option", "SIP request type", default="register",
             options=opts(("register", "REGISTER"), ("options", "OPTIONS")), when=_t("sip", "sip-tcp")),
        Attr("folder", "string", "mail folder", default="INBOX", when=_t("imap4")),
        Attr("file", "string", "file to retrieve", when=_t("ftp")),
        _ed("passive", "passive mode", when=_t("ftp")),
        Attr("base-dn", "string", "base distinguished name", maxlen=255, when=_t("ldap", "ldaps")),
        Attr("bind-dn", "string", "bind distinguished name", maxlen=255, when=_t("ldap", "ldaps")),
        _ed("verify-host-cert", "verify the server certificate", when=_t("ldaps")),
        Attr("ca", "ref", "CA certificate", ref="system.certificate.ca",
             when={"type": ("ldaps",), "verify-host-cert": ("enable",)}),
        # snmp
        Attr("agent-type", "option", "SNMP agent type", default="UCD",
             options=opts(("UCD", "UCD-SNMP"), ("WIN2000", "Windows 2000")), when=_t("snmp")),
        Attr("community", "string", "SNMP community", default="public", when=_t("snmp", "snmp-custom")),
        Attr("version", "option", "SNMP version", default="v1", options=opts(("v1", "version 1"), ("v2c", "version 2c")),
             when=_t("snmp", "snmp-custom")),
        Attr("cpu", "integer", "maximum CPU usage", default="96", range=(0, 100), when=_t("snmp")),
        Attr("mem", "integer", "maximum memory usage", default="96", range=(0, 100), when=_t("snmp")),
        Attr("disk", "integer", "maximum disk usage", default="96", range=(0, 100), when=_t("snmp")),
        # script
        Attr("script", "ref", "health check script", ref="system.health-check-script", when=_t("script")),
    ),
)

# ------------------------------------------------------------------------------ azure backend ip
AZURE_LB_BACKEND_IP = Table(
    name="azure-lb-backend-ip",
    path=("system", "azure-lb-backend-ip"),
    help="azure load balancer backend ip",
    key_help="azure load balancer backend pool name",
    node_id=2901,
    items=(Attr("ip", "ipv4", "backend ip address of this node", default="0.0.0.0"),),
)

# ------------------------------------------------------------------------------------ router static
ROUTER_STATIC = Table(
    name="static",
    path=("router", "static"),
    help="static route",
    key="integer",
    key_help="static route No.",
    node_id=1101,
    items=(
        Attr("destination", "ipv4mask", "destination ip and netmask", default="0.0.0.0/0"),
        Attr("gateway", "ipv4", "gateway ip address", default="0.0.0.0"),
        Attr("distance", "integer", "administrative distance", default="10", range=(1, 255)),
    ),
)

__all__ = [
    "GLOBAL",
    "TRAFFIC_GROUP",
    "INTERFACE",
    "DNS",
    "ADMIN",
    "CERT_LOCAL",
    "CERT_LOCAL_GROUP",
    "HEALTH_CHECK",
    "AZURE_LB_BACKEND_IP",
    "ROUTER_STATIC",
    "SSL_VERSIONS",
    "ADDR_TYPE",
]
