"""The CLI Reference extraction (issue 9, stage 1): ``tools/extract_cli_reference.py`` and its output.

The expectations below were written by reading the excerpts in ``fixtures/reference-excerpts/`` (verbatim
pages of CLI744, footers included), so these tests run from a clean clone. Only the comparison of the
committed ``adc/schema/reference/tables.json`` with a fresh run needs the full reference, and is skipped
without it.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest

from adc.schema.reference import Reference, load, parse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "reference-excerpts"
COMMITTED = ROOT / "adc" / "schema" / "reference" / "tables.json"
FULL = [p / "reference" / "fortiadc-7.4.4" / "cli-reference.txt" for p in (Path("/work/shared"), ROOT.parent / "shared")]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_cli_reference", ROOT / "tools" / "extract_cli_reference.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


X = _tool()


def extract(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = X.extract((FIXTURES / name).read_text(encoding="utf-8"))
    return doc


def walk(tables: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for t in tables:
        yield t
        yield from walk(t["tables"])


def table(doc: dict[str, Any], path: str) -> dict[str, Any]:
    hits = [t for t in walk(doc["tables"]) if t["path"] == path.split()]
    assert len(hits) == 1, path
    return hits[0]


def shape(t: dict[str, Any]) -> tuple[Any, ...]:
    return (t["path"], t["page"], t["kind"], t["key"], t["key_raw"], t.get("parent"))


def rows(t: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(name, type, options, multi, default, range, condition) of each attribute, in syntax order."""
    return [(a["name"], a["type"], tuple(a["options"]), a["multi"], a["default"],
             tuple(a["range"]) if a["range"] else None, a.get("when", {})) for a in t["attrs"]]


def attr(t: dict[str, Any], name: str) -> dict[str, Any]:
    hits = [a for a in t["attrs"] if a["name"] == name]
    assert len(hits) == 1, name
    return hits[0]


def problems(doc: dict[str, Any]) -> list[tuple[int, str, str]]:
    """What the tool could not read, but the references it could not resolve (an excerpt holds only
    the tables it shows, so most of its references name tables it has not seen)."""
    return [(p["page"], p["kind"], p["detail"]) for p in doc["problems"] if p["kind"] != "reference not resolved"]


def unresolved(doc: dict[str, Any]) -> list[str]:
    return [p["detail"].split(":")[0] for p in doc["problems"] if p["kind"] == "reference not resolved"]


ED = ("enable", "disable")


# ------------------------------------------------------------------------------------ page furniture
def test_page_furniture_is_stripped_and_pages_come_from_the_footers() -> None:
    text = (FIXTURES / "firewall-connlimit.txt").read_text(encoding="utf-8")
    lines = X.clean_lines(text)
    assert "FortiADC 7.4.4 CLI Reference" in text and "Fortinet Inc." in text and "\f" in text
    assert not any("CLI Reference" in ln.text or "Fortinet Inc." in ln.text or "\f" in ln.text for ln in lines)
    assert not any(ln.text.strip() == "config firewall" for ln in lines)  # the running chapter title
    page: dict[str, int] = {}
    for ln in lines:
        page.setdefault(ln.text.strip(), ln.page)
    assert page["config firewall connlimit"] == 49
    assert page["Syntax"] == 50
    assert page["FortiADC-VM (dest-rule) # end"] == 51  # after the last footer: the next page


