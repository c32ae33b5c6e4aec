"""Session persistence: the sans-IO table type by type (explicit ``now``), then end to end through the
appliance with curl's cookie jar and with new connections from one source address."""
from __future__ import annotations

import json
import socket
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from adc.dataplane.lb import Counters, PickContext, Picker, make_picker
from adc.dataplane.persistence import (
    DEFAULT_COOKIE,
    PersistenceTable,
    parse_cookies,
    source_key,
)
from adc.dataplane.spec import MemberSpec, PersistenceSpec, PoolSpec

from .dataplane_helpers import (
    appliance,
    free_port,
    pool_script,
    run,
    try_run,
    vs_ip,
    vs_script,
)
from .test_dataplane_l7 import get, http_backends


def member(name: str, **kw: object) -> MemberSpec:
    return MemberSpec(key=name, real_server=name, host=f"10.1.0.{ord(name[0]) % 250}", port=80, **kw)  # type: ignore[arg-type]


POOL = PoolSpec("p", (member("A"), member("B"), member("C")))


def ctx(ip: str = "10.0.0.1", port: int = 40000, cookie: str = "", tls: bytes = b"", uri: str = "/") -> PickContext:
    return PickContext(ip, port, "192.0.2.10", 80, uri=uri.split("?")[0], full_uri=uri, cookie=cookie, tls_session=tls)


def table(ptype: str, timeout: int = 300, keyword: str = "", max_entries: int = 262144) -> PersistenceTable:
    return PersistenceTable(PersistenceSpec("p", ptype, timeout, keyword), max_entries)


def rr(pool: PoolSpec = POOL) -> Picker:
    return make_picker("round-robin", pool)


def with_status(pool: PoolSpec, key: str, status: str) -> PoolSpec:
    return replace(pool, members=tuple(replace(m, status=status) if m.key == key else m for m in pool.members))


# ------------------------------------------------------------------------------ source address
def test_source_address_sticks_and_refreshes_on_use() -> None:
    t, p, load = table("source-address", timeout=10), rr(), Counters()
    first = t.pick(ctx(port=1), p, load, 0.0)
    assert first is not None
    # new connections (new source ports) keep the member; each use pushes the expiry forward
    assert [t.pick(ctx(port=n), p, load, float(n * 9)).key for n in range(1, 5)] == [first.key] * 4  # type: ignore[union-attr]
    assert t.pick(ctx(ip="10.0.0.2"), p, load, 40.0) != first  # another client is load balanced
    # 10 s of silence since its last use at 36: the entry is gone and round robin decides again
    assert [e.key for e in t.entries(45.9)] == ["10.0.0.1/32", "10.0.0.2/32"]
    assert [e.key for e in t.entries(46.0)] == ["10.0.0.2/32"]
    again = t.pick(ctx(), p, load, 46.0)
    assert again is not None and again != first


def test_source_address_mask_bits_and_mapped_ipv6() -> None:
    assert source_key("10.1.2.3", 24) == "10.1.2.0/24"
    assert source_key("::ffff:10.1.2.3", 24) == "10.1.2.0/24"
    assert source_key("2001:db8::1", 32, 64) == "2001:db8::/64"
    assert source_key("fe80::1%eth0") == "fe80::1/128"
    assert source_key("not-an-ip") == "not-an-ip"

    @dataclass(frozen=True)
    class Masked(PersistenceSpec):  # the spec fields the table reads when the compiler provides them
        ipv4_maskbits: int = 24
        ipv6_maskbits: int = 128

    t, p, load = PersistenceTable(Masked("m", "source-address")), rr(), Counters()
    m = t.pick(ctx("10.9.9.1"), p, load, 0)
    assert all(t.pick(ctx(f"10.9.9.{n}"), p, load, 1) == m for n in range(2, 6))
    assert t.pick(ctx("10.9.8.1"), p, load, 2) != m


