"""Load-balancing pickers: weighted round robin, least connection, hashing, availability, backups."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from adc.dataplane.lb import (
    METHOD_TYPES,
    Counters,
    PickContext,
    Picker,
    host_domain,
    make_picker,
)
from adc.dataplane.spec import MemberSpec, PoolSpec

CTX = PickContext("10.0.0.1", 40000, "192.0.2.10", 80)
HASH_METHODS = {
    "uri-hash": lambda k: PickContext("10.0.0.1", 1, "192.0.2.10", 80, uri=k, full_uri=k),
    "full-uri-hash": lambda k: PickContext("10.0.0.1", 1, "192.0.2.10", 80, uri="/same", full_uri=k),
    "host-hash": lambda k: PickContext("10.0.0.1", 1, "192.0.2.10", 80, host=k),
    "host-domain-hash": lambda k: PickContext("10.0.0.1", 1, "192.0.2.10", 80, host="www." + k),
    "dest-ip-hash": lambda k: PickContext("10.0.0.1", 1, k, 80),
}


def member(name: str, weight: int = 1, **kw: object) -> MemberSpec:
    return MemberSpec(key=name, real_server=name, host=f"10.1.0.{ord(name[0]) % 250}", port=80, weight=weight, **kw)  # type: ignore[arg-type]


def pool(*members: MemberSpec) -> PoolSpec:
    return PoolSpec("p", members)


def names(picker: Picker, load: Counters, n: int, ctx: PickContext = CTX) -> str:
    out = []
    for _ in range(n):
        m = picker.pick(ctx, load)
        out.append(m.key if m else "-")
    return "".join(out)


# ------------------------------------------------------------------------------- round robin
def test_weighted_rr_two_to_one() -> None:
    p = make_picker("round-robin", pool(member("A", 2), member("B", 1)))
    assert names(p, Counters(), 6) == "AABAAB"


def test_weighted_rr_three_members() -> None:
    p = make_picker("round-robin", pool(member("A", 3), member("B", 1), member("C", 2)))
    assert names(p, Counters(), 12) == "AAABCC" * 2


def test_rr_equal_weights_and_empty_type() -> None:
    p = make_picker("", pool(member("A"), member("B"), member("C")))
    assert names(p, Counters(), 6) == "ABCABC"


def test_rr_skips_unavailable_without_breaking_pattern() -> None:
    load = Counters()
    a, b, c = member("A", 2), member("B", 1), member("C", 1)
    p = make_picker("round-robin", pool(a, b, c))
    load.set_health(c.ident, False)
    assert names(p, load, 6) == "AABAAB"
    load.set_health(c.ident, True)
    load.set_health(b.ident, False)
    assert names(p, load, 6) == "CAACAA"  # the position was at C; B is skipped, the rest keep their slots


@pytest.mark.parametrize("status", ["disable", "maintain"])
def test_disable_and_maintain_get_no_new_traffic(status: str) -> None:
    p = make_picker("round-robin", pool(member("A"), member("B", status=status), member("C")))
    assert names(p, Counters(), 6) == "ACACAC"
    lc = make_picker("least-connection", pool(member("B", status=status), member("A")))
    assert names(lc, Counters(), 3) == "AAA"


def test_connection_limit_respected() -> None:
    load = Counters()
    a, b = member("A", connection_limit=2), member("B", connection_limit=1)
    p = make_picker("round-robin", pool(a, b))
    got = []
    for _ in range(4):
        m = p.pick(CTX, load)
        got.append(m.key if m else "-")
        if m:
            load.acquire(m.ident)
    assert got == ["A", "B", "A", "-"]
    assert load.active(a.ident) == 2 and load.active(b.ident) == 1
    load.release(b.ident)
    assert p.pick(CTX, load) == b
    assert load.total(a.ident) == 2


def test_counters() -> None:
    c = Counters()
    c.acquire("x")
    c.acquire("x")
    c.release("x")
    assert (c.active("x"), c.total("x")) == (1, 2)
    c.release("x")
    c.release("x")  # never negative
    assert c.active("x") == 0
    assert c.healthy("x")
    c.set_health("x", False)
    assert not c.healthy("x")
    c.set_health("x", True)
    assert c.healthy("x")


# ------------------------------------------------------------------------------------ backups
@pytest.mark.parametrize("method", METHOD_TYPES)
def test_backup_only_when_all_primaries_unavailable(method: str) -> None:
    load = Counters()
    a, b = member("A"), member("B", status="maintain")
    x, y = member("X", backup=True), member("Y", backup=True)
    p = make_picker(method, pool(x, a, b, y))
    for _ in range(5):
        assert p.pick(CTX, load) == a
    load.set_health(a.ident, False)
    seen = {p.pick(CTX, load) for _ in range(6)}
    assert seen <= {x, y} and seen
    assert p.available(load) == [x, y]
    load.set_health(a.ident, True)
    assert p.pick(CTX, load) == a
    assert p.available(load) == [a]


def test_backup_round_robin_and_usable() -> None:
    load = Counters()
    a = member("A")
    x, y = member("X", backup=True), member("Y", backup=True)
    p = make_picker("round-robin", pool(a, x, y))
    load.set_health(a.ident, False)
    assert names(p, load, 4) == "XYXY"
    assert not p.usable(a, load) and p.usable(x, load)
    assert p.find(x.ident) == x and p.find("nope") is None


def test_empty_pool_and_nothing_available() -> None:
    for method in METHOD_TYPES:
        assert make_picker(method, pool()).pick(CTX, Counters()) is None
        p = make_picker(method, pool(member("A", status="disable"), member("B", backup=True, status="maintain")))
        assert p.pick(CTX, Counters()) is None
        assert p.available(Counters()) == []


def test_unknown_method() -> None:
    with pytest.raises(ValueError):
        make_picker("random", pool(member("A")))


# --------------------------------------------------------------------------- least connection
@pytest.mark.parametrize("method", ["least-connection", "fastest-response", "dynamic-load"])
def test_least_connection(method: str) -> None:
    load = Counters()
    a, b, c = member("A", 1), member("B", 3), member("C", 3)
    p = make_picker(method, pool(a, b, c))
    assert p.pick(CTX, load) == b  # all at 0: higher weight, then member order
    load.acquire(b.ident)
    assert p.pick(CTX, load) == c
    load.acquire(c.ident)
    assert p.pick(CTX, load) == a  # A has 0, the others 1
    load.acquire(a.ident)
    assert p.pick(CTX, load) == b  # all at 1 again
    assert load.active(b.ident) == 1  # the picker does not acquire


def test_least_connection_fills_evenly() -> None:
    load = Counters()
    members = [member(n) for n in "ABC"]
    p = make_picker("least-connection", pool(*members))
    for _ in range(30):
        m = p.pick(CTX, load)
        assert m is not None
        load.acquire(m.ident)
    assert [load.active(m.ident) for m in members] == [10, 10, 10]


# ------------------------------------------------------------------------------------- hashes
def test_host_domain() -> None:
    assert host_domain("www.example.com") == "example.com"
    assert host_domain("a.b.example.co.uk") == "b.example.co.uk"
    assert host_domain("example.com") == "example.com"
    assert host_domain("localhost") == "localhost"
    assert host_domain("WWW.Example.COM.") == "example.com"
    assert host_domain("192.168.1.10") == "192.168.1.10"


@pytest.mark.parametrize("method", list(HASH_METHODS))
def test_hash_same_key_same_member_and_spread(method: str) -> None:
    ctx = HASH_METHODS[method]
    members = [member(n) for n in "ABC"]
    p = make_picker(method, pool(*members))
    load = Counters()
    for k in ("key-1", "key-2", "key-3"):
        first = p.pick(ctx(k), load)
        assert all(p.pick(ctx(k), load) == first for _ in range(5))
    # a fresh picker (another commit, another process) agrees: the hash is stable
    again = make_picker(method, pool(*members))
    assert all(p.pick(ctx(f"k{i}"), load) == again.pick(ctx(f"k{i}"), load) for i in range(50))
    keys = [f"10.9.{i // 250}.{i % 250}" if method == "dest-ip-hash" else f"/path/{i}" for i in range(1000)]
    if method in ("host-hash", "host-domain-hash"):
        keys = [f"site{i}.example" for i in range(1000)]
    share = Counter(p.pick(ctx(k), load) for k in keys)
    assert set(share) == set(members)
    assert all(200 <= share[m] <= 470 for m in members), share


def test_hash_uses_weights() -> None:
    a, b = member("A", 3), member("B", 1)
    p = make_picker("uri-hash", pool(a, b))
    share = Counter(p.pick(HASH_METHODS["uri-hash"](f"/{i}"), Counters()) for i in range(2000))
    assert 0.68 <= share[a] / 2000 <= 0.82, share


@pytest.mark.parametrize("method", list(HASH_METHODS))
def test_rendezvous_stability(method: str) -> None:
    ctx = HASH_METHODS[method]
    members = [member(n, w) for n, w in zip("ABCD", (1, 2, 1, 3))]
    full = make_picker(method, pool(*members))
    load = Counters()
    keys = [f"k{i}" for i in range(400)] if method != "dest-ip-hash" else [f"10.8.0.{i}" for i in range(250)]
    before = {k: full.pick(ctx(k), load) for k in keys}
    gone = members[1]
    # by removal from the pool ...
    smaller = make_picker(method, pool(*(m for m in members if m is not gone)))
    # ... or by the member going down
    load_down = Counters()
    load_down.set_health(gone.ident, False)
    for picker, ld in ((smaller, load), (full, load_down)):
        moved = 0
        for k in keys:
            after = picker.pick(ctx(k), ld)
            if before[k] != gone:
                assert after == before[k], k
            else:
                assert after != gone
                moved += 1
        assert moved > 0


def test_host_domain_hash_groups_subdomains() -> None:
    p = make_picker("host-domain-hash", pool(*(member(n) for n in "ABCDE")))
    load = Counters()
    for d in ("example.com", "foo.org", "bar.net", "a.b.c"):
        picks = {p.pick(PickContext("1.1.1.1", 1, "2.2.2.2", 80, host=f"{s}.{d}"), load) for s in ("www", "api", "x")}
        assert len(picks) == 1, d


def test_dest_ip_hash_ignores_client() -> None:
    p = make_picker("dest-ip-hash", pool(*(member(n) for n in "ABCD")))
    load = Counters()
    for dest in ("192.0.2.1", "192.0.2.2", "198.51.100.7"):
        picks = {p.pick(PickContext(f"10.0.0.{i}", 1000 + i, dest, 80), load) for i in range(20)}
        assert len(picks) == 1


@pytest.mark.parametrize("method", list(HASH_METHODS))
def test_hash_empty_key_falls_back_to_round_robin(method: str) -> None:
    p = make_picker(method, pool(member("A", 2), member("B")))
    empty = PickContext("10.0.0.1", 1, "", 80)
    assert names(p, Counters(), 6, empty) == "AABAAB"


# ----------------------------------------------------------------------------------- property
_members = st.lists(
    st.tuples(
        st.integers(1, 5),  # weight
        st.sampled_from(["enable", "enable", "disable", "maintain"]),
        st.booleans(),  # backup
        st.integers(0, 3),  # connection limit
        st.integers(0, 4),  # active
        st.booleans(),  # healthy
    ),
    max_size=6,
)
_ctx = st.builds(
    PickContext,
    client_ip=st.sampled_from(["10.0.0.1", "10.0.0.2"]),
    client_port=st.integers(1, 65535),
    dest_ip=st.sampled_from(["", "192.0.2.1", "192.0.2.2"]),
    dest_port=st.just(80),
    host=st.sampled_from(["", "www.example.com", "example.org", "a.b.c.d"]),
    uri=st.text(max_size=5),
    full_uri=st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(_members, st.sampled_from(METHOD_TYPES), st.lists(_ctx, min_size=1, max_size=8))
def test_pick_is_none_iff_nothing_available(spec: list[tuple[int, str, bool, int, int, bool]], method: str, ctxs: list[PickContext]) -> None:
    members = []
    load = Counters()
    for i, (weight, status, backup, limit, active, healthy) in enumerate(spec):
        m = MemberSpec(str(i), f"rs{i}", f"10.2.0.{i}", 80, weight, status, backup, limit)
        members.append(m)
        for _ in range(active):
            load.acquire(m.ident)
        load.set_health(m.ident, healthy)
    p = make_picker(method, pool(*members))
    avail = p.available(load)
    expected = [m for m in members if p.usable(m, load)]
    assert avail == ([m for m in expected if not m.backup] or expected)
    for ctx in ctxs:
        got = p.pick(ctx, load)
        assert (got is None) == (not avail)
        if got is not None:
            assert got in avail
            assert got.status == "enable" and load.healthy(got.ident)
            assert got.connection_limit == 0 or load.active(got.ident) < got.connection_limit