# ----------------------------------------------------------------------------------- firewall connlimit
def test_firewall_connlimit_is_a_single_object_holding_the_rule_table() -> None:
    doc = extract("firewall-connlimit.txt")
    top, rule = table(doc, "firewall connlimit"), table(doc, "firewall connlimit rule")
    assert [t["path"] for t in doc["tables"]] == [["firewall", "connlimit"]]
    assert shape(top) == (["firewall", "connlimit"], 50, "single", None, None, None)
    assert top["help"] == "Use this command to create connection limit security rules for IPv4 addresses."
    assert top["attrs"] == [] and top["order"] == ["table:rule"]
    assert shape(rule) == (["firewall", "connlimit", "rule"], 50, "table", "name", "<name>", ["firewall", "connlimit"])
    assert rows(rule) == [
        ("connection-limit", "integer", (), False, "1048576", None, {}),
        ("destination-address", "datasource", (), False, None, None, {}),
        ("in-interface", "datasource", (), False, None, None, {}),
        ("out-interface", "datasource", (), False, None, None, {}),
        ("service", "datasource", (), False, None, None, {}),
        ("source-address", "datasource", (), False, None, None, {}),
        ("type", "option", ("host", "rule"), False, None, None, {}),
        ("side", "option", ("both", "destination", "source"), False, None, None, {}),
    ]
    side = attr(rule, "side")
    assert side["help"] == ("When the connection limit is per host, specify whether the connection counter gets "
                            "incremented when the host IP address appears in:")
    assert side["option_help"] == {
        "source": "Only increment the counter if the host is the source address.",
        "destination": "Only increment the counter if the host is the destination address.",
        "both": "Increment the counter if the host is the source or destination address.",
    }
    assert side["descriptions"][0]["page"] == 50
    dest = attr(rule, "destination-address")
    assert dest["ref"] is None and dest["ref_text"] == "Destination address object to use to form the matching tuple."
    assert rule["get_example"] == {"page": 50, "values": {
        "in-interface": "", "out-interface": "", "source-address": "", "destination-address": "", "service": "",
        "type": "host", "side": "both", "connection-limit": "1048576"}}
    assert problems(doc) == []
    assert unresolved(doc) == ["destination-address", "in-interface", "out-interface", "service", "source-address"]


