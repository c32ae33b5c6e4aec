"""``adc.engine.validate``: commit-time checks (required fields, references, the cross-object rules)
and who references an entry (-23 on delete). Rules are called through ``check_entry`` on hand-made
entries, against a store filled through a session."""
from __future__ import annotations

import pytest

from adc.config.tree import Entry, TableData, Value
from adc.engine import validate
from adc.engine.context import Context
from adc.engine.session import Session
from adc.errors import CommandFail
from adc.schema import SCHEMA, compat
from adc.schema.model import Table

from .engine_helpers import BASE, new_session, ok, run, vs

VS = SCHEMA.find("load-balance.virtual-server")
POOL = SCHEMA.find("load-balance.pool")
MEMBER = SCHEMA.find("load-balance.pool.pool_member")
RS = SCHEMA.find("load-balance.real-server")
PROFILE = SCHEMA.find("load-balance.profile")
METHOD = SCHEMA.find("load-balance.method")
HC = SCHEMA.find("system.health-check")
CSSL = SCHEMA.find("load-balance.client-ssl-profile")
RSSSL = SCHEMA.find("load-balance.real-server-ssl-profile")
GROUP = SCHEMA.find("system.certificate.local_cert_group")
GLOBAL = SCHEMA.find("system.global")
IFACE = SCHEMA.find("system.interface")
L2, L4, L7 = compat.L2, compat.L4, compat.L7


@pytest.fixture
def s() -> Session:
    return new_session()


@pytest.fixture
def ctx(s: Session) -> Context:
    """A store holding ``BASE`` (rs1, rs2, web_pool) and ``vs1`` on 10.9.9.9:80."""
    ok(s, BASE)
    ok(s, vs())
    return s.ctx


def entry(key: str | None, children: dict[str, list[Entry]] | None = None, /, **values: Value) -> Entry:
    """An entry from keyword values (``_`` stands for ``-``; ``pool_member_*`` names keep theirs)."""
    vals = {(k if k.startswith("pool_member_") else k.replace("_", "-")): v for k, v in values.items()}
    kids = {}
    for name, entries in (children or {}).items():
        t = TableData()
        for e in entries:
            t.put(e)
        kids[name] = t
    return Entry(key, vals, kids)


def fail(ctx: Context, table: Table, e: Entry) -> CommandFail:
    with pytest.raises(CommandFail) as info:
        validate.check_entry(ctx, table, e)
    return info.value


def passes(ctx: Context, table: Table, e: Entry) -> bool:
    validate.check_entry(ctx, table, e)
    return True


def http_vs(key: str = "v", **values: Value) -> Entry:
    base: dict[str, Value] = {"type": L7, "ip": "10.5.5.5", "load-balance-profile": "LB_PROF_HTTP",
                              "load-balance-pool": "web_pool"}
    base.update({k.replace("_", "-"): v for k, v in values.items()})
    return Entry(key, base)


def member(key: str, rs: str = "rs1", **values: Value) -> Entry:
    """A pool member of real server ``rs``."""
    return Entry(key, {"real-server": rs, **entry(key, **values).values})


# ------------------------------------------------------------------------------------------ required
def test_required_attributes_and_their_codes(ctx: Context) -> None:
    assert compat.REQUIRED_CODES == {
        ("load-balance.virtual-server", "load-balance-pool"): -1232,
        ("load-balance.pool.pool_member", "real-server"): -1225,
        ("load-balance.pool", "health-check-list"): -1554,
        ("load-balance.pool.pool_member", "health-check-list"): -1554,
    }
    err = fail(ctx, VS, entry("v", type=L7, load_balance_profile="LB_PROF_HTTP"))
    assert (err.code, err.reason) == (-1232, "attribute 'load-balance-pool' must be set")
    err = fail(ctx, VS, entry("v", type=L7))  # the profile comes first, with the generic code
    assert (err.code, err.reason) == (-56, "attribute 'load-balance-profile' must be set")
    err = fail(ctx, MEMBER, entry("1"))
    assert (err.code, err.reason) == (-1225, "attribute 'real-server' must be set")
    err = fail(ctx, POOL, entry("p", health_check_ctrl="enable"))
    assert (err.code, err.reason) == (-1554, "attribute 'health-check-list' must be set")
    err = fail(ctx, MEMBER, member("1", health_check_inherit="disable", health_check_ctrl="enable"))
    assert (err.code, err.reason) == (-1554, "attribute 'health-check-list' must be set")
    err = fail(ctx, PROFILE, entry("p"))
    assert (err.code, err.reason) == (-56, "attribute 'type' must be set")
    err = fail(ctx, RS, entry("r", type="fqdn"))
    assert (err.code, err.reason) == (-56, "attribute 'fqdn' must be set")
    # only attributes in force are required
    assert passes(ctx, POOL, entry("p", health_check_list=()))
    assert passes(ctx, MEMBER, member("1", health_check_inherit="disable"))
    assert passes(ctx, RS, entry("r", ip="10.0.7.7"))


