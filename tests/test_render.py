"""``adc.engine.render``: the text of ``get`` and ``show``, and that ``show`` output replays."""
from __future__ import annotations

import pytest

from adc.config.factory import factory_tree
from adc.config.tree import ConfigTree, Entry, TableData, Value
from adc.config.view import View
from adc.engine import render
from adc.engine.script import run_lines
from adc.engine.session import Session
from adc.schema import SCHEMA
from adc.schema.model import Attr, Table

from .engine_helpers import BASE, new_session, ok, vs

VS = SCHEMA.find("load-balance.virtual-server")
POOL = SCHEMA.find("load-balance.pool")
MEMBER = SCHEMA.find("load-balance.pool.pool_member")
DNS = SCHEMA.find("system.dns")
ADMIN = SCHEMA.find("system.admin")
CSSL = SCHEMA.find("load-balance.client-ssl-profile")
IFACE = SCHEMA.find("system.interface")


@pytest.fixture
def s() -> Session:
    return new_session()


def view(entries: dict[tuple[str, str], Entry] | None = None) -> View:
    table = entries or {}
    return View(SCHEMA, lambda dotted, key: table.get((dotted, key)))


def attr(table: Table, name: str) -> Attr:
    return next(a for a in table.attrs if a.name == name)


def data(*entries: Entry) -> TableData:
    t = TableData()
    for e in entries:
        t.put(e)
    return t


def pool_entry(**values: Value) -> Entry:
    members = data(Entry("1", {"real-server": "rs1"}), Entry("2", {"real-server": "rs2", "pool_member_weight": "3"}))
    return Entry("web_pool", dict(values), {"pool_member": members})


# ------------------------------------------------------------------------------------------ get
def test_get_entry_single_object() -> None:
    assert render.get_entry(view(), DNS, Entry(None, {"primary": "1.1.1.1"})) == [
        "primary             : 1.1.1.1",
        "secondary           : 0.0.0.0",
    ]


def test_get_entry_nested_entries_and_long_names() -> None:
    assert render.get_entry(view(), POOL, pool_entry()) == [
        "addr-type           : ipv4",
        "health-check-ctrl   : disable",
        "type                : static",
        "real-server-ssl-profile: NONE",
        "== [ 1 ]",
        "== [ 2 ]",
    ]
    assert render.get_entry(view(), POOL, Entry("empty")) == [
        "addr-type           : ipv4",
        "health-check-ctrl   : disable",
        "type                : static",
        "real-server-ssl-profile: NONE",
    ]


def test_get_entry_multi_values_empty_values_and_passwords() -> None:
    checks: dict[str, Value] = {"health-check-ctrl": "enable", "health-check-list": ("LB_HLTHCK_ICMP", "LB_HLTHCK_HTTP")}
    pool = pool_entry(**checks)
    lines = render.get_entry(view(), POOL, pool)
    assert lines[1:4] == [
        "health-check-ctrl   : enable",
        "health-check-list   : LB_HLTHCK_ICMP LB_HLTHCK_HTTP ",
        "health-check-relation: AND",
    ]
    admin = render.get_entry(view(), ADMIN, Entry("x y", {"password": "p w"}))
    assert "password            : *" in admin  # get never prints a secret (CLI744 p. 413)
    assert "theme               :" in admin  # an empty value: no space after the colon
    assert render.get_entry(view(), ADMIN, Entry("a"))[1] == "password            :"


def test_get_entry_follows_conditions() -> None:
    l2 = render.get_entry(view(), VS, Entry("v", {"type": "l2-load-balance"}))
    assert "protocol-numbers    : 0 " in l2  # a multi-valued default, with its trailing space
    assert not any(line.startswith(("ip ", "packet-forwarding-method")) for line in l2)
    l4 = render.get_entry(view(), VS, Entry("v"))
    assert "packet-forwarding-method: NAT" in l4
    assert "ip                  : 0.0.0.0" in l4


def test_get_table() -> None:
    assert render.get_table(data(Entry("b"), Entry("a"), Entry("LB_X", reserved=True))) == [
        "== [ b ]", "== [ a ]", "== [ LB_X ]"]
    assert render.get_table(TableData()) == []


# ------------------------------------------------------------------------------------------ lines
def test_key_text_quotes_names_not_numbers() -> None:
    assert render.key_text(VS, "vs1") == '"vs1"'
    assert render.key_text(VS, "x y") == '"x y"'
    assert render.key_text(VS, 'a"b\\c') == '"a\\"b\\\\c"'
    assert render.key_text(MEMBER, "12") == "12"