# --------------------------------------------------------------------------------- load-balance virtual-server
def test_virtual_server_a_big_table_with_every_kind_of_slip() -> None:
    doc = extract("load-balance-virtual-server.txt")
    vs = table(doc, "load-balance virtual-server")
    assert shape(vs) == (["load-balance", "virtual-server"], 235, "table", "name", "<vs-name>", None)
    assert vs["help"] == "Use this command to configure virtual servers."
    assert rows(vs) == [
        ("type", "option", ("l2-load-balance", "l4-load-balance", "l7-load-balance"), False, None, None, {}),
        ("addr-type", "option", ("ipv4", "ipv6"), False, None, None, {}),
        ("alone", "option", ED, False, "enable", None, {}),
        ("auth-policy", "datasource", (), False, None, None, {}),
        ("clone-pool", "datasource", (), False, None, None, {}),
        ("clone-traffic-type", "option", ("both-sides", "client-side", "server-side"), False, None, None, {}),
        ("comments", "string", (), False, None, None, {}),
        ("connection-limit", "integer", (), False, "0", (1, 1048576), {}),
        ("connection-pool", "datasource", (), False, None, None, {}),
        ("connection-rate-limit", "integer", (), False, "0", (1, 86400), {}),
        ("content-rewriting", "option", ED, False, None, None, {}),
        ("content-rewriting-list", "string", (), True, None, None, {}),
        ("content-routing", "option", ED, False, None, None, {}),
        ("content-routing-list", "string", (), True, None, None, {}),
        ("error-msg", "string", (), False, None, None, {}),
        ("geoip-block-list", "datasource", (), False, None, None, {}),
        ("allowlist", "datasource", (), False, None, None, {}),
        ("interface", "datasource", (), False, None, None, {}),
        ("ip", "ipv4", (), False, None, None, {}),
        ("l2-exception-list", "datasource", (), False, None, None, {}),
        ("port", "integer", (), False, None, None, {}),
        ("load-balance-method", "datasource", (), False, None, None, {}),
        ("load-balance-persistence", "datasource", (), False, None, None, {}),
        ("load-balance-pool", "datasource", (), False, None, None, {}),
        ("load-balance-profile", "datasource", (), False, None, None, {}),
        ("client-ssl-profile", "datasource", (), False, None, None, {}),
        ("multi-process", "integer", (), False, None, (1, 15), {}),
        ("packet-forwarding-method", "option", ("FullNAT", "NAT", "NAT46", "NAT64", "direct_routing", "tunneling"),
         False, None, None, {}),
        ("ippool-list", "datasource", (), True, None, None, {}),
        ("scripting-flag", "option", ED, False, "enable", None, {}),
        ("scripting-list", "datasource", (), True, None, None, {}),
        ("status", "option", ("enable", "disable", "maintain"), False, None, None, {}),
        ("traffic-log", "option", ED, False, None, None, {}),
        ("event-log", "option", ED, False, None, None, {}),
        ("trans-rate-limit", "integer", (), False, "0", (1, 1048567), {}),
        ("waf-profile", "datasource", (), False, None, None, {}),
        ("warm-rate", "integer", (), False, "100", (1, 86400), {}),
        ("warm-up", "integer", (), False, "0", (1, 86400), {}),
        ("traffic-group", "string", (), False, None, None, {}),
        ("ssl-mirror", "option", ED, False, None, None, {}),
        ("ssl-mirror-intf", "raw", (), True, None, None, {}),
        ("pagespeed", "datasource", (), False, None, None, {}),
        ("http2https", "option", ED, False, None, None, {}),
        ("http2https-port", "raw", (), False, None, None, {}),
        ("max-persistence-entries", "integer", (), False, None, None, {}),
        ("schedule-list", "option", ED, False, None, None, {}),
        ("schedule-pool-list", "datasource", (), False, None, None, {}),
        ("dos-profile", "datasource", (), False, None, None, {}),
        ("ztna-profle", "datasource", (), False, None, None, {}),
        ("one-click-gslb-server-option", "option", ED, False, None, None, {}),
        ("error-page", "raw", (), False, None, None, {}),
        ("port range", "raw", (), True, "0", (0, 255), {}),
    ]
    # the syntax writes ``port`` twice; the first line carries prose after its placeholder
    port = attr(vs, "port")
    assert port["syntax"] == 'set port <value> port range "portA-portB" or single port number "portA"'
    assert "also written: set port <number> (p. 236)" in port["notes"]
    # literal values in the syntax: ``set scripting-flag enable`` is still an enable/disable switch
    assert attr(vs, "scripting-flag")["literal"] == "enable"
    assert attr(vs, "ippool-list")["multi_via"] == "syntax"  # <datasource> <datasource> ...
    assert attr(vs, "content-routing-list")["multi_via"] == "text"  # "You can specify multiple ..."
    assert attr(vs, "addr-type")["help"] == "IPv4 or IPv6"  # the Note on the next line is not the help
    assert attr(vs, "packet-forwarding-method")["option_help"]["NAT46"] == (
        "Replaces both the destination and source IP addresses, translating IPv4 addresses to IPv6 addresses.")
    assert attr(vs, "type")["option_help"]["l2-load-balance"].startswith("This feature is useful when the request")
    # descriptions spread over pages 236-241 (the footers in between are gone from the text)
    wr = attr(vs, "warm-rate")["descriptions"]
    assert [d["page"] for d in wr] == [240] and "Note: Not supported for SIP profiles." in wr[0]["text"]
    assert "FortiADC 7.4.4" not in json.dumps(vs)
    assert attr(vs, "ztna-profle")["notes"] == ["described as 'ztna-profile'"]
    assert vs["get_example"]["page"] == 242
    assert vs["get_example"]["values"]["connection-limit"] == "10000"
    assert vs["get_example"]["values"]["packet-forwarding-method"] == "NAT"
    assert problems(doc) == [
        (236, "text after the placeholder", 'port: port range "portA-portB" or single port number "portA"'),
        (236, "value type unknown", "http2https-port <portA-portB portC portD>"),
        (236, "value type unknown", "ssl-mirror-intf <port>"),
        (237, "default outside the range", "connection-limit: default 0, range 1-1048576"),
        (237, "default outside the range", "connection-rate-limit: default 0, range 1-86400"),
        (238, "described but not in the syntax", "error-page"),
        (238, "described but not in the syntax", "port range"),
        (238, "description names the attribute otherwise", "described 'geoip-blocklist', syntax 'geoip-block-list'"),
        (240, "default outside the range", "trans-rate-limit: default 0, range 1-1048567"),
        (241, "default outside the range", "warm-up: default 0, range 1-86400"),
        (241, "description names the attribute otherwise", "described 'ssl-miror-intf', syntax 'ssl-mirror-intf'"),
        (241, "description names the attribute otherwise", "described 'ztna-profile', syntax 'ztna-profle'"),
    ]