def test_nested_entries_are_checked_with_their_parent(ctx: Context) -> None:
    err = fail(ctx, POOL, entry("p", {"pool_member": [member("1"), entry("2")]}))
    assert err.code == -1225
    assert passes(ctx, POOL, entry("p", {"pool_member": [member("1"), member("2", "rs2")]}))


# ------------------------------------------------------------------------------------------ references
def test_references_must_exist(ctx: Context) -> None:
    pool_ref = next(a for a in VS.attrs if a.name == "load-balance-pool")
    with pytest.raises(CommandFail) as info:
        validate.check_refs(ctx, pool_ref, "nope")
    assert (info.value.code, info.value.reason) == (-13, "entry 'nope' not found in load-balance.pool")
    validate.check_refs(ctx, pool_ref, "web_pool")
    validate.check_refs(ctx, pool_ref, "")
    rs_ssl = next(a for a in POOL.attrs if a.name == "real-server-ssl-profile")
    validate.check_refs(ctx, rs_ssl, "NONE")  # a literal the reference also accepts
    hcs = next(a for a in POOL.attrs if a.name == "health-check-list")
    validate.check_refs(ctx, hcs, ("LB_HLTHCK_ICMP", "LB_HLTHCK_HTTP"))
    with pytest.raises(CommandFail) as info:
        validate.check_refs(ctx, hcs, ("LB_HLTHCK_ICMP", "hc9"))
    assert (info.value.code, info.value.reason) == (-13, "entry 'hc9' not found in system.health-check")
    err = fail(ctx, VS, http_vs(load_balance_method="LB_METHOD_NOPE"))
    assert (err.code, err.reason) == (-13, "entry 'LB_METHOD_NOPE' not found in load-balance.method")
    err = fail(ctx, POOL, entry("p", {"pool_member": [member("1", "rs9")]}))
    assert (err.code, err.reason) == (-13, "entry 'rs9' not found in load-balance.real-server")


# ------------------------------------------------------------------------------------------ rules
def test_every_rule_is_covered_here() -> None:
    assert {k: [r.__name__ for r in v] for k, v in validate.RULES.items()} == {
        "load-balance.virtual-server": ["vs_profile_rules", "vs_address_rules"],
        "load-balance.profile": ["profile_rules"],
        "load-balance.method": ["method_rules"],
        "load-balance.pool": ["pool_rules"],
        "load-balance.real-server": ["real_server_rules"],
        "system.health-check": ["health_check_rules"],
        "load-balance.client-ssl-profile": ["rule"],
        "load-balance.real-server-ssl-profile": ["rule"],
        "system.certificate.local_cert_group": ["cert_group_rules"],
        "system.global": ["global_rules"],
        "system.interface": ["interface_rules"],
    }


def test_vs_profile_compatibility(ctx: Context) -> None:
    err = fail(ctx, VS, http_vs(type=L4))
    assert (err.code, err.reason) == (-4240, "profile type 'http' cannot be used by a l4-load-balance virtual server")
    assert passes(ctx, VS, http_vs(type=L4, load_balance_profile="LB_PROF_TCP"))
    assert passes(ctx, VS, http_vs(type=L7, load_balance_profile="LB_PROF_L7_TCP"))


def test_vs_https_needs_a_client_ssl_profile(ctx: Context) -> None:
    err = fail(ctx, VS, http_vs(load_balance_profile="LB_PROF_HTTPS"))
    assert (err.code, err.reason) == (-4225, "a https profile requires client-ssl-profile")
    err = fail(ctx, VS, http_vs(load_balance_profile="LB_PROF_TCPS"))
    assert err.code == -4225
    assert passes(ctx, VS, http_vs(load_balance_profile="LB_PROF_HTTPS", client_ssl_profile="LB_CLIENT_SSL_PROF_DEFAULT"))


