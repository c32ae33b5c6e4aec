"""``adc.dataplane.spec``: the data plane's compiled view of a configuration typed through a session,
the schema's defaults in the spec dataclasses, and ``SpecCompiler``'s incremental recompilation."""
from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from adc.config.store import ConfigStore
from adc.config.tree import ConfigTree
from adc.dataplane.spec import (CertSpec, ClientTLSSpec, DataplaneSpec, HealthCheckSpec, HealthSpec, MemberSpec,
                                PersistenceSpec, PoolSpec, ProfileSpec, SpecCompiler, UpstreamTLS, VirtualServerSpec,
                                compile_spec, health_check_spec)
from adc.engine.session import Session
from adc.schema import SCHEMA
from adc.schema.load_balance import CLIENT_CIPHERS_DEFAULT, ECDSA_CIPHERS

from .engine_helpers import BASE, new_session, ok, vs

CERTS = Path("/nonexistent/adc-certs")  # compile_spec is pure: it names the files, it never opens them
L4, L7 = "l4-load-balance", "l7-load-balance"
VS_PATH = ("load-balance", "virtual-server")


@pytest.fixture
def s() -> Session:
    return new_session()


def compile_(s: Session) -> DataplaneSpec:
    return compile_spec(s.store.tree, SCHEMA, s.store.generation, CERTS)


FULL = """
config system health-check
edit hc1
set type http
set port 8080
set send-string /ping
set interval 10
set timeout 4
set retry 2
set status-code 204
set match-type match_status
end
config load-balance real-server
edit rs1
set ip 10.0.1.11
next
edit rs2
set ip 10.0.1.12
set status maintain
next
edit rs3
set ip 10.0.1.13
end
config load-balance profile
edit web
set type http
set client-timeout 20
set server-timeout 30
set connect-timeout 3
set http-request-timeout 7
set http-keepalive-timeout 9
set http-x-forwarded-for enable
set http-x-forwarded-for-header Real-IP
set http-mode ServerClose
set max-http-headers 50
set tune-bufsize 4096
end
config load-balance method
edit lc
set type least-connection
end
config load-balance persistence
edit ck
set type insert-cookie
set keyword SRV
set timeout 600
set cookie-domain example.com
set cookie-httponly enable
set cookie-secure enable
set cookie-samesite lax
set cookie-custom-attr enable
set cookie-custom-attr-value Partitioned
end
config load-balance pool
edit web_pool
set health-check-ctrl enable
set health-check-list hc1
set health-check-relation OR
set real-server-ssl-profile LB_RS_SSL_PROF_HIGH
config pool_member
edit 1
set real-server rs1
set pool_member_service_port 8080
set pool_member_weight 3
set connection-limit 100
set pool_member_cookie c1
next
edit 2
set real-server rs2
set pool_member_service_port 8081
set backup enable
set recover 10
next
edit 3
set real-server rs3
set pool_member_service_port 8082
set status disable
set health-check-inherit disable
set real-server-ssl-profile-inherit disable
set real-server-ssl-profile LB_RS_SSL_PROF_ECDSA
next
end
end
config load-balance virtual-server
edit web
set type l7-load-balance
set ip 10.9.9.9
set port 80 8000-8002
set connection-limit 500
set load-balance-profile web
set load-balance-persistence ck
set load-balance-method lc
set load-balance-pool web_pool
set traffic-log enable
set error-msg "try later"
end
"""

HC1 = HealthCheckSpec(name="hc1", type="http", port=8080, dest_addr="0.0.0.0", interval=10, timeout=4, retry=2,
                      up_retry=1, method_type="http_head", send_string="/ping", receive_string="", status_code=204,
                      match_type="match_status", hostname="", http_version="http_1.1")
HIGH = UpstreamTLS(name="LB_RS_SSL_PROF_HIGH", versions=("tlsv1.2",), ciphers=(), sni_forward=False, sni="", verify="")