# ----------------------------------------------------------------------------------------- system global
def test_system_global_is_a_single_object() -> None:
    doc = extract("system-global.txt")
    g = table(doc, "system global")
    assert shape(g) == (["system", "global"], 69, "single", None, None, None)
    assert g["help"] == "Use this command to manage system settings."
    assert rows(g) == [
        ("admin-idle-timeout", "integer", (), False, "30", None, {}),
        ("advanced-bot-status", "option", ED, False, None, None, {}),
        ("config-sync", "option", ED, False, "disable", None, {}),
        ("default-certificate", "raw", (), False, "Factory", None, {}),
        ("hardware-ssl", "option", ED, False, None, None, {}),
        ("hostname", "string", (), False, None, None, {}),
        ("language", "option", ("english", "chinese-simplified"), False, None, None, {}),
        ("port-http", "integer", (), False, None, None, {}),
        ("port-https", "integer", (), False, None, None, {}),
        ("port-ssh", "integer", (), False, None, None, {}),
        ("port-telnet", "integer", (), False, None, None, {}),
        ("share-ip-address", "option", ED, False, None, None, {}),
        ("snat-match-local-traffics", "option", ED, False, None, None, {}),
        ("ipvs-fullnat-min-port", "integer", (), False, None, None, {}),
        ("ipvs-fullnat-max-port", "integer", (), False, None, None, {}),
        ("snat-min-port", "integer", (), False, None, None, {}),
        ("snat-max-port", "integer", (), False, None, None, {}),
        ("socket-min-port", "integer", (), False, None, None, {}),
        ("socket-max-port", "integer", (), False, None, None, {}),
        ("ssh-cbc-cipher", "option", ED, False, "disable", None, {}),
        ("ssh-hmac-md5", "option", ED, False, "disable", None, {}),
        ("vdom-admin", "option", ED, False, None, None, {}),
        ("vdom-mode", "option", ("independent-network", "share-network"), False, None, None, {"vdom-admin": ["enable"]}),
        ("pre-login-banner", "option", ED, False, None, None, {}),
        ("sync-slb-statistics", "option", ED, False, None, None, {}),
        ("shell-access", "option", ED, False, "disable", None, {}),
        ("shell-username", "raw", (), False, None, None, {}),
        ("shell-password", "password", (), False, None, None, {}),
        ("shell-timeout", "integer", (), False, None, (1, 1200), {}),
        ("threat-analytics", "option", ED, False, None, None, {}),
    ]
    assert attr(g, "vdom-mode")["when_via"] == "text"  # "becomes available if vdom-admin is enabled"
    assert attr(g, "admin-idle-timeout")["help"] == "Log out an idle administrator session."
    # the example's get (a box with other settings) is kept apart from the documented defaults
    assert g["get_example"]["page"] == 72
    assert g["get_example"]["values"]["admin-idle-timeout"] == "480"
    assert g["get_example"]["values"]["gui-system"] == "enable"
    assert problems(doc) == [(70, "value type unknown", "default-certificate <certname>"),
                             (70, "value type unknown", "shell-username <username>")]


