"""``adc.config.view``: which attributes are in force for an entry (``when``), and its values read
through the schema. Real schema tables, hand-made entries, and a dict standing in for the store."""
from __future__ import annotations

from collections.abc import Iterable

from adc.config.tree import Entry, TableData, Value
from adc.config.view import View
from adc.schema import SCHEMA
from adc.schema.model import Attr, Table

VS = SCHEMA.find("load-balance.virtual-server")
PROFILE = SCHEMA.find("load-balance.profile")
HC = SCHEMA.find("system.health-check")
POOL = SCHEMA.find("load-balance.pool")
MEMBER = SCHEMA.find("load-balance.pool.pool_member")
IPPOOL = SCHEMA.find("load-balance.ippool")
CR = SCHEMA.find("load-balance.content-routing")
CSSL = SCHEMA.find("load-balance.client-ssl-profile")
HEADER_TABLES = [c.name for c in PROFILE.children if c.name.endswith(("-erase", "-insert"))]

L4, L7, L2 = "l4-load-balance", "l7-load-balance", "l2-load-balance"


class Store:
    """A dict-based lookup that records what it was asked."""

    def __init__(self, entries: dict[tuple[str, str], dict[str, Value]] | None = None) -> None:
        self.entries = {k: Entry(k[1], v) for k, v in (entries or {}).items()}
        self.asked: list[tuple[str, str]] = []

    def __call__(self, dotted: str, key: str) -> Entry | None:
        self.asked.append((dotted, key))
        return self.entries.get((dotted, key))


def view(entries: dict[tuple[str, str], dict[str, Value]] | None = None) -> View:
    return View(SCHEMA, Store(entries))


def e(**values: Value) -> Entry:
    """An entry from keyword values (``_`` in a keyword stands for ``-``)."""
    return Entry("x", {k.replace("_", "-"): v for k, v in values.items()})


def names(items: Iterable[Attr | Table]) -> list[str]:
    return [i.name for i in items]


# ------------------------------------------------------------------------------------------ when
def test_plain_condition() -> None:
    v = view()
    pfm = v.attr(VS, e(type=L4), "packet-forwarding-method")
    assert pfm is not None and pfm.when == {"type": (L4,)}
    assert v.attr(VS, e(), "packet-forwarding-method") is pfm  # the default type is l4
    assert v.attr(VS, e(type=L7), "packet-forwarding-method") is None
    assert v.attr(VS, e(type=L2), "packet-forwarding-method") is None
    assert v.attr(VS, e(type=L7), "no-such-attribute") is None


def test_several_keys_are_anded() -> None:
    v = view()
    # ip: type l4/l7, use-azure-lb-backend-ip disable, addr-type ipv4
    assert v.attr(VS, e(type=L7), "ip") is not None
    assert v.attr(VS, e(type=L7, addr_type="ipv6"), "ip") is None
    assert v.attr(VS, e(type=L7, addr_type="ipv6"), "ip6") is not None
    assert v.attr(VS, e(type=L7, use_azure_lb_backend_ip="enable"), "ip") is None
    assert v.attr(VS, e(type=L2), "ip") is None
    # a pool member's own health-check-list: inherit disable AND ctrl enable
    assert v.attr(MEMBER, e(health_check_inherit="disable", health_check_ctrl="enable"), "health-check-list") is not None
    assert v.attr(MEMBER, e(health_check_inherit="disable"), "health-check-list") is None
    assert v.attr(MEMBER, e(health_check_ctrl="enable"), "health-check-list") is None
    # holds() itself
    assert v.holds(VS, e(type=L7, addr_type="ipv6"), {"type": (L4, L7), "addr-type": ("ipv6",)})
    assert not v.holds(VS, e(type=L7, addr_type="ipv6"), {"type": (L4,), "addr-type": ("ipv6",)})
    assert v.holds(VS, e(), {})


