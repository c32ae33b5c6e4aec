"""A content-routing virtual server's runtimes: one per rule of its ``content-routing-list``.

Each rule gets a runtime of its own, built at reconcile from the virtual server's spec with the
rule's pool, method, persistence and connection pool in place of the virtual server's (the
compiler already resolved what the rule inherits), so picking, persistence tables, counters and
member connections work per rule exactly as they do per virtual server. ``route`` is the only
per-request work: the compiled ``RuleList`` walked over the request's facts.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Generic, Mapping, TypeVar

from .content_routing import RequestFacts, RuleList
from .lb import PickContext
from .spec import RouteSpec, VirtualServerSpec

__all__ = ["RoutedRuntimes", "rule_spec"]

R = TypeVar("R")


def rule_spec(vs: VirtualServerSpec, route: RouteSpec) -> VirtualServerSpec:
    """The virtual server as one of its rules serves it (no client TLS: the listener has it)."""
    return replace(vs, pool=route.pool, method=route.method, persistence=route.persistence,
                   connection_pool=route.connection_pool, routes=None, client_tls=None)


class RoutedRuntimes(Generic[R]):
    """The rule runtimes of one generation of a content-routing virtual server.

    ``build(spec, old)`` makes a rule's runtime; ``old`` is the same rule's runtime of the previous
    generation (for persistence tables that survive a commit), or None.
    """

    def __init__(self, vs: VirtualServerSpec, build: Callable[[VirtualServerSpec, R | None], R],
                 old: "RoutedRuntimes[R] | None" = None) -> None:
        assert vs.routes is not None
        previous: Mapping[str, R] = old.by_name if old is not None else {}
        self.by_name: dict[str, R] = {}
        for rule in vs.routes.rules:
            if rule.name not in self.by_name:
                self.by_name[rule.name] = build(rule_spec(vs, rule.target), previous.get(rule.name))
        self.rules: RuleList[RouteSpec] = vs.routes

    def route(self, ctx: PickContext) -> tuple[str, R] | None:
        """The first matching rule's name and runtime, or None."""
        rule = self.rules.match(RequestFacts(ctx.client_ip, ctx.host, ctx.full_uri, ctx.referer, ctx.sni))
        if rule is None:
            return None
        return rule.name, self.by_name[rule.name]

    def runtimes(self) -> list[R]:
        return list(self.by_name.values())