# -------------------------------------------------------------------------------- load-balance pool
def test_pool_with_its_pool_member_table() -> None:
    doc = extract("load-balance-pool.txt")
    pool, member = table(doc, "load-balance pool"), table(doc, "load-balance pool pool_member")
    assert shape(pool) == (["load-balance", "pool"], 186, "table", "name", "<name>", None)
    assert pool["order"][-1] == "table:pool_member"
    assert rows(pool) == [
        ("addr-type", "option", ("ipv4", "ipv6"), False, None, None, {}),
        ("health-check-ctrl", "option", ED, False, None, None, {}),
        ("health-check-list", "datasource", (), True, None, None, {}),
        ("health-check-relation", "option", ("AND", "OR"), False, None, None, {}),
        ("type", "option", ("static", "dynamic"), False, None, None, {}),
        ("sdn-connector", "string", (), False, None, None, {"type": ["dynamic"]}),
        ("service", "string", (), False, None, None, {"type": ["dynamic"]}),
        ("use-private-addr", "option", ED, False, None, None, {"type": ["dynamic"]}),
        ("real-server-ssl-profile", "datasource", (), False, None, None, {}),
    ]
    # the description table writes ``set type {static|dynamic}`` and ``Service`` in its name column
    assert attr(pool, "type")["help"] == "Select whether the real servers use static or dynamic IP addresses."
    assert attr(pool, "service")["help"].startswith("Select the service protocol")
    assert attr(pool, "health-check-relation")["option_help"]["OR"] == (
        "One of the specified health checks must pass for the server to be considered available.")
    assert shape(member) == (["load-balance", "pool", "pool_member"], 187, "table", "integer", "<No.>",
                             ["load-balance", "pool"])
    assert rows(member) == [
        ("backup", "option", ED, False, None, None, {}),
        ("connection-limit", "integer", (), False, "0", (1, 1048576), {}),
        ("connection-rate-limit", "integer", (), False, "0", (1, 86400), {}),
        ("health-check-inherit", "option", ED, False, None, None, {}),
        ("health-check-ctrl", "option", ED, False, None, None, {}),
        ("health-check-list", "datasource", (), True, None, None, {}),
        ("health-check-relation", "option", ("AND", "OR"), False, None, None, {}),
        ("ip", "ipv4", (), False, None, None, {}),
        ("ip6", "ipv6", (), False, None, None, {}),  # <class_ip>, read as IPv6 for its name
        ("pool_member_cookie", "string", (), False, None, None, {}),
        ("pool_member_server_name", "string", (), False, None, None, {}),
        ("pool_member_service_port", "integer", (), False, None, None, {}),
        ("pool_member_weight", "integer", (), False, "1", (1, 256), {}),
        ("recover", "integer", (), False, "0", (1, 86400), {}),
        ("real-server-ssl-profile-inherit", "option", ED, False, None, None, {}),
        ("real-server", "datasource", (), False, None, None, {}),
        ("auto-populate-from", "integer", (), False, None, None, {}),
        ("ssl", "option", ED, False, None, None, {}),
        ("status", "option", ("enable", "disable", "maintain"), False, None, None, {}),
        ("warm-rate", "integer", (), False, "100", (1, 86400), {}),
        ("warm-up", "integer", (), False, "0", (1, 86400), {}),
        ("modify-host", "option", ED, False, "disable", None, {}),
        ("host", "string", (), False, None, None, {}),
    ]
    # the member rows come after a ``config pool_member`` row: they describe the nested table
    assert attr(member, "health-check-relation")["option_help"]["AND"].startswith("All of the selected health")
    assert attr(member, "ip6")["notes"] == ["class_ip read as ipv6 for its name"]
    assert [p[1] for p in problems(doc)] == ["default outside the range"] * 4


# ---------------------------------------------------------------------------- integer keys: edit <No.>
def test_router_static_is_keyed_by_number() -> None:
    doc = extract("router-static.txt")
    st = table(doc, "router static")
    assert shape(st) == (["router", "static"], 285, "table", "integer", "<No.>", None)
    assert doc["problems"] == []
    assert rows(st) == [
        ("destination", "ipv4mask", (), False, None, None, {}),
        ("distance", "integer", (), False, "10", None, {}),  # "The default administrative distance is 10"
        ("gateway", "ipv4", (), False, None, None, {}),
    ]
    assert st["help"] == "Network systems maintain route tables to determine where to forward TCP/IP packets."


# -------------------------------------------------------------------------------- multi-valued options
def test_a_brace_list_without_bars_is_several_values_even_over_two_lines() -> None:
    doc = extract("config-sync-list.txt")
    sync = table(doc, "config sync-list")
    assert shape(sync) == (["config", "sync-list"], 66, "table", "name", "<name>", None)
    assert rows(sync) == [
        ("server-ip", "ipv4", (), False, None, None, {}),
        ("password", "string", (), False, None, None, {}),
        ("type", "option", ("global-load-balance", "link-load-balance", "load-balance", "log", "networking",
                            "security", "share-resource", "system", "user"), True, None, None, {}),
        ("comment", "string", (), False, None, None, {}),
    ]
    t = attr(sync, "type")
    assert t["multi_via"] == "syntax"
    assert t["syntax"] == ("set type {global-load-balance link-load-balance load-balance log networking security "
                           "share-resource system user}")
    assert t["help"] == "Space-separated list of configuration types to sync:"
    assert t["option_help"]["link-load-balance"] == "Includes config link-load-balance commands."


