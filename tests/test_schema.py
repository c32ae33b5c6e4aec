"""Integrity of the schema data: references, order, defaults, conditions, factory objects, and the
attributes the reference scripts and transcripts use."""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Callable, Iterator, Mapping, Union

import pytest

from adc.config.tree import Entry
from adc.config.values import default_value
from adc.config.view import View
from adc.schema import HAND, SCHEMA
from adc.schema.model import Attr, Table
from adc.schema.registry import FactoryEntry

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "examples"
Value = Union[str, tuple[str, ...]]
Values = Mapping[str, Value]


# ------------------------------------------------------------------------------------------ helpers
def walk(table: Table) -> Iterator[Table]:
    yield table
    for child in table.children:
        yield from walk(child)


def all_tables() -> list[tuple[Table, Table]]:
    """(top-level table, table) for every table and nested table."""
    return [(top, t) for top in SCHEMA.tables for t in walk(top)]


def all_attrs() -> list[tuple[Table, Table, Attr]]:
    return [(top, t, a) for top, t in all_tables() for a in t.attrs]


def word_ok(attr: Attr, word: str) -> bool:
    """Whether one word is a valid value of ``attr`` (the canonical form ``get`` prints)."""
    kind = attr.kind
    if kind == "option":
        return word in attr.option_names
    if kind == "integer":
        if not word.isdigit():
            return False
        n = int(word)
        return attr.range is None or attr.range[0] <= n <= attr.range[1]
    try:
        if kind == "ipv4":
            return str(ipaddress.IPv4Address(word)) == word
        if kind == "ipv6":
            return str(ipaddress.IPv6Address(word)) == word
        if kind == "ipv4mask":
            return ipaddress.IPv4Interface(word).with_prefixlen == word
        if kind == "ipv6mask":
            return ipaddress.IPv6Interface(word).with_prefixlen == word
    except ValueError:
        return False
    if kind == "portlist":
        return all(re.fullmatch(r"\d+(-\d+)?", p) and all(int(x) <= 65535 for x in p.split("-")) for p in word.split())
    if kind in ("string", "ref", "password"):
        return len(word.encode()) <= attr.maxlen and not set(word) & set("<>()#'\"")
    if kind == "pattern":  # regular expressions: ( ) # allowed
        return len(word.encode()) <= attr.maxlen and not set(word) & set("<>'\"")
    return False


def value_ok(attr: Attr, value: Value) -> bool:
    if attr.kind == "portlist":
        return isinstance(value, str) and word_ok(attr, value)
    if attr.multi:
        words = value if isinstance(value, tuple) else tuple(value.split())
        if attr.max_items and len(words) > attr.max_items:
            return False
        return all(word_ok(attr, w) for w in words)
    if not isinstance(value, str):
        return False
    if attr.kind == "ref" and value in attr.ref_extra:
        return True
    return value == "" or word_ok(attr, value)


Lookup = Callable[[str, str], "Values | None"]


class Evaluator:
    """The real ``View`` over plain value maps (what factory objects and the scripts below hold)."""

    def __init__(self, lookup: Lookup) -> None:
        def entries(dotted: str, key: str) -> Entry | None:
            values = lookup(dotted, key)
            return None if values is None else Entry(key, dict(values))

        self.view = View(SCHEMA, entries)

    def attr(self, table: Table, values: Values, name: str) -> Attr | None:
        return self.view.attr(table, Entry(None, dict(values)), name)

    def in_force(self, table: Table, values: Values) -> list[Attr | Table]:
        return list(self.view.items(table, Entry(None, dict(values))))

    def names(self, table: Table, values: Values) -> list[str]:
        return [i.name for i in self.in_force(table, values)]


def factory_lookup(dotted: str, key: str) -> Values | None:
    t = SCHEMA.by_dotted.get(dotted)
    for f in SCHEMA.factory:
        if t is not None and f.path == t.path and f.key == key:
            return f.values
    return None