def test_lru_eviction_at_max_entries() -> None:
    t, p, load = table("source-address", max_entries=3), rr(), Counters()
    for n in range(1, 4):
        t.pick(ctx(f"10.0.0.{n}"), p, load, float(n))
    t.pick(ctx("10.0.0.1"), p, load, 4.0)  # 10.0.0.1 is now the most recently used
    t.pick(ctx("10.0.0.4"), p, load, 5.0)  # a fourth client: the least recently used (.2) goes
    assert len(t) == 3
    assert [e.key.split("/")[0] for e in t.entries(5.0)] == ["10.0.0.3", "10.0.0.1", "10.0.0.4"]


def test_expired_entries_are_dropped_when_storing() -> None:
    t, p, load = table("source-address", timeout=5), rr(), Counters()
    for n in range(1, 4):
        t.pick(ctx(f"10.0.0.{n}"), p, load, 0.0)
    t.pick(ctx("10.0.0.9"), p, load, 6.0)
    assert len(t) == 1


@pytest.mark.parametrize("status", ["disable", "maintain", "down", "limit", "gone"])
def test_unusable_persisted_member_is_replaced_and_repersisted(status: str) -> None:
    t, load = table("source-address"), Counters()
    first = t.pick(ctx(), rr(), load, 0)
    assert first is not None
    pool = POOL
    if status in ("disable", "maintain"):
        pool = with_status(POOL, first.key, status)
    elif status == "down":
        load.set_health(first.ident, False)
    elif status == "limit":
        pool = replace(POOL, members=tuple(replace(m, connection_limit=1) if m == first else m for m in POOL.members))
        load.acquire(first.ident)
    else:
        pool = replace(POOL, members=tuple(m for m in POOL.members if m != first))
    p = rr(pool)
    second = t.pick(ctx(), p, load, 1)
    assert second is not None and second.ident != first.ident
    assert [e.ident for e in t.entries(1)] == [second.ident]  # persisted anew
    assert t.pick(ctx(), p, load, 2) == second


def test_exclude_skips_the_persisted_member_once() -> None:
    t, p, load = table("source-address"), rr(), Counters()
    first = t.pick(ctx(), p, load, 0)
    assert first is not None
    other = t.pick(ctx(), p, load, 1, exclude={first.ident})
    assert other is not None and other != first
    assert t.pick(ctx(), p, load, 2) == other


def test_no_member_leaves_none_and_no_entry() -> None:
    t, load = table("source-address"), Counters()
    dead = rr(PoolSpec("p", (member("A", status="disable"),)))
    assert t.pick(ctx(), dead, load, 0) is None
    assert len(t) == 0


# ------------------------------------------------------------------------------ SSL session id
def test_ssl_session_id_persists_with_timeout_and_empty_id_is_plain() -> None:
    t, p, load = table("ssl-session-id", timeout=30), rr(), Counters()
    m = t.pick(ctx(tls=b"\x01" * 32), p, load, 0)
    assert all(t.pick(ctx(ip=f"10.0.0.{n}", tls=b"\x01" * 32), p, load, n) == m for n in range(2, 6))
    assert t.pick(ctx(tls=b"\x01" * 32), p, load, 40) != m  # expired: round robin moved on
    assert [t.pick(ctx(), p, load, 41).key for _ in range(3)] == ["C", "A", "B"]  # type: ignore[union-attr]
    assert len(t) == 1


# ------------------------------------------------------------------------------ stateless hashes
def test_consistent_hash_ip_is_stable_and_moves_only_the_departed_members_keys() -> None:
    t, load = table("consistent-hash-ip"), Counters()
    clients = [f"10.2.{n // 200}.{n % 200}" for n in range(300)]
    before = {c: t.pick(ctx(c, port=n), rr(), load, 0).key for n, c in enumerate(clients)}  # type: ignore[union-attr]
    assert set(before.values()) == {"A", "B", "C"}
    assert all(t.pick(ctx(c, port=9), rr(), load, 1).key == before[c] for c in clients)  # type: ignore[union-attr]
    after = {c: t.pick(ctx(c), rr(with_status(POOL, "B", "disable")), load, 2).key for c in clients}  # type: ignore[union-attr]
    assert all(after[c] == before[c] for c in clients if before[c] != "B")
    assert all(after[c] != "B" for c in clients)
    assert len(t) == 0  # stateless