# --------------------------------------------------------------- CLI specification / visible condition tables
def test_specification_tables_give_defaults_ranges_and_conditions() -> None:
    doc = extract("security-dos-http-access-limit.txt")
    t = table(doc, "security dos http-access-limit")
    assert shape(t) == (["security", "dos", "http-access-limit"], 293, "table", "name", "<name>", None)
    assert rows(t) == [
        ("status", "option", ED, False, None, None, {}),
        ("access-limit-per-ip", "integer", (), False, "0", (0, 65535), {}),
        ("action", "option", ("pass", "deny", "block-period"), False, "deny", None, {}),
        ("block-period", "integer", (), False, "60", (1, 3600), {"action": ["block-period"]}),
        ("log", "option", ED, False, "disable", None, {}),
        ("severity", "option", ("high", "medium", "low", "info"), False, "high", None, {"log": ["enable"]}),
    ]
    bp = attr(t, "block-period")
    assert bp["spec"] == {"help": "Number of seconds during which FortiADC blocks the connection action,",
                          "type": "integer", "scope": "1-3600", "default": "60", "must": "No"}
    assert bp["visible"] == "action == block-period" and bp["when_via"] == "specification"
    assert bp["required"] is False
    assert bp["descriptions"][0]["page"] == 295  # "Function description", continued after the page-294 footer
    assert problems(doc) == [(293, "'configure' written for 'config'", "configure security dos http-access-limit")]


# ------------------------------------------------------------------ literal values as conditions, several tables
def test_literal_set_lines_make_conditions_and_other_tables_are_recorded() -> None:
    doc = extract("system-alert.txt")
    assert [t["path"] for t in doc["tables"]] == [["system", "alert"], ["system", "alert-event"],
                                                  ["system", "alert-metric"]]
    alert = table(doc, "system alert")
    assert shape(alert) == (["system", "alert"], 491, "table", "name", "<alert_name>", None)
    assert "pages" not in alert  # two syntax blocks (event, metric), both on page 491
    assert rows(alert) == [
        ("alert-source-type", "option", ("event", "metric"), False, None, None, {}),
        ("priority", "option", ("high", "low", "middle"), False, None, None, {"alert-source-type": ["event"]}),
        ("event", "raw", (), False, None, None, {"alert-source-type": ["event"]}),
        ("metric-object-type", "option", ("slb-virtual-server",), False, None, None, {}),
        ("metric-object-instance", "raw", (), False, None, None,
         {"alert-source-type": ["metric"], "metric-object-type": ["slb-virtual-server"]}),
        ("duration", "integer", (), False, None, None, {}),
    ]
    assert attr(alert, "duration")["literal"] == "600"
    assert attr(alert, "priority")["when_via"] == "syntax"
    member = table(doc, "system alert alert-metric-expr-member")
    assert shape(member) == (["system", "alert", "alert-metric-expr-member"], 491, "table", "name",
                             "<alert-metric-expr-member_name>", ["system", "alert"])
    assert rows(member) == [
        ("metric", "raw", (), False, None, None, {}),
        ("metric-comparator", "option", ("le", "eq", "ge"), False, None, None, {}),
        ("value", "integer", (), False, None, None, {}),
    ]
    assert rows(table(doc, "system alert-metric"))[0] == ("type", "option", ("if", "slb", "sys"), False, None, None, {})
    assert shape(table(doc, "system alert-event"))[1:3] == (491, "table")


# ------------------------------------------------------------------------------------------ small pieces
@pytest.mark.parametrize("placeholder, kind, options, multi", [
    ("<integer>", "integer", [], False),
    ("<string>", "string", [], False),
    ("<datasource>", "datasource", [], False),
    ("<datasource> <datasource> ...", "datasource", [], True),
    ("{<datasource> ...}", "datasource", [], True),
    ("<class_ip>", "ipv4", [], False),
    ("<ip&netmask>", "ipv4mask", [], False),
    ("<ip6&netmask>", "ipv6mask", [], False),
    ("<ipv6>", "ipv6", [], False),
    ("<password>", "password", [], False),
    ("<passwd>", "password", [], False),
    ("{enable|disable}", "option", ["enable", "disable"], False),
    ("[ high | medium | low ]", "option", ["high", "medium", "low"], False),
    ("{http https ping snmp ssh telnet}", "option", ["http", "https", "ping", "snmp", "ssh", "telnet"], True),
    ("<enable/disable>", "option", ["enable", "disable"], False),
    ("low/medium/high", "option", ["low", "medium", "high"], False),
    ("{include | exclude>", "option", ["include", "exclude"], False),
    ("{alert|deny|<datasource>}", "option", ["alert", "deny"], False),
    ("{name}", "string", [], False),
    ("<1-65535>", "integer", [], False),
    ("<certname>", "raw", [], False),
    ("standard", "option", ["standard"], False),
    ("600", "integer", [], False),
    ('"***"', "string", [], False),
])
def test_placeholders(placeholder: str, kind: str, options: list[str], multi: bool) -> None:
    v = X.classify(placeholder)
    assert (v.type, v.options, v.multi) == (kind, options, multi)