# ------------------------------------------------------------------------------------------ end to end
def test_compile_a_full_virtual_server(s: Session) -> None:
    ok(s, FULL)
    spec = compile_(s)
    assert spec.generation == s.store.generation
    assert list(spec.virtual_servers) == ["web"] and spec.skipped == {}
    pool_health = HealthSpec(checks=(HC1,), relation="OR")
    expected = VirtualServerSpec(
        name="web", status="enable", type=L7, ip="10.9.9.9", ports=((80, 80), (8000, 8002)),
        profile=ProfileSpec(name="web", type="http", tcp_session_timeout=100, client_timeout=20, server_timeout=30,
                            connect_timeout=3, request_timeout=7, keepalive_timeout=9, http_mode="ServerClose", xff=True,
                            xff_header="Real-IP", max_headers=50, bufsize=4096),
        method="least-connection",
        pool=PoolSpec(
            name="web_pool",
            members=(
                MemberSpec(key="1", real_server="rs1", host="10.0.1.11", port=8080, weight=3, status="enable",
                           backup=False, connection_limit=100, cookie="c1", tls=None, health=pool_health, recover=0),
                MemberSpec(key="2", real_server="rs2", host="10.0.1.12", port=8081, weight=1, status="maintain",
                           backup=True, connection_limit=0, cookie="rs2", tls=None, health=pool_health, recover=10),
                MemberSpec(key="3", real_server="rs3", host="10.0.1.13", port=8082, weight=1, status="disable",
                           backup=False, connection_limit=0, cookie="rs3",
                           tls=UpstreamTLS(name="LB_RS_SSL_PROF_ECDSA", versions=("tlsv1.0", "tlsv1.1", "tlsv1.2"),
                                           ciphers=tuple(ECDSA_CIPHERS.split())),
                           health=None, recover=0),
            ),
            tls=HIGH,
            health=pool_health,
        ),
        persistence=PersistenceSpec(name="ck", type="insert-cookie", timeout=600, keyword="SRV", ipv4_maskbits=32,
                                    ipv6_maskbits=128, cookie_domain="example.com", cookie_httponly=True,
                                    cookie_secure=True, cookie_samesite="lax", cookie_custom_attr="Partitioned"),
        client_tls=None,
        connection_limit=500,
        error_msg="try later",
        traffic_log=True,
        max_persistence_entries=262144,
    )
    assert spec.virtual_servers["web"] == expected
    web = spec.virtual_servers["web"]
    assert web.addresses == (("10.9.9.9", 80), ("10.9.9.9", 8000), ("10.9.9.9", 8001), ("10.9.9.9", 8002))
    assert web.mode == "http"
    assert web.profile.is_http and web.profile.xff_name == "X-Real-IP"
    assert web.pool.members[0].ident == "rs1@10.0.1.11:8080"


def test_specs_are_frozen(s: Session) -> None:
    ok(s, FULL)
    web = compile_(s).virtual_servers["web"]
    with pytest.raises(AttributeError):
        web.ip = "10.0.0.1"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        web.pool.members[0].port = 1  # type: ignore[misc]


def test_a_later_commit_does_not_touch_a_compiled_spec(s: Session) -> None:
    ok(s, FULL)
    before = compile_(s)
    ok(s, "config load-balance real-server\nedit rs1\nset ip 10.0.1.99\nend")
    after = compile_(s)
    assert before.virtual_servers["web"].pool.members[0].host == "10.0.1.11"
    assert after.virtual_servers["web"].pool.members[0].host == "10.0.1.99"
    assert after.generation == before.generation + 1


def test_layer4_tcp_and_method_fallback(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance virtual-server\nedit tcp\nset ip 10.9.9.9\nset port 9000-9001\n"
          "set load-balance-profile LB_PROF_TCP\nset load-balance-pool web_pool\nend")
    tcp = compile_(s).virtual_servers["tcp"]
    assert (tcp.type, tcp.mode, tcp.method) == (L4, "tcp", "round-robin")  # no method: round robin
    assert tcp.ports == ((9000, 9001),)
    assert tcp.profile == ProfileSpec("LB_PROF_TCP", "tcp")
    assert tcp.error_msg == "Server-unavailable!"  # an L7-only field reads as the schema's default
    ok(s, vs("l7tcp", "10.9.9.8", extra="set load-balance-profile LB_PROF_L7_TCP"))
    assert compile_(s).virtual_servers["l7tcp"].mode == "tcp"