EVAL = Evaluator(factory_lookup)


def table_for_path(path: tuple[str, ...]) -> Table | None:
    for top, t in all_tables():
        if t.path == path:
            return t
    return None


# ------------------------------------------------------------------------------------------ structure
def test_table_paths_and_names() -> None:
    for top, t in all_tables():
        assert t.path[-1] == t.name, t.path
        assert t.help, t.path
    for top in SCHEMA.tables:
        for child in top.children:
            assert child.path[:-1] == top.path, child.path
    assert len({t.path for t in SCHEMA.tables}) == len(SCHEMA.tables)
    assert SCHEMA.tables[0].path == ("system", "global")


def test_node_ids_unique_and_set() -> None:
    ids = [t.node_id for _, t in all_tables()]
    assert all(ids), "every table has a node id"
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    expected = {
        ("load-balance", "virtual-server"): 1775, ("load-balance", "pool"): 1705,
        ("load-balance", "pool", "pool_member"): 1710, ("load-balance", "profile"): 1643,
        ("system", "health-check"): 2763, ("load-balance", "content-routing"): 1756,
        ("load-balance", "content-routing", "match-condition"): 1768,
        ("load-balance", "profile", "client-request-header-insert"): 4554, ("system", "interface"): 1,
    }
    for path, node in expected.items():
        t = table_for_path(path)
        assert t is not None and t.node_id == node, path


def test_single_objects() -> None:
    singles = {t.dotted for t in SCHEMA.tables if t.kind == "single"}
    assert {t.dotted for t in HAND if t.kind == "single"} == {"system.global", "system.console", "system.dns"}
    assert {"system.global", "system.dns", "system.ha", "router.ospf", "log.setting.local"} <= singles
    assert "system.scripting" not in singles and "load-balance.error-page" not in singles  # corrected by hand


def test_integer_keyed_tables() -> None:
    for path in [("load-balance", "pool", "pool_member"), ("load-balance", "content-routing", "match-condition"),
                 ("system", "interface", "ha-node-ip-list"), ("system", "certificate", "local_cert_group", "group_member"),
                 ("router", "static"), ("load-balance", "profile", "client-request-header-insert")]:
        t = table_for_path(path)
        assert t is not None and t.key == "integer", path


def test_attr_shapes() -> None:
    for top, t, a in all_attrs():
        where = f"{t.dotted}.{a.name}"
        assert a.help and a.help == a.help.strip(), where
        if a.kind == "option":
            assert a.options, where
            assert len(set(a.option_names)) == len(a.options), where
        else:
            assert not a.options, where
        if a.kind == "integer":
            assert a.range is not None and a.range[0] <= a.range[1], where
        else:
            assert a.range is None, where
        if a.kind == "ref":
            assert a.ref, where
        else:
            assert a.ref is None and not a.ref_extra, where
        assert not (a.multi and a.kind in ("portlist", "password")), where
        assert not a.max_items or a.multi, where
        assert not (a.required and a.readonly), where


def test_duplicate_names_are_conditional() -> None:
    """An attribute name may repeat only with conditions, so each definition can be told apart."""
    for _, t in all_tables():
        by_name: dict[str, list[Attr | Table]] = {}
        for item in t.items:
            by_name.setdefault(item.name, []).append(item)
        for name, items in by_name.items():
            if len(items) > 1:
                assert all(i.when for i in items), f"{t.dotted}.{name}"
                assert all(isinstance(i, Attr) for i in items), f"{t.dotted}.{name}"


# ------------------------------------------------------------------------------------------ references
def test_refs_name_existing_tables() -> None:
    for top, t, a in all_attrs():
        if a.kind == "ref":
            assert a.ref in SCHEMA.by_dotted, f"{t.dotted}.{a.name} -> {a.ref}"