def test_set_line_quoting() -> None:
    assert render.set_line(attr(VS, "comments"), "two words") == 'set comments "two words"'
    assert render.set_line(attr(VS, "comments"), "what?") == 'set comments "what?"'
    assert render.set_line(attr(VS, "comments"), "a\\b") == 'set comments "a\\\\b"'
    assert render.set_line(attr(VS, "comments"), "plain") == "set comments plain"
    assert render.set_line(attr(VS, "error-msg"), "") == 'set error-msg ""'
    # raw kinds print as they are: port lists, ENC passwords
    assert render.set_line(attr(VS, "port"), "80 8000-8080") == "set port 80 8000-8080"
    assert render.set_line(attr(ADMIN, "password"), "SH2cCB3") == "set password ENC SH2cCB3"
    # multi values: each word quoted as needed, a trailing space
    allow = attr(IFACE, "allowaccess")
    assert render.set_line(allow, ("ssh", "ping")) == "set allowaccess ssh ping "
    assert render.set_line(attr(VS, "scripting-list"), ("a b", "c")) == 'set scripting-list "a b" c '


# ------------------------------------------------------------------------------------------ show
def test_show_block_table_single_and_one_entry() -> None:
    v = view()
    reserved = Entry("LB_PROF_X", {"type": "http"}, reserved=True)
    table = data(reserved, Entry("vs 1", {"type": "l7-load-balance", "ip": "10.0.0.1"}), Entry("vs2"))
    assert render.show_block(v, VS, table, False) == [
        "config load-balance virtual-server",
        '  edit "vs 1"',
        "    set type l7-load-balance",
        "    set ip 10.0.0.1",
        "    set traffic-group default",
        "  next",
        '  edit "vs2"',
        "    set traffic-group default",
        "  next",
        "end",
    ]
    assert render.show_block(v, DNS, Entry(None, {"secondary": "9.9.9.9"}), False) == [
        "config system dns", "  set secondary 9.9.9.9", "end"]
    assert render.show_block(v, DNS, Entry(None), False) == ["config system dns", "end"]
    assert render.show_block(v, VS, Entry("vs2", {"port": "8080"}), False) == [
        "config load-balance virtual-server", '  edit "vs2"', "    set port 8080", "    set traffic-group default",
        "  next", "end"]
    assert render.show_block(v, MEMBER, data(Entry("3", {"real-server": "rs1"})), False, "config pool_member") == [
        "config pool_member", "  edit 3", "    set real-server rs1", "  next", "end"]
    assert render.show_block(v, VS, TableData(), False) == ["config load-balance virtual-server", "end"]


def test_show_nested_tables() -> None:
    assert render.show_block(view(), POOL, data(pool_entry()), False) == [
        "config load-balance pool",
        '  edit "web_pool"',
        "    set real-server-ssl-profile NONE",
        "    config  pool_member",
        "      edit 1",
        "        set real-server rs1",
        "      next",
        "      edit 2",
        "        set pool_member_weight 3",
        "        set real-server rs2",
        "      next",
        "    end",
        "  next",
        "end",
    ]


def test_emptied_attribute_with_a_default_says_so() -> None:
    v = view()
    lines = render.show_fields(v, VS, Entry("v", {"type": "l7-load-balance", "error-msg": ""}), "", False)
    assert lines == ["set type l7-load-balance", 'set error-msg ""', "set traffic-group default"]
    # an empty multi value whose default is not empty
    lines = render.show_fields(v, CSSL, Entry("c", {"ssl-allowed-versions": ()}), "", False)
    assert lines == ['set ssl-allowed-versions ""']
    # an attribute whose default is empty is simply left out when empty
    assert render.show_fields(v, VS, Entry("v", {"comments": ""}), "", False) == ["set traffic-group default"]


def test_show_full_prints_defaults_and_unset_lines() -> None:
    v = view()
    assert render.show_fields(v, DNS, Entry(None, {"primary": "1.1.1.1"}), "  ", True) == [
        "  set primary 1.1.1.1", "  set secondary 0.0.0.0"]
    admin = render.show_fields(v, ADMIN, Entry("a"), "", True)
    assert admin == [
        "set is-system-admin no", "unset password", "set trusted-hosts 0.0.0.0/0", "set trusted-hosts6 ::/0",
        "set access-profile super_admin_prof", "set auth-strategy local", "set vdom root", "unset theme"]
    pool = render.show_block(view(), POOL, Entry("p", {"health-check-ctrl": "enable",
                                                       "health-check-list": ("LB_HLTHCK_ICMP",)}), True)
    assert pool[:10] == [
        "config load-balance pool",
        '  edit "p"',
        "    set addr-type ipv4",
        "    set health-check-ctrl enable",
        "    set health-check-list LB_HLTHCK_ICMP ",
        "    set health-check-relation AND",
        "    set type static",
        "    set real-server-ssl-profile NONE",
        "    config  pool_member",
        "    end",
    ]