def test_https_virtual_server_gets_its_certificates(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs("tls", port="443", extra="set load-balance-profile LB_PROF_HTTPS\n"
                                      "set client-ssl-profile LB_CLIENT_SSL_PROF_DEFAULT"))
    tls = compile_(s).virtual_servers["tls"]
    assert tls.mode == "http"
    assert tls.client_tls == ClientTLSSpec(
        name="LB_CLIENT_SSL_PROF_DEFAULT",
        versions=("sslv3", "tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3"),
        ciphers=tuple(CLIENT_CIPHERS_DEFAULT.split()),
        default=CertSpec("Factory", CERTS / "Factory.crt", CERTS / "Factory.key"),
        others=(),
    )


def test_skipped_virtual_servers_and_why(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs("served", "10.9.9.1"))
    ok(s, "config load-balance virtual-server\nedit l2\nset type l2-load-balance\n"
          "set load-balance-profile LB_PROF_HTTP\nset load-balance-pool web_pool\nend")
    ok(s, vs("any", "10.9.9.2", "0"))
    ok(s, "config load-balance virtual-server\nedit explicit\nset type l7-load-balance\nset ip 10.9.9.3\n"
          "set load-balance-profile LB_PROF_EXPLICIT_HTTP\nend")
    ok(s, "config load-balance content-routing\nedit cr1\nset load-balance-pool web_pool\nend\n"
          "config load-balance virtual-server\nedit routed\nset type l7-load-balance\nset ip 10.9.9.4\n"
          "set load-balance-profile LB_PROF_HTTP\nset content-routing enable\nset content-routing-list cr1\nend")
    ok(s, "config load-balance content-routing\nedit bad\nset load-balance-pool web_pool\nconfig match-condition\n"
          "edit 1\nset content (unclosed\nend\nend\n"
          "config load-balance virtual-server\nedit badre\nset type l7-load-balance\nset ip 10.9.9.5\n"
          "set load-balance-profile LB_PROF_HTTP\nset content-routing enable\nset content-routing-list bad\nend")
    spec = compile_(s)
    assert list(spec.virtual_servers) == ["served", "routed"]  # content routing is served (issue 13)
    routes = spec.virtual_servers["routed"].routes
    assert routes is not None and [r.name for r in routes.rules] == ["cr1"]
    assert routes.rules[0].target.pool.name == "web_pool"
    assert spec.skipped == {
        "l2": "layer 2 virtual servers are not served by this emulator",
        "any": "port 0 (any port) is not served by this emulator",
        "explicit": "no profile or pool",  # an explicit HTTP proxy names no pool
        "badre": "content-routing bad: regular expression '(unclosed': missing ), unterminated subpattern at position 0",
    }