def test_refs_point_backwards() -> None:
    """Device-wide show order is a dependency order: a table only references earlier tables."""
    position = {t.dotted: i for i, t in enumerate(SCHEMA.tables)}
    for top, t, a in all_attrs():
        if a.kind == "ref" and a.ref != top.dotted:
            assert position[a.ref or ""] < position[top.dotted], f"{t.dotted}.{a.name} -> {a.ref}"


# ------------------------------------------------------------------------------------------ defaults
def test_defaults_parse() -> None:
    for top, t, a in all_attrs():
        assert value_ok(a, a.default), f"{t.dotted}.{a.name} default {a.default!r}"
        if a.multi:
            assert a.default == " ".join(a.default.split()), f"{t.dotted}.{a.name}"


def test_required_attrs_have_no_default() -> None:
    for top, t, a in all_attrs():
        if a.required:
            assert a.default == "", f"{t.dotted}.{a.name}"


def test_ref_defaults_exist_in_factory() -> None:
    """A reference default names a factory object (or one of the reference's extra literals)."""
    for top, t, a in all_attrs():
        if a.kind == "ref" and a.default:
            for word in a.default.split():
                assert word in a.ref_extra or factory_lookup(a.ref or "", word) is not None, f"{t.dotted}.{a.name}"


# ------------------------------------------------------------------------------------------ conditions
def _check_when(table: Table, when: Mapping[str, tuple[str, ...]], where: str) -> None:
    for key, allowed in when.items():
        assert isinstance(allowed, tuple) and allowed, where
        first, _, rest = key.partition(".")
        cands = [a for a in table.attrs if a.name == first]
        assert cands, f"{where}: condition on unknown attribute {first!r}"
        if rest:
            assert all(a.kind == "ref" for a in cands), where
            target = SCHEMA.by_dotted[cands[0].ref or ""]
            cands = [a for a in target.attrs if a.name == rest]
            assert cands, f"{where}: condition on unknown attribute {key!r}"
        for a in cands:
            if a.kind == "option" and not a.multi:
                bad = [v for v in allowed if v and v not in a.option_names]
                assert not bad, f"{where}: {key} can never be {bad}"


def test_when_keys_name_attributes() -> None:
    for top, t in all_tables():
        for item in t.items:
            _check_when(t, item.when, f"{t.dotted}.{item.name}")


def test_nested_when_names_parent_attrs() -> None:
    for top, parent in all_tables():
        for child in parent.children:
            for key in child.when:
                assert any(a.name == key for a in parent.attrs), f"{child.dotted}: {key}"


# ------------------------------------------------------------------------------------------ factory
def _check_factory(f: FactoryEntry, parent: Table | None) -> None:
    t = table_for_path(f.path)
    assert t is not None, f.path
    if parent is None:
        assert t in SCHEMA.tables, f.path
    else:
        assert t in parent.children, f.path
    if t.kind == "single":
        assert f.key is None, f.path
    else:
        assert f.key, f.path
        if t.key == "integer":
            assert f.key.isdigit(), (f.path, f.key)
    live = {i.name for i in EVAL.in_force(t, f.values)}
    for name, value in f.values.items():
        attr = EVAL.attr(t, f.values, name)
        assert attr is not None and name in live, f"{f.path} {f.key}: {name} not in force"
        assert value_ok(attr, value), f"{f.path} {f.key}: {name}={value!r}"
        assert value != default_value(attr), f"{f.path} {f.key}: {name} repeats its default"
    for item in EVAL.in_force(t, f.values):
        if isinstance(item, Attr) and item.required:
            assert item.name in f.values, f"{f.path} {f.key}: required {item.name} missing"
    for name, kids in f.children.items():
        child = t.child(name)
        assert child is not None, f"{f.path}: no child {name}"
        for k in kids:
            _check_factory(k, t)


def test_factory_entries_valid() -> None:
    for f in SCHEMA.factory:
        _check_factory(f, None)