def test_dotted_conditions_follow_the_reference() -> None:
    store = Store({
        ("load-balance.profile", "S"): {"type": "https"},
        ("load-balance.profile", "H"): {"type": "http"},
        ("load-balance.profile", "X"): {"type": "explicit_http"},
        ("load-balance.persistence", "SRC"): {"type": "source-address"},
        ("load-balance.persistence", "CK"): {"type": "insert-cookie"},
    })
    v = View(SCHEMA, store)
    assert v.attr(VS, e(type=L7, load_balance_profile="S"), "client-ssl-profile") is not None
    assert store.asked == [("load-balance.profile", "S")]
    assert v.attr(VS, e(type=L7, load_balance_profile="H"), "client-ssl-profile") is None
    assert v.attr(VS, e(type=L7, load_balance_profile="missing"), "client-ssl-profile") is None
    assert v.attr(VS, e(type=L7), "client-ssl-profile") is None  # no profile named: nothing to follow
    # load-balance-pool: in force with no profile ("" is allowed) or any but an explicit_http one
    assert v.attr(VS, e(type=L7), "load-balance-pool") is not None
    assert v.attr(VS, e(type=L7, load_balance_profile="H"), "load-balance-pool") is not None
    assert v.attr(VS, e(type=L7, load_balance_profile="X"), "load-balance-pool") is None
    # a dotted condition ANDed with a plain one
    mirror = {"load_balance_profile": "S", "ssl_mirror": "enable"}
    assert v.attr(VS, e(type=L7, **mirror), "ssl-mirror-intf") is not None
    assert v.attr(VS, e(type=L7, load_balance_profile="S"), "ssl-mirror-intf") is None
    assert v.attr(VS, e(type=L7, load_balance_profile="H", ssl_mirror="enable"), "ssl-mirror-intf") is None
    # through the persistence
    assert v.attr(VS, e(load_balance_persistence="SRC"), "max-persistence-entries") is not None
    assert v.attr(VS, e(load_balance_persistence="CK"), "max-persistence-entries") is None


def test_dotted_condition_reads_the_referenced_entry_in_force() -> None:
    """The followed value is itself read through the view: a default of the referenced entry counts."""
    v = view({("load-balance.pool", "p"): {}, ("load-balance.pool", "p6"): {"addr-type": "ipv6"}})
    assert v.holds(VS, e(load_balance_pool="p"), {"load-balance-pool.addr-type": ("ipv4",)})
    assert v.holds(VS, e(load_balance_pool="p6"), {"load-balance-pool.addr-type": ("ipv6",)})
    assert not v.holds(VS, e(load_balance_pool="p6"), {"load-balance-pool.addr-type": ("ipv4",)})
    # a missing entry, or a name that is no reference, reads as ""
    assert v.holds(VS, e(load_balance_pool="nope"), {"load-balance-pool.addr-type": ("",)})
    assert v.holds(VS, e(comments="c"), {"comments.type": ("",)})


def test_first_attribute_whose_condition_holds_wins() -> None:
    v = view()
    four = v.attr(HC, e(type="http"), "dest-addr")
    six = v.attr(HC, e(type="http", dest_addr_type="ipv6"), "dest-addr")
    assert four is not None and six is not None and four is not six
    assert (four.kind, four.default) == ("ipv4", "0.0.0.0")
    assert (six.kind, six.default) == ("ipv6", "::")
    assert v.attr(HC, e(type="http", dest_addr_type="fqdn"), "dest-addr") is None
    assert v.raw(HC, e(type="http"), "dest-addr") == "0.0.0.0"
    assert v.raw(HC, e(type="http", dest_addr_type="ipv6"), "dest-addr") == "::"
    assert v.raw(IPPOOL, e(addr_type="ipv6"), "ip-min") == "::"
    assert v.raw(IPPOOL, e(), "ip-min") == "0.0.0.0"
    # the same name in two profile blocks: a caching object for HTTP, an enable/disable switch for DNS
    http_caching = v.attr(PROFILE, e(type="http"), "caching")
    dns_caching = v.attr(PROFILE, e(type="dns"), "caching")
    assert http_caching is not None and dns_caching is not None
    assert (http_caching.kind, http_caching.default, http_caching.ref) == ("ref", "", "load-balance.caching")
    assert (dns_caching.kind, dns_caching.default) == ("option", "enable")
    assert v.attr(PROFILE, e(type="tcp"), "caching") is None