def test_vs_method_compatibility(ctx: Context) -> None:
    err = fail(ctx, VS, http_vs(load_balance_method="LB_METHOD_DEST_IP_HASH"))
    assert (err.code, err.reason) == (
        -1240, "method type 'dest-ip-hash' is not supported with a http profile on l7-load-balance")
    assert passes(ctx, VS, http_vs(load_balance_method="LB_METHOD_URI"))
    # the same method is fine for a TCP profile on L4... but not a URI hash
    tcp = {"type": L4, "load_balance_profile": "LB_PROF_TCP"}
    assert passes(ctx, VS, http_vs(load_balance_method="LB_METHOD_LEAST_CONNECTION", **tcp))
    assert fail(ctx, VS, http_vs(load_balance_method="LB_METHOD_URI", **tcp)).code == -1240


def test_vs_persistence_compatibility(ctx: Context) -> None:
    err = fail(ctx, VS, http_vs(load_balance_persistence="LB_PERSIS_SSL_SESS_ID"))
    assert (err.code, err.reason) == (-4241, "persistence type 'ssl-session-id' is not supported with a http profile")
    assert passes(ctx, VS, http_vs(load_balance_persistence="LB_PERSIS_HASH_COOKIE"))
    assert passes(ctx, VS, http_vs(load_balance_persistence="LB_PERSIS_SSL_SESS_ID", load_balance_profile="LB_PROF_HTTPS",
                                   client_ssl_profile="LB_CLIENT_SSL_PROF_DEFAULT"))


def test_vs_and_pool_address_types(s: Session, ctx: Context) -> None:
    ok(s, "config load-balance pool\nedit p6\nset addr-type ipv6\nend")
    err = fail(ctx, VS, http_vs(load_balance_pool="p6"))
    assert (err.code, err.reason) == (-1286, "the virtual server and its pool have different address types")
    assert passes(ctx, VS, Entry("v", {"type": L7, "addr-type": "ipv6", "ip6": "2001:db8::5",
                                       "load-balance-profile": "LB_PROF_HTTP", "load-balance-pool": "p6"}))
    assert fail(ctx, VS, Entry("v", {"type": L7, "addr-type": "ipv6", "ip6": "2001:db8::5",
                                     "load-balance-profile": "LB_PROF_HTTP", "load-balance-pool": "web_pool"})).code == -1286


def test_vs_full_nat_needs_an_ip_pool(s: Session, ctx: Context) -> None:
    l4 = {"type": L4, "load_balance_profile": "LB_PROF_TCP"}
    err = fail(ctx, VS, http_vs(packet_forwarding_method="FullNAT", **l4))
    assert (err.code, err.reason) == (-1214, "packet-forwarding-method FullNAT requires ippool-list")
    assert fail(ctx, VS, http_vs(packet_forwarding_method="NAT46", **l4)).code == -1214
    ok(s, "config load-balance ippool\nedit ipp\nset ip-min 10.7.0.1\nset ip-max 10.7.0.9\nend")
    assert passes(ctx, VS, http_vs(packet_forwarding_method="FullNAT", ippool_list=("ipp",), **l4))
    assert passes(ctx, VS, http_vs(packet_forwarding_method="direct_routing", **l4))


def test_vs_content_routing_needs_a_list(s: Session, ctx: Context) -> None:
    cr = Entry("v", {"type": L7, "ip": "10.5.5.5", "load-balance-profile": "LB_PROF_HTTP", "content-routing": "enable"})
    err = fail(ctx, VS, cr)
    assert (err.code, err.reason) == (-1231, "content-routing is enabled but content-routing-list is empty")
    ok(s, "config load-balance content-routing\nedit cr1\nset load-balance-pool web_pool\nend")
    cr.values["content-routing-list"] = ("cr1",)
    assert passes(ctx, VS, cr)