def test_factory_keys_unique() -> None:
    keys = [(f.path, f.key) for f in SCHEMA.factory]
    assert len(keys) == len(set(keys))


def test_factory_contents() -> None:
    keys = {(f.path, f.key): f for f in SCHEMA.factory}
    for name in ("LB_PROF_TCP", "LB_PROF_HTTP", "LB_PROF_HTTPS", "LB_PROF_L7_TCP", "LB_PROF_IP", "LB_PROF_DNS"):
        assert (("load-balance", "profile"), name) in keys
    assert keys[(("load-balance", "profile"), "LB_PROF_HTTP_SERVERCLOSE")].values["http-mode"] == "ServerClose"
    assert keys[(("load-balance", "real-server-ssl-profile"), "LB_RS_SSL_PROF_NONE")].values.get("ssl", "disable") == "disable"
    assert keys[(("load-balance", "real-server-ssl-profile"), "LB_RS_SSL_PROF_HIGH")].values["ssl"] == "enable"
    assert (("load-balance", "method"), "LB_METHOD_ROUND_ROBIN") in keys
    assert (("system", "health-check"), "LB_HLTHCK_ICMP") in keys
    port1 = keys[(("system", "interface"), "port1")]
    assert not port1.reserved and port1.delete_code == -67
    assert port1.values["ip"] == "192.168.1.99/24"
    ports = [f.key for f in SCHEMA.factory if f.path == ("system", "interface")]
    assert ports == [f"port{n}" for n in range(1, 11)]
    admin = keys[(("system", "admin"), "admin")]
    assert not admin.reserved and admin.delete_code == -42
    group = keys[(("system", "certificate", "local_cert_group"), "LOCAL_CERT_GROUP")]
    (member,) = group.children["group_member"]
    assert member.values == {"local-cert": "Factory", "default": "enable"}
    assert keys[(("system", "traffic-group"), "default")].reserved
    assert keys[(("system", "certificate", "local"), "Factory")].reserved


def test_factory_ref_values_exist() -> None:
    for f in SCHEMA.factory:
        t = table_for_path(f.path)
        assert t is not None
        for name, value in f.values.items():
            a = EVAL.attr(t, f.values, name)
            if a is not None and a.kind == "ref":
                for w in (value if isinstance(value, tuple) else (value,)):
                    assert w in a.ref_extra or factory_lookup(a.ref or "", w) is not None, (f.key, name, w)


# ------------------------------------------------------------------------------------------ specific facts
def attr_of(path: tuple[str, ...], name: str) -> Attr:
    t = table_for_path(path)
    assert t is not None
    hits = [a for a in t.attrs if a.name == name]
    assert hits, (path, name)
    return hits[0]


def test_always_show_fields() -> None:
    assert attr_of(("load-balance", "pool"), "real-server-ssl-profile").always_show
    assert attr_of(("load-balance", "pool"), "real-server-ssl-profile").default == "NONE"
    assert attr_of(("load-balance", "virtual-server"), "traffic-group").always_show
    assert attr_of(("system", "interface"), "vdom").always_show
    assert attr_of(("load-balance", "content-routing"), "persistence-inherit").always_show
    assert attr_of(("load-balance", "content-routing"), "method-inherit").always_show


def test_key_defaults() -> None:
    vs = ("load-balance", "virtual-server")
    assert attr_of(vs, "connection-limit").default == "0"
    assert attr_of(vs, "warm-rate").default == "100"
    assert attr_of(vs, "port").kind == "portlist" and attr_of(vs, "port").default == "80"
    assert attr_of(vs, "load-balance-profile").required and attr_of(vs, "load-balance-pool").required
    assert attr_of(vs, "client-ssl-profile").when == {"load-balance-profile.type": ("https", "tcps")}
    assert attr_of(vs, "protocol-numbers").multi and attr_of(vs, "protocol-numbers").kind == "integer"
    hc = ("system", "health-check")
    assert [attr_of(hc, n).default for n in ("interval", "timeout", "retry", "up-retry")] == ["5", "3", "3", "1"]
    assert attr_of(("load-balance", "pool", "pool_member"), "real-server").required
    assert attr_of(("system", "dns"), "primary").default == "8.8.8.8"
    assert attr_of(("system", "dns"), "secondary").default == "0.0.0.0"