# ------------------------------------------------------------------------------------------ items
def test_items_in_print_order_one_per_name() -> None:
    v = view()
    for ptype in ("http", "dns", "tcp", "mssql", "tcps"):
        entry = e(type=ptype)
        items = list(v.items(PROFILE, entry))
        got = names(items)
        assert len(got) == len(set(got)), ptype
        # schema order: the positions of the very items in the table's items only grow
        positions = [next(n for n, i in enumerate(PROFILE.items) if i is item) for item in items]
        assert positions == sorted(positions), ptype
        # and each is the first of its name whose condition holds
        for item in items:
            if isinstance(item, Attr):
                assert v.attr(PROFILE, entry, item.name) is item, (ptype, item.name)
        assert v.attrs(PROFILE, entry) == [i for i in items if isinstance(i, Attr)]
        assert v.children(PROFILE, entry) == [i for i in items if isinstance(i, Table)]
    assert names(v.items(PROFILE, e(type="dns"))) == [
        "type", "malform-query-action", "redirect-to-tcp-port", "caching", "max-query-length", "max-cache-age",
        "max-cache-entry-size", "max-cache-size", "cache-response-type"]
    assert names(v.items(PROFILE, e(type="dns", caching="disable"))) == [
        "type", "malform-query-action", "redirect-to-tcp-port", "caching", "max-query-length"]
    assert names(v.items(PROFILE, e(type="tcp"))) == [
        "type", "timeout_tcp_session", "timeout_tcp_session_after_FIN", "timeout_send_rst", "client-ip-tcp-option",
        "ip-reputation", "geoip-list", "allowlist"]
    assert names(v.items(PROFILE, e())) == ["type"]


def test_children_in_force() -> None:
    v = view()
    assert names(v.children(PROFILE, e(type="http"))) == HEADER_TABLES
    assert len(HEADER_TABLES) == 8
    assert v.children(PROFILE, e(type="tcp")) == []
    assert names(v.children(PROFILE, e(type="mysql"))) == ["mysql-user-password", "mysql-rule", "mysql-sharding"]
    assert names(v.children(POOL, e())) == ["pool_member"]
    assert names(v.children(CR, e())) == ["match-condition"]  # l7 content routing by default
    assert v.children(CR, e(type="l4-content-routing")) == []
    assert "match-condition" not in names(v.attrs(CR, e()))
    # a child sits where the schema puts it among the attributes
    cr_names = names(list(v.items(CR, e())))
    assert cr_names.index("load-balance-pool") < cr_names.index("match-condition") < cr_names.index("comments")


# ------------------------------------------------------------------------------------------ values
def test_raw_text_number_words() -> None:
    v = view()
    ssl = e(ssl_allowed_versions=("tlsv1.2", "tlsv1.3"))
    assert v.raw(CSSL, ssl, "ssl-allowed-versions") == ("tlsv1.2", "tlsv1.3")
    assert v.raw(CSSL, e(), "ssl-allowed-versions") == ("tlsv1.1", "tlsv1.2")  # the default, as a tuple
    assert v.text(CSSL, ssl, "ssl-allowed-versions") == "tlsv1.2 tlsv1.3"
    assert v.words(CSSL, ssl, "ssl-allowed-versions") == ("tlsv1.2", "tlsv1.3")
    vs = e(type=L7, port="80 8000-8080", connection_limit="25")
    assert v.raw(VS, vs, "port") == "80 8000-8080"
    assert v.words(VS, vs, "port") == ("80", "8000-8080")
    assert v.number(VS, vs, "connection-limit") == 25
    assert v.number(VS, e(), "connection-limit") == 0  # default "0"
    assert v.number(VS, e(), "multi-process") == 1  # default "1"
    assert v.number(VS, vs, "comments") == 0  # not a number
    assert v.text(VS, vs, "error-msg") == "Server-unavailable!"  # L7 default
    # not in force: empty, even when a value is stored
    l2 = e(type=L2, ip="10.0.0.1", error_msg="x")
    assert v.raw(VS, l2, "ip") == ""
    assert v.text(VS, l2, "error-msg") == ""
    assert v.number(VS, e(type=L7), "protocol-numbers") == 0
    assert v.words(VS, l2, "ip") == ()
    assert v.raw(VS, vs, "no-such-attribute") == ""