def test_vs_ip_and_port_overlap(s: Session, ctx: Context) -> None:
    # vs1 listens on 10.9.9.9:80
    err = fail(ctx, VS, http_vs(ip="10.9.9.9", port="70-90"))
    assert (err.code, err.reason) == (-1200, "10.9.9.9 port 70-90 is already used by virtual server 'vs1'")
    assert fail(ctx, VS, http_vs(ip="10.9.9.9", port="443 80")).code == -1200
    assert fail(ctx, VS, http_vs(ip="10.9.9.9", port="0")).code == -1200  # any port
    assert fail(ctx, VS, http_vs(ip="10.9.9.9")).code == -1200  # the default port 80
    assert passes(ctx, VS, http_vs(ip="10.9.9.9", port="81-90 8080"))
    assert passes(ctx, VS, http_vs(ip="10.9.9.8", port="80"))
    assert passes(ctx, VS, http_vs("vs1", ip="10.9.9.9", port="80 81"))  # itself, edited
    assert passes(ctx, VS, Entry("v2", {"type": L2, "load-balance-profile": "LB_PROF_HTTP",
                                        "load-balance-pool": "web_pool"}))  # layer 2 has no address
    # a saved VS on port 0 takes every port of its address
    ok(s, vs("any", "10.9.9.7", "0"))
    assert fail(ctx, VS, http_vs(ip="10.9.9.7", port="8080")).reason == (
        "10.9.9.7 port 8080 is already used by virtual server 'any'")
    # the index follows deletes
    ok(s, "config load-balance virtual-server\ndelete any\nend")
    assert passes(ctx, VS, http_vs(ip="10.9.9.7", port="8080"))
    # and ipv6 addresses are their own space
    ok(s, "config load-balance pool\nedit p6\nset addr-type ipv6\nend")
    six = {"type": L7, "addr-type": "ipv6", "ip6": "::", "load-balance-profile": "LB_PROF_HTTP", "load-balance-pool": "p6"}
    ok(s, "config load-balance virtual-server\nedit v6\nset type l7-load-balance\nset addr-type ipv6\nset ip6 2001:db8::1\n"
          "set load-balance-profile LB_PROF_HTTP\nset load-balance-pool p6\nend")
    assert fail(ctx, VS, Entry("w6", {**six, "ip6": "2001:db8::1"})).code == -1200
    assert passes(ctx, VS, Entry("w6", {**six, "ip6": "2001:db8::2"}))


def test_profile_type_cannot_change_while_used(s: Session, ctx: Context) -> None:
    ok(s, "config load-balance profile\nedit ph\nset type http\nnext\nedit free\nset type http\nend")
    ok(s, vs("vs2", "10.9.9.2", extra="set load-balance-profile ph"))
    err = fail(ctx, PROFILE, entry("ph", type="https"))
    assert (err.code, err.reason) == (-1237, "profile 'ph' is used by a virtual server; its type cannot change")
    assert passes(ctx, PROFILE, entry("ph", type="http", http_mode="ServerClose"))  # same type
    assert passes(ctx, PROFILE, entry("free", type="tcp"))  # unused
    assert passes(ctx, PROFILE, entry("new", type="tcp"))  # not saved yet


def test_method_type_cannot_change_while_referenced(s: Session, ctx: Context) -> None:
    ok(s, "config load-balance method\nedit m\nset type round-robin\nnext\nedit free\nset type round-robin\nend")
    ok(s, vs("vs2", "10.9.9.2", extra="set load-balance-method m"))
    err = fail(ctx, METHOD, entry("m", type="least-connection"))
    assert (err.code, err.reason) == (-4076, "method 'm' is referenced; its type cannot change")
    assert passes(ctx, METHOD, entry("m", type="round-robin"))
    assert passes(ctx, METHOD, entry("free", type="least-connection"))


def test_pool_member_duplicates(ctx: Context) -> None:
    err = fail(ctx, POOL, entry("p", {"pool_member": [member("1"), member("2")]}))
    assert (err.code, err.reason) == (-4301, "real server 'rs1' port 80 is already used by pool member 1")
    err = fail(ctx, POOL, entry("p", {"pool_member": [member("3", pool_member_service_port="8080"),
                                                       member("7", pool_member_service_port="8080")]}))
    assert err.reason == "real server 'rs1' port 8080 is already used by pool member 3"
    assert passes(ctx, POOL, entry("p", {"pool_member": [member("1"), member("2", pool_member_service_port="8080")]}))
    assert passes(ctx, POOL, entry("p", {"pool_member": [member("1"), member("2", "rs2")]}))


def test_real_server_duplicate_ip(ctx: Context) -> None:
    err = fail(ctx, RS, entry("rs3", ip="10.0.1.11"))
    assert (err.code, err.reason) == (-4300, "real server 'rs1' already uses 10.0.1.11")
    assert passes(ctx, RS, entry("rs1", ip="10.0.1.11"))  # itself
    assert passes(ctx, RS, entry("rs3", ip="10.0.1.13"))
    assert passes(ctx, RS, entry("rs3"))  # 0.0.0.0: not set yet
    assert passes(ctx, RS, entry("rs3", type="fqdn", fqdn="www.example.com"))