@pytest.mark.parametrize("text, default, rng", [
    ("Maximum concurrent sessions. The default is 1,048,576.", "1048576", None),
    ("The default is 0 (disabled). The valid range is 1 to 1,048,576 concurrent connections.", "0", (1, 1048576)),
    ("Range is 1-86400 seconds. Default 3 seconds.", "3", (1, 86400)),
    ("Enable/disable alone mode. Enabled by default.", "enable", None),
    ("Enable by default.", "enable", None),
    ("This is disabled by default.", "disable", None),
    ("The default is Factory.", "Factory", None),
    ('The default is "X-Forwarded-For".', "X-Forwarded-For", None),
    ("The default is 10.0.0.1.", "10.0.0.1", None),
    ("The expire time, in minutes. (Range: 1-1200 minutes).", None, (1, 1200)),
    ("Specify a value between 1 and 3600 seconds.", None, (1, 3600)),
    ("which can range from 16 to 65,536.", None, (16, 65536)),
    ("The default administrative distance is 10, which makes it preferred.", "10", None),
])
def test_defaults_and_ranges_from_the_wording(text: str, default: str | None, rng: tuple[int, int] | None) -> None:
    assert X.find_default(text, []) == default
    assert X.find_range(text, "", True) == rng


def test_key_types() -> None:
    assert [X.key_type(k) for k in ("<No.>", "<id>", "<index_number>", "<ip-access-id>", "1", "<name>",
                                    "<vs-name>", '"port1"', "<FCT uid>")] == [
        "integer", "integer", "integer", "integer", "integer", "name", "name", "name", "name"]


def test_reference_names() -> None:
    assert X.ref_names("content-routing-list") == ["content-routing-list", "content-routing"]
    assert X.ref_names("in-interface") == ["in-interface", "interface"]
    assert X.ref_names("ldap-server") == ["ldap-server", "ldap"]
    assert X.last_word("dns-over-tls-listen-on-interface") == "interface"