def test_value_is_the_set_value_or_the_default() -> None:
    v = view()
    port = v.attr(VS, e(), "port")
    assert port is not None
    assert v.value(port, e(port="443")) == "443"
    assert v.value(port, e()) == "80"


def test_stored_ignores_conditions() -> None:
    v = view()
    six = e(type="http", dest_addr_type="ipv6")
    assert v.raw(HC, six, "dest-addr") == "::"
    assert v.stored(HC, six, "dest-addr") == "0.0.0.0"  # the first attribute of that name
    assert v.stored(HC, e(dest_addr="::1"), "dest-addr") == "::1"
    l2 = e(type=L2, ip="10.0.0.1")
    assert v.stored(VS, l2, "ip") == "10.0.0.1"
    assert v.stored(VS, e(), "port") == "80"
    assert v.stored(CSSL, e(), "ssl-allowed-versions") == ("tlsv1.1", "tlsv1.2")
    assert v.stored(VS, e(), "no-such-attribute") == ""


# ------------------------------------------------------------------------------------------ normalize
def test_normalize_drops_defaults_and_values_not_in_force() -> None:
    v = view({("load-balance.profile", "H"): {"type": "http"}})
    entry = Entry("vs", {
        "type": L7,
        "status": "enable",  # the default
        "port": "80",  # the default
        "packet-forwarding-method": "FullNAT",  # l4 only
        "client-ssl-profile": "LB_CLIENT_SSL_PROF_DEFAULT",  # only with an https/tcps profile
        "load-balance-profile": "H",
        "comments": "kept",
        "error-msg": "",  # emptied on purpose: not the default, kept
        "connection-limit": "10",
    })
    v.normalize(VS, entry)
    assert entry.values == {"type": L7, "load-balance-profile": "H", "comments": "kept", "error-msg": "",
                            "connection-limit": "10"}


def test_normalize_compares_with_the_default_in_force() -> None:
    v = view()
    six = Entry("h", {"type": "http", "dest-addr-type": "ipv6", "dest-addr": "::"})
    v.normalize(HC, six)
    assert six.values == {"type": "http", "dest-addr-type": "ipv6"}
    four = Entry("h", {"type": "http", "dest-addr": "::"})  # "::" is not the ipv4 default
    v.normalize(HC, four)
    assert four.values == {"type": "http", "dest-addr": "::"}
    ssl = Entry("c", {"ssl-allowed-versions": ("tlsv1.1", "tlsv1.2"), "forward-proxy": "disable"})
    v.normalize(CSSL, ssl)
    assert ssl.values == {}


def test_normalize_drops_children_not_in_force() -> None:
    v = view()
    header = TableData()
    header.put(Entry("1", {"string": "X-A"}))
    prof = Entry("p", {"type": "tcp"}, {"client-request-header-insert": header})
    v.normalize(PROFILE, prof)
    assert prof.children == {}
    kept = TableData()
    kept.put(Entry("1", {"string": "X-A"}))
    http = Entry("p", {"type": "http"}, {"client-request-header-insert": kept, "bogus": TableData()})
    v.normalize(PROFILE, http)
    assert list(http.children) == ["client-request-header-insert"]
    assert http.children["client-request-header-insert"] is kept
    match = TableData()
    match.put(Entry("1", {"content": "a"}))
    cr = Entry("c", {"type": "l4-content-routing", "load-balance-pool": "p"}, {"match-condition": match})
    v.normalize(CR, cr)
    assert cr.children == {} and cr.values == {"type": "l4-content-routing", "load-balance-pool": "p"}