def test_fresh_vs_get_lists_transcript_fields() -> None:
    vs = SCHEMA.by_dotted["load-balance.virtual-server"]
    names = EVAL.names(vs, {})
    for n in ("status", "type", "multi-process", "packet-forwarding-method", "interface", "addr-type", "ip", "port",
              "connection-limit", "load-balance-profile", "content-routing", "load-balance-persistence",
              "load-balance-method", "load-balance-pool", "traffic-log", "warm-up", "warm-rate",
              "connection-rate-limit", "clone-pool", "clone-traffic-type"):
        assert n in names, n
    assert "client-ssl-profile" not in names and "ip6" not in names


def test_vs_conditions_follow_types() -> None:
    vs = SCHEMA.by_dotted["load-balance.virtual-server"]
    assert "packet-forwarding-method" not in EVAL.names(vs, {"type": "l7-load-balance"})
    assert "ip6" in EVAL.names(vs, {"addr-type": "ipv6"}) and "ip" not in EVAL.names(vs, {"addr-type": "ipv6"})
    assert "client-ssl-profile" in EVAL.names(vs, {"type": "l7-load-balance", "load-balance-profile": "LB_PROF_HTTPS"})
    assert "client-ssl-profile" not in EVAL.names(vs, {"type": "l7-load-balance", "load-balance-profile": "LB_PROF_HTTP"})
    azure = {"type": "l7-load-balance", "use-azure-lb-backend-ip": "enable"}
    assert "azure-lb-backend" in EVAL.names(vs, azure) and "ip" not in EVAL.names(vs, azure)
    assert "protocol-numbers" in EVAL.names(vs, {"type": "l2-load-balance"})


# ------------------------------------------------------------------------------------------ transcripts
def _subsequence(expected: list[str], actual: list[str]) -> bool:
    it = iter(actual)
    return all(any(a == e for a in it) for e in expected)


