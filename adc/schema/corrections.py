"""Hand corrections to the extracted CLI Reference: what the text gets wrong, as data.

``generated.py`` turns ``reference/tables.json`` into tables by fixed rules; these tables say where the
rules would go wrong. Every correction names its CLI744 page and why. Four kinds:

- ``PLACEHOLDERS``: value placeholders the extraction could not type (``<port number>``, ``<subnet>``,
  ``<datasource_action>``), mapped to a kind (and a range, length or reference);
- ``ATTRS``: one attribute of one table, by ``(dotted table, name)`` (``name#2`` for a name's second
  definition): a reference the text names in words resolved by hand, a type or options read from the
  description, a condition the text gets wrong, or ``drop``;
- ``TABLES``: a table's kind or key, a node id, attributes or nested tables the extraction missed;
- ``SKIP``: tables left out, ``HAND_CHILDREN``: nested tables the hand-written tables gain,
  ``CHAPTERS``: the preferred ``show`` order of the path groups, ``GROUP_HELP``: help of path words.

Imports only the model: this is data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .model import ENABLE_DISABLE, Attr, Kind, Table, opts


@dataclass(frozen=True)
class Fix:
    """Changes to one extracted attribute (``Attr`` field names: kind, ref, options, range, maxlen,
    default, multi, when, help, name, required), or ``drop``."""

    page: int
    why: str
    changes: Mapping[str, object] = field(default_factory=dict)
    drop: bool = False


def fix(page: int, why: str, **changes: object) -> Fix:
    return Fix(page, why, changes)


def drop(page: int, why: str) -> Fix:
    return Fix(page, why, drop=True)


def ref(page: int, target: str, why: str = "named in words; resolved by hand", **more: object) -> Fix:
    return Fix(page, why, {"kind": "ref", "ref": target, **more})


def ed(page: int, why: str, default: str = "disable") -> Fix:
    return Fix(page, why, {"kind": "option", "options": ENABLE_DISABLE, "default": default})


@dataclass(frozen=True)
class TableFix:
    page: int
    why: str
    kind: str = ""  # "table" / "single"
    key: str = ""  # "name" / "integer"
    help: str = ""
    key_help: str = ""
    node_id: int | None = None
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a nested table's condition
    extra_attrs: tuple[Attr, ...] = ()  # attributes the extraction missed, after its own
    extra_tables: tuple[Table, ...] = ()
    unconditional: tuple[str, ...] = ()  # conditions on these attributes are misreadings: dropped


# ------------------------------------------------------------------------------------ placeholders
_IFACE: tuple[Kind, Mapping[str, object]] = ("ref", {"ref": "system.interface"})
_TEXT: tuple[Kind, Mapping[str, object]] = ("string", {})
_LONG: tuple[Kind, Mapping[str, object]] = ("string", {"maxlen": 255})


def _int(lo: int, hi: int) -> tuple[Kind, Mapping[str, object]]:
    return ("integer", {"range": (lo, hi)})


def _ref(target: str) -> tuple[Kind, Mapping[str, object]]:
    return ("ref", {"ref": target})


# Placeholders (whitespace collapsed) the extraction left untyped ("value type unknown", 155 of them).
PLACEHOLDERS: dict[str, tuple[Kind, Mapping[str, object]]] = {
    "<MAC>": ("string", {"maxlen": 17}),
    "<xx:xx:xx:xx:xx:xx>": ("string", {"maxlen": 17}),
    "<EMS>": _TEXT,
    "<UUID>": ("string", {"maxlen": 36}),
    "<digit>[G|M|K]": _TEXT,
    "<certname>": _TEXT,
    "<username>": _TEXT,
    "<data-center name>": _ref("global-load-balance.data-center"),
    "<isp name>": _ref("system.isp-addr"),
    "<isp province name>": _TEXT,
    "<server name>": _ref("global-load-balance.servers"),
    "<gateway>": _TEXT,
    "<country or city>": _TEXT,
    "<hostname>": _LONG,
    "<path>": _LONG,
    "<saml-sso-id>": _ref("user.saml-sp"),
    "<oauth-policy>": _ref("user.oauth"),
    "<file-name>": _LONG,
    "<entries>": _int(1, 2621444),  # p. 132: "from 1 to 2,621,444"
    "<one or more ciphers>": ("string", {"maxlen": 1023}),
    "<port>": _IFACE,  # p. 140 / 241: the outgoing interfaces ("port1")
    "[string/regular express]": _LONG,
    "<country-code>": _TEXT,
    "<uri regex>": _LONG,
    "<regex string>": _LONG,
    "<database name> <database name> ...": _TEXT,
    "<user name> <user name> ...": _TEXT,
    "<table name> <table name> ...": _TEXT,
    "<client ip> <client ip> ...": _TEXT,
    "<sql statement> <sql statement> ...": _LONG,
    "<table name>": _TEXT,
    "<column name>": _TEXT,
    "<database name>": _TEXT,
    "<group id>:<range> <group id>:<range> ... # such as set groups 0:0-999 1:1000-9999": _TEXT,
    "<YYYY-MM-DD-HH:MM:SS>": ("string", {"maxlen": 19}),
    "<id>": _int(1, 4294967295),  # BGP AS numbers
    "<interface name>": _IFACE,
    "<access list name>": _TEXT,
    "<ipv6 access list name>": _TEXT,
    "<prefix list name>": _TEXT,
    "<ipv6 prefix list name>": _TEXT,
    "{id1 id2 ….}": _TEXT,
    "{loc1 loc2…}": _TEXT,
    "{sev1 serv2…}": _TEXT,
    "{proto1 proto2…}": _TEXT,
    "{app1 app2…}": _TEXT,
    "{os1 os2…}": _TEXT,
    "{count}": _int(0, 65535),  # p. 307: "range[0-65535]"
    "{duration}": _int(1, 65535),  # p. 307: "range[1-65535]"
    "{field}": _TEXT,
    "<datasource_api_rule>": _ref("security.waf.api-gateway-rule"),
    "<datasource_action>": _ref("security.waf.action"),
    "<datasource_exception>": _ref("security.waf.exception"),
    "<datasource_api_user>": _ref("security.waf.api-gateway-user"),
    "<http-header-name_str>": _TEXT,
    "<http-header-value_str>": _LONG,
    "<subnet>": ("ipv4mask", {}),
    "[ URL-string]": _LONG,
    "<hhp-profile-name>": _ref("security.waf.http-header-security"),
    "<url-pattern>": _LONG,
    "<file-extension-pattern>": _LONG,
    "<file>": _LONG,
    "<regular express string>": _LONG,
    "<HTTP status code>": _int(0, 1000),  # p. 375 specification: 0-1000
    "<date> // if allow-suspicous-cookies is custom": _TEXT,
    "<action profile>": _ref("security.waf.action"),
    "<waf exception object>": _ref("security.waf.exception"),
    "[url] // URL of page, it supports regular expression": _LONG,
    "[url]": _LONG,
    "<address1> <address2> … <addressn>": _TEXT,
    "<tags-name1> <tags-name2> … <tags-name3>": _ref("endpoint-control.tags"),
    "<hh:mm>": ("string", {"maxlen": 5}),
    "<tenant-id>": _TEXT,
    "<subscription-id>": _TEXT,
    "<client-id>": _TEXT,
    "<client-secret>": ("password", {}),
    "<resource-group>": _TEXT,
    "<certificate-filename>": _LONG,
    "<ca_errors>": _TEXT,
    "<cert_errors>": _TEXT,
    "<ca>": _ref("system.certificate.ca"),
    "<ocsp rule>": _TEXT,
    "<crl rule>": _ref("system.certificate.crl"),
    "<csr>": _LONG,
    "<key-filename>": _LONG,
    "<domain_name>": _LONG,
    "<URL>": _LONG,
    "<Email>": _TEXT,
    "<CA Group>": _ref("system.certificate.ca_group"),
    "cert.cer": _LONG,
    "<OCSP-response-filename>": _LONG,
    "<integrate>": ("integer", {}),  # "integrate" for "integer"
    "<proxy_address>": _TEXT,
    "<proxy_port>": _int(0, 65535),
    "<4 digit hex>": ("string", {"maxlen": 4}),
    "(4 digit hex)": ("string", {"maxlen": 4}),
    "<interface>": _IFACE,
    "<ipv4 or ipv6>": _TEXT,
    "<fqdn>": _LONG,
    "<additional string for http header content>": _LONG,
    "<server address>": _TEXT,
    "<port number>": _int(1, 65535),
    "<A> <B> <C>": _TEXT,
    "<query>": _TEXT,
    "<server_ip>": ("ipv4", {}),
    "<email_address>": _TEXT,
    "<alert_event_name>": _ref("system.alert-event"),
    "<virtual-server-name>": _TEXT,
    "<metric_name>": _ref("system.alert-metric"),
    "<action_name>": _ref("system.alert-action"),
    "<system_alert_name>": _ref("system.alert"),
    "<string_email_format>": _TEXT,
    "<username field name>": _TEXT,
    "<password field name>": _TEXT,
    "<virtual path>": _LONG,
    "/logout": _LONG,
    "{string}": _TEXT,
    "{name}": _TEXT,
    "<name>": _TEXT,
    "<text>": _LONG,
    "<profile-name>": _TEXT,
    "<portA-portB portC portD>": _TEXT,
    "<verify_profile_name>": _TEXT,
    "<local_certificate_group_name>": _TEXT,
    "<customized_header_name>": _TEXT,
    "<cache_name>": _TEXT,
    "<local_ca>": _TEXT,
    "<intermediate_ca>": _TEXT,
    "<group id> #for Data Sharding": _int(0, 255),
}

# ------------------------------------------------------------------------------------ attributes
_SEV = opts(("high", "high"), ("medium", "medium"), ("low", "low"))
ATTRS: dict[tuple[str, str], Fix] = {
    # references the text names in words ("reference not resolved")
    ("firewall.nat-snat", "traffic-group"): ref(54, "system.traffic-group"),
    ("firewall.qos-filter", "queue"): ref(60, "firewall.qos-queue"),
    ("firewall.qos-filter6", "queue"): ref(62, "firewall.qos-queue"),
    ("firewall.vip", "extif"): ref(64, "system.interface"),
    ("firewall.vip", "traffic-group"): ref(64, "system.traffic-group"),
    ("global-dns-server.general", "forwarders"): ref(78, "global-dns-server.remote-dns-server"),
    ("global-dns-server.general", "certificate"): ref(78, "system.certificate.local"),
    ("global-dns-server.policy", "forwarders"): ref(81, "global-dns-server.remote-dns-server"),
    ("global-dns-server.zone", "forwarders"): ref(86, "global-dns-server.remote-dns-server"),
    ("global-load-balance.servers", "cert"): ref(96, "system.certificate.local"),
    ("global-load-balance.setting", "ca-group"): ref(105, "system.certificate.ca_group"),
    ("global-load-balance.setting", "intermediate-ca-group"): ref(105, "system.certificate.intermediate_ca_group"),
    ("link-load-balance.flow-policy.rule", "schedule"): ref(113, "system.schedule-group"),
    ("load-balance.pagespeed", "profile"): ref(168, "load-balance.pagespeed-profile"),
    ("router.isp", "destination"): ref(268, "system.isp-addr"),
    ("router.ospf.ospf-interface", "authentication-md5"): ref(277, "router.md5-ospf"),
    ("security.dos.dos-protection-profile", "http-connection-flood-protection"): ref(
        292, "security.dos.http-request-flood-protection",
        "the section is titled http-connection-flood-protection, its syntax configures http-request-flood-protection (p. 298)"),
    ("security.waf.profile", "api-gateway"): ref(354, "security.waf.api-gateway-policy"),
    ("security.waf.profile", "fingerprint-based-detection"): ref(
        354, "security.waf.biometrics-based-detection",
        "the section fingerprint-based-detection configures biometrics-based-detection (p. 326)"),
    ("security.waf.profile", "json-validation"): ref(354, "security.waf.json-validation-detection"),
    ("security.waf.profile", "openapi-validation"): ref(354, "security.waf.openapi-validation-detection"),
    ("security.waf.profile", "xml-validation"): ref(354, "security.waf.xml-validation-detection"),
    ("security.waf.input-validation-policy.parameter-validation-rule-list", "rule"): ref(
        357, "security.waf.parameter-validation-rule"),
    ("security.waf.openapi-validation-detection", "openapi-schema-id"): ref(369, "security.waf.openapi-schema-file"),
    ("security.web-vulnerability-scanner.profile", "http-login-option"): ref(
        370, "security.web-vulnerability-scanner.target-login-option"),
    ("security.web-vulnerability-scanner.task", "scheduler"): ref(370, "system.schedule-group"),
    ("security.web-vulnerability-scanner.task", "profile"): ref(371, "security.web-vulnerability-scanner.profile"),
    ("security.waf.data-leak-prevention.rule", "sensor"): ref(382, "security.waf.dlp-sensors"),
    ("system.certificate.ocsp_stapling", "issuer-certificate"): ref(427, "system.certificate.ca"),
    ("system.certificate.ocsp_stapling", "local-certificate"): ref(427, "system.certificate.local"),
    ("system.ha", "datadev"): ref(435, "system.interface"),
    ("system.ha", "hbdev"): ref(435, "system.interface"),
    ("system.ha", "monitor"): ref(436, "system.interface"),
    ("user.user-group.member", "tacacs-plus-server"): ref(501, "user.tacacs+"),
    ("user.saml-sp", "local-cert"): ref(509, "system.certificate.local"),
    ("user.saml-sp", "idp-metadata"): ref(
        510, "user.saml-idp", "\"an IDP metadata file ... imported into FortiADC ahead of time\": the imported IdP "
        "objects are `user saml-idp` entries (p. 508, each holding its idp-file)"),
    ("security.waf.json-validation-detection", "json-schema-id"): ref(
        364, "security.waf.json-schema-file", "\"the JSON schema file\": `security waf json-schema-file` (p. 365)"),
    ("security.waf.xml-validation-detection", "xml-schema-id"): ref(
        366, "security.waf.xml-schema-file", "\"the XML schema file\": `security waf xml-schema-file` (p. 365)"),
    # values the syntax leaves blank, read from the description
    ("security.waf.heuristic-sql-xss-injection-detection", "uri-xss-injection-detection"): ed(339, "Enable/disable"),
    ("security.waf.heuristic-sql-xss-injection-detection", "referer-xss-injection-detection"): ed(339, "Enable/disable"),
    ("security.waf.heuristic-sql-xss-injection-detection", "cookie-xss-injection-detection"): ed(339, "Enable/disable"),
    ("security.waf.heuristic-sql-xss-injection-detection", "body-xss-injection-detection"): ed(339, "Enable/disable"),
    ("security.waf.http-protocol-constraint", "max-request-header-action"): ref(343, "security.waf.action",
                                                                               "\"Specify a WAF action object\""),
    ("security.waf.http-protocol-constraint", "max-request-header-severity"): fix(
        343, "the severities of the table's other rules", kind="option", options=_SEV, default="low"),
    ("security.waf.web-attack-signature.signature", "status"): ed(361, "\"Enable/disable the signature\""),
    ("security.waf.web-attack-signature.signature", "exception"): ref(361, "security.waf.exception"),
    ("security.wad.profile", "port"): fix(308, "\"Host port number\"", kind="integer", range=(1, 65535)),
    ("security.wad.profile", "interval-root"): fix(308, "seconds", kind="integer"),
    ("security.wad.profile", "interval-other"): fix(308, "seconds", kind="integer"),
    ("security.wad.profile", "monitor-depth"): fix(308, "a depth", kind="integer"),
    ("security.wad.profile", "skip-max-size"): fix(308, "a size", kind="integer"),
    ("security.wad.profile", "password"): fix(308, "\"Password to connect to the host\"", kind="password"),
    ("load-balance.l2-exception-list.member", "ip-network"): fix(165, "an ip and netmask", kind="ipv4mask"),
    ("router.ospf.ospf-interface", "authentication-text"): fix(278, "\"Specify a password string\"", kind="password"),
    ("router.ospf.ospf-interface", "authentication#2"): drop(
        277, "`set authentication <text>` is the text password, authentication-text"),
    ("security.waf.input-validation-policy", "file-restriction-rule-list"): drop(
        356, "the nested table file-restiction-rule-list, written as an attribute"),
    ("system.alert-policy.alert-member", "SEC_Web_Page_Defacement_Detected"): drop(
        493, "an example entry name (\"add new built-in alert-member\"), not an attribute"),
    ("load-balance.certificate-caching", "max-certificate-cache-size"): fix(
        132, "\"10 Mb to 500 Mb\", written 100M", kind="string", maxlen=8),
    ("load-balance.certificate-caching", "max-entries"): fix(132, "\"from 1 to 2,621,444\"", kind="integer",
                                                             range=(1, 2621444)),
    ("user.user-group", "client_auth_method"): drop(503, "the example's spelling of client-auth-method"),
    ("security.waf.cookie-security", "encrpyted_cookie_type"): drop(381, "the example's spelling of encrypted_cookie_type"),
    ("endpoint-control.fctems", "capabilities"): fix(46, "`{option1}, {option2}, ...`: a list of capability names",
                                                     kind="string", multi=True),
    ("user.authentication-relay", "authorization"): fix(
        504, "`set authorization HTTPError401 | always`", kind="option",
        options=opts(("HTTPError401", "on an HTTP 401 error"), ("always", "always"))),
    ("user.authentication-relay", "delegation-type"): fix(
        504, "`set delegation-type Kerberos | http-basic`", kind="option",
        options=opts(("Kerberos", "Kerberos"), ("http-basic", "HTTP basic"))),
    ("log.setting.fast_stats", "traffic-log-category"): fix(
        257, "a list (`set traffic-log-category slb dns`, p. 66); the options of config log setting local",
        kind="option", multi=True, options=opts("slb", "dns", "llb"), default="slb"),
    ("log.setting.fast_stats", "attack-log-category"): fix(
        257, "a list (`synflood ipreputation waf geo av` over two lines); the get on p. 258 for the default",
        kind="option", multi=True, options=opts("synflood", "ipreputation", "waf", "geo", "av", "ddos", "ips", "fw",
                                                  "ztna"), default="synflood ipreputation waf geo"),
    ("log.setting.local", "script-log-category"): fix(258, "`{slb}`: a category list", kind="option", multi=True,
                                                      options=opts("slb")),
    ("system.alert-policy", "comments"): fix(493, "`set comments comments`: an example value", kind="string",
                                             maxlen=255),
    ("security.ips.profile", "comment"): fix(306, "`set comment comment`: an example value", kind="string", maxlen=255),
    ("security.wad.profile", "description"): fix(308, "an example value in quotes", kind="string", maxlen=255),
    ("link-load-balance.virtual-tunnel", "backup"): ed(123, "the description lists enable and disable"),
    ("load-balance.content-rewriting.match-condition", "type"): fix(
        147, "`{string | regular-expression}`", kind="option",
        options=opts(("string", "string"), ("regular-expression", "regular expression"))),
    ("user.saml-sp", "assertion-consuming-binding"): fix(
        510, "the SAML bindings", kind="option", options=opts(("post", "HTTP POST"), ("redirect", "HTTP redirect")),
        default="post"),
}

# ------------------------------------------------------------------------------------ tables
# Secrets the syntax types <string>: kept as ciphertext and printed as ENC like every other secret.
_SECRET = "a secret, typed <string> by the syntax"
ATTRS.update({
    ("config.sync-list", "password"): fix(66, _SECRET, kind="password"),
    ("global-load-balance.servers", "auth-key"): fix(96, _SECRET, kind="password"),
    ("global-load-balance.setting", "password"): fix(105, _SECRET, kind="password"),
    ("router.md5-ospf.md5-member", "md5-key"): fix(276, _SECRET, kind="password"),
    ("security.web-vulnerability-scanner.target-login-option", "password"): fix(370, _SECRET, kind="password"),
    ("system.auto-backup", "password"): fix(414, _SECRET, kind="password"),
    ("system.external-resource", "password"): fix(432, _SECRET, kind="password"),
    ("system.sdn-connector", "secret-token"): fix(474, _SECRET, kind="password"),
    ("system.sdn-connector", "aws-secretkey"): fix(475, _SECRET, kind="password"),
    ("system.sdn-connector", "sap-password"): fix(475, _SECRET, kind="password"),
    ("user.oauth", "client-secret"): fix(506, _SECRET, kind="password"),
})


_ADV_RULE = Table(
    name="advanced-protection-rule",
    path=("security", "waf", "advanced-protection", "advanced-protection-rule"),
    help="advanced protection rule",
    key="integer",
    key_help="advanced protection rule No.",
    items=(
        Attr("type", "option", "rule type", default="content-scraping",
             options=opts(("content-scraping", "content scraping"))),
        Attr("content-type", "string", "content types, comma separated", maxlen=255),
        Attr("occurrence-limit", "integer", "occurrence limit", default="1", range=(1, 100000)),
        Attr("occurrence-within", "integer", "occurrence period in seconds", default="1", range=(1, 600)),
        Attr("percentage-match", "integer", "percentage match, 0 = not needed", default="0", range=(0, 100)),
        Attr("action", "ref", "WAF action", ref="security.waf.action"),
        Attr("block-period", "integer", "block period in seconds", default="60", range=(1, 3600)),
        Attr("severity", "option", "severity", default="low", options=_SEV),
    ),
)

TABLES: dict[str, TableFix] = {
    "load-balance.error-page": TableFix(
        153, "deprecated in the CLI (error pages are uploaded in the web UI) but the objects exist: the VDOM "
        "appendix counts error page files of this table (p. 635) and a VS names one", kind="table", key="name",
        help="error page"),
    "system.scripting": TableFix(473, "the transcript edits entries (`edit script_name`, node 2800)", kind="table",
                                 key="name", help="scripting", key_help="scripting name"),
    "system.health-check-script": TableFix(
        455, "the transcript edits entries; its node 2800 is also the scripting table's", kind="table", key="name",
        help="health check script", key_help="health check script name", node_id=0),
    "security.dos.tcp-synflood-protection": TableFix(
        305, "syntax flush left with `Set`: the extraction read no attribute",
        extra_attrs=(
            Attr("syncookie", "option", "SYN flood protection", default="disable", options=ENABLE_DISABLE),
            Attr("max-half-open", "integer", "half-open connection rate that enables SYN cookies", default="1024",
                 range=(1, 4294967295)),
            Attr("max-stale-timeout", "integer", "stale timeout in seconds", default="10", range=(1, 4294967295)),
        )),
    "security.waf.advanced-protection": TableFix(
        376, "the nested rule table's syntax is flush left, outside the block: written by hand",
        extra_tables=(_ADV_RULE,)),
    # path-word help where the intro names something else than the object (the rule keeps the intro's object)
    "system.azure": TableFix(416, "the intro describes the VM", help="Azure settings"),
    "system.alert": TableFix(491, "the intro is a sentence fragment", help="alert"),
    "log.setting.fast_stats": TableFix(257, "the intro starts \"enable or disable\"", help="fast statistics settings"),
    "load-balance.pagespeed-profile": TableFix(169, "the intro describes its resources", help="PageSpeed profile"),
    "load-balance.http2-profile": TableFix(160, "the intro describes its users", help="HTTP/2 profile"),
    "load-balance.certificate-caching": TableFix(
        132, "`edit \"1\"` is a quoted name (the predefined LB_CERT_RAM_CACHING_DEFAULT is one)", key="name",
        help="certificate caching"),
    "security.waf.openapi-schema-file": TableFix(369, "\"this command configures\"", help="OpenAPI schema file"),
    "security.waf.openapi-validation-detection": TableFix(369, "\"this command sets\"",
                                                          help="OpenAPI validation policy"),
    "global-load-balance.setting": TableFix(101, "the intro names \"the following\"",
                                            help="global load balance settings"),
    "global-dns-server.policy": TableFix(81, "\"rulebase\"", help="DNS policy"),
    "router.md5-ospf": TableFix(276, "the intro is a long sentence", help="OSPF MD5 keys"),
    "system.ha": TableFix(435, "`(4 digit hex)` in l2ep-eth-type's placeholder was read as a condition of the "
                               "attributes after it", unconditional=("l2ep-eth-type",)),
}

# Tables left out: read-only lists of FortiGuard categories, with no syntax (p. 243, 245).
SKIP: dict[str, str] = {
    "load-balance.web-category": "read-only FortiGuard category list, no syntax (p. 243)",
    "load-balance.web-sub-category": "read-only FortiGuard sub-category list, no syntax (p. 245)",
    "security.waf.advanced-protection.advanced-protection-rule": "replaced by the hand-written rule table (p. 376)",
}

# Tables the extraction has no syntax for, written by hand: ``system service`` appears only in the
# servicegrp example (p. 478, with its keyword ``protoco-type`` as printed); firewall and link load balance
# rules name its objects ("Service object to use"), a service group lists them.
_PORTS = {"protoco-type": ("tcp", "udp", "sctp")}
_ON = {"scheduled-backup-status": ("enable",)}
_SFTP = {**_ON, "storage": ("sftp",)}
ADDED_TABLES: dict[str, tuple[Table, str]] = {  # the table, and the reference table it is shown beside
    "system.service": (Table(
        name="service",
        path=("system", "service"),
        help="service",
        key_help="service name",
        node_id=20999,  # above every allocated id: adding the table moves no other table's id
        items=(
            Attr("protoco-type", "option", "protocol type", default="tcp", options=opts(
                ("tcp", "TCP"), ("udp", "UDP"), ("sctp", "SCTP"), ("icmp", "ICMP"), ("icmpv6", "ICMPv6"),
                ("ip", "IP"))),
            Attr("specify-source-port", "option", "specify the source ports", default="disable",
                 options=ENABLE_DISABLE, when=_PORTS),
            Attr("source-port-min", "integer", "lowest source port", default="1", range=(1, 65535),
                 when={**_PORTS, "specify-source-port": ("enable",)}),
            Attr("source-port-max", "integer", "highest source port", default="65535", range=(1, 65535),
                 when={**_PORTS, "specify-source-port": ("enable",)}),
            Attr("destination-port-min", "integer", "lowest destination port", default="1", range=(1, 65535),
                 when=_PORTS),
            Attr("destination-port-max", "integer", "highest destination port", default="65535",
                 range=(1, 65535), when=_PORTS),
        ),
    ), "system.servicegrp"),
    # Its syntax block (p. 414) is alphabetical and has no conditions; the order and the conditions here are
    # those of its two `show full` transcripts (p. 415), the password a password.
    "system.auto-backup": (Table(
        name="auto-backup",
        path=("system", "auto-backup"),
        help="scheduled system backup",
        kind="single",
        items=(
            Attr("scheduled-backup-status", "option", "scheduled backup", default="disable", options=ENABLE_DISABLE),
            Attr("scheduled-backup-frequency", "option", "scheduled backup frequency", default="weekly",
                 options=opts(("daily", "the time of day for daily backup"),
                              ("weekly", "the day and time for weekly backup"),
                              ("every", "the time for periodic backup")), when=_ON),
            Attr("scheduled-backup-day", "option", "day of the week", default="Sunday", options=opts(
                "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
                 when={**_ON, "scheduled-backup-frequency": ("weekly",)}),
            Attr("scheduled-backup-time", "string", "backup time hh:mm (mm 00, 15, 30 or 45)", default="00:00",
                 maxlen=5, when=_ON),
            Attr("storage", "option", "where to save the backup files", default="disk",
                 options=opts(("disk", "hard disk"), ("sftp", "SFTP server")), when=_ON),
            Attr("overwrite-config", "option", "overwrite the oldest file when the maximum is met",
                 default="disable", options=ENABLE_DISABLE, when={**_ON, "storage": ("disk",)}),
            Attr("address", "ipv4", "IP address of the SFTP server", default="0.0.0.0", when=_SFTP),
            Attr("port", "integer", "port of the SFTP server", default="22", range=(1, 65535), when=_SFTP),
            Attr("username", "string", "user name on the SFTP server", when=_SFTP),
            Attr("password", "password", "password on the SFTP server", when=_SFTP),
            Attr("folder", "string", "folder on the SFTP server", maxlen=255, when=_SFTP),
        ),
    ), "system.azure"),
    # Only an example (p. 494): a syslog server automation stitches send alerts to.
    "system.alert-syslog": (Table(
        name="alert-syslog",
        path=("system", "alert-syslog"),
        help="alert syslog server",
        key_help="alert syslog name",
        node_id=20997,
        items=(
            Attr("server", "ipv4", "syslog server address", default="0.0.0.0"),
            Attr("port", "integer", "syslog server port", default="514", range=(1, 65535)),
        ),
    ), "system.alert-action"),
    # Named by the table of contents (p. 365) with a syntax block that repeats the validation policy's: the
    # schema files a JSON/XML validation policy selects (uploaded in the web UI; no attribute is stated).
    # The path word takes the spelling of their sibling `openapi-schema-file` (p. 369): a path word has no
    # space, and "file" under `json-schema` names nothing else.
    "security.waf.json-schema-file": (Table(
        name="json-schema-file",
        path=("security", "waf", "json-schema-file"),
        help="JSON schema file",
        key_help="JSON schema file name",
        node_id=20995,
        items=(),
    ), "security.waf.json-validation-detection"),
    "security.waf.xml-schema-file": (Table(
        name="xml-schema-file",
        path=("security", "waf", "xml-schema-file"),
        help="XML schema file",
        key_help="XML schema file name",
        node_id=20993,
        items=(),
    ), "security.waf.xml-validation-detection"),
}
# Tables a real 7.4 box has and writes into its backups, that the reference names without a syntax block
# (chapter lists, pp. 400-494; the ZTNA profile and overlay tunnel only as examples whose options and
# defaults are not stated, pp. 301, 480): kept as text (``adc.config.opaque``), so that a backup holding
# them restores and prints back every line. (path, help, the table beside which it is shown)
OPAQUE_TABLES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("system", "alert-webhook"), "alert webhook", "system.alert-action"),
    (("system", "alert-script"), "alert script", "system.alert-action"),
    (("system", "alert-fortigate-ip-ban"), "alert FortiGate IP ban", "system.alert-action"),
    (("system", "tunneling"), "tunneling", "system.alert-action"),
    (("system", "overlay-tunnel"), "overlay tunnel", "system.alert-action"),
    (("system", "certificate", "ocsp"), "OCSP", "system.certificate.ocsp_stapling"),
    (("log", "setting", "global_faz"), "global FortiAnalyzer logging", "log.setting.fortianalyzer"),
    (("log", "setting", "global_remote"), "global remote logging", "log.setting.remote"),
    (("log", "report", "email"), "report email", "log.report"),
    (("security", "waf", "scanner"), "WAF scanner", "security.waf.action"),
    (("security", "waf", "data-leak-protection"), "WAF data leak protection", "security.waf.action"),
    (("security", "ztna", "profile"), "ZTNA profile", "security.waf.action"),
)
for _path, _help, _beside in OPAQUE_TABLES:
    ADDED_TABLES[".".join(_path)] = (Table(name=_path[-1], path=_path, help=_help, kind="single", items=(),
                                           opaque=True), _beside)
_SERVICE = "a service object (`system service`, whose example is on p. 478)"
SERVICE_REFS: dict[tuple[str, str], Fix] = {
    (t, "service"): ref(p, "system.service", _SERVICE)
    for t, p in (("firewall.connlimit.rule", 49), ("firewall.connlimit6.rule", 51), ("firewall.policy.rule", 55),
                 ("firewall.policy6.rule", 58), ("firewall.qos-filter", 60), ("firewall.qos-filter6", 62),
                 ("link-load-balance.flow-policy.rule", 113))
}
SERVICE_REFS[("system.servicegrp", "member-list")] = ref(477, "system.service", "the listed names are service objects",
                                                          multi=True)

# Nested tables of the reference that the hand-written tables lack: the condition they live under, and
# the item they follow ("" = after the last item).
HAND_CHILDREN: dict[tuple[str, ...], dict[str, tuple[Mapping[str, tuple[str, ...]], str]]] = {
    ("load-balance", "profile"): {  # p. 205
        "mysql-user-password": ({"type": ("mysql",)}, ""),
        "mysql-rule": ({"type": ("mysql",)}, ""),
        "mysql-sharding": ({"type": ("mysql",)}, ""),
    },
    ("load-balance", "persistence"): {"iso8583-bitmap": ({"type": ("iso8583-bitmap",)}, "")},  # p. 184
    ("system", "health-check"): {"snmp-custom": ({"type": ("snmp-custom",)}, "")},  # p. 444
    ("system", "interface"): {  # p. 457
        "ha-node-secondary-ip-list": ({"ha-node-secondary-ip": ("enable",)}, "ha-node-secondary-ip"),
    },
}

# ``{alert|deny|<datasource>}`` (an ``*-action`` option that also names objects): a reference to this table.
DATASOURCE_OPTIONS: dict[str, str] = {"security": "security.waf.action"}

# The preferred order of the path groups in a device-wide ``show`` (references come first anyway).
CHAPTERS: tuple[str, ...] = (
    "system", "router", "user", "endpoint-control", "firewall", "log", "link-load-balance", "load-balance",
    "security", "global-load-balance", "global-dns-server", "config",
)

GROUP_HELP: dict[tuple[str, ...], str] = {
    ("config",): "configuration synchronization",
    ("endpoint-control",): "endpoint control",
    ("firewall",): "firewall",
    ("global-dns-server",): "global DNS server",
    ("global-load-balance",): "global load balance",
    ("link-load-balance",): "link load balance",
    ("log",): "log configuration",
    ("log", "setting"): "log settings",
    ("security",): "security",
    ("security", "antivirus"): "antivirus",
    ("security", "dos"): "denial of service protection",
    ("security", "ips"): "intrusion prevention",
    ("security", "wad"): "web anti-defacement",
    ("security", "waf"): "web application firewall",
    ("security", "web-vulnerability-scanner"): "web vulnerability scanner",
    ("system", "snmp"): "SNMP",
    ("system", "time"): "system time",
    ("user",): "user authentication",
}

# content rewriting (CLI744 p. 146-149): the syntax gives no defaults; the example sets an action with no
# action-type (so a request rule by default), and its match conditions are content routing's (whose `get`
# on p. 152 shows them: http-host-header, regular-expression, content "match", reverse disable)
ATTRS.update({
    ("load-balance.content-rewriting", "action-type"): fix(
        148, "the example's rules set an action and no action-type: request is the default", default="request"),
    ("load-balance.content-rewriting", "host-status"): ed(147, "Enable/disable"),
    ("load-balance.content-rewriting", "referer-status"): ed(147, "Enable/disable"),
    ("load-balance.content-rewriting", "url-status"): ed(147, "Enable/disable"),
    ("load-balance.content-rewriting.match-condition", "object"): fix(
        152, "content routing's match condition default", default="http-host-header"),
    ("load-balance.content-rewriting.match-condition", "type"): fix(
        152, "`{string | regular-expression}`; content routing's default", kind="option",
        options=opts(("string", "string"), ("regular-expression", "regular expression")),
        default="regular-expression"),
    ("load-balance.content-rewriting.match-condition", "content"): fix(
        152, "content routing's default; \"the string or regular expression\": `set content ^/(.*)$` (p. 149)",
        default="match", kind="pattern"),
    ("load-balance.content-rewriting", "redirect"): fix(
        147, "\"can be a literal string or a regular expression\": `set redirect https://$0/$1` (p. 149)",
        kind="pattern"),
    ("load-balance.content-rewriting", "header-name"): fix(147, "`[string/regular express]`", kind="pattern"),
    ("load-balance.content-rewriting", "header-value"): fix(147, "`[string/regular express]`", kind="pattern"),
    ("load-balance.content-rewriting.match-condition", "reverse"): ed(148, "Enable/disable"),

    ("load-balance.content-rewriting.match-condition", "ignore-case"): ed(148, "Enable/disable"),
})