def test_show_tree_covers_every_table_in_schema_order() -> None:
    expected = [f"config {' '.join(t.path)}" for t in SCHEMA.tables]
    empty = render.show_tree(view(), SCHEMA, ConfigTree())
    assert [line for line in empty if not line.startswith(" ")] == [line for h in expected for line in (h, "end")]
    # a single object prints its nested tables, empty: `config  mgmt-trust-ip-list` / `end` in system ha
    assert all(line.startswith("  config  ") or line == "  end" for line in empty if line.startswith(" "))
    lines = render.show_tree(view(), SCHEMA, factory_tree(SCHEMA))
    assert [line for line in lines if line.startswith("config ")] == expected
    # reserved factory objects are left out, ordinary factory config (the interfaces) is printed
    text = "\n".join(lines)
    assert "LB_" not in text and "Factory" not in text and "LOCAL_CERT_GROUP" not in text
    assert '  edit "port1"' in lines and '  edit "port10"' in lines
    assert '  edit "admin"' in lines


# ------------------------------------------------------------------------------------------ replay
RICH = BASE + vs(extra='set error-msg ""\nset comments "what? a\\\\b"\nset port 80 8000-8010') + """
config system admin
edit "x y"
set password "p w+/"
end
config system global
set hostname ADC-7
end
config system dns
set primary 1.1.1.1
end
config system health-check
edit hc1
set type http
set send-string "/health check"
set dest-addr-type ipv6
set dest-addr 2001:db8::9
end
config load-balance profile
edit "my prof"
set type http
set http-x-forwarded-for enable
config client-request-header-insert
edit 1
set string "X-A: 1"
next
end
end
config load-balance content-routing
edit cr1
set load-balance-pool web_pool
config match-condition
edit 1
set content example.com
next
edit 2
set object http-request-url
set content /api
next
end
end
config system interface
edit port2
set ip 10.2.0.1/16
set allowaccess ssh ping
end
"""


@pytest.mark.parametrize("full", [False, True])
def test_show_replays_to_the_same_tree(s: Session, full: bool) -> None:
    ok(s, RICH)
    shown = s.show_all(full)
    assert 'set comments "what? a\\\\b"' in "\n".join(shown)
    assert [l for l in shown if "set password ENC SH2" in l] and not [l for l in shown if "p w" in l]
    fresh = new_session()
    failed = [(r.lineno, r.line, r.reply.error) for r in run_lines(fresh, shown) if r.reply.failed]
    assert failed == []
    assert fresh.depth == 0
    assert fresh.store.tree == s.store.tree
    assert fresh.show_all(full) == shown
    vs1 = fresh.store.tree.table(VS.path).get("vs1")
    assert vs1 is not None and vs1.values["error-msg"] == "" and vs1.values["port"] == "80 8000-8010"


# ------------------------------------------------------------------------------------------ through a session
def test_get_formats(s: Session) -> None:
    ok(s, "config load-balance virtual-server\nedit lb-vs1")
    lines = ok(s, "get").splitlines()
    assert lines[0] == "status              : enable"
    assert lines[1] == "type                : l4-load-balance"
    assert "packet-forwarding-method: NAT" in lines
    assert "load-balance-profile:" in lines
    assert "interface           :" in lines
    assert "load-balance-method :" in lines


def test_show_prints_non_defaults_in_schema_order(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs(extra="set comments \"two words\""))
    assert ok(s, "show load-balance virtual-server") == (
        "config load-balance virtual-server\n"
        '  edit "vs1"\n'
        "    set type l7-load-balance\n"
        "    set ip 10.9.9.9\n"
        "    set load-balance-profile LB_PROF_HTTP\n"
        "    set load-balance-method LB_METHOD_ROUND_ROBIN\n"
        "    set load-balance-pool web_pool\n"
        '    set comments "two words"\n'
        "    set traffic-group default\n"
        "  next\n"
        "end\n"
    )
    pool = ok(s, "show load-balance pool web_pool")
    assert "    config  pool_member\n      edit 1\n        set real-server rs1\n      next\n" in pool
    assert "    set real-server-ssl-profile NONE\n" in pool


def test_show_multi_values_have_a_trailing_space(s: Session) -> None:
    ok(s, "config load-balance pool\nedit p\nset health-check-ctrl enable\nset health-check-list LB_HLTHCK_ICMP LB_HLTHCK_HTTP\nend")
    assert "    set health-check-list LB_HLTHCK_ICMP LB_HLTHCK_HTTP \n" in ok(s, "show load-balance pool")


def test_show_full_and_context_show(s: Session) -> None:
    ok(s, "config system dns\nset primary 1.1.1.1")
    assert ok(s, "show") == "config system dns\n  set primary 1.1.1.1\nend\n"
    assert ok(s, "show full") == "config system dns\n  set primary 1.1.1.1\n  set secondary 0.0.0.0\nend\n"
    ok(s, "end")


def test_show_omits_predefined_entries(s: Session) -> None:
    out = ok(s, "show")
    assert "LB_PROF_HTTP" not in out and "LB_METHOD_" not in out
    assert out.startswith("config system global\n")
    assert 'edit "port1"' in out