def test_the_tool_writes_and_checks_its_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.json"
    src = FIXTURES / "router-static.txt"
    assert X.main([str(src), "-o", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "tables: 1" in summary and "attributes: 3" in summary and "problems: 0" in summary
    assert json.loads(out.read_text())["tables"][0]["path"] == ["router", "static"]
    assert X.main([str(src), "-o", str(out), "--check"]) == 0
    out.write_text("{}")
    assert X.main([str(src), "-o", str(out), "--check"]) == 1


# ------------------------------------------------------------------------------- the committed extraction
def test_the_committed_json_is_what_the_tool_makes_of_the_full_reference() -> None:
    ref = next((p for p in FULL if p.exists()), None)
    if ref is None:
        pytest.skip("the full CLI Reference (../shared/reference/fortiadc-7.4.4/cli-reference.txt) is not here")
    t0 = time.monotonic()
    text = X.dumps(X.extract(ref.read_text(encoding="utf-8")))
    assert time.monotonic() - t0 < 10
    assert text == COMMITTED.read_text(encoding="utf-8"), (
        "run tools/extract_cli_reference.py on the reference and commit adc/schema/reference/tables.json")


def test_the_committed_json_covers_the_reference() -> None:
    doc = json.loads(COMMITTED.read_text(encoding="utf-8"))
    every = list(walk(doc["tables"]))
    paths = [tuple(t["path"]) for t in every]
    assert len(paths) >= 200 and len(set(paths)) == len(paths)
    assert doc["summary"]["tables"] == len(every)
    assert all(isinstance(t["page"], int) and 45 <= t["page"] <= 639 for t in every)
    assert all(t["kind"] in ("table", "single") for t in every)
    assert all(t["path"][:-1] == t["parent"] for t in every if "parent" in t)
    assert all(isinstance(a["page"], int) and a["page"] > 0 for t in every for a in t["attrs"])
    assert all(isinstance(p["page"], int) and p["kind"] for p in doc["problems"])
    # the wrappers of the VDOM appendix are flags, not tables
    assert ("global",) not in paths and ("vdom",) not in paths
    by = {tuple(t["path"]): t for t in every}
    assert by[("system", "global")]["vdom"] == "global"
    assert by[("load-balance", "virtual-server")]["page"] == 235
    assert by[("load-balance", "pool", "pool_member")]["key"] == "integer"
    # references resolved across the whole reference, by name or by text
    vs = {a["name"]: a for a in by[("load-balance", "virtual-server")]["attrs"]}
    assert (vs["load-balance-pool"]["ref"], vs["load-balance-pool"]["ref_via"]) == ("load-balance pool", "name")
    assert vs["interface"]["ref"] == "system interface" and vs["ippool-list"]["ref"] == "load-balance ippool"
    assert vs["waf-profile"]["ref"] == "security waf profile"
    assert vs["av-profile"]["page"] == 289  # shown on the antivirus pages, after the table's own attributes
    # the profile's conditional attributes: ``edit "dns"`` / ``set type dns`` blocks, ``set type tcp`` headings
    prof = {a["name"]: a for a in by[("load-balance", "profile")]["attrs"]}
    assert prof["malform-query-action"]["when"] == {"type": ["dns"]}
    assert prof["malform-query-action"]["when_via"] == "syntax"
    assert "tcp" in prof["timeout_tcp_session"]["when"]["type"]
    assert prof["timeout_tcp_session"]["when_via"] == "description"
    assert doc["summary"]["references_resolved"] + doc["summary"]["references_unresolved"] == \
        doc["summary"]["references"]


def test_the_loader_reads_the_committed_json_into_frozen_dataclasses() -> None:
    ref = load()
    assert isinstance(ref, Reference) and load() is ref
    pm = ref.find("load-balance.pool.pool_member")
    assert pm is not None and pm.page == 187 and pm.kind == "table" and pm.key == "integer"
    assert pm.parent == ("load-balance", "pool")
    assert ref.find(("load-balance", "pool")) is not None and ref.find("no such table") is None
    w = ref.find("load-balance pool pool_member")
    assert w is pm
    weight = pm.attr("pool_member_weight")[0]
    assert (weight.type, weight.default, weight.range) == ("integer", "1", (1, 256))
    with pytest.raises(dataclasses.FrozenInstanceError):
        weight.default = "2"  # type: ignore[misc]
    assert len(list(ref.every())) == ref.summary["tables"] and len(ref.problems) == ref.summary["problems"]
    with pytest.raises(ValueError):
        parse({"format": 99})
    with pytest.raises(ValueError):
        parse({"format": 1, "source": "x", "summary": {}, "problems": [], "tables": [{"path": ["a"]}]})


def test_node_ids_come_from_the_transcripts() -> None:
    """``Add new entry 'x' for node N`` belongs to the table the transcript's prompts are in: opened at
    the top prompt, nested with ``config c`` inside an entry, or the section's own table when the
    transcript starts inside it; ``config global`` wraps without being a table."""
    ref = load()
    ids = {t.path: (t.node_id, t.node_page) for t in ref.every() if t.node_id is not None}
    assert ids[("load-balance", "virtual-server")] == (1775, 242)
    assert ids[("load-balance", "pool", "pool_member")][0] == 1710
    assert ids[("global-dns-server", "address-group", "member")][0] == 2209
    assert ids[("global-dns-server", "policy")][0] == 2236  # the transcript starts at "(policy) # edit"
    assert ids[("load-balance", "profile", "client-request-header-insert")][0] == 4554  # after "config ?"
    assert ids[("system", "snmp", "community", "host")][0] == 333  # "config host" typed twice
    assert ids[("load-balance", "compression")][0] == 1627  # "config load-balance ..." from inside a table
    assert ids[("system", "admin")][0] == 78
    assert ref.summary["with_node_id"] == len(ids)
    assert not [p for p in ref.problems if p.kind in ("transcript names no table", "node id written two ways")]