TRANSCRIPT_ORDERS: list[tuple[tuple[str, ...], dict[str, Value], str]] = [
    (("load-balance", "virtual-server"), {},
     "status type multi-process packet-forwarding-method interface addr-type ip port connection-limit "
     "load-balance-profile content-routing load-balance-persistence load-balance-method load-balance-pool "
     "traffic-log warm-up warm-rate connection-rate-limit clone-pool clone-traffic-type"),
    (("load-balance", "pool"), {"health-check-ctrl": "enable"},
     "addr-type health-check-ctrl health-check-list health-check-relation"),
    (("load-balance", "pool", "pool_member"), {},
     "health-check-inherit status ssl backup pool_member_service_port pool_member_weight connection-limit recover "
     "warm-up warm-rate connection-rate-limit pool_member_cookie"),
    (("load-balance", "content-routing"), {"persistence-inherit": "disable", "method-inherit": "disable"},
     "type persistence-inherit load-balance-persistence method-inherit load-balance-method connection-pool "
     "connection-pool-inherit load-balance-pool match-condition comments"),
    (("load-balance", "content-routing", "match-condition"), {}, "object type content reverse"),
    (("system", "health-check"), {"type": "http", "http-connect": "remote_connect"},
     "type interval timeout retry up-retry port dest-addr-type dest-addr method-type send-string status-code "
     "http-connect remote-host remote-port"),
    (("load-balance", "real-server-ssl-profile"), {"ssl": "enable"},
     "ssl local-cert server-cert-verify ssl-sni-forward ssl-session-reuse ssl-customize-ciphers-flag ssl-ciphers "
     "allow-ssl-versions"),
    (("load-balance", "profile"), {"type": "https"},
     "type tune-bufsize tune-maxrewrite client-timeout server-timeout connect-timeout queue-timeout "
     "http-request-timeout http-keepalive-timeout buffer-pool client-address http-x-forwarded-for http-mode "
     "compression caching ip-reputation geoip-list allowlist geoip-redirect"),
    # real 7.x config key order (PS-PARSER in the reference), where it does not contradict a CLI744 transcript
    (("load-balance", "virtual-server"),
     {"type": "l7-load-balance", "load-balance-profile": "LB_PROF_HTTPS", "http2https": "enable",
      "load-balance-persistence": "LB_PERSIS_SRC_ADDR"},
     "status type multi-process interface addr-type ip port connection-limit load-balance-profile dos-profile "
     "client-ssl-profile content-rewriting schedule-list content-routing load-balance-persistence load-balance-method "
     "connection-pool load-balance-pool traffic-log alone warm-up warm-rate error-page error-msg trans-rate-limit "
     "waf-profile auth-policy scripting-flag pagespeed comments ssl-mirror traffic-group fortiview http2https-port "
     "max-persistence-entries av-profile clone-pool clone-traffic-type wccp one-click-gslb-server-option "
     "stream-scripting-flag ips-profile"),
    (("load-balance", "pool", "pool_member"), {},
     "health-check-inherit status real-server-ssl-profile-inherit backup pool_member_service_port pool_member_weight "
     "connection-limit recover warm-up warm-rate connection-rate-limit pool_member_cookie real-server mysql-read-only "
     "mysql-group-id proxy-protocol mssql-read-only modify-host"),
    (("system", "certificate", "local"), {}, "password comments private-key-file certificate-file csr-file"),
    (("load-balance", "persistence"), {"type": "source-address"},
     "type timeout ipv4-maskbits ipv6-maskbits match-across-servers persistent-ippool"),
    (("load-balance", "profile"), {"type": "dns"},
     "type malform-query-action redirect-to-tcp-port caching max-query-length max-cache-age max-cache-entry-size "
     "max-cache-size"),
]


@pytest.mark.parametrize("path,values,order", TRANSCRIPT_ORDERS)
def test_transcript_order(path: tuple[str, ...], values: dict[str, Value], order: str) -> None:
    t = table_for_path(path)
    assert t is not None
    names = EVAL.names(t, values)
    expected = order.split()
    assert all(n in names for n in expected), [n for n in expected if n not in names]
    assert _subsequence(expected, names), names


def test_sip_profile_get_is_exact() -> None:
    t = SCHEMA.by_dotted["load-balance.profile"]
    attrs = [i.name for i in EVAL.in_force(t, {"type": "sip"}) if isinstance(i, Attr)]
    assert attrs == ("type max-size server-keepalive-timeout server-keepalive client-keepalive client-protocol "
                     "server-protocol sip-insert-client-ip failed-client failed-server").split()
    kids = [i.name for i in EVAL.in_force(t, {"type": "sip"}) if isinstance(i, Table)]
    assert kids == ["client-request-header-erase", "client-request-header-insert", "client-response-header-erase",
                    "client-response-header-insert", "server-request-header-erase", "server-request-header-insert",
                    "server-response-header-erase", "server-response-header-insert"]


# ------------------------------------------------------------------------------------------ example scripts
def _words(line: str) -> list[str]:
    out, cur, quote, esc, has = [], "", "", False, False
    for ch in line:
        if esc:
            cur, esc = cur + ch, False
        elif ch == "\\":
            esc = True
        elif quote:
            if ch == quote:
                quote = ""
            else:
                cur += ch
        elif ch in "'\"":
            quote, has = ch, True
        elif ch.isspace():
            if cur or has:
                out.append(cur)
            cur, has = "", False
        else:
            cur += ch
    if cur or has:
        out.append(cur)
    return out