def test_health_check_timeout_below_interval(ctx: Context) -> None:
    err = fail(ctx, HC, entry("h", type="tcp", interval="5", timeout="5"))
    assert (err.code, err.reason) == (-1552, "timeout 5 must be less than interval 5")
    assert fail(ctx, HC, entry("h", type="tcp", interval="2")).reason == "timeout 3 must be less than interval 2"
    assert passes(ctx, HC, entry("h", type="tcp", interval="5", timeout="4"))
    assert passes(ctx, HC, entry("h", type="tcp"))  # defaults 5 and 3


def test_ssl_versions_contiguous(ctx: Context) -> None:
    err = fail(ctx, CSSL, entry("c", ssl_allowed_versions=("tlsv1.0", "tlsv1.2")))
    assert (err.code, err.reason) == (-4222, "ssl-allowed-versions: ssl versions are not continuous")
    assert passes(ctx, CSSL, entry("c", ssl_allowed_versions=("tlsv1.3", "tlsv1.1", "tlsv1.2")))
    assert passes(ctx, CSSL, entry("c", ssl_allowed_versions=("sslv3",)))
    err = fail(ctx, RSSSL, entry("r", ssl="enable", allow_ssl_versions=("sslv3", "tlsv1.2")))
    assert (err.code, err.reason) == (-4222, "allow-ssl-versions: ssl versions are not continuous")
    assert passes(ctx, RSSSL, entry("r", ssl="enable"))  # sslv3 .. tlsv1.2
    assert passes(ctx, RSSSL, entry("r", allow_ssl_versions=("sslv3", "tlsv1.2")))  # not in force without ssl


def test_certificate_groups(ctx: Context) -> None:
    err = fail(ctx, GROUP, entry("g"))
    assert (err.code, err.reason) == (-4075, "the local certificate group must not be empty")
    two = [entry("1", local_cert="Factory", default="enable"), entry("2", local_cert="Factory", default="enable")]
    err = fail(ctx, GROUP, entry("g", {"group_member": two}))
    assert (err.code, err.reason) == (-155, "only one group member can be the default")
    assert passes(ctx, GROUP, entry("g", {"group_member": [two[0], entry("2", local_cert="Factory")]}))
    assert passes(ctx, GROUP, entry("g", {"group_member": [entry("1", local_cert="Factory")]}))


@pytest.mark.parametrize("host", ["a.b", "x" * 36, "caf\u00e9", "a b"])
def test_hostname_rule_trips(ctx: Context, host: str) -> None:
    err = fail(ctx, GLOBAL, Entry(None, {"hostname": host}))
    assert (err.code, err.reason) == (-62, "hostname: the legal characters are A-Z, a-z, 0-9, - and _")


def test_hostname_rule_passes(ctx: Context) -> None:
    assert passes(ctx, GLOBAL, Entry(None, {"hostname": "ADC-7_b"}))
    assert passes(ctx, GLOBAL, Entry(None, {"hostname": "x" * 35}))
    assert passes(ctx, GLOBAL, Entry(None))


def test_interface_netmask(ctx: Context) -> None:
    err = fail(ctx, IFACE, entry("port3", ip="10.0.0.1/0"))
    assert (err.code, err.reason) == (-19, "invalid netmask in 10.0.0.1/0")
    assert passes(ctx, IFACE, entry("port3", ip="0.0.0.0/0"))
    assert passes(ctx, IFACE, entry("port3", ip="10.0.0.1/24"))
    assert passes(ctx, IFACE, entry("port3", ip="10.0.0.1/0", mode="DHCP"))  # no static address in force


# ------------------------------------------------------------------------------------------ referrers
def test_referrers(s: Session, ctx: Context) -> None:
    assert validate.referrers(ctx, POOL, "web_pool") == [("load-balance virtual-server", "vs1")]
    # through a nested table: the pool member names the real server
    assert validate.referrers(ctx, RS, "rs1") == [("load-balance pool", "web_pool")]
    assert validate.referrers(ctx, RS, "nobody") == []
    assert validate.referrers(ctx, PROFILE, "LB_PROF_HTTP") == [("load-balance virtual-server", "vs1")]
    ok(s, vs("vs2", "10.9.9.2"))
    assert validate.referrers(ctx, POOL, "web_pool") == [
        ("load-balance virtual-server", "vs1"), ("load-balance virtual-server", "vs2")]
    # multi-valued references
    ok(s, "config system health-check\nedit h1\nset type icmp\nend\n"
          "config load-balance pool\nedit web_pool\nset health-check-ctrl enable\nset health-check-list LB_HLTHCK_ICMP h1\nend")
    assert validate.referrers(ctx, HC, "h1") == [("load-balance pool", "web_pool")]
    # factory objects refer to each other too
    cert = SCHEMA.find("system.certificate.local")
    assert ("system certificate local_cert_group", "LOCAL_CERT_GROUP") in validate.referrers(ctx, cert, "Factory")