def test_hash_source_address_port_uses_the_port() -> None:
    t, p, load = table("hash-source-address-port"), rr(), Counters()
    assert t.pick(ctx(port=5), p, load, 0) == t.pick(ctx(port=5), p, load, 1)
    assert len({t.pick(ctx(port=n), p, load, 0).key for n in range(50)}) == 3  # type: ignore[union-attr]


def test_hash_cookie_hashes_the_keyword_cookie_or_picks_plainly() -> None:
    t, p, load = table("hash-cookie", keyword="sid"), rr(), Counters()
    picks = {t.pick(ctx(cookie=f"a=1; sid=user{n}"), p, load, 0).key for n in range(40)}  # type: ignore[union-attr]
    assert picks == {"A", "B", "C"}
    one = t.pick(ctx(cookie="sid=u7"), p, load, 0)
    assert all(t.pick(ctx(cookie="x=y; sid=u7"), p, load, 0) == one for _ in range(5))
    assert [t.pick(ctx(cookie="other=1"), p, load, 0).key for _ in range(3)] == ["A", "B", "C"]  # type: ignore[union-attr]


def test_hash_http_request_uses_the_url_parameter_and_header_hash_sees_host_only() -> None:
    t, p, load = table("hash-http-request", keyword="user"), rr(), Counters()
    m = t.pick(ctx(uri="/a?user=42&x=1"), p, load, 0)
    assert all(t.pick(ctx(uri=f"/b?x={n}&user=42"), p, load, 0) == m for n in range(5))
    assert [t.pick(ctx(uri="/a?x=1"), p, load, 0).key for _ in range(3)] == ["A", "B", "C"]  # type: ignore[union-attr]
    h = table("hash-http-header", keyword="X-User")
    assert [h.pick(ctx(), p, load, 0).key for _ in range(3)] == ["A", "B", "C"]  # type: ignore[union-attr]


@pytest.mark.parametrize("ptype", ["passive-cookie", "rdp-cookie", "sip-call-id", "radius-attribute",
                                   "iso8583-bitmap", "diameter-session-id"])
def test_types_without_a_visible_key_pick_plainly(ptype: str) -> None:
    t, p, load = table(ptype, keyword="k"), rr(), Counters()
    assert [t.pick(ctx(cookie="k=1"), p, load, 0).key for _ in range(3)] == ["A", "B", "C"]  # type: ignore[union-attr]
    assert t.response_headers(POOL.members[0], ctx(), []) == []


def test_no_persistence_is_the_plain_method() -> None:
    t, p, load = PersistenceTable(None), rr(), Counters()
    assert [t.pick(ctx(), p, load, 0).key for _ in range(4)] == ["A", "B", "C", "A"]  # type: ignore[union-attr]
    assert t.response_headers(POOL.members[0], ctx(), [(b"a", b"b")]) == [(b"a", b"b")]


# ------------------------------------------------------------------------------ cookies
def test_parse_cookies_several_headers_quotes_and_junk() -> None:
    assert parse_cookies('a=1; b="two words"; c; =x; d=; a=2;e = 5') == {"a": "1", "b": "two words", "d": "", "e": "5"}