def test_https_without_a_usable_client_ssl_profile_is_skipped(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance client-ssl-profile\nedit c\nend")
    ok(s, vs("tls", port="443", extra="set load-balance-profile LB_PROF_HTTPS\nset client-ssl-profile c"))
    assert "tls" in compile_(s).virtual_servers
    why = "no usable client SSL profile"
    # the group's only certificate is gone
    no_cert = s.store.tree.copy()
    no_cert.table(("system", "certificate", "local")).remove("Factory")
    assert compile_spec(no_cert, SCHEMA, 1, CERTS).skipped == {"tls": why}
    # the group is gone
    no_group = s.store.tree.copy()
    no_group.table(("system", "certificate", "local_cert_group")).remove("LOCAL_CERT_GROUP")
    assert compile_spec(no_group, SCHEMA, 1, CERTS).skipped == {"tls": why}
    # the profile is gone
    no_profile = s.store.tree.copy()
    no_profile.table(("load-balance", "client-ssl-profile")).remove("c")
    assert compile_spec(no_profile, SCHEMA, 1, CERTS).skipped == {"tls": why}
    # a missing pool or profile, in a tree no session would save
    no_pool = s.store.tree.copy()
    no_pool.table(("load-balance", "pool")).remove("web_pool")
    assert compile_spec(no_pool, SCHEMA, 1, CERTS).skipped == {"tls": "no profile or pool"}


def test_members_whose_real_server_is_missing_are_left_out(s: Session) -> None:
    ok(s, BASE)
    ok(s, vs())
    tree = s.store.tree.copy()
    tree.table(("load-balance", "real-server")).remove("rs1")
    pool = compile_spec(tree, SCHEMA, 1, CERTS).virtual_servers["vs1"].pool
    assert [m.key for m in pool.members] == ["2"]


def test_real_server_ssl_profile_without_ssl_means_plain(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance pool\nedit web_pool\nset real-server-ssl-profile LB_RS_SSL_PROF_NONE\nend")
    ok(s, vs())
    assert compile_(s).virtual_servers["vs1"].pool.tls is None
    ok(s, "config load-balance pool\nedit web_pool\nset real-server-ssl-profile LB_RS_SSL_PROF_DEFAULT\nend")
    tls = compile_(s).virtual_servers["vs1"].pool.tls
    assert tls == UpstreamTLS("LB_RS_SSL_PROF_DEFAULT", versions=("sslv3", "tlsv1.0", "tlsv1.1", "tlsv1.2"))


# ------------------------------------------------------------------------------------------ health checks
def test_health_check_spec(s: Session) -> None:
    ok(s, FULL)
    tree = s.store.tree
    assert health_check_spec(tree, SCHEMA, "hc1") == HC1
    assert health_check_spec(tree, SCHEMA, "nope") is None
    assert health_check_spec(tree, SCHEMA, "LB_HLTHCK_HTTP") == HealthCheckSpec("LB_HLTHCK_HTTP", "http", port=80)
    assert health_check_spec(tree, SCHEMA, "LB_HLTHCK_ICMP") == HealthCheckSpec("LB_HLTHCK_ICMP", "icmp")


def test_member_health_overrides_the_pool(s: Session) -> None:
    ok(s, BASE)
    ok(s, "config load-balance pool\nedit web_pool\nset health-check-ctrl enable\nset health-check-list LB_HLTHCK_ICMP\n"
          "config pool_member\nedit 2\nset health-check-inherit disable\nset health-check-ctrl enable\n"
          "set health-check-list LB_HLTHCK_HTTP LB_HLTHCK_TCP_ECHO\nnext\nend\nend")
    ok(s, vs())
    pool = compile_(s).virtual_servers["vs1"].pool
    icmp = HealthSpec((HealthCheckSpec("LB_HLTHCK_ICMP", "icmp"),), "AND")
    assert pool.health == icmp and pool.members[0].health == icmp
    assert pool.members[1].health == HealthSpec((HealthCheckSpec("LB_HLTHCK_HTTP", "http", port=80),
                                                 HealthCheckSpec("LB_HLTHCK_TCP_ECHO", "tcp-echo", port=7)), "AND")


# ------------------------------------------------------------------------------------------ defaults
SCHEMA_DEFAULTS = {
    HealthCheckSpec: ("system.health-check", {
        "port": "port", "dest_addr": "dest-addr", "interval": "interval", "timeout": "timeout", "retry": "retry",
        "up_retry": "up-retry", "method_type": "method-type", "send_string": "send-string",
        "receive_string": "receive-string", "status_code": "status-code", "match_type": "match-type",
        "hostname": "hostname", "http_version": "http-version"}),
    HealthSpec: ("load-balance.pool", {"relation": "health-check-relation"}),
    MemberSpec: ("load-balance.pool.pool_member", {
        "weight": "pool_member_weight", "status": "status", "backup": "backup", "connection_limit": "connection-limit",
        "recover": "recover"}),
    ProfileSpec: ("load-balance.profile", {
        "tcp_session_timeout": "timeout_tcp_session", "client_timeout": "client-timeout",
        "server_timeout": "server-timeout", "connect_timeout": "connect-timeout",
        "request_timeout": "http-request-timeout", "keepalive_timeout": "http-keepalive-timeout",
        "http_mode": "http-mode", "xff": "http-x-forwarded-for", "xff_header": "http-x-forwarded-for-header",
        "max_headers": "max-http-headers", "bufsize": "tune-bufsize"}),
    PersistenceSpec: ("load-balance.persistence", {
        "timeout": "timeout", "keyword": "keyword", "ipv4_maskbits": "ipv4-maskbits", "ipv6_maskbits": "ipv6-maskbits",
        "cookie_domain": "cookie-domain", "cookie_httponly": "cookie-httponly", "cookie_secure": "cookie-secure",
        "cookie_samesite": "cookie-samesite"}),
    VirtualServerSpec: ("load-balance.virtual-server", {
        "connection_limit": "connection-limit", "error_msg": "error-msg", "traffic_log": "traffic-log",
        "max_persistence_entries": "max-persistence-entries"}),
}


@pytest.mark.parametrize("cls", list(SCHEMA_DEFAULTS), ids=lambda c: c.__name__)
def test_dataclass_defaults_are_the_schema_defaults(cls: type) -> None:
    dotted, names = SCHEMA_DEFAULTS[cls]
    table = SCHEMA.find(dotted)
    by_field = {f.name: f.default for f in fields(cls)}
    for field_name, attr_name in names.items():
        text = table.default(attr_name)
        got = by_field[field_name]
        if isinstance(got, bool):
            assert got == (text == "enable"), field_name
        elif isinstance(got, int):
            assert got == int(text), field_name
        else:
            assert got == text, field_name
        assert got is not MISSING, field_name


def test_default_entries_compile_to_default_specs(s: Session) -> None:
    ok(s, "config load-balance real-server\nedit rs1\nset ip 10.0.1.11\nend\n"
          "config load-balance pool\nedit p\nconfig pool_member\nedit 1\nset real-server rs1\nnext\nend\nend\n"
          "config load-balance profile\nedit plain\nset type http\nnext\nedit t\nset type tcp\nend\n"
          "config load-balance persistence\nedit src\nset type source-address\nnext\nedit ck\nset type insert-cookie\nend\n"
          "config system health-check\nedit h\nset type tcp\nend")
    ok(s, "config load-balance virtual-server\nedit v\nset type l7-load-balance\nset ip 10.9.9.9\n"
          "set load-balance-profile plain\nset load-balance-pool p\nset load-balance-persistence src\nnext\n"
          "edit w\nset type l7-load-balance\nset ip 10.9.9.8\nset load-balance-profile plain\nset load-balance-pool p\n"
          "set load-balance-persistence ck\nnext\n"
          "edit t\nset ip 10.9.9.7\nset load-balance-profile t\nset load-balance-pool p\nend")
    spec = compile_(s)
    member = MemberSpec(key="1", real_server="rs1", host="10.0.1.11", port=80, cookie="rs1")
    pool = PoolSpec("p", (member,))
    assert spec.virtual_servers["v"] == VirtualServerSpec(
        "v", "enable", L7, "10.9.9.9", ((80, 80),), ProfileSpec("plain", "http"), "round-robin", pool,
        persistence=PersistenceSpec("src", "source-address"))
    assert spec.virtual_servers["w"].persistence == PersistenceSpec("ck", "insert-cookie")
    assert spec.virtual_servers["t"] == VirtualServerSpec(
        "t", "enable", L4, "10.9.9.7", ((80, 80),), ProfileSpec("t", "tcp"), "round-robin", pool)
    assert health_check_spec(s.store.tree, SCHEMA, "h") == HealthCheckSpec("h", "tcp")


# ------------------------------------------------------------------------------------------ incremental
class Follower:
    """What the appliance does on each commit, without a data plane: invalidate what the change
    touched, recompile, keep the result."""

    def __init__(self, store: ConfigStore) -> None:
        self.compiler = SpecCompiler(SCHEMA, CERTS)
        self.spec = self.compiler.compile(store.tree, store.generation)
        store.subscribe(self.on_commit)

    def on_commit(self, generation: int, store: ConfigStore) -> None:
        change = store.last_change
        if change is None:
            self.compiler.invalidate()
        else:
            self.compiler.invalidate(change.path, change.key)
        self.spec = self.compiler.compile(store.tree, generation)


TWO_POOLS = """
config load-balance real-server
edit rs1
set ip 10.0.1.11
next
edit rs2
set ip 10.0.1.12
next
edit spare
set ip 10.0.1.19
end
config load-balance pool
edit pa
config pool_member
edit 1
set real-server rs1
next
end
next
edit pb
config pool_member
edit 1
set real-server rs2
next
end
end
config load-balance profile
edit pb-prof
set type http
end
""" + "".join(
    f"config load-balance virtual-server\nedit {name}\nset type l7-load-balance\nset ip 10.9.9.{n}\n"
    f"set load-balance-profile {prof}\nset load-balance-pool {pool}\nend\n"
    for n, (name, pool, prof) in enumerate([("a1", "pa", "LB_PROF_HTTP"), ("a2", "pa", "LB_PROF_HTTP"),
                                             ("b1", "pb", "pb-prof")], start=1)
)


@pytest.fixture
def follower(s: Session) -> Follower:
    ok(s, TWO_POOLS)
    return Follower(s.store)


def same(before: DataplaneSpec, after: DataplaneSpec) -> set[str]:
    """The virtual servers whose spec is the very same object in both."""
    return {n for n, v in after.virtual_servers.items() if before.virtual_servers.get(n) is v}


def test_compiler_first_compile(follower: Follower, s: Session) -> None:
    spec = follower.spec
    assert spec.generation == s.store.generation
    assert sorted(spec.virtual_servers) == ["a1", "a2", "b1"]
    assert spec == compile_(s)  # the same result as compiling from scratch


def test_only_readers_of_a_real_server_are_recompiled(follower: Follower, s: Session) -> None:
    first = follower.spec
    ok(s, "config load-balance real-server\nedit rs2\nset ip 10.0.1.22\nend")
    second = follower.spec
    assert second.generation == first.generation + 1
    assert same(first, second) == {"a1", "a2"}
    assert second.virtual_servers["b1"] is not first.virtual_servers["b1"]
    assert second.virtual_servers["b1"].pool.members[0].host == "10.0.1.22"
    ok(s, "config load-balance real-server\nedit rs1\nset status disable\nend")
    third = follower.spec
    assert same(second, third) == {"b1"}
    assert [v.pool.members[0].status for v in (third.virtual_servers["a1"], third.virtual_servers["a2"])] == [
        "disable", "disable"]
    assert third == compile_(s)


def test_unrelated_commits_keep_every_spec(follower: Follower, s: Session) -> None:
    first = follower.spec
    ok(s, "config system dns\nset primary 1.1.1.1\nend")
    ok(s, "config load-balance real-server\nedit spare\nset ip 10.0.1.20\nend")  # in no pool
    ok(s, "config system health-check\nedit h\nset type tcp\nend")
    assert same(first, follower.spec) == {"a1", "a2", "b1"}
    assert follower.spec.generation == first.generation + 3


def test_pool_profile_and_vs_changes(follower: Follower, s: Session) -> None:
    first = follower.spec
    ok(s, "config load-balance pool\nedit pa\nconfig pool_member\nedit 1\nset pool_member_weight 5\nnext\nend\nend")
    second = follower.spec
    assert same(first, second) == {"b1"}
    assert second.virtual_servers["a1"].pool.members[0].weight == 5
    ok(s, "config load-balance profile\nedit pb-prof\nset http-mode OnceOnly\nend")
    third = follower.spec
    assert same(second, third) == {"a1", "a2"}
    assert third.virtual_servers["b1"].profile.http_mode == "OnceOnly"
    ok(s, "config load-balance virtual-server\nedit a2\nset port 8080\nend")
    fourth = follower.spec
    assert same(third, fourth) == {"a1", "b1"}
    assert fourth.virtual_servers["a2"].ports == ((8080, 8080),)
    # an entry becomes a dependency once a virtual server names it
    ok(s, "config load-balance persistence\nedit src\nset type source-address\nend")
    assert same(fourth, follower.spec) == {"a1", "a2", "b1"}
    ok(s, "config load-balance virtual-server\nedit a1\nset load-balance-persistence src\nend")
    fifth = follower.spec
    assert same(fourth, fifth) == {"a2", "b1"}
    ok(s, "config load-balance persistence\nedit src\nset timeout 60\nend")
    assert same(fifth, follower.spec) == {"a2", "b1"}
    persistence = follower.spec.virtual_servers["a1"].persistence
    assert persistence is not None and persistence.timeout == 60
    assert follower.spec == compile_(s)


def test_added_and_deleted_virtual_servers(follower: Follower, s: Session) -> None:
    first = follower.spec
    ok(s, "config load-balance virtual-server\nedit c1\nset type l7-load-balance\nset ip 10.9.9.9\n"
          "set load-balance-profile LB_PROF_HTTP\nset load-balance-pool pb\nend")
    second = follower.spec
    assert same(first, second) == {"a1", "a2", "b1"}
    assert sorted(second.virtual_servers) == ["a1", "a2", "b1", "c1"]
    ok(s, "config load-balance virtual-server\ndelete a2\nend")
    third = follower.spec
    assert sorted(third.virtual_servers) == ["a1", "b1", "c1"]
    assert same(second, third) == {"a1", "b1", "c1"}
    # a skipped one goes the same way
    ok(s, "config load-balance virtual-server\nedit any\nset type l7-load-balance\nset ip 10.9.9.10\nset port 0\n"
          "set load-balance-profile LB_PROF_HTTP\nset load-balance-pool pa\nend")
    assert list(follower.spec.skipped) == ["any"]
    ok(s, "config load-balance virtual-server\ndelete any\nend")
    assert follower.spec.skipped == {}
    assert follower.spec == compile_(s)


def test_invalidate_everything(follower: Follower, s: Session) -> None:
    first = follower.spec
    follower.compiler.invalidate()
    again = follower.compiler.compile(s.store.tree, s.store.generation)
    assert same(first, again) == set()
    assert again == first  # new objects, equal values
    # a whole table: every virtual server that read any of its entries
    follower.compiler.invalidate(("load-balance", "profile"), None)
    third = follower.compiler.compile(s.store.tree, s.store.generation)
    assert same(again, third) == set()  # a1/a2 read LB_PROF_HTTP, b1 read pb-prof
    follower.compiler.invalidate(("load-balance", "method"), None)  # nobody named a method
    assert same(third, follower.compiler.compile(s.store.tree, s.store.generation)) == {"a1", "a2", "b1"}


def test_replacing_the_configuration_recompiles_all(follower: Follower, s: Session) -> None:
    first = follower.spec
    s.store.replace(s.store.tree.copy())  # what restore and factoryreset do
    assert same(first, follower.spec) == set()
    assert follower.spec.virtual_servers == first.virtual_servers


def test_invalidating_before_the_first_compile_compiles_all(s: Session) -> None:
    ok(s, TWO_POOLS)
    compiler = SpecCompiler(SCHEMA, CERTS)
    compiler.invalidate(VS_PATH, "a1")
    assert sorted(compiler.compile(s.store.tree, 7).virtual_servers) == ["a1", "a2", "b1"]
    empty = SpecCompiler(SCHEMA, CERTS).compile(ConfigTree(), 0)
    assert empty == DataplaneSpec(0)