def test_delete_of_a_referenced_entry_is_minus_23(s: Session, ctx: Context) -> None:
    ok(s, "config load-balance real-server")
    r = s.execute("delete rs1")
    assert r.error.splitlines() == ["'rs1' is used by load-balance pool 'web_pool'", "Command fail. Return code is -23"]
    ok(s, "end\nconfig load-balance pool")
    r = s.execute("purge")
    r = s.execute("y")
    assert r.error.splitlines() == ["'web_pool' is used by load-balance virtual-server 'vs1'",
                                    "Command fail. Return code is -23"]
    assert ok(s, "get") == "== [ web_pool ]\n"
    ok(s, "end")


# ------------------------------------------------------------------------------------------ through a session
def test_commit_checks(s: Session) -> None:
    ok(s, BASE)
    s.execute("config load-balance virtual-server")
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTP\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -1232"
    assert s.prompt == "FortiADC-VM (virtual-server) # "
    assert ok(s, "get") == ""  # discarded
    out = run(s, "edit v\nset load-balance-profile LB_PROF_HTTP\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -4240"  # HTTP profile on an L4 VS
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTPS\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -4225"
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTP\nset load-balance-method LB_METHOD_DEST_IP_HASH\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -1240"
    out = run(s, "edit v\nset type l7-load-balance\nset load-balance-profile LB_PROF_HTTP\nset load-balance-persistence LB_PERSIS_SSL_SESS_ID\nset load-balance-pool web_pool\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -4241"
    ok(s, "end")
    ok(s, vs("a", "10.1.1.1", "80"))
    out = run(s, vs("b", "10.1.1.1", "70-90"))
    assert out.splitlines()[-1] == "Command fail. Return code is -1200"
    ok(s, vs("b", "10.1.1.1", "8080"))


def test_https_vs_with_client_ssl_profile(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs(extra="set load-balance-profile LB_PROF_HTTPS\nset client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"))
    assert "set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT" in ok(s, "show load-balance virtual-server")


def test_pool_and_other_rules(s: Session) -> None:
    ok(s, BASE)
    out = run(s, "config load-balance pool\nedit p\nset health-check-ctrl enable\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -1554"
    out = run(s, "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nset real-server rs1\nnext\nedit 2\nset real-server rs1\nnext\nend\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -4301"
    out = run(s, "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nnext")
    assert out.splitlines()[-1] == "Command fail. Return code is -1225"
    ok(s, "end\nabort")
    out = run(s, "config load-balance real-server\nedit rs3\nset ip 10.0.1.11\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -4300"
    out = run(s, "config system health-check\nedit h\nset type tcp\nset interval 5\nset timeout 5\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -1552"
    out = run(s, "config load-balance client-ssl-profile\nedit c\nset ssl-allowed-versions tlsv1.0 tlsv1.2\nend")
    assert out.splitlines()[-1] == "Command fail. Return code is -4222"


def test_reserved_and_referenced_objects(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs())
    ok(s, "config load-balance profile")
    # a predefined entry opens; its commit is refused when it changes what the factory fixes (-41)
    ok(s, "edit LB_PROF_HTTP\nset type tcp")
    assert s.execute("next").error.splitlines()[-1] == "Command fail. Return code is -41"
    assert s.prompt == "FortiADC-VM (profile) # "
    ok(s, "edit LB_PROF_HTTP\nset type http\nnext")  # its factory values are accepted
    assert s.execute("delete LB_PROF_HTTP").error.splitlines()[-1] == "Command fail. Return code is -42"
    assert s.prompt == "FortiADC-VM (profile) # "
    ok(s, "end\nconfig load-balance pool")
    assert s.execute("delete web_pool").error.splitlines()[-1] == "Command fail. Return code is -23"
    assert s.execute("delete nope").error.splitlines()[-1] == "Command fail. Return code is -13"
    ok(s, "end\nconfig system interface")
    assert s.execute("delete port1").failed
    ok(s, "end\nconfig load-balance virtual-server\ndelete vs1\nend\nconfig load-balance pool\ndelete web_pool\nend")
    assert ok(s, "get load-balance pool") == ""