def test_insert_cookie_routes_by_cookie_and_sets_it_once() -> None:
    t, p, load = table("insert-cookie", keyword="SRV"), rr(), Counters()
    m = t.pick(ctx(cookie="x=1"), p, load, 0)
    assert m is not None and m.key == "A"
    hdrs = t.response_headers(m, ctx(cookie="x=1"), [(b"content-type", b"text/plain")])
    assert hdrs == [(b"content-type", b"text/plain"), (b"set-cookie", b"SRV=A; Path=/")]
    # with the cookie (among others, quoted or not) every request goes to A, and no cookie is re-sent
    for cookie in ("SRV=A", 'x=1; SRV="A"; y=2', "x=1; SRV=A; SRV=B"):
        assert t.pick(ctx(cookie=cookie), p, load, 1) == m
        assert t.response_headers(m, ctx(cookie=cookie), []) == []
    # an unknown value is load balanced and corrected
    other = t.pick(ctx(cookie="SRV=nobody"), p, load, 2)
    assert other is not None and other != m
    assert t.response_headers(other, ctx(cookie="SRV=nobody"), []) == [(b"set-cookie", f"SRV={other.key}; Path=/".encode())]
    assert len(t) == 0  # the cookie is the state


def test_insert_cookie_replaces_an_unusable_member_with_a_new_cookie() -> None:
    t, load = table("insert-cookie"), Counters()
    p = rr(with_status(POOL, "A", "maintain"))
    m = t.pick(ctx(cookie=f"{DEFAULT_COOKIE}=A"), p, load, 0)
    assert m is not None and m.key != "A"
    assert t.response_headers(m, ctx(cookie=f"{DEFAULT_COOKIE}=A"), []) == [
        (b"set-cookie", f"{DEFAULT_COOKIE}={m.key}; Path=/".encode())]


def test_persistent_cookie_has_max_age_and_is_always_refreshed() -> None:
    t, p, load = table("persistent-cookie", timeout=600, keyword="S"), rr(), Counters()
    m = t.pick(ctx(cookie="S=B"), p, load, 0)
    assert m is not None and m.key == "B"
    assert t.response_headers(m, ctx(cookie="S=B"), []) == [(b"set-cookie", b"S=B; Path=/; Max-Age=600")]


@pytest.mark.parametrize("ptype", ["rewrite-cookie", "embedded-cookie"])
def test_rewrite_and_embedded_cookie_behave_as_insert(ptype: str) -> None:
    t, p, load = table(ptype, keyword="K"), rr(), Counters()
    assert t.pick(ctx(cookie="K=C"), p, load, 0).key == "C"  # type: ignore[union-attr]
    assert t.response_headers(POOL.members[0], ctx(), []) == [(b"set-cookie", b"K=A; Path=/")]


def test_cookie_values_are_member_cookies_made_unique_and_safe() -> None:
    shared = PoolSpec("p", (member("1", cookie="rs"), member("2", cookie="rs"), member("3", cookie="my app;x")))
    t, p, load = table("insert-cookie"), rr(shared), Counters()
    picks = [t.pick(ctx(), p, load, 0) for _ in range(3)]
    values = [t.response_headers(m, ctx(), [])[0][1].decode() for m in picks if m is not None]
    assert values == [f"{DEFAULT_COOKIE}=rs-1; Path=/", f"{DEFAULT_COOKIE}=rs-2; Path=/", f"{DEFAULT_COOKIE}=my%20app%3Bx; Path=/"]
    assert t.pick(ctx(cookie=f"{DEFAULT_COOKIE}=rs-2"), p, load, 0).key == "2"  # type: ignore[union-attr]
    assert t.pick(ctx(cookie=f"{DEFAULT_COOKIE}=my%20app%3Bx"), p, load, 0).key == "3"  # type: ignore[union-attr]


def test_cookie_attributes_from_the_spec_when_present() -> None:
    @dataclass(frozen=True)
    class WithAttrs(PersistenceSpec):
        cookie_domain: str = ".example.com"
        cookie_httponly: bool = True
        cookie_secure: bool = True
        cookie_samesite: str = "lax"
        cookie_custom_attr: str = "Partitioned"

    t = PersistenceTable(WithAttrs("c", "insert-cookie", keyword="S"))
    assert t.set_cookie("A") == "S=A; Path=/; Domain=.example.com; HttpOnly; Secure; SameSite=Lax; Partitioned"