def _script_entries(text: str) -> list[tuple[Table, dict[str, Value], list[str]]]:
    """Replay ``config``/``edit``/``set`` lines of a script: (table, values, attribute order typed)."""
    out: list[tuple[Table, dict[str, Value], list[str]]] = []
    stack: list[tuple[Table, dict[str, Value] | None, list[str]]] = []
    made: dict[tuple[str, str], dict[str, Value]] = {}  # objects the script created, for dotted conditions

    def lookup(dotted: str, key: str) -> Values | None:
        return made.get((dotted, key)) or factory_lookup(dotted, key)

    ev = Evaluator(lookup)
    for raw in text.splitlines():
        line = raw.split("#", 1)[0] if raw.lstrip().startswith("#") else raw
        w = _words(line)
        if not w:
            continue
        if w[0] == "config":
            if stack and stack[-1][1] is not None:
                parent = stack[-1][0]
                child = parent.child(w[1])
                assert child is not None, f"{parent.dotted} has no nested table {w[1]}"
                stack.append((child, None, []))
            else:
                t = SCHEMA.table(tuple(w[1:]))
                assert t is not None, f"unknown table {' '.join(w[1:])}"
                stack.append((t, {} if t.kind == "single" else None, []))
        elif w[0] == "edit":
            t = stack[-1][0]
            if t.key == "integer":
                assert w[1].isdigit(), (t.dotted, w[1])
            values: dict[str, Value] = made.setdefault((t.dotted, w[1]), {}) if t in SCHEMA.tables else {}
            order: list[str] = []
            stack[-1] = (t, values, order)
            out.append((t, values, order))
        elif w[0] == "set":
            t, values, order = stack[-1]
            assert values is not None
            name, args = w[1], w[2:]
            defs = [a for a in t.attrs if a.name == name]
            assert defs, f"{t.dotted} has no attribute {name}"
            attr = ev.attr(t, values, name)
            assert attr is not None, f"{t.dotted}.{name} is not in force for {values}"
            value: Value = tuple(args) if attr.multi else " ".join(args)
            assert value_ok(attr, value) or (attr.kind == "password" and len(args) == 1), f"{t.dotted}.{name} {args}"
            values[name] = value
            order.append(name)
        elif w[0] == "next":
            t, _, _ = stack[-1]
            stack[-1] = (t, None, [])
        elif w[0] == "end":
            stack.pop()
    return out


EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("*.cli"))


def test_the_example_fixtures_are_there() -> None:
    assert len(EXAMPLE_FILES) == 3


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_example_scripts_use_known_attributes(name: str) -> None:
    entries = _script_entries((EXAMPLES / name).read_text())
    assert entries


def test_show_outputs_follow_schema_order() -> None:
    """Real ``show`` output (Azure README, CLI744 content-routing) prints fields in schema order."""
    azure = '''config load-balance virtual-server
  edit "l7-vs"
    set type l7-load-balance
    set use-azure-lb-backend-ip enable
    set azure-lb-backend FADHaLBBackendAddrPool
    set interface port1
    set port 8080
    set load-balance-profile LB_PROF_HTTP
    set load-balance-method LB_METHOD_ROUND_ROBIN
    set load-balance-pool pool
    set traffic-group default
  next
end
config load-balance content-routing
  edit "example.com"
    set persistence-inherit enable
    set method-inherit enable
    set load-balance-pool example-pool
    config match-condition
      edit 1
        set object http-request-url
        set type string
        set content http://example.com
      next
    end
    set comments external-to-internal-name-map
  next
end
'''
    for t, values, order in _script_entries(azure):
        if t.path == ("load-balance", "content-routing", "match-condition"):
            continue  # typed order in the transcript, not show order
        names = EVAL.names(t, values)
        assert _subsequence(order, names), (t.dotted, order, names)
    cr = SCHEMA.by_dotted["load-balance.content-routing"]
    names = EVAL.names(cr, {})
    assert names.index("match-condition") < names.index("comments")
