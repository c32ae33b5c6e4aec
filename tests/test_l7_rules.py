"""Sans-IO units of the Layer-7 policies: content-routing rule lists, content rewriting, redirection
URLs, connection pool bounds (with trio's mock clock) and the compiler's view of them."""
from __future__ import annotations

import h11
import pytest
import trio
import trio.testing

from adc.dataplane.content_routing import RequestFacts, Rule, RuleList, compile_condition, l4_networks
from adc.dataplane.http_pool import IdlePool, UpstreamConnection
from adc.dataplane.redirect import redirect_location
from adc.dataplane.rewriting import compile_rewrite, rewrite_request, rewrite_response

from .http_servers import make_member, make_vs


def cond(obj: str, kind: str, content: str, reverse: bool = False, ignore_case: bool = False):  # type: ignore[no-untyped-def]
    return compile_condition(obj, kind, content, reverse, ignore_case)


def facts(**kw: str) -> RequestFacts:
    return RequestFacts(kw.pop("client_ip", "10.0.0.1"), **kw)


def test_conditions_string_regex_reverse_ignore_case_and_addresses() -> None:
    f = facts(host="www.Example.com", url="/api/v1?x=1", referer="https://r.example/", sni="tls.example")
    assert cond("http-request-url", "string", "/api/").test(f)
    assert not cond("http-request-url", "string", "/API/").test(f)
    assert cond("http-request-url", "string", "/API/", ignore_case=True).test(f)
    assert cond("http-host-header", "regular-expression", r"^www\.example\.com$", ignore_case=True).test(f)
    assert not cond("http-host-header", "regular-expression", r"^www\.example\.com$").test(f)
    assert cond("http-referer-header", "string", "r.example").test(f)
    assert cond("sni", "string", "tls.example").test(f)
    assert cond("http-request-url", "string", "/static", reverse=True).test(f)
    assert cond("ip-source-address", "string", "10.0.0.0/8").test(f)
    assert not cond("ip-source-address", "string", "10.0.0.0/8").test(facts(client_ip="192.168.1.1"))
    assert cond("ip-source-address", "string", "::1").test(facts(client_ip="::1"))


def test_rule_list_first_match_wins_and_a_rule_without_condition_matches_everything() -> None:
    rules = RuleList((
        Rule("api", "l7-content-routing", "A", (cond("http-request-url", "string", "/api"),
                                                cond("http-host-header", "string", "example"))),
        Rule("l4", "l4-content-routing", "B", networks=l4_networks("192.168.0.0/16", "::/0")),
        Rule("all", "l7-content-routing", "C"),
    ))
    assert rules.match(facts(url="/api", host="example.com")).target == "A"  # type: ignore[union-attr]
    assert rules.match(facts(url="/api", host="other.com")).target == "C"  # type: ignore[union-attr]
    assert rules.match(facts(client_ip="192.168.3.4")).target == "B"  # type: ignore[union-attr]
    assert rules.match(facts(client_ip="2001:db8::1")).target == "B"  # type: ignore[union-attr]
    assert RuleList(rules.rules[:1]).match(facts(url="/x")) is None


def test_bad_regular_expression_is_refused_at_compile() -> None:
    with pytest.raises(ValueError):
        cond("http-request-url", "regular-expression", "(unclosed")


def test_rewrite_redirect_back_references_and_response_location() -> None:
    to_https = compile_rewrite("r", {"action": "redirect", "redirect": "https://$0/$1"}, (
        cond("http-host-header", "regular-expression", "(.*)"),
        cond("http-request-url", "regular-expression", "^/(.*)$")))
    out = rewrite_request([to_https], facts(host="www.example.com", url="/a/b?c"), b"/a/b?c", [])
    assert (out.status, out.location) == (302, "https://www.example.com/a/b?c")
    loc = compile_rewrite("l", {"action-type": "response", "action": "rewrite_http_location",
                                "location": "http://example.com/"},
                          (cond("http-location-header", "regular-expression", r"server.*\.example\.com"),))
    hdrs = [(b"location", b"http://server1.example.com/x"), (b"x", b"y")]
    assert rewrite_response([loc], facts(), hdrs) == [(b"location", b"http://example.com/"), (b"x", b"y")]
    assert rewrite_response([loc], facts(), [(b"location", b"http://other/")]) == [(b"location", b"http://other/")]
    with pytest.raises(ValueError):
        compile_rewrite("bad", {"action-type": "response", "action": "redirect"}, ())


def test_redirect_location_keeps_host_and_url_and_names_a_non_443_port() -> None:
    vs = make_vs([])
    assert redirect_location(vs, "www.example.com:8080", "/a?b=1").startswith("https://www.example.com")
    vs443 = type(vs)(**{**vs.__dict__, "ports": ((443, 443),)})
    assert redirect_location(vs443, "www.example.com:80", "/a?b=1") == "https://www.example.com/a?b=1"
    assert redirect_location(vs443, "", "/") == f"https://{vs.ip}/"


async def test_connection_pool_age_and_timeout_bound_idle_connections(autojump_clock: trio.testing.MockClock) -> None:
    pool = IdlePool(idle_timeout=15.0)
    member = make_member("m", 1)

    def conn(**kw: float) -> UpstreamConnection:
        a, _ = trio.testing.memory_stream_pair()
        return UpstreamConnection(a, h11.Connection(h11.CLIENT), member, "k", **kw)  # type: ignore[arg-type]

    aged = conn(expires=trio.current_time() + 5)
    await pool.put(aged)
    await trio.sleep(6)
    assert await pool.take("k") is None  # older than the connection pool's age
    long_idle = conn(idle_limit=30.0)
    await pool.put(long_idle)
    await trio.sleep(20)
    assert await pool.take("k") is long_idle  # its pool's timeout (30 s), not the default 15 s
    await pool.put(long_idle)
    await trio.sleep(31)
    assert await pool.take("k") is None
    for _ in range(3):
        await pool.put(conn(), max_per_key=2)
    assert pool.count("k") == 2  # the connection pool's size