# ------------------------------------------------------------------------------ end to end
def _curl(jar: Path, url: str, n: int) -> list[str]:
    """``n`` curl processes (a new connection each) sharing one cookie jar; the backends they reached."""
    out = []
    for _ in range(n):
        r = subprocess.run(["curl", "-s", "--max-time", "10", "-c", str(jar), "-b", str(jar), url],
                           capture_output=True, timeout=20, check=True)
        out.append(json.loads(r.stdout)["server"])
    return out


def test_persistence_objects_commit_only_with_compatible_profiles() -> None:
    with appliance() as app:
        s = app.session()
        run(s, "config load-balance persistence\nedit ck\nset type insert-cookie\nend")
        run(s, pool_script("p", [free_port()]))
        _, err = try_run(s, vs_script("v", vs_ip(), free_port(), "p", extra="set load-balance-persistence ck"))
        assert "-4241" in err  # insert-cookie with a TCP profile
        run(s, vs_script("v2", vs_ip(), free_port(), "p", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                         extra="set load-balance-persistence ck"))


def test_insert_cookie_with_curl_cookie_jars(tmp_path: Path) -> None:
    with http_backends("A", "B", "C") as bs, appliance() as app:
        s = app.session()
        run(s, "config load-balance persistence\nedit sticky\nset type insert-cookie\nset keyword ADCSRV\nend")
        # one real server, three ports: the member cookies are made unique per member
        run(s, pool_script("web", [b.port for b in bs]))
        ip, port = vs_ip(), free_port()
        run(s, vs_script("web", ip, port, "web", profile="LB_PROF_HTTP", vs_type="l7-load-balance",
                         extra="set load-balance-persistence sticky"))
        url = f"http://{ip}:{port}/"
        first = _curl(tmp_path / "j1", url, 4)
        assert len(set(first)) == 1, first
        assert "ADCSRV" in (tmp_path / "j1").read_text()
        second = _curl(tmp_path / "j2", url, 3)  # round robin moved on: a new jar lands elsewhere
        assert len(set(second)) == 1 and second[0] != first[0], (first, second)
        # without a jar each request is load balanced
        assert len({get(ip, port)["server"] for _ in range(3)}) == 3
        # the first jar's member is disabled: the next request moves and the jar gets the new cookie
        member = {"A": 1, "B": 2, "C": 3}[first[0]]
        run(s, f"config load-balance pool\nedit web\nconfig pool_member\nedit {member}\nset status disable\nend\nend")
        moved = _curl(tmp_path / "j1", url, 3)
        assert first[0] not in moved and len(set(moved)) == 1, moved


def _l4_get(ip: str, port: int) -> str:
    """One HTTP request on a fresh connection (new source port) through an L4 VS."""
    with socket.create_connection((ip, port), timeout=10) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])["server"]


@pytest.mark.parametrize("vs_type", ["l4-load-balance", "l7-load-balance"])
def test_source_address_keeps_a_client_across_connections(vs_type: str) -> None:
    with http_backends("A", "B", "C") as bs, appliance() as app:
        s = app.session()
        run(s, pool_script("src", [b.port for b in bs]))
        ip, port = vs_ip(), free_port()
        profile = "LB_PROF_TCP" if vs_type == "l4-load-balance" else "LB_PROF_HTTP"
        run(s, vs_script("src", ip, port, "src", profile=profile, vs_type=vs_type,
                         extra="set load-balance-persistence LB_PERSIS_SRC_ADDR"))
        seen = [_l4_get(ip, port) for _ in range(5)]
        assert len(set(seen)) == 1, seen
        member = {"A": 1, "B": 2, "C": 3}[seen[0]]
        run(s, f"config load-balance pool\nedit src\nconfig pool_member\nedit {member}\nset status disable\nend\nend")
        moved = [_l4_get(ip, port) for _ in range(4)]
        assert seen[0] not in moved and len(set(moved)) == 1, moved
